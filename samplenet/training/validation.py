"""Validation metrics for the matting stage.

The four standard matting errors (SAD, MSE, gradient, connectivity) come
from :mod:`samplenet.evaluation.metrics` so that training reports the same numbers as
``samplenet evaluate``.  Trimaps arrive as codes 0/1/2 and are turned into
the 0/128/255 form those functions take.
"""
from __future__ import annotations

import numpy as np


def matting_metrics(predicted: np.ndarray, truth: np.ndarray, trimap_codes: np.ndarray) -> dict[str, float]:
    """Errors of one predicted alpha (HxW floats in [0,1]) on the unknown
    region of the trimap."""
    trimap = np.select([trimap_codes == 0, trimap_codes == 2], [0, 255], 128).astype(np.uint8)
    predicted = np.clip(predicted.astype(np.float64), 0.0, 1.0)
    truth = truth.astype(np.float64)
    try:
        from ..evaluation import metrics
    except ImportError:  # metrics not installed in this checkout: SAD and MSE only
        unknown = trimap == 128
        diff = np.abs(predicted - truth) * unknown
        return {"sad": float(diff.sum() / 1000.0), "mse": float((diff**2).sum() / max(unknown.sum(), 1))}
    return {
        "sad": float(metrics.sad(predicted, truth, trimap)),
        "mse": float(metrics.mse(predicted, truth, trimap)),
        "grad": float(metrics.gradient_error(predicted, truth, trimap)),
        "conn": float(metrics.connectivity_error(predicted, truth, trimap)),
    }
