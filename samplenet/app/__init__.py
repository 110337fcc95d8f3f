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

__all__ = ["ENGINE_CHOICES", "EngineRegistry", "EngineUnavailableError", "LAUNCH_OPTIONS", "build_demo"]

#: What ``demo.launch`` needs besides Gradio's defaults.  ``show_error``: a
#: malformed API call (a missing argument, a path the server may not read)
#: gets its one-line reason instead of ``{"error": null}``; the app's own
#: errors are already worded for callers (see ``handlers.user_errors``).
LAUNCH_OPTIONS = {"show_error": True}


def build_demo(*args, **kwargs):
    """See :func:`samplenet.app.ui.build_demo` (imported lazily: it needs gradio)."""
    from .ui import build_demo as _build

    return _build(*args, **kwargs)
