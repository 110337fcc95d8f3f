"""What every matting engine shares: input handling and the trivial case."""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ..io import FOREGROUND, UNKNOWN, ImageLike, pixel_limit, prepare_inputs
from ..result import MattingResult


class Matter(ABC):
    """A callable that turns ``(image, trimap)`` into a :class:`MattingResult`.

    Subclasses implement :meth:`predict_arrays` on clean arrays; the public
    ``__call__`` does the loading and validation once for all engines, so
    every engine accepts the same inputs and raises the same
    :class:`~samplenet.errors.MattingInputError` for bad ones.
    """

    #: Short engine name, e.g. ``"classical"`` or ``"samplenet"``.
    name: str = "base"

    def __init__(self, max_pixels: int | None = None) -> None:
        if max_pixels is not None:
            pixel_limit(max_pixels)  # a bad limit fails when the engine is built, not at its first call
        self.max_pixels = max_pixels

    def __call__(self, image: ImageLike, trimap: ImageLike, **options: Any) -> MattingResult:
        """Matte ``image`` with ``trimap``.

        Args:
            image: HxWx3 uint8 RGB array, PIL image, bytes or a path.
            trimap: HxW uint8 array (0/128/255; any value strictly between
                0 and 255 counts as unknown), PIL image, bytes or a path.
            **options: engine-specific options (see the engine's
                :meth:`predict_arrays`).
        """
        self.check_call_options(options)
        img, tri = prepare_inputs(image, trimap, pixel_limit(self.max_pixels))
        start = time.perf_counter()
        if not np.any(tri == UNKNOWN):
            result = self.known_only(img, tri)
        else:
            result = self.predict_arrays(img, tri, **options)
        result.info.setdefault("seconds", time.perf_counter() - start)
        return result

    def check_call_options(self, options: dict[str, Any]) -> None:
        """Refuse per-call options this engine cannot apply, before any work
        (also when the trimap needs no engine at all), with a
        :class:`~samplenet.errors.MattingInputError` naming the option.
        Engines that take options override it; the base accepts them as given
        to :meth:`predict_arrays`."""
        return None  # a hook, not an abstract method: most engines take no per-call options

    def known_only(self, image: np.ndarray, trimap: np.ndarray) -> MattingResult:
        """A trimap without unknown pixels already is the matte: return it
        without running anything."""
        alpha = (trimap == FOREGROUND).astype(np.float32)
        colours = image.astype(np.float32) / 255.0
        return MattingResult(
            alpha=alpha,
            foreground=colours.copy(),
            background=colours.copy(),
            engine=self.name,
            info={"note": "the trimap has no unknown pixel; it was returned as the alpha matte"},
        )

    @abstractmethod
    def predict_arrays(self, image: np.ndarray, trimap: np.ndarray, **options: Any) -> MattingResult:
        """Matte clean inputs: ``image`` HxWx3 uint8 RGB, ``trimap`` HxW uint8
        with values in {0, 128, 255} and at least one unknown pixel."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} engine={self.name!r}>"
