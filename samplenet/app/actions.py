"""One function per thing a visitor (or a program) does on the page.

Each action takes the :class:`~samplenet.app.page.Page` (the components, so
that it can name what it reads and updates) and the values Gradio hands over
as a dict keyed by component, and returns a dict keyed by component, or ``gr.skip()`` when it has
nothing to change (Gradio 6 reads an empty dict as one output *value*: a
"not enough output values" error, or an Image asked to show ``{}``).  The
work itself is in :mod:`.handlers`, which knows nothing of components.
``build_demo`` binds the page with :func:`functools.partial` and wires.
"""
from typing import Any

import gradio as gr
from gradio import FileData

from . import handlers
from .page import Page

#: Gradio injects a live progress bar into a handler whose parameter defaults to
#: a ``gr.Progress``; one shared marker instance serves every handler.
TRACK_PROGRESS = gr.Progress()

Values = dict[Any, Any]


def _editor_value(path: str | None) -> dict | None:
    return None if not path else {"background": path, "layers": [], "composite": path}


def photo_into_editors(page: Page, values: Values) -> Values:
    """The photo (a visitor's or a sample's) becomes the background of both
    brush editors and the Clicks picture; a trimap being touched up and the
    clicks on another photo no longer apply."""
    photo = values[page.photo]
    value = _editor_value(photo)
    return {page.sketch: value, page.strokes: value, page.sketch_base: None,
            page.clicks: [], page.click_picture: photo}


@handlers.user_errors
def add_click(page: Page, values: Values, evt: gr.SelectData) -> Values:
    """A click on the Clicks picture: a subject or background point (as the
    radio says) where the visitor clicked, drawn as a dot."""
    index = evt.index
    # no photo, or a tap Gradio could not place on it (the picture still loading gives [None, None])
    if not values[page.photo] or not isinstance(index, (list, tuple)) or len(index) != 2 or None in index:
        return gr.skip()
    x, y = index
    label = values[page.click_label]  # None until the radio has been drawn: the default, subject
    points = list(values[page.clicks] or []) + [[int(x), int(y), 1 if label is None else int(label)]]
    return {page.clicks: points, page.click_picture: handlers.click_picture(values[page.photo], points)}


def clear_clicks(page: Page, values: Values) -> Values:
    """"Clear clicks": no points, the plain photo again."""
    return {page.clicks: [], page.click_picture: values[page.photo]}


def new_photo(page: Page, values: Values) -> Values:
    """The visitor gave a photo of their own: no trimap of another photo
    (a sample's) may stay behind, and drawing starts on the Sketch tab."""
    return {page.uploaded: None, page.tabs: gr.Tabs(selected="sketch"), page.source: "sketch"}


def select_source(name: str) -> tuple[str, gr.Tabs]:
    """A trimap tab was opened: it becomes the source of the next run (and,
    said back to the server, the tab that a share link reopens)."""
    return name, gr.Tabs(selected=name)


def trimap_uploaded(page: Page, values: Values) -> Values:
    """An uploaded trimap (or a sample's) selects the Upload tab."""
    if not values[page.uploaded]:
        return gr.skip()
    return {page.tabs: gr.Tabs(selected="upload"), page.source: "upload"}


def preview(page: Page, values: Values) -> Values:
    """"Preview trimap": the current tab's trimap over the photo, and (Auto
    tab) which segmenter made it."""
    overlay, _, status = handlers.preview_trimap(values[page.photo], page.trimap_sources(values))
    return {page.overlay: overlay, page.status: status}


def refresh_auto_preview(page: Page, values: Values) -> Values:
    """After a tap or a stroke on the Auto tab: the trimap overlay updates
    by itself where the answer is quick (:func:`handlers.quick_auto_preview`);
    otherwise nothing changes (each output is skipped: Gradio refuses an
    empty answer) and Preview answers."""
    unchanged = {page.overlay: gr.skip(), page.status: gr.skip()}
    if values[page.source] != "auto":
        return unchanged
    quick = handlers.quick_auto_preview(values[page.photo], page.trimap_sources(values).auto)
    if quick is None:
        return unchanged
    overlay, status = quick
    return {page.overlay: overlay, page.status: status}


@handlers.user_errors
def touch_up(page: Page, values: Values, progress: gr.Progress = TRACK_PROGRESS) -> Values:
    """Auto tab's "Touch up": the automatic trimap, tinted on the photo, into
    the Sketch editor; the brushes paint over it."""
    progress(0.1, desc="Segmenting the photo from your box, clicks and strokes")
    value, trimap, overlay, status = handlers.touch_up(values[page.photo], page.trimap_sources(values).auto)
    progress(0.9, desc="Handing the trimap to the brushes")
    return {page.sketch: value, page.sketch_base: trimap, page.tabs: gr.Tabs(selected="sketch"),
            page.source: "sketch", page.overlay: overlay, page.status: status}


@handlers.user_errors
def cut_out(page: Page, values: Values, progress: gr.Progress = TRACK_PROGRESS) -> Values:
    """"Cut out": matte the photo with the current tab's trimap and show everything."""
    result = handlers.run_page(
        values[page.photo], page.trimap_sources(values), values[page.engine],
        values[page.colour], values[page.backdrop],
        progress=lambda fraction, text: progress(fraction, desc=text),
    )
    for note in result.notes:
        gr.Warning(note)
    files = result.files
    show_samples = result.sampled_foreground is not None
    return {
        page.alpha: files["alpha"],
        page.cutout: files["preview"],
        page.composite: files["composite"],
        page.downloads: [files["cutout"], files["alpha"], files["composite"]],
        page.overlay: files["overlay"],
        page.slider: (files["photo"], files["preview"]),
        page.sampled_fg: gr.Image(value=files["foreground"] if show_samples else None, visible=show_samples),
        page.sampled_bg: gr.Image(value=files["background"] if show_samples else None, visible=show_samples),
        page.status: result.status,
        page.kept: result.kept,
    }


@handlers.user_errors
def new_background(page: Page, values: Values) -> Values:
    """A new colour or picture: redo the composite from the kept cut-out."""
    kept = values[page.kept]
    if not kept:
        return gr.skip()
    return {page.composite: handlers.composite_file(kept, values[page.colour], values[page.backdrop])}


# --------------------------------------------------------------------------- the API for programs

#: Each endpoint's outputs, in order: the name and words the "Use via API"
#: page shows for them (gr.api alone shows "1st", "2nd", ... and no words).
API_RETURNS: dict[str, list[tuple[str, str]]] = {
    "matte": [
        ("alpha", "the alpha matte: an 8-bit grey PNG the photo's size (0 = background, 255 = subject)."),
        ("cutout", "the cut-out: an RGBA PNG, the subject's colours with the matte as transparency."),
        ("foreground", "the subject's estimated colours (RGB PNG), the photo's size."),
        ("background", "the background's estimated colours (RGB PNG), the photo's size."),
        ("details", "a dict: engine, width, height, seconds, notes."),
    ],
    "auto": [
        ("trimap", "the automatic trimap: an 8-bit grey PNG (0 = background, 128 = unknown, 255 = subject)."),
        ("alpha", "the alpha matte: an 8-bit grey PNG the photo's size."),
        ("cutout", "the cut-out: an RGBA PNG."),
        ("details", "a dict: segmenter, segmenter_note, band_width, engine, width, height, seconds, notes."),
    ],
    "trimap": [("trimap", "an 8-bit grey PNG the photo's size: 0 = background, 128 = unknown, 255 = subject.")],
}


def matte(
    image: FileData, trimap: FileData, engine: str = "auto"
) -> tuple[FileData, FileData, FileData, FileData, dict]:
    """Matte a photo with a trimap.

    Returns the alpha matte (8-bit grey PNG, the photo's size), the RGBA
    cut-out PNG, the foreground and background colour PNGs and a details dict
    (engine, width, height, seconds, notes).

    Parameters:
        image: the photo (PNG, JPEG, WebP, ...).
        trimap: a grey image the photo's size: 0 = background, 255 = foreground, anything else = unknown.
        engine: "auto" (SampleNet if the server has its weights, else the weight-free engine), "samplenet", "classical".
    """
    alpha, cutout, foreground, background, details = handlers.matte_files(image, trimap, engine)
    return FileData(path=alpha), FileData(path=cutout), FileData(path=foreground), FileData(path=background), details


def auto(
    image: FileData,
    box: list[float] | None,
    points: list[list[float]] | None = None,
    band_width: float = handlers.ADAPTIVE_BAND,
    engine: str = "auto",
) -> tuple[FileData, FileData, FileData, dict]:
    """Cut out the subject from a box and/or clicks: an automatic trimap, then matting.

    Returns the trimap (8-bit grey PNG: 0 = background, 128 = unknown, 255 =
    foreground), the alpha matte PNG, the RGBA cut-out PNG and a details dict
    (segmenter that ran and why not SAM, band width, engine, width, height, matting seconds, notes).

    Parameters:
        image: the photo (PNG, JPEG, WebP, ...).
        box: [x0, y0, x1, y1] in pixels around the subject (left, top, right, bottom; may touch the edges), or None.
        points: clicks as [x, y] or [x, y, label] with label 1 = on the subject (default), 0 = on the background.
        band_width: unknown band in pixels each side of the outline; 0 = chosen per photo (wide on hair, thin on edges).
        engine: "auto" (SampleNet if the server has its weights, else the weight-free engine), "samplenet", "classical".
    """
    trimap_png, alpha, cutout, details = handlers.auto_files(image, box, points, band_width, engine)
    return FileData(path=trimap_png), FileData(path=alpha), FileData(path=cutout), details


def trimap(image: FileData, mask: FileData, band_width: float = handlers.DEFAULT_BAND_WIDTH) -> FileData:
    """Build a trimap from a photo and a mask.

    Returns an 8-bit grey PNG the photo's size: 0 = background, 128 = unknown, 255 = foreground.

    Parameters:
        image: the photo; it fixes the size the mask must have.
        mask: white (or opaque) = subject, black (or transparent) = background, the photo's size.
        band_width: width in pixels of the unknown band on each side of the mask's outline.
    """
    return FileData(path=handlers.trimap_file_from_mask(image, mask, band_width))
