"""The page in a real browser (Debian's headless ``chromium``): it loads,
a sample can be picked, "Cut out" runs and the alpha matte appears.

Skipped where no Chromium is installed (``apt-get install -y chromium``).
A screenshot is written to ``test-artifacts/app_browser.png``.
"""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

gr = pytest.importorskip("gradio")

from headless_chromium import HeadlessChromium, find_chromium  # noqa: E402

from samplenet.app import EngineRegistry, build_demo  # noqa: E402
from samplenet.engines.classical import ClassicalMatter  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)"),
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def page():
    registry = EngineRegistry({"classical": ClassicalMatter()}, notice="**Running weight-free** (browser test)")
    demo = build_demo(registry)
    demo.launch(prevent_thread_lock=True, server_port=_free_port(), quiet=True)
    browser = HeadlessChromium(find_chromium())
    try:
        browser.goto(demo.local_url)
        browser.wait_for("!!document.querySelector('#run')", timeout=90)
        yield browser
    finally:
        browser.close()
        demo.close()


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
