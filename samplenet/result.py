"""The answer every engine gives: alpha, foreground and background."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
        HxWx3 uint8 image of the same size); returns ``uint8`` RGB."""
        alpha = self.alpha[:, :, None].astype(np.float32)
        if isinstance(background, np.ndarray):
            if background.shape[:2] != self.alpha.shape:
                raise ValueError(
                    f"background is {background.shape[1]}x{background.shape[0]}, "
                    f"matte is {self.alpha.shape[1]}x{self.alpha.shape[0]}"
                )
            new_bg = background[:, :, :3].astype(np.float32) / 255.0
        else:
            new_bg = np.asarray(background, dtype=np.float32).reshape(1, 1, 3) / 255.0
        return to_uint8(self.foreground * alpha + new_bg * (1.0 - alpha))
