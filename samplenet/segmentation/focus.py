"""Where a photo is in focus: the subject of a cut-out usually is, its background often is not.

A photographer focuses on the subject and a wide aperture blurs what lies
behind it; matting benchmarks and portraits alike look like this.  Colour
alone then confuses a subject with a background of the same colours (green
hair before a green lawn, a brown stem before brown leaves), while the
amount of fine detail still tells them apart.  The map here is the local
energy of the Laplacian, so it is high on sharp texture and edges and low
on blurred regions.  It says nothing on smooth surfaces (skin, a plain
sleeve) in either case, which is why it is one feature beside colour in the
graph cut's models (:mod:`.graph_cut`), learned per photo, and never a rule
on its own.
"""
from __future__ import annotations

import cv2
import numpy as np
from scipy.stats import rankdata


def focus_map(image: np.ndarray, sigma: float = 4.0) -> np.ndarray:
    """Local sharpness of ``image`` (``HxWx3 uint8``) as ranks in ``[0, 1)``.

    The absolute Laplacian of the grey image is averaged over a Gaussian
    window of ``sigma`` pixels (log-compressed).  Ranks instead of raw values
    make the scale the same on every photo, whatever its exposure, noise or
    size, so one weight against colour suits them all.
    """
    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY).astype(np.float32)
    detail = np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=3))
    energy = np.log1p(cv2.GaussianBlur(detail, (0, 0), sigma))
    # Equal values share their average rank: a flat studio backdrop is one
    # value, not a ramp that would act as a position feature.
    ranks = rankdata(energy, method="average").astype(np.float32)
    return ((ranks - 1.0) / energy.size).reshape(energy.shape)
