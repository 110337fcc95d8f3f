"""Choosing the torch device, the same way for loading weights and running them."""
from __future__ import annotations

import torch

from .io import quoted


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` -> CUDA when available, else CPU; otherwise the named device,
    refused with a clear message (a ``ValueError``) if it does not exist here,
    so a typo or a missing GPU is reported before any weights are read."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"Unknown device {quoted(device)}: {quoted(str(exc), 200)}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"Device {quoted(device)} was asked for but CUDA is not available; use device='cpu'.")
    return resolved
