"""The one function that touches the accelerator, ready for ZeroGPU.

On a Hugging Face ZeroGPU Space the ``spaces`` package is installed and a
GPU is attached only while a function decorated with ``@spaces.GPU`` runs.
Everywhere else (CPU Spaces, GPU Spaces, a laptop) the decorator is a no-op.

ZeroGPU runs the decorated function in a worker process and sends its
arguments there, so it receives plain arrays and the *name* of a registry
entry rather than a live model; the model itself is reached through
:data:`_REGISTRIES`, which the worker inherits.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..result import MattingResult

try:  # pragma: no cover - depends on the hosting environment
    import spaces  # type: ignore[import-not-found]

    gpu_function: Callable[..., Any] = spaces.GPU(duration=120)
    ON_ZERO_GPU = True
except Exception:  # ImportError, or spaces present but unusable outside a Space

    def gpu_function(fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn

    ON_ZERO_GPU = False

#: registry id -> EngineRegistry; filled by :func:`register`.
_REGISTRIES: dict[int, Any] = {}


def register(registry: Any) -> int:
    """Make ``registry`` reachable from :func:`run_engine`; returns its key."""
    key = id(registry)
    _REGISTRIES[key] = registry
    return key


@gpu_function
def run_engine(
    registry_key: int, engine: str, image: np.ndarray, trimap: np.ndarray, options: dict | None = None
) -> MattingResult:
    """Run the named engine of a registered registry on clean arrays."""
    matter = _REGISTRIES[registry_key].resolve(engine)
    return matter(image, trimap, **(options or {}))
