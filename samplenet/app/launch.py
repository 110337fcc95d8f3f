"""What ``demo.launch`` needs besides Gradio's defaults (Gradio 6 takes the
page's CSS there, not in ``gr.Blocks``).  Free of gradio imports, so
``app.py`` and the tests read it cheaply."""
from __future__ import annotations

from .api_page import CURL_FIX_SCRIPT

#: Gradio's own colour button shows the brush colour on the page's white:
#: a grey disc behind it keeps the white brush visible.
CSS = """
#sketch button[aria-label="Color"], #strokes button[aria-label="Color"] { background: #9ca3af; border-radius: 50%; }
"""

#: ``show_error``: a malformed API call (a missing argument, a path the
#: server may not read) gets its one-line reason instead of
#: ``{"error": null}``; the app's own errors are already worded for callers
#: (see ``handlers.user_errors``).
#: ``head``: the "Use via API" page's cURL examples that run in bash (see :mod:`.api_page`).
LAUNCH_OPTIONS = {"show_error": True, "css": CSS, "head": CURL_FIX_SCRIPT}
