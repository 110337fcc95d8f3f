"""The four alpha-matte errors every matting paper reports.

They follow the evaluation code released with Deep Image Matting (Xu et al.,
CVPR 2017; MATLAB functions ``compute_sad_loss``, ``compute_mse_loss``,
``compute_gradient_loss`` and ``compute_connectivity_error``), which the
SampleNet paper and its successors use, so that our numbers can be set beside
published ones:

* **SAD**: sum of absolute differences over the unknown region, / 1000.
* **MSE**: mean squared difference over the unknown pixels (not scaled;
  papers often print it x 1000, we do not).
* **Gradient**: both mattes min-max normalised, gradient magnitudes from
  normalised first-derivative-of-Gaussian filters (sigma 1.4), sum of the
  squared magnitude differences over the unknown region, / 1000.
* **Connectivity**: how much each pixel's alpha exceeds the level up to
  which it stays connected to the main body of the matte (thresholds
  0, 0.1, ..., 1; the largest 4-connected component of where both mattes
  reach the threshold; differences below 0.15 ignored), summed as absolute
  differences over the unknown region, / 1000.

The known regions do not count in the sums, but the gradient and
connectivity errors look at the whole matte (filter support and connected
components cross the trimap boundary), as in the original.  Mattes are
scored as given: callers who want the prediction fixed to the trimap in the
known regions (as :mod:`samplenet.evaluation.quality` does) do so first.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import ndimage

from ..errors import MattingInputError
from ..io import unknown_region

#: Standard deviation of the derivative-of-Gaussian filters (DIM: 1.4).
GRADIENT_SIGMA = 1.4
#: Threshold step of the connectivity error (DIM: 0.1).
CONNECTIVITY_STEP = 0.1
#: Differences from the connected level below this are not penalised (DIM: 0.15).
CONNECTIVITY_THETA = 0.15
#: The DIM code divides SAD, gradient and connectivity by 1000 because its
#: images are large; published tables use these scaled numbers.
SCALE = 1000.0


# --------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------
def _as_matte(matte: np.ndarray, what: str) -> np.ndarray:
    """An alpha matte as float64 in [0, 1]: uint8 is divided by 255, uint16
    by 65535, floats must already lie in [0, 1]."""
    if not isinstance(matte, np.ndarray):
        raise MattingInputError(f"The {what} matte must be a NumPy array, not {type(matte).__name__}.")
    array = matte
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim != 2:
        raise MattingInputError(f"The {what} matte has shape {matte.shape}; expected HxW.")
    if array.size == 0:
        raise MattingInputError(f"The {what} matte is empty (shape {matte.shape}).")
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 255.0
    if array.dtype == np.uint16:
        return array.astype(np.float64) / 65535.0
    if np.issubdtype(array.dtype, np.floating):
        values = array.astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise MattingInputError(f"The {what} matte contains NaN or infinite values.")
        lo, hi = float(values.min()), float(values.max())
        if lo < 0.0 or hi > 1.0:
            raise MattingInputError(
                f"A floating-point {what} matte must have values in [0, 1]; got [{lo:g}, {hi:g}]."
            )
        return values
    raise MattingInputError(
        f"The {what} matte has dtype {array.dtype}; expected float in [0, 1], uint8 or uint16."
    )


def unknown_mask(trimap: np.ndarray) -> np.ndarray:
    """Boolean mask of the unknown region: every trimap value strictly
    between 0 and 255 (128 in the DIM trimaps; 102, 127... elsewhere)."""
    if not isinstance(trimap, np.ndarray):
        raise MattingInputError(f"The trimap must be a NumPy array, not {type(trimap).__name__}.")
    array = trimap
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim != 2:
        raise MattingInputError(f"The trimap has shape {trimap.shape}; expected HxW.")
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise MattingInputError(
            f"The trimap has dtype {array.dtype}; expected integers 0 (background), 128 (unknown), "
            "255 (foreground), e.g. uint8."
        )
    if array.size and (array.min() < 0 or array.max() > 255):
        raise MattingInputError(
            f"The trimap has values in [{array.min()}, {array.max()}]; expected 0..255."
        )
    return unknown_region(array)


def _checked(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a (pred, gt, trimap) triple; return float mattes and the unknown mask."""
    pred_f = _as_matte(pred, "predicted")
    gt_f = _as_matte(gt, "ground-truth")
    unknown = unknown_mask(trimap)
    if pred_f.shape != gt_f.shape or gt_f.shape != unknown.shape:
        raise MattingInputError(
            f"Shapes differ: predicted matte {pred_f.shape}, ground truth {gt_f.shape}, "
            f"trimap {unknown.shape}; all three must be HxW of the same size."
        )
    if not unknown.any():
        raise MattingInputError(
            "The trimap has no unknown pixel (no value strictly between 0 and 255); the errors "
            "are defined over the unknown region only."
        )
    return pred_f, gt_f, unknown


# --------------------------------------------------------------------------
# SAD and MSE
# --------------------------------------------------------------------------
# Each error is a kernel on checked inputs (float mattes, unknown mask) and
# a public function that checks first; all_metrics checks once for all four.
def _sad(pred_f: np.ndarray, gt_f: np.ndarray, unknown: np.ndarray) -> float:
    return float(np.abs(pred_f - gt_f)[unknown].sum() / SCALE)


def _mse(pred_f: np.ndarray, gt_f: np.ndarray, unknown: np.ndarray) -> float:
    return float(np.mean((pred_f - gt_f)[unknown] ** 2))


def sad(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> float:
    """Sum of absolute differences over the unknown region, divided by 1000."""
    return _sad(*_checked(pred, gt, trimap))


def mse(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> float:
    """Mean squared difference over the unknown pixels (alpha in [0, 1])."""
    return _mse(*_checked(pred, gt, trimap))


# --------------------------------------------------------------------------
# Gradient error
# --------------------------------------------------------------------------
def _gauss(x: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-(x**2) / (2.0 * sigma**2)) / (sigma * math.sqrt(2.0 * math.pi))


def gaussian_gradient_kernel(sigma: float = GRADIENT_SIGMA) -> np.ndarray:
    """The 2-D x-derivative filter of ``gaussgradient`` (G. Xiong), as the
    DIM gradient error uses it.

    Its half size is the distance at which the Gaussian falls to 1 % of a
    unit-height one, ``ceil(sigma * sqrt(-2 ln(sqrt(2 pi) sigma 0.01)))``
    (4 for sigma 1.4, a 9x9 kernel); entry (row offset v, column offset u)
    is ``gauss(v) * dgauss(u)``; the kernel is scaled to unit L2 norm.  The
    y filter is its transpose.
    """
    halfsize = math.ceil(sigma * math.sqrt(-2.0 * math.log(math.sqrt(2.0 * math.pi) * sigma * 1e-2)))
    offsets = np.arange(-halfsize, halfsize + 1, dtype=np.float64)
    smooth = _gauss(offsets, sigma)                           # along rows (v)
    derivative = -offsets * _gauss(offsets, sigma) / sigma**2  # along columns (u)
    kernel = np.outer(smooth, derivative)
    return kernel / math.sqrt(float(np.sum(kernel**2)))


def _min_max_normalise(matte: np.ndarray) -> np.ndarray:
    """MATLAB's ``mat2gray``: stretch to [0, 1]; a constant matte is kept
    as it is (its gradient is zero either way)."""
    lo, hi = float(matte.min()), float(matte.max())
    if hi == lo:
        return np.clip(matte, 0.0, 1.0)
    return (matte - lo) / (hi - lo)


def gradient_magnitude(matte: np.ndarray, sigma: float = GRADIENT_SIGMA) -> np.ndarray:
    """Gradient magnitude by derivative-of-Gaussian convolution with
    replicated borders (MATLAB ``imfilter(..., 'replicate', 'conv')``)."""
    kernel_x = gaussian_gradient_kernel(sigma)
    grad_x = ndimage.convolve(matte, kernel_x, mode="nearest")
    grad_y = ndimage.convolve(matte, kernel_x.T, mode="nearest")
    return np.hypot(grad_x, grad_y)


def _gradient_error(pred_f: np.ndarray, gt_f: np.ndarray, unknown: np.ndarray) -> float:
    pred_amp = gradient_magnitude(_min_max_normalise(pred_f))
    gt_amp = gradient_magnitude(_min_max_normalise(gt_f))
    return float(((pred_amp - gt_amp) ** 2)[unknown].sum() / SCALE)


def gradient_error(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> float:
    """Sum over the unknown region of the squared difference of the two
    mattes' gradient magnitudes (after min-max normalisation), / 1000."""
    return _gradient_error(*_checked(pred, gt, trimap))


# --------------------------------------------------------------------------
# Connectivity error
# --------------------------------------------------------------------------
_FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    """The largest 4-connected component of ``mask`` (all False if empty).

    Ties go to the component met first in column-major order, the order in
    which MATLAB's ``bwconncomp`` numbers them; labelling the transpose
    makes SciPy number them that way too.  Label 0 is the background and
    is never chosen.
    """
    labels_t, count = ndimage.label(mask.T, structure=_FOUR_CONNECTED)
    if count == 0:
        return np.zeros_like(mask)
    sizes = np.bincount(labels_t.ravel(), minlength=count + 1)[1:]
    largest = int(np.argmax(sizes)) + 1
    return (labels_t == largest).T


def connected_level(pred: np.ndarray, gt: np.ndarray, step: float = CONNECTIVITY_STEP) -> np.ndarray:
    """Per pixel, the highest threshold at which it still belongs to the
    main connected body of both mattes (``l_map`` in the DIM code).

    For t = step, 2 step, ..., 1 the main body is the largest 4-connected
    component of ``pred >= t & gt >= t``; a pixel that leaves it for the
    first time at t gets the previous threshold; one that never leaves gets 1.
    """
    count = int(round(1.0 / step))
    # i / count rather than i * step: 0.6 must equal 153 / 255 exactly.
    thresholds = np.arange(count + 1, dtype=np.float64) / count
    level = np.full(pred.shape, -1.0)
    for previous, threshold in zip(thresholds[:-1], thresholds[1:], strict=True):
        body = _largest_component((pred >= threshold) & (gt >= threshold))
        level[(level == -1.0) & ~body] = previous
    level[level == -1.0] = 1.0
    return level


def _connectivity_degree(matte: np.ndarray, level: np.ndarray, theta: float) -> np.ndarray:
    """phi = 1 - d * [d >= theta] with d = matte - level: 1 for a pixel
    fully connected, lower the more alpha it has above its connected level."""
    excess = matte - level
    return 1.0 - excess * (excess >= theta)


def _connectivity_error(pred_f: np.ndarray, gt_f: np.ndarray, unknown: np.ndarray) -> float:
    level = connected_level(pred_f, gt_f)
    phi_pred = _connectivity_degree(pred_f, level, CONNECTIVITY_THETA)
    phi_gt = _connectivity_degree(gt_f, level, CONNECTIVITY_THETA)
    return float(np.abs(phi_pred - phi_gt)[unknown].sum() / SCALE)


def connectivity_error(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> float:
    """Sum over the unknown region of |phi(pred) - phi(gt)|, / 1000."""
    return _connectivity_error(*_checked(pred, gt, trimap))


# --------------------------------------------------------------------------
# All four at once
# --------------------------------------------------------------------------
#: Metric name -> function, in the order tables print them.
METRICS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], float]] = {
    "sad": sad,
    "mse": mse,
    "gradient": gradient_error,
    "connectivity": connectivity_error,
}

#: The same, on already checked inputs (used by :func:`all_metrics`).
_KERNELS = {"sad": _sad, "mse": _mse, "gradient": _gradient_error, "connectivity": _connectivity_error}

#: Column titles for tables.
METRIC_TITLES = {"sad": "SAD", "mse": "MSE", "gradient": "Grad", "connectivity": "Conn"}


def all_metrics(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> dict[str, float]:
    """The four errors of one matte, keyed like :data:`METRICS`."""
    checked = _checked(pred, gt, trimap)  # fail once, before any work, with one message
    return {name: _KERNELS[name](*checked) for name in METRICS}


__all__ = [
    "sad",
    "mse",
    "gradient_error",
    "connectivity_error",
    "all_metrics",
    "METRICS",
    "METRIC_TITLES",
    "gaussian_gradient_kernel",
    "gradient_magnitude",
    "connected_level",
    "unknown_mask",
]
