"""Augmentation of training samples, following the SampleNet paper.

Everything here is a pure function of its inputs and a
:class:`numpy.random.Generator`, so a sample depends only on the seed it is
drawn with (never on worker scheduling) and runs are reproducible.

Order matters for exactness: foreground, matte and background are cropped
and resized **separately**, the matte is snapped, and only then composited
(``image = alpha * fg + (1 - alpha) * bg``).  So the ground-truth alpha,
foreground and background describe the training image exactly; resizing a
finished composite would blur that relation.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

#: Alpha values closer than this to 0 or 1 are snapped to 0 or 1, so that
#: "definite" trimap regions hold exactly 0 or 1 (the reference snaps at
#: 10/255 and 245/255 for the same reason: JPEG-ish noise in mattes).
SNAP_EPSILON = 0.01

#: Trimap codes used by the networks: background, unknown, foreground.
TRIMAP_BG, TRIMAP_UNKNOWN, TRIMAP_FG = 0, 1, 2


def jitter_foreground_colours(
    fg: np.ndarray,
    rng: np.random.Generator,
    hue_degrees: float = 18.0,
    saturation: tuple[float, float] = (0.6, 1.4),
    gamma: tuple[float, float] = (0.6, 1.5),
) -> np.ndarray:
    """Random hue shift, saturation scale and gamma of a float RGB [0,1]
    foreground, so the networks do not learn the few colours of the
    training foregrounds (the reference jitters hue, saturation, gamma)."""
    hsv = cv2.cvtColor(np.ascontiguousarray(fg, dtype=np.float32), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-hue_degrees, hue_degrees)) % 360.0
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(*saturation), 0.0, 1.0)
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return np.clip(out, 0.0, 1.0) ** rng.uniform(*gamma)


def unknown_mask(alpha: np.ndarray) -> np.ndarray:
    """Pixels that are neither fully background nor fully foreground."""
    return (alpha > SNAP_EPSILON) & (alpha < 1.0 - SNAP_EPSILON)


def crop_box_on_unknown(
    alpha: np.ndarray, crop_sizes: Sequence[int], rng: np.random.Generator
) -> tuple[int, int, int]:
    """A square crop ``(top, left, side)`` centred on a random unknown pixel.

    The side is drawn from ``crop_sizes`` (capped by the image), so after
    resizing to the training size the network sees details at several
    scales.  The window is shifted to stay inside the image instead of being
    cut, so every crop is square.  Mattes without unknown pixels get a
    random centre.
    """
    height, width = alpha.shape
    side = int(min(rng.choice(np.asarray(crop_sizes)), height, width))
    ys, xs = np.nonzero(unknown_mask(alpha))
    if len(ys):
        pick = rng.integers(len(ys))
        cy, cx = int(ys[pick]), int(xs[pick])
    else:
        cy, cx = int(rng.integers(height)), int(rng.integers(width))
    top = int(np.clip(cy - side // 2, 0, height - side))
    left = int(np.clip(cx - side // 2, 0, width - side))
    return top, left, side


def crop_and_resize(array: np.ndarray, box: tuple[int, int, int], size: int) -> np.ndarray:
    """Cut ``box`` out of ``array`` and resize it to ``size x size``
    (bilinear: no overshoot, so mattes stay inside [0, 1])."""
    top, left, side = box
    patch = np.ascontiguousarray(array[top : top + side, left : left + side])
    if side != size:
        interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
        patch = cv2.resize(patch, (size, size), interpolation=interpolation)
    return np.clip(patch, 0.0, 1.0).astype(np.float32)


def random_background(bg: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random square window of a background photo (between half and all
    of its short side), resized to ``size`` and flipped at random."""
    height, width = bg.shape[:2]
    short = min(height, width)
    side = max(1, int(round(short * rng.uniform(0.5, 1.0))))
    top = int(rng.integers(height - side + 1))
    left = int(rng.integers(width - side + 1))
    out = crop_and_resize(bg, (top, left, side), size)
    return out[:, ::-1] if rng.random() < 0.5 else out


def snap_alpha(alpha: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] and snap near-0 / near-1 values (see SNAP_EPSILON)."""
    alpha = np.clip(alpha, 0.0, 1.0).astype(np.float32)
    alpha[alpha <= SNAP_EPSILON] = 0.0
    alpha[alpha >= 1.0 - SNAP_EPSILON] = 1.0
    return alpha


def _ellipse(size: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def trimap_from_alpha(
    alpha: np.ndarray,
    rng: np.random.Generator | None,
    kernel_range: tuple[int, int] = (3, 25),
    min_known_pixels: int = 16,
) -> np.ndarray:
    """A trimap (``uint8`` codes 0 bg, 1 unknown, 2 fg) made from a snapped
    matte the way users draw them: the true transition band, widened by a
    random dilation, with the definite regions randomly eroded.

    It is always consistent with the matte: "foreground" pixels have
    alpha == 1, "background" pixels alpha == 0, and every fractional pixel
    is unknown.  With ``rng=None`` the kernels are the middle of the range
    (deterministic trimaps for validation).  If the widening would leave
    fewer than ``min_known_pixels`` background pixels (the background
    sampler needs something to copy from), the plain transition band is
    used instead.
    """
    low, high = kernel_range
    if rng is None:
        dilate = erode_fg = erode_bg = (low + high) // 2
    else:
        dilate, erode_fg, erode_bg = (int(k) for k in rng.integers(low, high + 1, size=3))
    fractional = ((alpha > 0.0) & (alpha < 1.0)).astype(np.uint8)
    definite_fg = (alpha >= 1.0).astype(np.uint8)
    definite_bg = (alpha <= 0.0).astype(np.uint8)
    band = cv2.dilate(fractional, _ellipse(max(dilate, 1)))
    fg = cv2.erode(definite_fg, _ellipse(max(erode_fg, 1))) & (1 - band)
    bg = cv2.erode(definite_bg, _ellipse(max(erode_bg, 1))) & (1 - band)
    if bg.sum() < min_known_pixels:
        fg, bg = definite_fg & (1 - fractional), definite_bg & (1 - fractional)
    trimap = np.full(alpha.shape, TRIMAP_UNKNOWN, np.uint8)
    trimap[fg.astype(bool)] = TRIMAP_FG
    trimap[bg.astype(bool)] = TRIMAP_BG
    return trimap


def compose(alpha: np.ndarray, fg: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """The compositing equation ``I = alpha F + (1 - alpha) B``."""
    a = alpha[..., None]
    return (a * fg + (1.0 - a) * bg).astype(np.float32)
