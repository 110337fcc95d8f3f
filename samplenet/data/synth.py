"""A synthetic matting dataset, so that training can be tried end to end
without the licensed Deep Image Matting data, and so that tests can train.

Each foreground has the structures that make matting hard: a soft-edged
body, thin hair-like strands (one pixel wide, partly transparent) and a
semi-transparent region (like glass or a veil), with smoothly varying
colours; backgrounds are textured (waves, blobs, stripes and noise at
several scales) so that inpainting them is not trivial.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import MattingInputError
from . import augment
from .layout import DatasetFiles, find_dataset

LAYOUTS = ("composition", "plain")


def smooth_colour_field(shape: tuple[int, int], rng: np.random.Generator, cells: int = 4) -> np.ndarray:
    """Colours varying smoothly across the image (a coarse random grid
    upsampled), float RGB in [0, 1]."""
    grid = rng.uniform(0.0, 1.0, (cells, cells, 3)).astype(np.float32)
    return np.clip(cv2.resize(grid, shape[::-1], interpolation=cv2.INTER_CUBIC), 0.0, 1.0)


def textured_background(size: int, rng: np.random.Generator) -> np.ndarray:
    """Float RGB [0,1] texture: colour gradient + waves + blobs + noise."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    out = smooth_colour_field((size, size), rng, cells=int(rng.integers(2, 6)))
    for _ in range(int(rng.integers(1, 4))):
        freq, angle, phase = rng.uniform(3, 25), rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)
        out += 0.12 * wave[..., None] * rng.uniform(-1, 1, 3).astype(np.float32)
    canvas = (out * 255).clip(0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(3, 10))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        centre = tuple(int(c) for c in rng.integers(0, size, 2))
        cv2.circle(canvas, centre, int(rng.integers(size // 30 + 1, size // 5 + 2)), colour, -1, cv2.LINE_AA)
    out = canvas.astype(np.float32) / 255.0
    for cells in (size // 32 + 1, size // 8 + 1):
        noise = rng.normal(0, 0.05, (cells, cells, 3)).astype(np.float32)
        out += cv2.resize(noise, (size, size), interpolation=cv2.INTER_LINEAR)
    out += rng.normal(0, 0.02, out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


def _draw_strands(alpha: np.ndarray, centre, radius: float, rng: np.random.Generator) -> None:
    """Thin curved strands leaving the body outwards, antialiased one pixel
    lines of random opacity: the "hair" that makes matting hard."""
    size = alpha.shape[0]
    for _ in range(int(rng.integers(12, 40))):
        angle = rng.uniform(0, 2 * np.pi)
        point = np.array(centre, np.float64) + radius * 0.9 * np.array([np.cos(angle), np.sin(angle)])
        heading = angle + rng.normal(0, 0.3)
        points = [point.copy()]
        for _ in range(int(rng.integers(6, 16))):
            heading += rng.normal(0, 0.25)
            point = point + rng.uniform(size * 0.01, size * 0.03) * np.array([np.cos(heading), np.sin(heading)])
            points.append(point.copy())
        canvas = np.zeros_like(alpha, dtype=np.uint8)
        pts = np.round(np.array(points) * 16).astype(np.int32)  # 4 fractional bits
        cv2.polylines(canvas, [pts], False, 255, 1, cv2.LINE_AA, shift=4)
        np.maximum(alpha, canvas.astype(np.float32) / 255.0 * rng.uniform(0.4, 1.0), out=alpha)


def synthetic_foreground(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(foreground float RGB [0,1] defined everywhere, alpha float [0,1])."""
    alpha = np.zeros((size, size), np.float32)
    centre = tuple(rng.uniform(0.35, 0.65, 2) * size)
    radius = rng.uniform(0.15, 0.25) * size
    body = np.zeros_like(alpha, dtype=np.uint8)
    if rng.random() < 0.5:
        axes = (int(radius), int(radius * rng.uniform(0.6, 1.0)))
        cv2.ellipse(body, tuple(int(c) for c in centre), axes, rng.uniform(0, 180), 0, 360, 255, -1, cv2.LINE_AA)
    else:
        angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(5, 9))))
        radii = radius * rng.uniform(0.7, 1.1, len(angles))
        pts = np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], 1)
        cv2.fillPoly(body, [np.round(pts).astype(np.int32)], 255, cv2.LINE_AA)
    sigma = rng.uniform(0.5, 3.0)
    alpha = cv2.GaussianBlur(body.astype(np.float32) / 255.0, (0, 0), sigma)
    _draw_strands(alpha, centre, radius, rng)
    veil = np.zeros_like(alpha, dtype=np.uint8)
    offset = rng.uniform(-1, 1, 2) * radius
    veil_centre = tuple(int(c) for c in np.array(centre) + offset)
    cv2.circle(veil, veil_centre, int(radius * rng.uniform(0.4, 0.8)), 255, -1, cv2.LINE_AA)
    veil = cv2.GaussianBlur(veil.astype(np.float32) / 255.0, (0, 0), 2.0) * rng.uniform(0.25, 0.7)
    alpha = np.maximum(alpha, veil)
    fg = smooth_colour_field((size, size), rng, cells=int(rng.integers(2, 5)))
    fg = np.clip(fg + rng.normal(0, 0.02, fg.shape).astype(np.float32), 0.0, 1.0)
    return fg, augment.snap_alpha(alpha)


def _write(path: Path, rgb_or_grey: np.ndarray) -> None:
    array = np.round(np.clip(rgb_or_grey, 0.0, 1.0) * 255).astype(np.uint8)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(str(path), array):
        raise OSError(f"could not write {path}")


def write_synthetic_dataset(
    out: str | Path,
    count: int,
    size: int = 320,
    seed: int = 0,
    layout: str = "composition",
    backgrounds: int | None = None,
) -> DatasetFiles:
    """Write ``count`` samples to ``out`` and return the dataset's files.

    ``layout="composition"``: ``fg/``, ``alpha/`` and a pool of
    ``backgrounds`` (default ``count``) textures in ``bg/``.
    ``layout="plain"``: ``image/`` (composited), ``alpha/``, ``fg/``,
    ``bg/`` and ``trimap/`` (0/128/255) per sample: a validation folder.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if size < 32:
        raise ValueError(f"size must be at least 32 pixels, got {size}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise MattingInputError(f"--out {out} is a file, not a folder.")
    if out.exists() and any(out.iterdir()):
        raise MattingInputError(f"--out {out} is not empty; choose a new folder so no data is mixed or overwritten.")
    folders = ("fg", "alpha", "bg") if layout == "composition" else ("image", "alpha", "fg", "bg", "trimap")
    for name in folders:
        (out / name).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        fg, alpha = synthetic_foreground(size, rng)
        name = f"{index:05d}.png"
        _write(out / "fg" / name, fg)
        _write(out / "alpha" / name, alpha)
        if layout == "plain":
            bg = textured_background(size, rng)
            alpha8 = np.round(alpha * 255) / 255.0  # what the PNG holds
            _write(out / "bg" / name, bg)
            _write(out / "image" / name, augment.compose(alpha8.astype(np.float32), fg, bg))
            trimap = augment.trimap_from_alpha(augment.snap_alpha(alpha8.astype(np.float32)), rng, (3, 11))
            cv2.imwrite(str(out / "trimap" / name), (trimap * 127.5).round().astype(np.uint8).clip(0, 255))
    if layout == "composition":
        for index in range(backgrounds or count):
            _write(out / "bg" / f"{index:05d}.png", textured_background(size, rng))
    return find_dataset(out)
