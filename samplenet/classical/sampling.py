"""Colour sampling: a foreground and a background colour for every unknown pixel.

This is SampleNet's first step done without learned networks.  For each
unknown pixel we cast ``rays`` straight lines in evenly spread directions
(the set is rotated from pixel to pixel so that neighbours look in
different directions, as in shared matting, Gastal & Oliveira 2010) and
record along each ray the first known-foreground and the first
known-background pixel.  Every (foreground, background) pair of candidates
is scored by how well it explains the pixel's colour as a mix,

    alpha = <I - B, F - B> / |F - B|^2,   distortion = |I - (alpha F + (1 - alpha) B)| / |F - B|

(the chromatic distortion of robust matting, Wang & Cohen 2007, which is
small only when the pixel lies on the segment between the two colours and
the colours differ), plus a small penalty on how far the samples are.  The
best pair gives the sampled colours, the alpha estimate and a confidence
``exp(-(distortion / sigma)^2)``; a pair whose colours are almost equal
cannot determine alpha and gets low confidence.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

# trimap codes used inside the sampler
_BG, _UNKNOWN, _FG = 0, 1, 2


@dataclass
class Samples:
    """Per-pixel sampling results, all HxW(x3) float64."""

    foreground: np.ndarray  # HxWx3 sampled foreground colour (image colour where known)
    background: np.ndarray  # HxWx3 sampled background colour
    alpha: np.ndarray  # HxW alpha explained by the pair (0/1 where known)
    confidence: np.ndarray  # HxW in [0, 1], 0 where known


@njit(cache=True, nogil=True)
def _sample_pairs(image, code, rays, max_distance, sigma, distance_weight, fg, bg, alpha, conf):
    h, w, _ = image.shape
    golden = 0.6180339887498949
    cand_f = np.empty((rays, 3))
    cand_b = np.empty((rays, 3))
    dist_f = np.empty(rays)
    dist_b = np.empty(rays)
    for y in range(h):
        for x in range(w):
            if code[y, x] != _UNKNOWN:
                continue
            # rotate the ray fan per pixel (low-discrepancy offset)
            phase = ((y * 7 + x * 13) * golden) % 1.0
            nf = 0
            nb = 0
            for k in range(rays):
                angle = 2.0 * np.pi * (k + phase) / rays
                dy = np.sin(angle)
                dx = np.cos(angle)
                found_f = False
                found_b = False
                for step in range(1, max_distance + 1):
                    py = int(round(y + step * dy))
                    px = int(round(x + step * dx))
                    if py < 0 or py >= h or px < 0 or px >= w:
                        break
                    c = code[py, px]
                    if c == _FG and not found_f:
                        found_f = True
                        for ch in range(3):
                            cand_f[nf, ch] = image[py, px, ch]
                        dist_f[nf] = step
                        nf += 1
                    elif c == _BG and not found_b:
                        found_b = True
                        for ch in range(3):
                            cand_b[nb, ch] = image[py, px, ch]
                        dist_b[nb] = step
                        nb += 1
                    if found_f and found_b:
                        break
            if nf == 0 or nb == 0:
                continue  # no pair: left at confidence 0, filled later
            min_f = dist_f[:nf].min()
            min_b = dist_b[:nb].min()
            best = 1e30
            best_a = 0.0
            best_d = 1e30
            bi = 0
            bj = 0
            for i in range(nf):
                for j in range(nb):
                    d0 = cand_f[i, 0] - cand_b[j, 0]
                    d1 = cand_f[i, 1] - cand_b[j, 1]
                    d2 = cand_f[i, 2] - cand_b[j, 2]
                    e0 = image[y, x, 0] - cand_b[j, 0]
                    e1 = image[y, x, 1] - cand_b[j, 1]
                    e2 = image[y, x, 2] - cand_b[j, 2]
                    norm2 = d0 * d0 + d1 * d1 + d2 * d2 + 1e-6
                    a = (e0 * d0 + e1 * d1 + e2 * d2) / norm2
                    if a < 0.0:
                        a = 0.0
                    elif a > 1.0:
                        a = 1.0
                    r0 = e0 - a * d0
                    r1 = e1 - a * d1
                    r2 = e2 - a * d2
                    distortion = np.sqrt((r0 * r0 + r1 * r1 + r2 * r2) / norm2)
                    cost = distortion + distance_weight * (
                        dist_f[i] / min_f + dist_b[j] / min_b - 2.0
                    )
                    if cost < best:
                        best = cost
                        best_a = a
                        best_d = distortion
                        bi = i
                        bj = j
            for ch in range(3):
                fg[y, x, ch] = cand_f[bi, ch]
                bg[y, x, ch] = cand_b[bj, ch]
            alpha[y, x] = best_a
            conf[y, x] = np.exp(-(best_d / sigma) ** 2)


def sample_colours(
    image: np.ndarray,
    trimap: np.ndarray,
    *,
    rays: int = 16,
    max_distance: int = 400,
    sigma: float = 0.1,
    distance_weight: float = 0.05,
) -> Samples:
    """Sample foreground/background colours for the unknown pixels.

    Args:
        image: HxWx3 float64 RGB in [0, 1].
        trimap: HxW uint8 in {0, 128, 255}.
        rays: directions searched from each unknown pixel.
        max_distance: longest ray, in pixels.
        sigma: distortion scale of the confidence ``exp(-(d / sigma)^2)``.
        distance_weight: cost per unit of (sample distance / nearest sample
            distance); prefers nearby samples among equally good pairs.
    """
    code = np.full(trimap.shape, _UNKNOWN, np.uint8)
    code[trimap == 0] = _BG
    code[trimap == 255] = _FG
    image = np.ascontiguousarray(image, dtype=np.float64)
    fg = image.copy()
    bg = image.copy()
    alpha = (trimap == 255).astype(np.float64)
    conf = np.zeros(trimap.shape, np.float64)
    _sample_pairs(image, code, int(rays), int(max_distance), float(sigma), float(distance_weight), fg, bg, alpha, conf)
    return Samples(fg, bg, alpha, conf)
