"""A visitor's own photo, start to finish, through the real page (headless
Chromium): every event goes through Gradio as a click does, so an action's
return value that Gradio refuses fails here even where the handler, called
as a function, looks right.

Each journey fails on any error toast, any uncaught page error and any
server traceback (Gradio prints one for a refused return value, and
``samplenet.app`` logs one for an unexpected failure).  The photo is made by
the test (never one of ``examples/``).  Each journey's time from the click
to the result goes to ``test-artifacts/journey_times.txt``.
"""
from __future__ import annotations

import io
import logging
import os
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")

from headless_chromium import HeadlessChromium, click, drag, find_chromium
from local_server import launch_weight_free_app
from test_app_browser import (
    DESKTOP,
    PHONE,
    SELECTED_TAB,
    _canvas_box,
    _open,
    _tap_clicks_picture,
    _visible_tab,
    chosen_colour_js,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)"),
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
WIDTH, HEIGHT = 400, 300

#: Installed in the page after it loads: every error toast's text, kept after the toast closes.
WATCH_TOASTS = """(() => {
    window.__errorToasts = [];
    const seen = new WeakSet();
    const look = () => document.querySelectorAll('[data-testid=toast-body]').forEach(t => {
        if (!seen.has(t) && t.className.includes('error')) { seen.add(t); window.__errorToasts.push(t.innerText); }
    });
    new MutationObserver(look).observe(document.body, {childList: true, subtree: true});
    return true;
})()"""
ERROR_BADGES = ("[...document.querySelectorAll('.block .error')]"
                ".filter(e => e.getBoundingClientRect().width > 0).map(e => e.closest('.block').id || e.innerText)")
ALPHA_SIZE = ("(() => { const img = document.querySelector('#alpha img');"
              " return img && img.complete && img.naturalWidth ? [img.naturalWidth, img.naturalHeight] : null; })()")


def own_photo(folder: Path, name: str = "my_photo.png", hue: tuple[int, int, int] = (230, 150, 50)) -> Path:
    """A photo no sample resembles: a warm ellipse with a ragged, fur-like
    rim on a noisy blue backdrop, 400x300."""
    rng = np.random.default_rng(28)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    angle = np.arctan2(yy - 150, xx - 200)
    radius = np.hypot((xx - 200) / 110.0, (yy - 150) / 80.0) - 0.08 * np.sin(angle * 23)
    alpha = np.clip((1.0 - radius) / 0.08, 0, 1)[..., None]
    backdrop = np.array((50, 100, 170), float) + rng.normal(0, 14, (HEIGHT, WIDTH, 3))
    subject = np.array(hue, float) + rng.normal(0, 10, (HEIGHT, WIDTH, 3))
    path = folder / name
    Image.fromarray(np.clip(alpha * subject + (1 - alpha) * backdrop, 0, 255).astype(np.uint8)).save(path)
    return path


def own_trimap(folder: Path) -> Path:
    """The trimap of :func:`own_photo`: subject core white, rim grey."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    radius = np.hypot((xx - 200) / 110.0, (yy - 150) / 80.0)
    trimap = np.where(radius < 0.8, 255, np.where(radius < 1.2, 128, 0)).astype(np.uint8)
    path = folder / "my_trimap.png"
    Image.fromarray(trimap).save(path)
    return path


@pytest.fixture(scope="module")
def server_and_browser():
    demo = launch_weight_free_app()
    browser = HeadlessChromium(find_chromium(), *DESKTOP)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "journey_times.txt").write_text("")
    try:
        yield demo.local_url, browser
    finally:
        browser.close()
        demo.close()


class Visit:
    """The page as one visitor sees it, plus what went wrong on the way."""

    def __init__(self, browser: HeadlessChromium, folder: Path) -> None:
        self.browser = browser
        self.folder = folder

    def evaluate(self, expression: str):
        return self.browser.evaluate(expression)

    def wait_for(self, expression: str, timeout: float = 60.0):
        return self.browser.wait_for(expression, timeout)

    def give_photo(self, path: Path) -> None:
        self.browser.set_files("#photo input[type=file]", [str(path)])
        self.wait_for("(() => { const img = document.querySelector('#photo img');"
                      f" return img && img.complete && img.src.includes({path.name!r}); }})()", 60)
        time.sleep(1.5)  # the photo's change events settle (that is where defect 1 showed)

    def cut_out(self, journey: str) -> list[int]:
        """Press Cut out, wait for the alpha matte, note the time taken."""
        before = self.evaluate("(document.querySelector('#alpha img') || {}).src || ''")
        start = time.monotonic()
        self.evaluate("document.querySelector('#run').click()")
        size = self.wait_for(
            "(() => { const img = document.querySelector('#alpha img');"
            f" return img && img.src !== {before!r} && img.complete && img.naturalWidth"
            " ? [img.naturalWidth, img.naturalHeight] : null; })()", 120)
        seconds = time.monotonic() - start
        with open(ARTIFACTS / "journey_times.txt", "a") as log:
            log.write(f"{journey}\t{seconds:.2f} s\n")
        return size

    def problems(self, server_output: str, records: list[logging.LogRecord]) -> list[str]:
        """Error toasts, error badges, page errors and server tracebacks seen during the visit."""
        found = [f"toast: {text}" for text in self.evaluate("window.__errorToasts || []")]
        found += [f"error badge on {name}" for name in self.evaluate(ERROR_BADGES)]
        found += [f"page error: {text}" for text in self.browser.page_errors()]
        if "Traceback (most recent call last)" in server_output:
            found.append("server traceback: " + server_output.split("Traceback (most recent call last)", 1)[1][-600:])
        found += [f"server log: {r.getMessage()}" for r in records if r.exc_info or r.levelno >= logging.ERROR]
        return found


def _start(browser: HeadlessChromium, url: str, folder: Path, size=DESKTOP, mobile: bool = False) -> Visit:
    browser.events.clear()
    _open(browser, url, size, mobile)
    browser.send("Runtime.enable")
    browser.wait_for(WATCH_TOASTS, 10)
    browser.events.clear()  # only what happens from here on counts
    return Visit(browser, folder)


@pytest.fixture
def visit(server_and_browser, tmp_path, capfd, caplog, request):
    """A fresh desktop page; after the test, fails on anything that went wrong
    (not for a test marked as an expected failure, whose body already fails)."""
    url, browser = server_and_browser
    caplog.set_level(logging.WARNING)
    size = getattr(request, "param", DESKTOP)  # a test may ask for the phone: parametrize("visit", ..., indirect)
    started = _start(browser, url, tmp_path, size, mobile=size == PHONE)
    started.url = url
    yield started
    time.sleep(1)  # a late toast still counts
    problems = started.problems(capfd.readouterr().err, caplog.records)
    if request.node.get_closest_marker("xfail") is None:
        assert not problems, "\n".join(problems)


def _editor_zoom(visit: Visit, editor: str) -> float:
    """The scale ``editor`` draws the photo at: its zoom label ("35%")."""
    label = visit.wait_for(f"[...document.querySelectorAll('{editor} *')].map(e => e.textContent.trim())"
                           ".find(t => /^[0-9]+%$/.test(t))", 30)
    return float(label.rstrip("%")) / 100


def _on_photo(visit: Visit, editor: str, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Screen points for fractions of the photo as ``editor`` draws it:
    centred in its canvas at the editor's zoom, with a margin (a photo
    fitted to the whole canvas put the ends of a photo-wide stroke in the
    margin, where the editor drops a stroke that starts there)."""
    x, y, width, height = _canvas_box(visit.browser, editor)
    scale = _editor_zoom(visit, editor)
    left, top = x + (width - WIDTH * scale) / 2, y + (height - HEIGHT * scale) / 2
    return [(left + fx * WIDTH * scale, top + fy * HEIGHT * scale) for fx, fy in points]


def _choose_brush(visit: Visit, editor: str, words: str, rgb: str) -> None:
    """Pick a brush by its named choice (the page then picks the editor's swatch)."""
    click(visit.browser,
          f"[...document.querySelectorAll('#{editor}-brush label')].find(l => l.innerText.includes('{words}'))")
    visit.wait_for(chosen_colour_js(editor, rgb), 10)


def _paint_sketch(visit: Visit) -> None:
    """White inside the subject, black across the top-left and bottom-right
    corners (unpainted = unknown)."""
    click(visit.browser, _visible_tab("Sketch"))
    visit.wait_for("[...document.querySelectorAll('#sketch canvas')].some(c => c.getBoundingClientRect().width > 0)")
    _choose_brush(visit, "sketch", "Background", "rgb(0, 0, 0)")  # first: white is already the radio's choice
    # the lower right corner and the right edge: clear of the subject
    drag(visit.browser, _on_photo(visit, "#sketch", [(0.55 + 0.04 * i, 0.93) for i in range(10)]))
    drag(visit.browser, _on_photo(visit, "#sketch", [(0.95, 0.3 + 0.04 * i) for i in range(10)]))
    _choose_brush(visit, "sketch", "Subject", "rgb(255, 255, 255)")
    # low on the subject
    drag(visit.browser, _on_photo(visit, "#sketch", [(0.42 + 0.016 * i, 0.68) for i in range(10)]))


# ------------------------------------------------------------------ the journeys


def test_upload_sketch_cut_out(visit):
    visit.give_photo(own_photo(visit.folder))
    assert visit.evaluate(SELECTED_TAB) == "Sketch"
    _paint_sketch(visit)
    assert visit.cut_out("upload -> Sketch -> Cut out") == [WIDTH, HEIGHT]
    visit.wait_for("document.querySelector('#status').innerText.includes('classical')", 30)
    visit.browser.screenshot(str(ARTIFACTS / "journey_sketch.png"), full_page=False)


def test_upload_a_trimap_on_the_upload_tab_and_cut_out(visit):
    visit.give_photo(own_photo(visit.folder))
    click(visit.browser, _visible_tab("Upload"))
    visit.browser.set_files("#trimap-upload input[type=file]", [str(own_trimap(visit.folder))])
    visit.wait_for("!!document.querySelector('#trimap-upload img')", 30)
    visit.wait_for(f"{SELECTED_TAB} === 'Upload'", 30)
    assert visit.cut_out("upload -> Upload tab trimap -> Cut out") == [WIDTH, HEIGHT]


#: The red loop round :func:`own_photo`'s ellipse (x 0.225-0.775, y 0.23-0.77 of the photo), as fractions.
LOOP = (0.15, 0.15, 0.85, 0.85)


def _loop_the_subject(visit: Visit) -> None:
    """A red loop around the ellipse on the Auto tab's editor."""
    _choose_brush(visit, "strokes", "Box", "rgb(255, 0, 0)")
    left, top, right, bottom = LOOP
    corners = [(left, top), (right, top), (right, bottom), (left, bottom), (left, top + 0.01)]
    loop = []
    for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False):
        loop += [(ax + (bx - ax) * t / 8, ay + (by - ay) * t / 8) for t in range(8)]
    drag(visit.browser, _on_photo(visit, "#strokes", loop))


def _overlay_src(visit: Visit) -> str:
    return visit.evaluate("(() => { const img = document.querySelector('#overlay img');"
                          " return img && img.complete && img.naturalWidth ? img.src : ''; })()")


def _new_overlay(visit: Visit, before: str, timeout: float = 60.0) -> np.ndarray:
    """Wait until the trimap overlay is a new picture; return it (``HxWx3``)."""
    return _picture(visit.wait_for(
        f"(() => {{ const img = document.querySelector('#overlay img');"
        f" return img && img.complete && img.naturalWidth && img.src !== {before!r} && img.src; }})()", timeout))


def _picture(src: str) -> np.ndarray:
    """The picture the page shows at ``src`` (a file URL of the local server)."""
    with urllib.request.urlopen(src, timeout=30) as answer:
        return np.asarray(Image.open(io.BytesIO(answer.read())).convert("RGB"))


def _kept_fraction(overlay: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Per pixel, the overlay's brightness over the photo's: 1 where the trimap
    keeps the pixel as sure subject, 0.3 where it dims it as sure background."""
    return overlay.astype(float).sum(axis=2) / np.maximum(photo.astype(float).sum(axis=2), 1.0)


def _pixels(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the photo under fractions ``points``."""
    return (np.array([round(fy * (HEIGHT - 1)) for _, fy in points]),
            np.array([round(fx * (WIDTH - 1)) for fx, _ in points]))


def _preview_with_a_box_loop(visit: Visit) -> tuple[np.ndarray, np.ndarray]:
    """Upload :func:`own_photo`, loop it, press Preview; the photo and the
    overlay, checked to be the loop's: everything outside the loop is sure
    background (the box bounds the segmentation) and the ellipse's middle is
    kept.  A loop lost on its way leaves nothing marked, and Preview answers
    with an error instead of a segmentation."""
    path = own_photo(visit.folder)
    photo = np.asarray(Image.open(path).convert("RGB"))
    visit.give_photo(path)
    click(visit.browser, _visible_tab("Auto"))
    visit.wait_for("[...document.querySelectorAll('#strokes canvas')].some(c => c.getBoundingClientRect().width > 0)")
    _loop_the_subject(visit)
    before = _overlay_src(visit)
    visit.evaluate("document.querySelector('#preview').click()")
    overlay = _new_overlay(visit, before, 120)
    assert "Segmenter" in visit.evaluate("document.querySelector('#status').innerText")
    kept = _kept_fraction(overlay, photo)
    left, top, right, bottom = (round(f * n) for f, n in zip(LOOP, (WIDTH, HEIGHT, WIDTH, HEIGHT), strict=True))
    outside = np.ones(kept.shape, bool)
    outside[top - 8:bottom + 8, left - 8:right + 8] = False  # the stroke's own width and the band round it
    assert kept[outside].max() < 0.4, "pixels outside the red loop are not sure background: the box was not used"
    assert kept[130:170, 180:220].min() > 0.9, "the middle of the looped subject is not kept"
    return photo, overlay


def test_upload_auto_with_a_box_loop_preview_and_cut_out(visit):
    _preview_with_a_box_loop(visit)
    assert visit.cut_out("upload -> Auto box loop -> Preview -> Cut out") == [WIDTH, HEIGHT]


#: The corrections after the box: a subject stroke across the ellipse's upper-left rim into the backdrop, a
#: background stroke across its upper-right rim into the subject.
SUBJECT_STROKE = [(0.20 + 0.015 * i, 0.36) for i in range(10)]
BACKGROUND_STROKE = [(0.60 + 0.02 * i, 0.30) for i in range(10)]


@pytest.mark.slow
def test_box_loop_preview_tap_two_strokes_and_cut_out_each_mark_reaching_the_trimap(visit):
    """Issue 29's journey: each tap and stroke after the Preview updates the
    trimap overlay by itself (no button), with the mark in it; Cut out then
    mattes with the segmentation on show."""
    photo, _ = _preview_with_a_box_loop(visit)
    before = _overlay_src(visit)
    _tap_clicks_picture(visit.browser, 0.5, 0.5)
    overlay = _new_overlay(visit, before)
    assert _kept_fraction(overlay, photo)[HEIGHT // 2, WIDTH // 2] > 0.9  # the tapped pixel: sure subject

    _choose_brush(visit, "strokes", "Subject", "rgb(255, 255, 255)")
    before = _overlay_src(visit)
    drag(visit.browser, _on_photo(visit, "#strokes", SUBJECT_STROKE))
    overlay = _new_overlay(visit, before)
    under = _kept_fraction(overlay, photo)[_pixels(SUBJECT_STROKE[1:-1])]
    assert under.min() > 0.9, f"the subject stroke is not sure subject in the trimap: {under.round(2)}"

    _choose_brush(visit, "strokes", "Background", "rgb(0, 0, 0)")
    before = _overlay_src(visit)
    drag(visit.browser, _on_photo(visit, "#strokes", BACKGROUND_STROKE))
    overlay = _new_overlay(visit, before)
    under = _kept_fraction(overlay, photo)[_pixels(BACKGROUND_STROKE[1:-1])]
    assert under.max() < 0.4, f"the background stroke is not sure background in the trimap: {under.round(2)}"

    assert visit.cut_out("box loop -> Preview -> tap -> 2 strokes -> Cut out") == [WIDTH, HEIGHT]
    visit.wait_for("document.querySelector('#status').innerText.includes('Segmenter')", 30)
    # the trimap Cut out shows is the last one on show: the same segmentation, with every mark
    assert np.array_equal(_picture(_overlay_src(visit)), overlay)


def test_a_stroke_where_the_colour_menu_was_reaches_the_segmentation(visit):
    """Choosing a brush on the radio must not leave the editor's colour menu
    over the photo: a stroke pressed on that menu is no stroke (the mark is
    lost), and the menu lay over the photo's left middle, on a phone across
    its width, where a visitor paints the subject."""
    path = own_photo(visit.folder)
    photo = np.asarray(Image.open(path).convert("RGB"))
    visit.give_photo(path)
    click(visit.browser, _visible_tab("Auto"))
    visit.wait_for("[...document.querySelectorAll('#strokes canvas')].some(c => c.getBoundingClientRect().width > 0)")
    _choose_brush(visit, "strokes", "Box", "rgb(255, 0, 0)")
    _choose_brush(visit, "strokes", "Subject", "rgb(255, 255, 255)")
    time.sleep(1)  # the page's own clicks on the editor's tool bar are done
    stroke = [(0.26 + 0.03 * i, 0.55) for i in range(10)]  # across the ellipse's left middle
    drag(visit.browser, _on_photo(visit, "#strokes", stroke))
    before = _overlay_src(visit)
    visit.evaluate("document.querySelector('#preview').click()")
    overlay = _new_overlay(visit, before, 120)
    under = _kept_fraction(overlay, photo)[_pixels(stroke[1:-1])]
    assert under.min() > 0.9, f"the subject stroke is not sure subject in the trimap: {under.round(2)}"


def _tap_the_middle_of_the_clicks_picture(visit: Visit) -> str:
    """Once the Clicks picture has loaded, tap its middle and wait for the
    picture with the dot; returns that picture's source."""
    before = visit.wait_for("(() => { const img = document.querySelector('#clicks img');"
                            " return img && img.complete && img.naturalWidth > 0 && img.src; })()")
    _tap_clicks_picture(visit.browser, 0.5, 0.5)
    return visit.wait_for(f"(() => {{ const src = document.querySelector('#clicks img').src;"
                          f" return src !== {before!r} && src; }})()", 30)


def test_upload_auto_with_a_tap_preview_and_cut_out(visit):
    visit.give_photo(own_photo(visit.folder))
    click(visit.browser, _visible_tab("Auto"))
    _tap_the_middle_of_the_clicks_picture(visit)
    visit.evaluate("document.querySelector('#preview').click()")
    visit.wait_for("document.querySelector('#status').innerText.includes('Segmenter')", 120)
    assert visit.cut_out("upload -> Auto tap -> Preview -> Cut out") == [WIDTH, HEIGHT]


def _pick_background_colour(visit: Visit) -> None:
    """Open the colour picker and click into its saturation/brightness field."""
    click(visit.browser, "document.querySelector('#colour button.dialog-button')")
    click(visit.browser, "document.querySelector('#colour .color-gradient')")
    time.sleep(1.5)
    click(visit.browser, "document.querySelector('#colour button.dialog-button')")  # closes it


def _composite_src(visit: Visit) -> str:
    return visit.evaluate("(document.querySelector('#composite img') || {}).src || ''")


def test_background_colour_and_picture_before_and_after_a_result(visit):
    visit.give_photo(own_photo(visit.folder))
    _pick_background_colour(visit)  # before any result: nothing to redo, and nothing goes wrong
    visit.browser.set_files("#backdrop input[type=file]", [str(own_photo(visit.folder, "beach.png", (240, 220, 90)))])
    visit.wait_for("!!document.querySelector('#backdrop img')", 30)
    time.sleep(1.5)
    assert _composite_src(visit) == ""
    _paint_sketch(visit)
    assert visit.cut_out("background picture chosen first -> Cut out") == [WIDTH, HEIGHT]
    with_picture = visit.wait_for("(document.querySelector('#composite img') || {}).src", 30)
    click(visit.browser, "document.querySelector('#backdrop button[aria-label=\"Remove Image\"]')")
    visit.wait_for("!document.querySelector('#backdrop img')", 30)
    time.sleep(1.5)
    _pick_background_colour(visit)  # after a result: the composite is redone over the colour
    visit.wait_for(f"(document.querySelector('#composite img') || {{}}).src !== {with_picture!r}", 30)


@pytest.mark.parametrize("visit", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_second_photo_after_a_result(visit):
    visit.give_photo(own_photo(visit.folder))
    _paint_sketch(visit)
    assert visit.cut_out("first photo -> Cut out") == [WIDTH, HEIGHT]
    visit.give_photo(own_photo(visit.folder, "second.png", (200, 60, 160)))
    visit.wait_for(f"{SELECTED_TAB} === 'Sketch'", 30)
    time.sleep(3)  # the editor draws the new photo (strokes before that are lost)
    _paint_sketch(visit)
    width = visit.evaluate("window.innerWidth")
    visit.browser.screenshot(str(ARTIFACTS / f"journey_second_photo_painted_{width}.png"), full_page=False)
    assert visit.cut_out("second photo -> Cut out") == [WIDTH, HEIGHT]
    assert "second" in visit.wait_for("(document.querySelector('#composite img') || {}).src", 30)
    visit.browser.screenshot(str(ARTIFACTS / f"journey_second_photo_result_{width}.png"), full_page=False)


@pytest.mark.parametrize("visit", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_share_link_reopens_the_auto_tab_with_its_clicks(visit):
    visit.give_photo(own_photo(visit.folder))
    click(visit.browser, _visible_tab("Auto"))
    dotted = _tap_the_middle_of_the_clicks_picture(visit)
    assert visit.cut_out("Auto tap -> Cut out, then shared") == [WIDTH, HEIGHT]
    # what "Share this result" puts on the clipboard (which headless Chromium does not let a test read)
    link = visit.wait_for("(async () => { const r = await fetch('gradio_api/deep_link?session_hash='"
                          " + window.__gradio_session_hash__); return (await r.text()).replace(/\"/g, ''); })()", 30)
    assert link, "no share link was made"
    visit.browser.goto(f"{visit.url}?deep_link={link}")
    visit.wait_for("!!document.querySelector('#run')", 90)
    visit.wait_for(WATCH_TOASTS, 10)
    visit.wait_for(f"{SELECTED_TAB} === 'Auto'", 30)
    assert visit.wait_for("(document.querySelector('#clicks img') || {}).src", 30) == dotted  # the dot is there
    assert visit.cut_out("shared link -> Cut out") == [WIDTH, HEIGHT]
    # the restored page cuts out from its clicks (the Auto tab's segmenter), not from an empty sketch
    visit.wait_for("document.querySelector('#status').innerText.includes('Segmenter')", 30)
    width = visit.evaluate("window.innerWidth")
    visit.browser.screenshot(str(ARTIFACTS / f"journey_share_link_reopened_{width}.png"), full_page=False)


# ------------------------------------------------------------------ the phone


def test_on_a_phone_cut_out_is_within_reach_and_the_result_scrolls_into_view(server_and_browser, tmp_path, capfd,
                                                                               caplog):
    url, browser = server_and_browser
    caplog.set_level(logging.WARNING)
    visit = _start(browser, url, tmp_path, PHONE, mobile=True)
    visit.give_photo(own_photo(tmp_path))
    run_top = visit.evaluate("document.querySelector('#run').getBoundingClientRect().top + window.scrollY")
    visit.browser.screenshot(str(ARTIFACTS / "phone_own_photo.png"))
    assert run_top <= 1.5 * PHONE[1], f"Cut out starts {run_top:.0f} px down"
    _paint_sketch(visit)
    click(visit.browser, "document.querySelector('#run')")  # scrolls Cut out into view, as a thumb does
    visit.wait_for(ALPHA_SIZE, 120)
    time.sleep(1.5)  # the scroll is smooth
    alpha = visit.evaluate("(() => { const r = document.querySelector('#alpha img').getBoundingClientRect();"
                           " return [r.top, r.bottom]; })()")
    visit.browser.screenshot(str(ARTIFACTS / "phone_after_cut_out.png"), full_page=False)
    assert alpha[0] >= -1 and alpha[1] <= PHONE[1] + 1, f"the alpha matte is at {alpha} on an {PHONE[1]} px screen"
    time.sleep(1)
    problems = visit.problems(capfd.readouterr().err, caplog.records)
    assert not problems, "\n".join(problems)
