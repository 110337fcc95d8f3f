"""What ``demo.launch`` needs besides Gradio's defaults (Gradio 6 takes the
page's CSS there, not in ``gr.Blocks``).  Free of gradio imports, so
``app.py`` and the tests read it cheaply."""
from __future__ import annotations

from .api_page import CURL_FIX_SCRIPT

#: On a phone the three columns stack; once a photo is given, the samples
#: (the first column's lower half, 490 px) move below Cut out, so that Cut out
#: starts within 1.5 screens (it was 2.1); the Sketch editor is 340 px high,
#: not 420 (a photo fitted to a phone's width is about 240 px high).
PHONE_MAX_WIDTH = 640

PHONE_CSS = """
@media (max-width: PHONE_MAX_WIDTHpx) {
  #sketch { height: 340px !important; }
  .row:has(> #photo-column) { flex-wrap: wrap; }
  #photo-column { display: contents; }
  #photo-column > *, #tools-column, #results-column { flex: 1 1 100%; min-width: 100% !important; }
  #photo { order: 0; }
  #samples, #tools-column { order: 1; }
  #results-column { order: 3; }
  .row:has(#photo img) #samples { order: 2; }
}
""".replace("PHONE_MAX_WIDTH", str(PHONE_MAX_WIDTH))

#: Gradio's own colour button shows the brush colour on the page's white:
#: a grey disc behind it keeps the white brush visible.
CSS = """
#sketch button[aria-label="Color"], #strokes button[aria-label="Color"] { background: #9ca3af; border-radius: 50%; }
""" + PHONE_CSS

#: ``show_error``: a malformed API call (a missing argument, a path the
#: server may not read) gets its one-line reason instead of
#: ``{"error": null}``; the app's own errors are already worded for callers
#: (see ``handlers.user_errors``).
#: ``head``: the "Use via API" page's cURL examples that run in bash (see :mod:`.api_page`).
LAUNCH_OPTIONS = {"show_error": True, "css": CSS, "head": CURL_FIX_SCRIPT}
