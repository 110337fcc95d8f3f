"""The functions that touch the accelerator, ready for ZeroGPU.

:func:`run_engine` mattes; :func:`run_engine_after` first makes the engine's
input (the Auto tool's trimap, by SAM where it is configured) in the same
GPU lease.

On a Hugging Face ZeroGPU Space the ``spaces`` package is installed and a
GPU is attached only while a function decorated with ``@spaces.GPU`` runs;
elsewhere (CPU Spaces, GPU Spaces, a laptop) that decorator does nothing,
and where ``spaces`` is not installed we do not use it at all.

ZeroGPU runs the decorated function in a forked worker and pickles its
arguments across, so :func:`run_engine` receives plain arrays and an engine
*name*; the models are reached through the registry the page serves
(:func:`serve`, called once by ``build_demo``), which the fork inherits.
SAM (:mod:`samplenet.segmentation.sam`) needs the GPU too: the Auto tool's
trimap is made inside :func:`run_engine_after`, in the same lease as the
matting it is for (a separate call would wait in ZeroGPU's queue twice).
Not yet everywhere: Preview trimap, Touch up and the ``/auto`` endpoint
still segment outside these functions, so on ZeroGPU their SAM runs on the
CPU; only Cut out's segmentation has the GPU.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..result import MattingResult
from .run_budget import stop_when_abandoned

if TYPE_CHECKING:
    from ..engines.base import Matter
    from .engines import EngineRegistry

try:  # pragma: no cover - depends on the hosting environment
    import spaces  # type: ignore[import-not-found]
except ImportError:  # not on a Hugging Face Space
    spaces = None

#: Longest GPU lease a run asks ZeroGPU for (its scheduler wants a bound).
GPU_SECONDS = 120

#: Whether runs cross into a ZeroGPU worker (progress callbacks cannot).
ON_ZERO_GPU = spaces is not None and os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "t", "true")

Progress = Callable[[float, str], None]

_served: EngineRegistry | None = None


def on_gpu(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``spaces.GPU`` where the ``spaces`` package is installed, else ``fn`` itself."""
    return spaces.GPU(duration=GPU_SECONDS)(fn) if spaces is not None else fn


def serve(registry: EngineRegistry | None) -> None:
    """Make ``registry`` the one :func:`run_engine` runs (one per process: the page's)."""
    global _served
    _served = registry


def served() -> EngineRegistry | None:
    """The registry :func:`serve` installed, if any."""
    return _served


def served_engine(engine: str) -> Matter:
    """The served registry's engine for the name ``engine`` (``"auto"``, ...):
    the one route from a name to an engine, for the handlers (to check a
    name before slow work) and for :func:`run_engine`.  Handlers never serve
    a registry of their own: two calls with different registries would
    otherwise re-point each other's and the live page's engine."""
    if _served is None:
        raise RuntimeError("No engine registry is served: build the page with build_demo(registry) "
                           "or call samplenet.app.gpu.serve(registry) first.")
    return _served.resolve(engine)


#: SampleNet's three networks in the order they run, with the progress
#: fraction and the words shown when each starts.
SAMPLENET_STAGES = (
    ("background", 0.2, "Background sampling (inpainting behind the subject)"),
    ("foreground", 0.45, "Foreground sampling (inpainting the subject's colours)"),
    ("matting", 0.7, "Matting (alpha from image, trimap and sampled colours)"),
)


@contextlib.contextmanager
def stage_reports(matter: Any, progress: Progress | None) -> Iterator[None]:
    """While active, report each SampleNet network as it starts (forward
    pre-hooks on ``matter.model.background/foreground/matting``); engines
    without those networks report nothing here."""
    model = getattr(matter, "model", None)
    handles = []
    if progress is not None and model is not None:
        for attribute, fraction, words in SAMPLENET_STAGES:
            network = getattr(model, attribute, None)
            if network is not None and hasattr(network, "register_forward_pre_hook"):
                handles.append(
                    network.register_forward_pre_hook(
                        lambda module, inputs, fraction=fraction, words=words: progress(fraction, words)
                    )
                )
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@on_gpu
def run_engine(
    engine: str,
    image: np.ndarray,
    trimap: np.ndarray,
    options: dict | None = None,
    progress: Progress | None = None,
) -> MattingResult:
    """Run the served registry's engine ``engine`` on clean arrays.
    ``progress`` (``None`` on ZeroGPU, where arguments cross a process
    boundary) hears of each SampleNet stage."""
    return _run_served(engine, image, trimap, options, progress)


@on_gpu
def run_engine_after(
    prepare: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, dict, Any]],
    engine: str,
    image: np.ndarray,
    progress: Progress | None = None,
) -> tuple[Any, MattingResult]:
    """``prepare(image)`` (a picklable callable returning the engine's image,
    its trimap, the engine's options and anything to hand back), then
    :func:`run_engine`'s work, in one GPU lease: the Auto tool's SAM runs
    inside ``prepare``.  Returns what ``prepare`` handed back and the result."""
    work_image, work_trimap, options, handed_back = prepare(image)
    return handed_back, _run_served(engine, work_image, work_trimap, options, progress)


def _run_served(
    engine: str, image: np.ndarray, trimap: np.ndarray, options: dict | None, progress: Progress | None
) -> MattingResult:
    matter = served_engine(engine)
    with stage_reports(matter, progress), stop_when_abandoned(getattr(matter, "model", None)):
        return matter(image, trimap, **(options or {}))
