"""A spatial prior for unknown regions that no colour explains (issue 32).

On a translucent cloth flag nothing in the trimap shows the cloth's own
colour at full opacity, so every colour term (the sampled pair, the
known-to-unknown flow) explains each cloth pixel as a mix of background
colours and alpha falls towards 0.  What is left is where the pixel lies:
the farther an unknown pixel is from the sure background, the likelier it
is subject (on the dev photos and the composites, the true alpha of unknown
pixels more than 40 px from the sure background averages 0.76-0.81, except
for see-through meshes, 0.55).  This prior says so, and only where the
sampled pair cannot explain the pixel: its weight is scaled by one minus
the pair's confidence.  Off by default (weight 0); whether it is worth
having is for the two-fold cross-validation to say.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..io import BACKGROUND


def distance_prior(trimap: np.ndarray, scale: float) -> np.ndarray:
    """Alpha prior ``1 - exp(-d / (scale * long side))`` with ``d`` each
    pixel's distance in pixels to the nearest sure-background pixel: 0 at
    the background, rising towards 1 deep inside the rest."""
    outside = (trimap != BACKGROUND).astype(np.uint8)
    distance = cv2.distanceTransform(outside, cv2.DIST_L2, 3).astype(np.float64)
    return 1.0 - np.exp(-distance / (scale * float(max(trimap.shape))))


def with_distance_prior(
    trimap: np.ndarray,
    prior: np.ndarray | None,
    weight: np.ndarray | None,
    confidence: np.ndarray | None,
    prior_weight: float,
    scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The data term (alpha estimate, weight per pixel) with the distance
    prior added at ``prior_weight * (1 - confidence)``: a weighted mean of
    the two estimates and the sum of their weights."""
    spatial = distance_prior(trimap, scale)
    trust = 1.0 - (confidence if confidence is not None else np.zeros(trimap.shape))
    spatial_weight = prior_weight * trust
    if prior is None or weight is None:
        return spatial, spatial_weight
    total = weight + spatial_weight
    blended = np.where(total > 0, (weight * prior + spatial_weight * spatial) / np.maximum(total, 1e-12), prior)
    return blended, total
