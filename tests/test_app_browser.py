"""The page in a real browser (Debian's headless ``chromium``), as a visitor
uses it on a desktop (1400x1000) and a phone (390x844).

One server and one browser serve the whole module.  Skipped where no
Chromium is installed (``apt-get install -y chromium``).  Screenshots go to
``test-artifacts/`` (git-ignored) for a person to look at.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")

from headless_chromium import HeadlessChromium, click, drag, find_chromium
from local_server import launch_weight_free_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)"),
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
DESKTOP, PHONE = (1400, 1000), (390, 844)
CHELSEA = "document.querySelector('[data-testid=\"dataset-cell-1-0\"]')"  # the smallest sample, 451x300
SELECTED_TAB = "document.querySelector('button[role=tab][aria-selected=true]').textContent.trim()"


@pytest.fixture(scope="module")
def server_and_browser():
    demo = launch_weight_free_app()
    browser = HeadlessChromium(find_chromium(), *DESKTOP)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield demo.local_url, browser
    finally:
        browser.close()
        demo.close()


def _open(browser: HeadlessChromium, url: str, size=DESKTOP, mobile: bool = False) -> HeadlessChromium:
    browser.viewport(*size, mobile=mobile)
    browser.goto(url)
    browser.wait_for("!!document.querySelector('#run') && !!document.querySelector('#sketch')", timeout=90)
    return browser


@pytest.fixture
def page(server_and_browser):
    """The app freshly loaded at desktop size for each test."""
    url, browser = server_and_browser
    browser.send("Browser.grantPermissions", {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
                                              "origin": url.rstrip("/")}, browser=True)  # for Share's link
    return _open(browser, url)


def _rect(page, selector_js: str) -> dict:
    return page.evaluate(
        f"(() => {{ const r = ({selector_js}).getBoundingClientRect();"
        " return {x: r.x, y: r.y, right: r.right, bottom: r.bottom, width: r.width, height: r.height}; })()"
    )


def _visible_tab(name: str) -> str:
    return ("[...document.querySelectorAll('button[role=tab]')]"
            f".filter(t => t.textContent.trim() === '{name}' && t.getBoundingClientRect().width > 0)[0]")


def _pick_chelsea(page) -> None:
    page.evaluate(f"{CHELSEA}.click()")
    page.wait_for("!!document.querySelector('#photo img') && !!document.querySelector('#trimap-upload img')", 60)
    page.wait_for(f"{SELECTED_TAB} === 'Upload'", 30)
    time.sleep(1.5)  # let the sample's change events settle


def _cut_out_and_wait(page) -> list[int]:
    page.evaluate("document.querySelector('#run').click()")
    return page.wait_for(
        "(() => { const img = document.querySelector('#alpha img');"
        " return img && img.complete && img.naturalWidth ? [img.naturalWidth, img.naturalHeight] : null; })()",
        timeout=120,
    )


# ------------------------------------------------------------------ defect 1: the first screen


def test_photo_tools_and_cut_out_are_on_the_first_desktop_screen_with_results_beside(server_and_browser):
    url, browser = server_and_browser
    page = _open(browser, url, DESKTOP)
    time.sleep(2)  # the editor's canvas paints after it appears
    page.screenshot(str(ARTIFACTS / "desktop_first_screen.png"), full_page=False)
    photo, sketch, run, alpha = (_rect(page, f"document.querySelector('{s}')")
                                 for s in ("#photo", "#sketch", "#run", "#alpha"))
    for box in (photo, sketch, run):
        assert box["bottom"] <= DESKTOP[1] and box["width"] > 0
    assert _rect(page, _visible_tab("Auto"))["bottom"] <= DESKTOP[1]
    assert alpha["x"] >= run["right"] and alpha["y"] < DESKTOP[1] / 2  # results beside, not below


def test_on_a_phone_cut_out_directly_follows_the_editor_and_every_tab_shows(server_and_browser):
    url, browser = server_and_browser
    page = _open(browser, url, PHONE, mobile=True)
    time.sleep(2)
    page.screenshot(str(ARTIFACTS / "phone_first_screen.png"), full_page=False)
    page.screenshot(str(ARTIFACTS / "phone_full.png"))
    sketch, run = _rect(page, "document.querySelector('#sketch')"), _rect(page, "document.querySelector('#run')")
    assert 0 <= run["y"] - sketch["bottom"] < 60
    for name in ("Sketch", "Auto", "Upload"):  # not folded into an overflow menu
        tab = _rect(page, _visible_tab(name))
        assert tab["width"] > 0 and tab["right"] <= PHONE[0]


# ------------------------------------------------------------------ defect 5: visitors' words


def test_visitors_read_one_engine_line_and_operator_notes_stay_folded(server_and_browser):
    url, browser = server_and_browser
    page = _open(browser, url, PHONE, mobile=True)
    visible = page.evaluate("document.body.innerText")
    assert "weight-free" in visible
    assert "SAMPLENET_WEIGHTS" not in visible and "samplenet convert" not in visible
    click(page, "[...document.querySelectorAll('#run-it-yourself button')][0]")
    page.wait_for("document.querySelector('#run-it-yourself').innerText.includes('SAMPLENET_WEIGHTS')", 20)


# ------------------------------------------------------------------ a sample, cut out, named files, share


def test_pick_a_sample_cut_out_download_by_name_and_share_the_result(page):
    _pick_chelsea(page)
    assert _cut_out_and_wait(page) == [451, 300]
    page.wait_for("document.querySelector('#status').innerText.includes('classical')", 30)
    page.screenshot(str(ARTIFACTS / "desktop_after_cut_out.png"), full_page=False)
    # what a visitor downloads is named after the photo, not image.png
    composite = page.wait_for("(document.querySelector('#composite img') || {}).src", 30)
    assert composite.endswith("chelsea_composite.png")
    names = page.evaluate("document.querySelector('#downloads').innerText").replace("\n.png", ".png")
    assert "chelsea_cutout.png" in names and "chelsea_composite.png" in names
    # Share: the button copies a Gradio deep link; opened on a fresh page it shows this result
    click(page, "[...document.querySelectorAll('button')].find(b => b.innerText.includes('Share this result'))")
    link = page.wait_for("navigator.clipboard.readText().then(t => t.includes('deep_link=') ? t : null)", 20)
    assert "deep_link=" in link
    page.goto("about:blank")
    page.goto(link)
    size = page.wait_for(
        "(() => { const img = document.querySelector('#alpha img');"
        " return img && img.complete && img.naturalWidth ? [img.naturalWidth, img.naturalHeight] : null; })()",
        timeout=60,
    )
    assert size == [451, 300]
    assert page.wait_for("(document.querySelector('#composite img') || {}).src", 30).endswith("chelsea_composite.png")


# ------------------------------------------------------------------ defect 2: a new photo, no stale trimap


def test_an_own_photo_after_a_sample_clears_the_sample_trimap_and_opens_sketch(page, tmp_path):
    _pick_chelsea(page)
    own = tmp_path / "own.png"
    Image.fromarray(np.full((120, 160, 3), (90, 140, 200), np.uint8)).save(own)
    page.set_files("#photo input[type=file]", [str(own)])
    page.wait_for("!document.querySelector('#trimap-upload img')", 30)
    page.wait_for(f"{SELECTED_TAB} === 'Sketch'", 30)
    page.evaluate("document.querySelector('#run').click()")
    message = page.wait_for(
        "(() => { const t = document.body.innerText; return t.includes('sketch is empty') ? 'empty'"
        " : t.includes('but the trimap is') ? 'stale' : null; })()", 60)
    assert message == "empty"  # the visitor is asked to draw, not told about a trimap they never gave


# ------------------------------------------------------------------ painting and touching up


def _canvas_box(page, editor: str) -> tuple[float, float, float, float]:
    page.evaluate(f"document.querySelector('{editor}').scrollIntoView({{block: 'center'}})")
    return page.evaluate(
        f"(() => {{ const c = [...document.querySelectorAll('{editor} canvas')]"
        ".find(c => c.getBoundingClientRect().width > 0);"
        " const r = c.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()"
    )


def chosen_colour_js(editor_id: str, rgb: str) -> str:
    """Browser-side: whether ``editor_id``'s brush colour is ``rgb`` (its
    colour button takes the colour it paints with)."""
    return (f"(() => {{ const b = [...document.querySelectorAll('#{editor_id} button')]"
            ".find(b => b.getAttribute('aria-label') === 'Color');"
            f" return !!b && b.style.color === '{rgb}'; }})()")


def _select_brush(page, editor: str) -> None:
    page.evaluate(f"[...document.querySelectorAll('{editor} button')]"
                  ".find(b => b.getAttribute('aria-label') === 'Brush').click()")


def _pick_colour(page, editor: str, rgb: str) -> None:
    click(
        page, f"[...document.querySelectorAll('{editor} button')].find(b => b.getAttribute('aria-label') === 'Color')"
    )
    page.wait_for(
        f"[...document.querySelectorAll('{editor} button.color')]"
        f".some(b => b.style.backgroundColor === '{rgb}')",
        10,
    )
    click(page, f"[...document.querySelectorAll('{editor} button.color')]"
                f".find(b => b.style.backgroundColor === '{rgb}')")
    time.sleep(0.3)


def test_paint_a_white_stroke_in_the_sketch_and_preview_the_trimap(page):
    """The editor's layers travel from the browser canvas to the trimap:
    after one white stroke (unpainted = unknown) the preview shows a small
    untinted foreground patch inside a magenta-tinted unknown photo."""
    _pick_chelsea(page)
    click(page, _visible_tab("Sketch"))
    page.wait_for("[...document.querySelectorAll('#sketch canvas')].some(c => c.getBoundingClientRect().width > 0)", 30)
    _select_brush(page, "#sketch")
    x, y, width, height = _canvas_box(page, "#sketch")
    drag(page, [(x + width * 0.35 + 3 * i, y + height * 0.5) for i in range(0, 30, 3)])
    before = page.evaluate("(document.querySelector('#overlay img') || {}).src || ''")
    page.evaluate("document.querySelector('#preview').click()")
    untinted = page.wait_for(
        "(() => { const img = document.querySelector('#overlay img');"
        f" if (!img || img.src === {before!r} || !img.complete || !img.naturalWidth) return null;"
        " const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;"
        " const g = c.getContext('2d'); g.drawImage(img, 0, 0);"
        " const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 0; i < d.length; i += 4) if (d[i + 1] > 120) n++;"  # tinted pixels have green <= 115
        " return [c.width, c.height, n / (c.width * c.height)]; })()",
        timeout=60,
    )
    assert untinted[:2] == [451, 300]
    assert 0.002 < untinted[2] < 0.2


def _longest_run(flags: np.ndarray) -> tuple[int, int]:
    """``(start, stop)`` of the longest run of True in a 1-D array."""
    best, start = (0, 0), None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            best = max(best, (start, i), key=lambda run: run[1] - run[0])
            start = None
    return best


def _magenta_box(pixels: np.ndarray) -> np.ndarray:
    """Bounding box (x0, y0, x1, y1) of the trimap preview's magenta tint."""
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    ys, xs = np.nonzero((r > 150) & (b > 110) & (g < 110) & (r - g > 80))
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)


def test_touch_up_shows_the_auto_trimap_exactly_on_the_photo(page, tmp_path):
    """After "Touch up", the Sketch editor shows the automatic trimap tinted
    on the photo; the tint sits where it sits on the photo (within 2 % of
    the picture's size), not shifted down and right."""
    _pick_chelsea(page)
    click(page, _visible_tab("Auto"))
    page.wait_for("[...document.querySelectorAll('#strokes canvas')]"
                  ".some(c => c.getBoundingClientRect().width > 0)", 30)
    _select_brush(page, "#strokes")
    x, y, width, height = _canvas_box(page, "#strokes")
    drag(page, [(x + width * (0.35 + 0.03 * i), y + height * 0.55) for i in range(10)])  # white: the cat
    _pick_colour(page, "#strokes", "rgb(0, 0, 0)")
    drag(page, [(x + width * 0.9, y + height * (0.3 + 0.03 * i)) for i in range(10)])  # black: the right edge
    page.evaluate("document.querySelector('#touch-up').click()")
    page.wait_for(f"{SELECTED_TAB} === 'Sketch'", 90)
    overlay_src = page.wait_for("(document.querySelector('#overlay img') || {}).src", 30)
    time.sleep(2)  # the editor draws its new background
    x, y, width, height = _canvas_box(page, "#sketch")
    shot = tmp_path / "editor.png"
    page.screenshot(str(shot), full_page=False)
    page.screenshot(str(ARTIFACTS / "desktop_touch_up.png"), full_page=False)
    screen = np.asarray(Image.open(shot).convert("RGB"))[int(y):int(y + height), int(x):int(x + width)]
    # where the picture is drawn (white around it): the longest runs of rows and of columns that
    # are mostly not white (the block's border lines and the tool bar are thin or short)
    drawn = screen.min(axis=2) < 245
    x0, x1 = _longest_run(drawn.mean(axis=0) > 0.45)
    y0, y1 = _longest_run(drawn.mean(axis=1) > 0.45)
    shown = np.array([x0, y0, x1, y1], float)
    expected_overlay = page.evaluate(
        f"fetch({overlay_src!r}).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))")
    (tmp_path / "overlay.png").write_bytes(bytes(expected_overlay))
    overlay = np.asarray(Image.open(tmp_path / "overlay.png").convert("RGB"))
    want = _magenta_box(overlay) / np.array([overlay.shape[1], overlay.shape[0]] * 2)
    got = _magenta_box(screen) - np.array([shown[0], shown[1]] * 2)
    got = got / np.array([shown[2] - shown[0], shown[3] - shown[1]] * 2)
    assert np.allclose(got, want, atol=0.02), (got, want)


# ------------------------------------------------------------------ defect 6: named brushes


def test_the_three_brushes_are_named_choices_and_the_black_one_paints_background(page):
    _pick_chelsea(page)
    click(page, _visible_tab("Sketch"))
    page.wait_for("[...document.querySelectorAll('#sketch canvas')].some(c => c.getBoundingClientRect().width > 0)", 30)
    names = page.evaluate("[...document.querySelectorAll('#sketch-brush label')].map(l => l.innerText.trim())")
    assert names == ["Subject (white)", "Fuzzy edge (grey)", "Background (black)"]
    click(page, "[...document.querySelectorAll('#sketch-brush label')].find(l => l.innerText.includes('Background'))")
    page.wait_for(chosen_colour_js("sketch", "rgb(0, 0, 0)"), 10)
    x, y, width, height = _canvas_box(page, "#sketch")
    drag(page, [(x + width * 0.35 + 3 * i, y + height * 0.75) for i in range(0, 30, 3)])
    page.evaluate("document.querySelector('#preview').click()")
    dark = page.wait_for(
        "(() => { const img = document.querySelector('#overlay img');"
        " if (!img || !img.complete || !img.naturalWidth) return null;"
        " const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;"
        " const g = c.getContext('2d'); g.drawImage(img, 0, 0);"
        " const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) <= 80) n++;"
        " return n / (c.width * c.height) || null; })()",  # background is dimmed to 30 %
        timeout=60,
    )
    assert 0.002 < dark < 0.2
    page.screenshot(str(ARTIFACTS / "desktop_brushes.png"), full_page=False)


# ------------------------------------------------------------------ issue 11: box and clicks on the Auto tab


def _open_auto_with_chelsea(page) -> None:
    _pick_chelsea(page)
    click(page, _visible_tab("Auto"))
    page.wait_for("(() => { const img = document.querySelector('#clicks img');"
                  " return img && img.complete && img.naturalWidth > 0; })()", 30)


def _tap_clicks_picture(page, fx: float, fy: float) -> None:
    """A real mouse click at (fx, fy) of the Clicks picture's drawn photo."""
    page.evaluate("document.querySelector('#clicks img').scrollIntoView({block: 'center'})")
    x, y, width, height = page.evaluate(
        "(() => { const r = document.querySelector('#clicks img').getBoundingClientRect();"
        " return [r.x, r.y, r.width, r.height]; })()")
    px, py = x + width * fx, y + height * fy
    page.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": px, "y": py})
    for kind in ("mousePressed", "mouseReleased"):
        page.send("Input.dispatchMouseEvent", {"type": kind, "x": px, "y": py, "button": "left", "clickCount": 1})


def test_a_tap_on_the_subject_previews_and_cuts_out_naming_the_segmenter(page):
    """Auto tab: one tap on the cat marks it (a green dot appears on the
    Clicks picture), Preview says which segmenter ran, Cut out too."""
    _open_auto_with_chelsea(page)
    before = page.evaluate("document.querySelector('#clicks img').src")
    _tap_clicks_picture(page, 0.5, 0.55)
    page.wait_for(f"document.querySelector('#clicks img').src !== {before!r}", 30)
    page.evaluate("document.querySelector('#preview').click()")
    page.wait_for("document.querySelector('#status').innerText.includes('Segmenter')", 120)
    status = page.evaluate("document.querySelector('#status').innerText")
    assert "classical" in status and "SAMPLENET_SEGMENTER" not in status  # operators' words stay in the log
    page.wait_for("!!document.querySelector('#overlay img')", 30)
    page.evaluate("window.scrollTo(0, 0)")
    time.sleep(1)
    page.screenshot(str(ARTIFACTS / "desktop_auto_tab.png"), full_page=False)
    assert _rect(page, "document.querySelector('#run')")["bottom"] <= DESKTOP[1]  # Cut out on the first screen
    assert _cut_out_and_wait(page) == [451, 300]
    page.wait_for("(() => { const t = document.querySelector('#status').innerText;"
                  " return t.includes('Engine') && t.includes('Segmenter'); })()", 60)
    page.evaluate("window.scrollTo(0, 0)")
    time.sleep(0.5)
    page.screenshot(str(ARTIFACTS / "desktop_auto_tab_after_cut_out.png"), full_page=False)


def test_the_auto_tab_on_a_phone_shows_the_help_the_clicks_picture_and_its_choices(server_and_browser):
    url, browser = server_and_browser
    page = _open(browser, url, PHONE, mobile=True)
    _open_auto_with_chelsea(page)
    page.evaluate("document.querySelector('#auto-help').scrollIntoView({block: 'start'})")
    time.sleep(1)
    page.screenshot(str(ARTIFACTS / "phone_auto_tab.png"), full_page=False)
    page.evaluate("document.querySelector('#clicks').scrollIntoView({block: 'start'})")
    time.sleep(0.5)
    page.screenshot(str(ARTIFACTS / "phone_auto_tab_clicks.png"), full_page=False)
    labels = page.evaluate("[...document.querySelectorAll('#click-label label')].map(l => l.innerText.trim())")
    assert labels == ["+ subject", "− background"]
    picture = _rect(page, "document.querySelector('#clicks img')")
    assert picture["width"] > 150 and picture["right"] <= PHONE[0]
