"""The answer every engine gives: alpha, foreground and background."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import MattingInputError
from .io import quoted


def to_uint8(values: np.ndarray) -> np.ndarray:
    """[0, 1] floats -> uint8 with rounding (not truncation)."""
    return np.clip(np.rint(np.asarray(values, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)


@dataclass
class MattingResult:
    """Output of a matting engine, all arrays at the input's resolution.

    Attributes:
        alpha: ``float32`` HxW opacity in [0, 1]; exactly 0/1 in the known
            regions of the trimap.
        foreground: ``float32`` HxWx3 RGB in [0, 1], the estimated true
            foreground colour (what a cut-out should show).
        background: ``float32`` HxWx3 RGB in [0, 1], the estimated
            background behind the subject.
        engine: name of the engine that produced it.
        info: free-form details (timings, notes such as a resize applied).
    """

    alpha: np.ndarray
    foreground: np.ndarray
    background: np.ndarray
    engine: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    def cutout(self) -> np.ndarray:
        """The cut-out as an ``HxWx4`` ``uint8`` RGBA array (straight alpha)."""
        return np.dstack([to_uint8(self.foreground), to_uint8(self.alpha)])

    def composite(self, background: np.ndarray | tuple[int, int, int]) -> np.ndarray:
        """Place the foreground over a new background (an RGB colour or an
        HxWx3 uint8 image of the same size); returns ``uint8`` RGB.

        Raises:
            MattingInputError: an image of another size, shape or dtype, or a
                colour that is not three values in 0..255.
        """
        alpha = self.alpha[:, :, None].astype(np.float32)
        if isinstance(background, np.ndarray):
            if background.ndim != 3 or background.shape[2] not in (3, 4) or background.dtype != np.uint8:
                raise MattingInputError(
                    f"The new background has shape {background.shape} and dtype {background.dtype}; "
                    "expected an HxWx3 uint8 RGB image (or a colour)."
                )
            if background.shape[:2] != self.alpha.shape:
                raise MattingInputError(
                    f"background is {background.shape[1]}x{background.shape[0]}, "
                    f"matte is {self.alpha.shape[1]}x{self.alpha.shape[0]}"
                )
            new_bg = background[:, :, :3].astype(np.float32) / 255.0
        else:
            new_bg = _colour(background).reshape(1, 1, 3) / 255.0
        return to_uint8(self.foreground * alpha + new_bg * (1.0 - alpha))


def _colour(value: object) -> np.ndarray:
    """An ``(r, g, b)`` colour as float32, each value checked to lie in 0..255."""
    try:
        rgb = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        rgb = None
    if rgb is None or rgb.shape != (3,) or not np.all(np.isfinite(rgb)) or rgb.min() < 0 or rgb.max() > 255:
        raise MattingInputError(
            f"The new background colour {quoted(value)} is not three values in 0..255 (r, g, b) "
            "nor an HxWx3 uint8 image."
        )
    return rgb
