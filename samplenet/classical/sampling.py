"""Colour sampling: a foreground and a background colour for every unknown pixel.

This is SampleNet's first step done without learned networks.  For each
unknown pixel we gather candidate colours from the known regions near the
trimap boundary: its ``neighbours`` nearest known-foreground and
known-background pixels in a joint (colour, position) feature space, as in
the known-to-unknown flow of information-flow matting (Aksoy et al. 2017)
and in global sampling (He et al. 2011).  Every (foreground, background)
pair of candidates is scored by how well it explains the pixel as a mix,

    alpha = <I - B, F - B> / |F - B|^2,
    distortion = |I - (alpha F + (1 - alpha) B)| / |F - B|

(the normalised chromatic distortion of robust matting, Wang & Cohen 2007:
small only when the pixel lies on the segment between two clearly
different colours).  The best pair gives the sampled colours, the alpha
estimate and the confidence ``exp(-(distortion / sigma)^2)``; pairs of
nearly equal colours cannot determine alpha and so score badly.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numba import njit
from scipy.spatial import cKDTree


@dataclass
class Samples:
    """Per-pixel sampling results (HxW or HxWx3 float64)."""

    foreground: np.ndarray  # sampled foreground colour (image colour outside the unknown)
    background: np.ndarray  # sampled background colour
    alpha: np.ndarray  # alpha explained by the pair (0/1 where known)
    confidence: np.ndarray  # in [0, 1]; 0 where known


def boundary_band(region: np.ndarray, unknown: np.ndarray, width: int) -> np.ndarray:
    """Pixels of ``region`` within ``width`` pixels of the unknown area: the
    only known pixels worth sampling from (far ones are rarely the right
    colour and would only slow the search)."""
    distance = cv2.distanceTransform((~unknown).astype(np.uint8), cv2.DIST_L2, 3)
    return region & (distance <= width)


def _features(image: np.ndarray, ys: np.ndarray, xs: np.ndarray, spatial_scale: float) -> np.ndarray:
    return np.column_stack([image[ys, xs], ys * spatial_scale, xs * spatial_scale])


def _nearest_colours(
    image: np.ndarray,
    source: np.ndarray,
    query_feats: np.ndarray,
    neighbours: int,
    spatial_scale: float,
    stride: int,
) -> np.ndarray:
    """Colours of the ``neighbours`` nearest ``source`` pixels of each query,
    shape (N, K, 3).  Only every ``stride``-th row and column of the source
    is searched: neighbouring known pixels are nearly duplicates, and
    thinning them makes the k-d tree several times faster."""
    ys, xs = np.nonzero(source[::stride, ::stride])
    ys, xs = ys * stride, xs * stride
    colours = image[ys, xs]
    k = min(neighbours, len(ys))
    tree = cKDTree(_features(image, ys, xs, spatial_scale))
    _, index = tree.query(query_feats, k=k)
    return colours[index.reshape(len(query_feats), k)]


@njit(cache=True, nogil=True)
def _best_pairs(pixel, fg, bg):  # pragma: no cover - compiled by numba
    """For each pixel (N,3) pick the (fg, bg) candidate pair (N,K,3 each)
    with the least normalised distortion.  Returns (F, B, alpha, distortion).
    A compiled loop: the pair table is N x K x K, too big to materialise."""
    n, kf, _ = fg.shape
    kb = bg.shape[1]
    best_f = np.empty((n, 3))
    best_b = np.empty((n, 3))
    best_a = np.empty(n)
    best_d = np.empty(n)
    for p in range(n):
        best = np.inf
        bi = 0
        bj = 0
        ba = 0.0
        for i in range(kf):
            for j in range(kb):
                d0 = fg[p, i, 0] - bg[p, j, 0]
                d1 = fg[p, i, 1] - bg[p, j, 1]
                d2 = fg[p, i, 2] - bg[p, j, 2]
                e0 = pixel[p, 0] - bg[p, j, 0]
                e1 = pixel[p, 1] - bg[p, j, 1]
                e2 = pixel[p, 2] - bg[p, j, 2]
                norm2 = d0 * d0 + d1 * d1 + d2 * d2 + 1e-6
                a = (e0 * d0 + e1 * d1 + e2 * d2) / norm2
                a = min(max(a, 0.0), 1.0)
                r0 = e0 - a * d0
                r1 = e1 - a * d1
                r2 = e2 - a * d2
                distortion2 = (r0 * r0 + r1 * r1 + r2 * r2) / norm2
                if distortion2 < best:
                    best = distortion2
                    bi = i
                    bj = j
                    ba = a
        for c in range(3):
            best_f[p, c] = fg[p, bi, c]
            best_b[p, c] = bg[p, bj, c]
        best_a[p] = ba
        best_d[p] = np.sqrt(best)
    return best_f, best_b, best_a, best_d


def sample_colours(
    image: np.ndarray,
    trimap: np.ndarray,
    *,
    neighbours: int = 6,
    spatial_scale: float = 0.1,
    band: int = 20,
    stride: int = 3,
    sigma: float = 0.1,
) -> Samples:
    """Sample foreground/background colours for the unknown pixels.

    Args:
        image: HxWx3 float64 RGB in [0, 1].
        trimap: HxW uint8 in {0, 128, 255}.
        neighbours: candidates per side (foreground, background).
        spatial_scale: weight of one pixel of distance against one unit of
            colour in the candidate search (0.1: 1 px ~ 0.1 colour).
        band: only known pixels this close to the unknown region are sampled.
        stride: known pixels are taken on a grid of this step.
        sigma: distortion scale of the confidence ``exp(-(d / sigma)^2)``.
    """
    unknown = trimap == 128
    is_fg = boundary_band(trimap == 255, unknown, band)
    is_bg = boundary_band(trimap == 0, unknown, band)
    fg_out = image.copy()
    bg_out = image.copy()
    alpha = (trimap == 255).astype(np.float64)
    conf = np.zeros(trimap.shape, np.float64)
    if not is_fg[::stride, ::stride].any() or not is_bg[::stride, ::stride].any():
        return Samples(fg_out, bg_out, alpha, conf)  # nothing to pair: no data term

    ys, xs = np.nonzero(unknown)
    query = _features(image, ys, xs, spatial_scale)
    fg_cand = _nearest_colours(image, is_fg, query, neighbours, spatial_scale, stride)
    bg_cand = _nearest_colours(image, is_bg, query, neighbours, spatial_scale, stride)
    f, b, a, d = _best_pairs(np.ascontiguousarray(image[ys, xs]), fg_cand, bg_cand)
    fg_out[ys, xs] = f
    bg_out[ys, xs] = b
    alpha[ys, xs] = a
    conf[ys, xs] = np.exp(-((d / sigma) ** 2))
    return Samples(fg_out, bg_out, alpha, conf)


def confidently_pure(samples: Samples, unknown: np.ndarray, min_confidence: float, margin: float) -> np.ndarray:
    """Unknown pixels the samples call pure background or foreground
    (alpha within ``margin`` of 0 or 1) with confidence above
    ``min_confidence``.  Fixing them before the solve expands the trimap the
    way information-flow matting does, and shrinks the linear system."""
    pure = (samples.alpha < margin) | (samples.alpha > 1.0 - margin)
    return unknown & pure & (samples.confidence > min_confidence)
