"""Speed options of the SampleNet engine: precision, threads and
reduced-resolution sampling.

Kept apart from the engine so that each rule (what is allowed where, what
it costs in accuracy) is stated once, next to its check.

* **Precision** (``"fp32"``, ``"bf16"``, ``"fp16"``): the networks' weights
  stay in float32; lower precisions run convolutions under
  :func:`torch.autocast`, while the contextual attention always computes in
  float32 (its softmax multiplies scores by 10, which bf16's 8-bit
  mantissa could not carry). bf16 needs CUDA or a CPU with native bf16
  (AVX-512 BF16 / AMX); fp16 needs CUDA.
* **Threads**: ``threads=N`` or the ``SAMPLENET_THREADS`` environment
  variable call :func:`torch.set_num_threads` once when the engine is built
  (PyTorch's own default, one thread per physical core, is kept otherwise).
* **Reduced-resolution sampling** (``sampling_max_side``): the two sampling
  networks, whose contextual attention grows with the square of the pixel
  count, run on a copy of the photo whose longer side is at most that many
  pixels; their colours are upsampled and the matting network runs at full
  resolution. A speed/quality trade-off, off by default.
"""
from __future__ import annotations

import contextlib
import os
from typing import Optional

import torch
import torch.nn.functional as F

from ..io import quoted

#: Names accepted by ``precision=``.
PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}

#: Environment variable read for the thread count when ``threads`` is not given.
THREADS_ENV = "SAMPLENET_THREADS"

#: Smallest accepted ``sampling_max_side`` (the samplers need a few 1/8
#: cells of context on each side to be of any use).
MIN_SAMPLING_SIDE = 64

#: Sides of the networks' inputs are multiples of this.
SIZE_MULTIPLE = 8


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bf16 natively (oneDNN's own test)."""
    check = getattr(getattr(torch.ops, "mkldnn", None), "_is_mkldnn_bf16_supported", None)
    try:
        return bool(check()) if check is not None else False
    except RuntimeError:
        return False


def resolve_precision(precision: Optional[str], half: bool, device: torch.device) -> torch.dtype:
    """The compute dtype for ``precision`` (``None`` = ``"fp16"`` if ``half``
    else ``"fp32"``), refused with a reason where the device cannot do it."""
    if precision is None:
        precision = "fp16" if half else "fp32"
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {quoted(precision)}")
    if half and precision != "fp16":
        raise ValueError(f"half=True means precision='fp16'; it contradicts precision={quoted(precision)}")
    if precision == "fp16" and device.type != "cuda":
        raise ValueError(
            f"float16 is only supported on CUDA, but the device is {device}; "
            "use precision='fp32' (or 'bf16' on a CPU with native bf16)."
        )
    if precision == "bf16" and device.type == "cpu" and not cpu_supports_bf16():
        raise ValueError(
            "precision='bf16' needs a CPU with native bf16 (AVX-512 BF16 or AMX); this one has none, "
            "so it would be slower than float32. Use precision='fp32'."
        )
    return PRECISIONS[precision]


def precision_context(device: torch.device, dtype: torch.dtype) -> contextlib.AbstractContextManager:
    """Autocast for reduced precision, nothing for float32."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def apply_threads(threads: Optional[int]) -> Optional[int]:
    """Set PyTorch's intra-op thread count from ``threads`` or
    ``$SAMPLENET_THREADS``; returns the count set, or ``None`` if neither was
    given (PyTorch's default stays)."""
    source = "threads"
    if threads is None:
        text = os.environ.get(THREADS_ENV, "").strip()
        if not text:
            return None
        source = THREADS_ENV
        try:
            threads = int(text)
        except ValueError:
            raise ValueError(f"{THREADS_ENV}={quoted(text)} is not a whole number of threads") from None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"{source} must be a positive whole number, got {quoted(threads)}")
    torch.set_num_threads(threads)
    return threads


def check_sampling_max_side(value: Optional[int]) -> Optional[int]:
    """``None`` (sample at full resolution) or an int >= 64."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_SAMPLING_SIDE:
        raise ValueError(
            f"sampling_max_side must be None or a whole number of pixels >= {MIN_SAMPLING_SIDE}, got {quoted(value)}"
        )
    return value


def sampling_size(height: int, width: int, max_side: Optional[int]) -> Optional[tuple[int, int]]:
    """``(h, w)`` at which to run the samplers, or ``None`` for full size:
    the aspect ratio kept, the longer side at most ``max_side``, both sides
    multiples of 8."""
    if max_side is None or max(height, width) <= max_side:
        return None
    scale = max_side / max(height, width)

    def side(n: int) -> int:
        return max(SIZE_MULTIPLE, int(n * scale) // SIZE_MULTIPLE * SIZE_MULTIPLE)

    return side(height), side(width)


def shrink_trimap(trimap: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """A ``Bx1xHxW`` trimap (0, 1, 2) at ``size``, cautiously: a cell is
    background (0) or foreground (2) only if every full-resolution pixel it
    covers is; anything mixed is unknown (1). Nearest-neighbour resizing
    could instead drop a thin unknown band, and the samplers would then copy
    colours from pixels that are partly the subject."""
    all_background = F.interpolate((trimap > 0.5).float(), size=size, mode="area") == 0
    all_foreground = F.interpolate((trimap < 1.5).float(), size=size, mode="area") == 0
    small = torch.ones_like(all_background, dtype=trimap.dtype)
    small[all_background] = 0.0
    small[all_foreground] = 2.0
    return small


def shrink_image(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Antialiased bilinear downscale of a ``Bx3xHxW`` image."""
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True)


def grow_colours(colours: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear upscale of sampled colours back to the photo's size."""
    return F.interpolate(colours, size=size, mode="bilinear", align_corners=False).clamp(-1.0, 1.0)
