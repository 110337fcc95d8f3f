"""The Gradio app (a Hugging Face Space): trimap tools, handlers and the page.

``app.py`` at the repository root builds the page with
``build_demo(EngineRegistry.from_environment())``; tests pass their own
:class:`EngineRegistry`.  Gradio is imported only by :mod:`.handlers`,
:mod:`.page`, :mod:`.actions` (one function per UI action and the API
endpoints) and :mod:`.ui` (layout and wiring), so the trimap tools work
without it.
"""
from __future__ import annotations

from .engines import ENGINE_CHOICES, EngineRegistry, EngineUnavailableError
from .launch import LAUNCH_OPTIONS

__all__ = ["ENGINE_CHOICES", "EngineRegistry", "EngineUnavailableError", "LAUNCH_OPTIONS", "build_demo"]


def build_demo(*args, **kwargs):
    """See :func:`samplenet.app.ui.build_demo` (imported lazily: it needs gradio)."""
    from .ui import build_demo as _build

    return _build(*args, **kwargs)
