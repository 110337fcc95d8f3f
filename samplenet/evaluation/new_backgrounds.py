"""Benchmark subjects over backgrounds nobody tuned on (``bench auto-trimap --backgrounds``).

An automatic trimap is mostly a segmentation, and a segmentation depends on
the background far more than matting does: a setting chosen on thirteen
photos can win there only because of their backgrounds.  Photos with ground
truth are rare, but a ground-truth alpha stays true over any background: the
subject's colours are estimated from the photo and its alpha (PyMatting's
multi-level foreground estimation) and laid over another photo,
``alpha * F + (1 - alpha) * B`` (with F the photo itself where the subject
is opaque).  The hand-made trimaps still fit, so the
protocol and its reference are unchanged.

The rule is fixed, not chosen per result: subject *i* (in name order) gets
background ``i mod n`` of the folder (in name order), scaled to cover the
photo and centre-cropped; every other subject (the 1st, 3rd, ...) gets it
blurred (Gaussian, sigma :data:`DEFOCUS_SIGMA` px) as a background out of
focus would be, the others sharp, so that neither a cue of focus nor its
absence is favoured.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import load_image
from .folders import image_files

#: Blur of the "out of focus" backgrounds, in pixels of the photo.
DEFOCUS_SIGMA = 4.0


def load_backgrounds(folder: Path) -> dict[str, np.ndarray]:
    """The photos of ``folder`` by file name, as ``HxWx3 uint8`` RGB.

    Raises:
        MattingInputError: the folder is missing, is a file, holds no photo,
            or one of its photos cannot be read.
    """
    photos = {}
    for path in image_files(folder, "backgrounds").values():
        try:
            photos[path.name] = load_image(path)
        except ValueError as exc:
            raise MattingInputError(f"Background photo '{path}': {exc}") from None
    return photos


def cover(background: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``background`` scaled (keeping its shape) until it covers ``size`` =
    (height, width), then centre-cropped to it."""
    height, width = size
    scale = max(height / background.shape[0], width / background.shape[1])
    scaled_size = (max(width, int(np.ceil(background.shape[1] * scale))),
                   max(height, int(np.ceil(background.shape[0] * scale))))
    scaled = cv2.resize(background, scaled_size, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    top = (scaled.shape[0] - height) // 2
    left = (scaled.shape[1] - width) // 2
    return scaled[top : top + height, left : left + width]


def composite(image: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The subject of ``image`` (with its true ``alpha`` in [0, 1]) over
    ``background`` of the same size, as ``uint8`` RGB."""
    from pymatting import estimate_foreground_ml

    if not (image.shape[:2] == alpha.shape == background.shape[:2] and background.ndim == 3):
        raise MattingInputError(
            f"A composite needs a photo, an alpha and an RGB background of one size; got {image.shape[:2]}, "
            f"{alpha.shape} and {background.shape}."
        )
    photo = image.astype(np.float64) / 255.0
    foreground = estimate_foreground_ml(photo, alpha)
    # Where the subject is opaque the photo is its colour; the estimate is
    # smoothed there and would blur the subject's own texture.
    opaque = alpha >= 1.0
    foreground[opaque] = photo[opaque]
    a = alpha[..., None]
    mixed = a * foreground + (1.0 - a) * (background.astype(np.float64) / 255.0)
    return (np.clip(mixed, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def over_new_backgrounds(cases: list[dict[str, Any]], backgrounds: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The benchmark ``cases`` (see :func:`.auto_trimap.load_cases`) with each
    photo replaced by its subject over one of ``backgrounds`` (file name ->
    RGB photo, in name order), by the fixed rule of this module; alpha and
    hand trimaps are kept, and ``"background"`` names the photo used (with
    ", blurred" where it was).  The rule depends on a case's position, so
    split a run by image only after this call, never before."""
    if not backgrounds:
        raise MattingInputError("No background photo was given to composite the subjects over.")
    names = sorted(backgrounds)
    moved = []
    for index, case in enumerate(cases):
        height, width = case["alpha"].shape
        name = names[index % len(names)]
        background = cover(backgrounds[name], (height, width))
        blurred = index % 2 == 0
        if blurred:
            background = cv2.GaussianBlur(background, (0, 0), DEFOCUS_SIGMA)
        moved.append({
            **case,
            "image": composite(case["image"], case["alpha"], background),
            "background": name + (", blurred" if blurred else ""),
        })
    return moved
