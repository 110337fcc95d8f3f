"""The page in a real browser (Debian's headless ``chromium``): it loads,
a sample can be picked, "Cut out" runs and the alpha matte appears.

Skipped where no Chromium is installed (``apt-get install -y chromium``).
A screenshot is written to ``test-artifacts/app_browser.png``.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")

from headless_chromium import HeadlessChromium, click, drag, find_chromium  # noqa: E402

from local_server import launch_weight_free_app  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)"),
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def server_and_browser():
    demo = launch_weight_free_app(notice="**Running weight-free** (browser test)")
    browser = HeadlessChromium(find_chromium())
    try:
        yield demo.local_url, browser
    finally:
        browser.close()
        demo.close()


@pytest.fixture
def page(server_and_browser):
    """The app freshly loaded for each test."""
    url, browser = server_and_browser
    browser.goto(url)
    browser.wait_for("!!document.querySelector('#run')", timeout=90)
    return browser


def test_page_shows_title_notice_tabs_and_samples(page):
    assert page.evaluate("document.title") == "SampleNet Matting"
    text = page.evaluate("document.body.innerText")
    assert "Running weight-free" in text
    tabs = page.evaluate("[...document.querySelectorAll('button[role=tab]')].map(t => t.textContent.trim())")
    assert tabs == ["Sketch", "Auto from strokes or box", "Upload trimap"]
    assert page.evaluate("document.querySelectorAll('[data-testid^=dataset-cell-]').length") >= 8


def test_pick_a_sample_cut_out_and_see_the_alpha(page):
    # the second sample (chelsea, the smallest photo): photo and trimap fill in, Upload tab opens
    page.evaluate("document.querySelector('[data-testid=\"dataset-cell-1-0\"]').click()")
    page.wait_for("!!document.querySelector('#photo img') && !!document.querySelector('#trimap-upload img')", 60)
    page.wait_for(
        "document.querySelector('button[role=tab][aria-selected=true]').textContent.trim() === 'Upload trimap'", 30
    )
    page.evaluate("document.querySelector('#run').click()")
    size = page.wait_for(
        "(() => { const img = document.querySelector('#alpha img');"
        " return img && img.complete && img.naturalWidth ? [img.naturalWidth, img.naturalHeight] : null; })()",
        timeout=120,
    )
    assert size == [451, 300]
    page.wait_for("document.querySelector('#status').innerText.includes('classical')", 30)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(str(ARTIFACTS / "app_browser.png"))
    assert (ARTIFACTS / "app_browser.png").stat().st_size > 10_000


def test_paint_a_white_stroke_in_the_sketch_and_preview_the_trimap(page):
    """The editor's layers travel from the browser canvas to the trimap:
    after one white stroke (unpainted = unknown) the preview shows a small
    untinted foreground patch inside a magenta-tinted unknown photo."""
    page.evaluate("document.querySelector('[data-testid=\"dataset-cell-1-0\"]').click()")
    page.wait_for("!!document.querySelector('#photo img')", 60)
    page.wait_for(
        "document.querySelector('button[role=tab][aria-selected=true]').textContent.trim() === 'Upload trimap'", 30
    )
    time.sleep(2)  # let the sample's change events settle (they select the Upload tab)
    click(page, "[...document.querySelectorAll('button[role=tab]')]"
                ".filter(t => t.textContent.trim() === 'Sketch' && t.getBoundingClientRect().width > 0)[0]")
    page.wait_for("[...document.querySelectorAll('#sketch canvas')].some(c => c.getBoundingClientRect().width > 0)", 30)
    page.evaluate("[...document.querySelectorAll('#sketch button')].find(b => b.getAttribute('aria-label') === 'Brush').click()")
    page.evaluate("document.querySelector('#sketch').scrollIntoView({block: 'center'})")
    x, y, width, height = page.evaluate(
        "(() => { const c = [...document.querySelectorAll('#sketch canvas')].find(c => c.getBoundingClientRect().width > 0);"
        " const r = c.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()"
    )
    drag(page, [(x + width * 0.35 + 3 * i, y + height * 0.5) for i in range(0, 30, 3)])
    before = page.evaluate("(document.querySelector('#overlay img') || {}).src || ''")
    page.evaluate("[...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Preview trimap').click()")
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
