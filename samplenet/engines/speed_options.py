"""Speed options of the SampleNet engine: precision and reduced-resolution
sampling (the thread count is a process setting: :mod:`samplenet.process`).

Kept apart from the engine so that each rule (what is allowed where, what
it costs in accuracy) is stated once, next to its check.

* **Precision** (``"fp32"``, ``"bf16"``, ``"fp16"``): the networks' weights
  stay in float32; lower precisions run convolutions under
  :func:`torch.autocast`, while the contextual attention always computes in
  float32 (its softmax multiplies scores by 10, which bf16's 8-bit
  mantissa could not carry). bf16 needs CUDA or a CPU with native bf16
  (AVX-512 BF16 / AMX); fp16 needs CUDA.
* **Reduced-resolution sampling** (``sampling_max_side``): the two sampling
  networks, whose contextual attention grows with the square of the pixel
  count, run on a copy of the photo whose longer side is at most that many
  pixels; their colours are upsampled and the matting network runs at full
  resolution (tensor resampling in :mod:`samplenet.engines.resampling`).
  A speed/quality trade-off, off by default.
"""
from __future__ import annotations

import contextlib

import torch

from ..errors import MattingInputError
from ..io import quoted

#: Names accepted by ``precision=``.
PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}

#: Smallest accepted ``sampling_max_side`` (the samplers need a few 1/8
#: cells of context on each side to be of any use).
MIN_SAMPLING_SIDE = 64


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bf16 natively (oneDNN's own test)."""
    check = getattr(getattr(torch.ops, "mkldnn", None), "_is_mkldnn_bf16_supported", None)
    try:
        return bool(check()) if check is not None else False
    except RuntimeError:
        return False


def resolve_precision(precision: str | None, half: bool, device: torch.device) -> torch.dtype:
    """The compute dtype for ``precision`` (``None`` = ``"fp16"`` if ``half``
    else ``"fp32"``), refused with a reason where the device cannot do it."""
    if precision is None:
        precision = "fp16" if half else "fp32"
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise MattingInputError(f"precision must be one of {', '.join(PRECISIONS)}, got {quoted(precision)}")
    if half and precision != "fp16":
        raise MattingInputError(f"half=True means precision='fp16'; it contradicts precision={quoted(precision)}")
    if precision == "fp16" and device.type != "cuda":
        raise MattingInputError(
            f"float16 is only supported on CUDA, but the device is {device}; "
            "use precision='fp32' (or 'bf16' on a CPU with native bf16)."
        )
    if precision == "bf16" and device.type == "cpu" and not cpu_supports_bf16():
        raise MattingInputError(
            "precision='bf16' needs a CPU with native bf16 (AVX-512 BF16 or AMX); this one has none, "
            "so it would be slower than float32. Use precision='fp32'."
        )
    return PRECISIONS[precision]


def precision_context(device: torch.device, dtype: torch.dtype) -> contextlib.AbstractContextManager:
    """Autocast for reduced precision, nothing for float32."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def check_sampling_max_side(value: int | None) -> int | None:
    """``None`` (sample at full resolution) or an int >= 64."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_SAMPLING_SIDE:
        raise MattingInputError(
            f"sampling_max_side must be None or a whole number of pixels >= {MIN_SAMPLING_SIDE}, got {quoted(value)}"
        )
    return value
