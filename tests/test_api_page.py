"""Every example of the "Use via API" page runs as the page shows it: the
page is opened in headless Chromium on a fresh local server, its Python
examples are run with ``python`` and its cURL examples with ``bash``, from
the repository's root (the examples name the repository's own files)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")
pytest.importorskip("gradio_client")

from headless_chromium import HeadlessChromium, click, find_chromium
from local_server import launch_weight_free_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)"),
]

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = ("matte", "auto", "trimap")


@pytest.fixture(scope="module")
def api_page():
    """The server's URL, the page's visible text and the text of each code example on it."""
    demo = launch_weight_free_app()
    browser = HeadlessChromium(find_chromium(), 1400, 1000)
    try:
        browser.goto(demo.local_url)
        browser.wait_for("!!document.querySelector('#run')", 90)
        click(browser, "[...document.querySelectorAll('button, a')].find(e => e.innerText.includes('Use via API'))")
        browser.wait_for("!!document.body && document.body.innerText.includes('/trimap')", 30)
        time.sleep(1)  # the examples' fixes run on the page's mutations
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        browser.screenshot(str(ROOT / "test-artifacts" / "api_page.png"), full_page=False)
        text = browser.evaluate("document.body.innerText")
        examples = browser.evaluate("[...new Set([...document.querySelectorAll('code, pre')]"
                                    ".map(e => e.innerText.trim()))]")
        yield demo.local_url, text, examples
    finally:
        browser.close()
        demo.close()


def _examples_of(examples: list[str], marker: str) -> dict[str, str]:
    found = {}
    for example in examples:
        for name in ENDPOINTS:
            if marker in example and (f'api_name="/{name}"' in example or f"/call/{name}/" in example):
                found[name] = example
    return found


def test_the_page_names_each_output_and_types_each_parameter_once(api_page):
    _, text, _ = api_page
    assert "1st" not in text and "2nd" not in text
    for name in ("alpha", "cutout", "foreground", "background", "details", "trimap"):
        assert f'"{name}"' in text  # each output by its name
    assert "| None | None" not in text and "None | list[float] | None" not in text


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_python_example_runs_as_shown(api_page, name):
    url, _, examples = api_page
    example = _examples_of(examples, "from gradio_client import")[name]
    assert url.rstrip("/") in example
    run = subprocess.run([sys.executable, "-c", example], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    assert ".png" in run.stdout  # the printed result names the output files


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_curl_example_runs_in_bash_as_shown(api_page, name):
    url, _, examples = api_page
    example = _examples_of(examples, "curl")[name]
    assert url.rstrip("/") in example and example.count("\n") >= 3  # shown one command a line
    run = subprocess.run(["bash", "-c", example], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "event: complete" in run.stdout, run.stdout[-2000:]
    assert ".png" in run.stdout
