"""The engines a benchmark can compare, behind one signature.

Every entry of :data:`ENGINE_BUILDERS` builds a function
``(image HxWx3 uint8 RGB, trimap HxW uint8 0/128/255) -> alpha HxW float``;
building happens once per engine, so that loading weights or importing a
library is not counted in the per-image times.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND

AlphaFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _classical(options: dict[str, Any]) -> AlphaFunction:
    from ..engines import load

    matter = load("classical")
    return lambda image, trimap: matter(image, trimap).alpha


def _samplenet(options: dict[str, Any]) -> AlphaFunction:
    from ..engines import load

    matter = load("samplenet", weights=options.get("weights"), device=options.get("device"))
    return lambda image, trimap: matter(image, trimap).alpha


def _pymatting_cf(options: dict[str, Any]) -> AlphaFunction:
    """Closed-form matting (Levin et al. 2008) as pymatting implements it:
    float64 RGB and trimap in [0, 1], default Laplacian and solver."""
    from pymatting import estimate_alpha_cf

    from .. import classical  # noqa: F401  (sets numba's cache folder before pymatting loads)

    def run(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        return estimate_alpha_cf(image.astype(np.float64) / 255.0, trimap.astype(np.float64) / 255.0)

    return run


#: Engine name -> builder taking the options (``weights``, ``device``).
ENGINE_BUILDERS: dict[str, Callable[[dict[str, Any]], AlphaFunction]] = {
    "classical": _classical,
    "pymatting-cf": _pymatting_cf,
    "samplenet": _samplenet,
}

#: The engine every other is compared with.
REFERENCE_ENGINE = "pymatting-cf"


def parse_engine_list(text: str) -> list[str]:
    """``"classical,pymatting-cf"`` -> checked list of engine names."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError("--engines is empty; name at least one of " + ", ".join(ENGINE_BUILDERS))
    unknown = [name for name in names if name not in ENGINE_BUILDERS]
    if unknown:
        raise ValueError(
            f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINE_BUILDERS)}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"--engines names an engine twice: {text}")
    return names


def checked_alpha(alpha: Any, trimap: np.ndarray, engine: str) -> np.ndarray:
    """An engine's output as float64 in [0, 1] with the known regions set
    from the trimap (the same for every engine, so that only the unknown
    region's estimate is compared)."""
    array = np.asarray(alpha, dtype=np.float64)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.shape != trimap.shape:
        raise MattingInputError(
            f"engine {engine!r} returned an alpha of shape {array.shape} for a trimap of shape {trimap.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise MattingInputError(f"engine {engine!r} returned NaN or infinite alpha values")
    array = np.clip(array, 0.0, 1.0)
    array[trimap == BACKGROUND] = 0.0
    array[trimap == FOREGROUND] = 1.0
    return array
