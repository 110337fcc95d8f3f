"""Resampling tensors between the photo's size and the samplers' size.

The reduced-resolution sampling of the SampleNet engine
(``sampling_max_side``, see :mod:`samplenet.engines.speed_options`) runs the
two sampling networks on a smaller copy of the photo and trimap and brings
their colours back to full size; the rules for shrinking each kind of input
live here, beside the pipeline that uses them.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..io import BACKGROUND, FOREGROUND, UNKNOWN
from ..models.samplenet import SIZE_MULTIPLE
from ..trimap_scale import shrink_trimap as shrink_trimap_array

#: The trimap's levels (0, 1, 2) as the grey values the shrink rule reads.
TRIMAP_GREYS = np.array([BACKGROUND, UNKNOWN, FOREGROUND], np.uint8)


def sampling_size(height: int, width: int, max_side: int | None) -> tuple[int, int] | None:
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
    """A ``Bx1xHxW`` trimap (0, 1, 2) at ``size`` = ``(h, w)`` by the one
    rule every shrink follows (:func:`samplenet.trimap_scale.shrink_trimap`):
    mixed cells are unknown, so a thin band survives and the samplers never
    copy colours from pixels that are partly the subject, and a label that
    would vanish keeps every cell it touches.  The trimap is small (one
    byte a pixel), so it makes the round trip through the CPU."""
    grey = TRIMAP_GREYS[trimap.round().clamp(0, 2).to(torch.long).cpu().numpy()]
    shrunk = [shrink_trimap_array(one[0], (size[1], size[0])) // 127 for one in grey]
    return torch.from_numpy(np.stack(shrunk)[:, None]).to(trimap.device, trimap.dtype)


def shrink_image(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Antialiased bilinear downscale of a ``Bx3xHxW`` image."""
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True)


def grow_colours(colours: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear upscale of sampled colours back to the photo's size."""
    return F.interpolate(colours, size=size, mode="bilinear", align_corners=False).clamp(-1.0, 1.0)
