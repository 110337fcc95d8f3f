"""The one function that touches the accelerator, ready for ZeroGPU.

On a Hugging Face ZeroGPU Space the ``spaces`` package is installed and a
GPU is attached only while a function decorated with ``@spaces.GPU`` runs.
Everywhere else (CPU Spaces, GPU Spaces, a laptop) the decorator is a no-op.

ZeroGPU runs the decorated function in a worker process and sends its
arguments there, so it receives plain arrays and the *name* of a registry
entry rather than a live model; the model itself is reached through
:data:`_REGISTRIES`, which the worker inherits.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import numpy as np

from ..result import MattingResult

try:  # pragma: no cover - depends on the hosting environment
    import spaces  # type: ignore[import-not-found]

    gpu_function: Callable[..., Any] = spaces.GPU(duration=120)
    ON_ZERO_GPU = True
except Exception:  # ImportError, or spaces present but unusable outside a Space

    def gpu_function(fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn

    ON_ZERO_GPU = False

#: registry id -> EngineRegistry; filled by :func:`register`.
_REGISTRIES: dict[int, Any] = {}


def register(registry: Any) -> int:
    """Make ``registry`` reachable from :func:`run_engine`; returns its key."""
    key = id(registry)
    _REGISTRIES[key] = registry
    return key


#: SampleNet's three networks in the order they run, with the progress
#: fraction and the words shown when each starts.
SAMPLENET_STAGES = (
    ("background", 0.2, "Background sampling (inpainting behind the subject)"),
    ("foreground", 0.45, "Foreground sampling (inpainting the subject's colours)"),
    ("matting", 0.7, "Matting (alpha from image, trimap and sampled colours)"),
)

Progress = Callable[[float, str], None]


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


@gpu_function
def run_engine(
    registry_key: int,
    engine: str,
    image: np.ndarray,
    trimap: np.ndarray,
    options: dict | None = None,
    progress: Progress | None = None,
) -> MattingResult:
    """Run the named engine of a registered registry on clean arrays.
    ``progress`` (not available on ZeroGPU, where arguments cross a process
    boundary) hears of each SampleNet stage."""
    matter = _REGISTRIES[registry_key].resolve(engine)
    with stage_reports(matter, progress):
        return matter(image, trimap, **(options or {}))
