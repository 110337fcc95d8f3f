"""Composites of the subjects the dev photos lack, with ground truth by construction.

The thirteen dev photos hold hair, fur and plants, but no *translucent*
subject (a cloth flag: alpha 0.6-0.95 over a large area) and no
*see-through* one (a wire-mesh basket: background visible through hundreds
of holes a few pixels wide).  On unseen photos of those kinds the
weight-free engine lost to closed-form matting while winning elsewhere, and
cross-validation on the dev photos could not see it.  This module makes
both kinds, deterministically, so that they can be scored beside the dev
photos (``samplenet bench quality --composites``) and take part in the
folds:

* **translucent**: a dev photo's own subject (its colours estimated from
  the photo and its alpha) whose opacity falls from 1 on one side of the
  subject to a level drawn from 0.6-0.95 over the rest, varying slowly
  across it like a cloth's weave density;
* **cloth**: a synthetic translucent flag (opacity 0.6-0.95 everywhere,
  a woven texture) on an opaque pole of another colour, so that, as on the
  real flag, no opaque part of the cloth lies in the trimap's sure subject;
* **see-through**: a synthetic lattice of anti-aliased wires (2-3 px wide,
  holes of 4-9 px) inside an ellipse with a solid rim and a solid base (so
  that even a wide trimap keeps some sure subject), shaded like metal or
  wicker.

Each composite lies over another photo (the dev photos themselves, cycled,
plus any extra photos given), and is named after the dev photo it is built
from (``GT04~translucent~over-GT07``), so that the folds, which split the
cases by source photo (:func:`.cross_validation.halves`), keep each
composite with its source.  Trimaps
come from the true alpha with the wide-trimap rule: ``tight`` (unknown
within :data:`TIGHT_WIDTH` px of a mixed pixel, as a careful hand trimap of
such a subject marks its whole translucent or meshed area) and ``wide``
(10-25 px).  Nothing is written to disk.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ..io import BACKGROUND, FOREGROUND, UNKNOWN
from .benchmark_set import BenchmarkCase
from .new_backgrounds import cover
from .wide_trimaps import WIDE, wide_trimap, wide_widths

#: Seed of every random choice here (levels, lattices, backgrounds).
COMPOSITE_SEED = 32
#: Name of the tight trimap set of the composites (the wide one is :data:`WIDE`).
TIGHT = "tight"
#: Band of the tight trimaps around every mixed pixel, in pixels.
TIGHT_WIDTH = 3
#: Range of a translucent subject's opacity away from its opaque side.
TRANSLUCENT_RANGE = (0.6, 0.95)
#: Kinds of composite, in the order they are made per dev photo.
KINDS = ("translucent", "see-through", "cloth")
#: Separates a composite's source photo, kind and background in its name.
NAME_SEPARATOR = "~"


def source_photo(name: str) -> str:
    """The dev photo a case comes from: a composite's name up to its first
    :data:`NAME_SEPARATOR`, any other name whole."""
    return name.split(NAME_SEPARATOR, 1)[0]


def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Slowly varying noise in [0, 1]: a ``cells`` x ``cells`` random grid
    upsampled with cubic interpolation."""
    grid = rng.random((cells, cells)).astype(np.float32)
    field = cv2.resize(grid, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    low, high = float(field.min()), float(field.max())
    return (field - low) / max(high - low, 1e-6)


def translucent_alpha(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``alpha`` made translucent: opaque on one side of the subject (a
    random direction), falling over a fifth of its extent to a level in
    :data:`TRANSLUCENT_RANGE` that varies slowly over the rest."""
    height, width = alpha.shape
    ys, xs = np.nonzero(alpha > 0.5)
    angle = rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    along = xx * direction[0] + yy * direction[1]
    inside = xs * direction[0] + ys * direction[1]
    low, high = np.percentile(inside, 25), np.percentile(inside, 45)
    ramp = np.clip((along - low) / max(high - low, 1.0), 0.0, 1.0)  # 0 opaque side, 1 translucent side
    lo, hi = TRANSLUCENT_RANGE
    level = lo + (hi - lo) * _smooth_field(rng, (height, width), 4)
    opacity = 1.0 - ramp * (1.0 - level)
    return np.clip(alpha * opacity, 0.0, 1.0)


def see_through_subject(shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, RGB foreground in [0, 1]) of a wire-mesh basket: a rotated
    lattice inside an ellipse with a solid rim, drawn at 4x and averaged
    down so that wire edges are fractional as in a photo."""
    height, width = shape
    scale = 4
    big = (height * scale, width * scale)
    yy, xx = np.mgrid[0 : big[0], 0 : big[1]].astype(np.float32) / scale
    centre = np.array([width * rng.uniform(0.4, 0.6), height * rng.uniform(0.4, 0.6)])
    axes = np.array([width * rng.uniform(0.25, 0.35), height * rng.uniform(0.25, 0.35)])
    radius = np.hypot((xx - centre[0]) / axes[0], (yy - centre[1]) / axes[1])
    rim_width = rng.uniform(10, 16) / float(min(axes))
    pitch = rng.uniform(7, 12)  # wire spacing: holes of pitch - wire
    wire = rng.uniform(2, 3)
    angle = rng.uniform(0, np.pi / 2)
    u = (xx * np.cos(angle) + yy * np.sin(angle)) % pitch
    v = (-xx * np.sin(angle) + yy * np.cos(angle)) % pitch
    lattice = (u < wire) | (v < wire)
    base = yy > centre[1] + rng.uniform(0.2, 0.35) * axes[1]  # the basket's solid base: sure subject in any trimap
    solid = (radius <= 1.0) & ((radius >= 1.0 - rim_width) | lattice | base)
    alpha = cv2.resize(solid.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    colour = rng.uniform(0.25, 0.75, 3)
    shading = 0.6 + 0.4 * _smooth_field(rng, shape, 6)[..., None]
    foreground = np.clip(colour[None, None, :] * shading, 0.0, 1.0)
    return np.clip(alpha, 0.0, 1.0).astype(np.float64), foreground


def cloth_subject(shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, RGB foreground in [0, 1]) of a translucent cloth flag on an
    opaque pole: the cloth's opacity is 0.6-0.95 everywhere (no opaque part
    of the cloth exists, unlike a translucent copy of a subject), its colour
    a woven texture unlike the pole's, its edge waving; drawn at 2x and
    averaged down."""
    height, width = shape
    scale = 2
    yy, xx = np.mgrid[0 : height * scale, 0 : width * scale].astype(np.float32) / scale
    left, right = width * rng.uniform(0.15, 0.25), width * rng.uniform(0.7, 0.85)
    top, bottom = height * rng.uniform(0.1, 0.2), height * rng.uniform(0.55, 0.7)
    wave = height * 0.04 * np.sin(xx / width * rng.uniform(6, 10) + rng.uniform(0, 6))
    cloth = (xx >= left) & (xx <= right) & (yy >= top + wave) & (yy <= bottom + wave)
    pole_width = width * 0.02
    pole = (xx >= left - pole_width) & (xx < left) & (yy >= top * 0.5)
    stand = height * 0.2  # a solid stand at the pole's foot: sure subject that outlasts a wide band
    pole |= (np.abs(xx - (left - pole_width / 2)) <= stand / 2) & (yy >= height * 0.97 - stand) & (yy <= height * 0.97)
    lo, hi = TRANSLUCENT_RANGE
    level = lo + (hi - lo) * _smooth_field(rng, (height * scale, width * scale), 5)
    weave = 0.9 + 0.1 * np.sign(np.sin(xx * 1.7) * np.sin(yy * 1.7))
    opacity = np.where(pole, 1.0, np.where(cloth, level, 0.0))
    alpha = cv2.resize(opacity.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    colour = rng.uniform(0.3, 0.95, 3)
    texture = weave * (0.75 + 0.25 * _smooth_field(rng, (height * scale, width * scale), 7))
    shade = cv2.resize(texture.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    foreground = np.clip(colour[None, None, :] * shade[..., None], 0.0, 1.0)
    pole_small = cv2.resize(pole.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) > 0.5
    foreground[pole_small] = rng.uniform(0.05, 0.25)
    return np.clip(alpha, 0.0, 1.0).astype(np.float64), foreground


def _over(foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    a = alpha[..., None]
    mixed = a * foreground + (1.0 - a) * (background.astype(np.float64) / 255.0)
    return (np.clip(mixed, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def composite_cases(
    dev_cases: Sequence[BenchmarkCase],
    extra_backgrounds: Mapping[str, np.ndarray] | None = None,
    seed: int = COMPOSITE_SEED,
) -> list[BenchmarkCase]:
    """Per dev photo (by name), one composite of each of :data:`KINDS`,
    each with a ``tight`` and a ``wide`` trimap, as benchmark cases.
    Backgrounds are the other dev photos and ``extra_backgrounds`` (name ->
    RGB photo), one drawn per composite with the seeded generator."""
    first: dict[str, BenchmarkCase] = {}
    for case in dev_cases:
        first.setdefault(case.image_name, case)
    photos: dict[str, np.ndarray] = {name: case.image for name, case in first.items()}
    photos.update({Path(name).stem: image for name, image in (extra_backgrounds or {}).items()})
    pool = sorted(photos)
    rng = np.random.default_rng(seed)
    out: list[BenchmarkCase] = []
    for name in sorted(first):
        case = first[name]
        height, width = case.alpha.shape
        for kind in KINDS:
            choices = [p for p in pool if p != name]
            background_name = choices[int(rng.integers(len(choices)))]
            background = cover(photos[background_name], (height, width))
            if kind == "translucent":
                alpha = translucent_alpha(case.alpha, rng)
                image = _relayer(case.image, case.alpha, alpha, background)
            else:
                make = see_through_subject if kind == "see-through" else cloth_subject
                alpha, foreground = make((height, width), rng)
                image = _over(foreground, alpha, background)
            composite_name = NAME_SEPARATOR.join((name, kind, f"over-{background_name}"))
            widths = wide_widths([composite_name], seed)
            for trimap_set, band in ((TIGHT, TIGHT_WIDTH), (WIDE, widths[composite_name])):
                trimap = wide_trimap(alpha, band)
                if not all(np.any(trimap == label) for label in (UNKNOWN, FOREGROUND, BACKGROUND)):
                    continue  # nothing to score, or nothing to sample a side's colours from
                out.append(replace(case, image_name=composite_name, trimap_set=trimap_set, image=image,
                                   trimap=trimap, alpha=alpha))
    return out


def _relayer(photo: np.ndarray, alpha: np.ndarray, new_alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The subject of ``photo`` (true ``alpha``) over ``background`` at
    ``new_alpha``: its colours estimated once, then composited anew."""
    from pymatting import estimate_foreground_ml

    colours = photo.astype(np.float64) / 255.0
    foreground = estimate_foreground_ml(colours, alpha)
    opaque = alpha >= 1.0
    foreground[opaque] = colours[opaque]
    return _over(foreground, new_alpha, background)
