"""README and docs/ as a reader meets them: the Python example runs as
written, and every relative link leads to a file that exists."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def test_readme_python_example_runs_as_written(tmp_path, monkeypatch):
    """The lemur example under "Python API", run from the project root as a
    reader would (weights unset: the weight-free engine), writes a cut-out
    whose opacity follows the trimap."""
    (example,) = _fenced_blocks(_section((ROOT / "README.md").read_text(), "Python API"), "python")
    assert "examples/lemur.png" in example and "examples/lemur_trimap.png" in example
    monkeypatch.delenv("SAMPLENET_WEIGHTS", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    exec(compile(example, "README.md (Python API)", "exec"), {})
    cutout = np.asarray(Image.open(tmp_path / "lemur_cutout.png"))
    trimap = np.asarray(Image.open(ROOT / "examples" / "lemur_trimap.png").convert("L"))
    assert cutout.shape == (*trimap.shape, 4)
    assert (cutout[..., 3][trimap == 0] == 0).all() and (cutout[..., 3][trimap == 255] == 255).all()
    unknown = cutout[..., 3][(trimap > 0) & (trimap < 255)]
    assert 0 < unknown.mean() < 255 and len(np.unique(unknown)) > 10  # a matte, not a hard mask


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_points_to_a_file_that_exists(page):
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)  # code is not a link
    missing = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (page.parent / path).exists():
            missing.append(target)
    assert not missing, f"{page.relative_to(ROOT)} links to files that do not exist: {missing}"


def test_readme_stays_a_page_a_visitor_reads():
    text = (ROOT / "README.md").read_text()
    assert text.startswith("---\n") and "\nsdk: gradio\n" in text and "\napp_file: app.py\n" in text
    assert len(text.splitlines()) <= 300, "README is the Space's page: move depth into docs/"


@pytest.mark.slow
def test_readme_api_example_runs_as_written_against_a_live_server(monkeypatch, capsys):
    """README's gradio_client block, run from the project root against a
    fresh server (only the address changes: the test's server has its own port)."""
    pytest.importorskip("gradio")
    pytest.importorskip("gradio_client")
    from local_server import launch_weight_free_app

    (example,) = _fenced_blocks(_section((ROOT / "README.md").read_text(), "API for programs"), "python")
    assert 'Client("http://127.0.0.1:7860/")' in example
    demo = launch_weight_free_app()
    try:
        monkeypatch.chdir(ROOT)
        exec(compile(example.replace("http://127.0.0.1:7860/", demo.local_url), "README.md (API)", "exec"), {})
    finally:
        demo.close()
    printed = capsys.readouterr().out
    assert "'engine': 'classical'" in printed and "classical adaptive" in printed


def test_the_space_preloads_the_sam_checkpoint_the_app_uses_there():
    """The front matter's preload and the app's Space default name one checkpoint,
    so the Space is built with the model its first visitor needs."""
    from samplenet.segmentation.sam import SPACE_DEFAULT_SAM

    front = (ROOT / "README.md").read_text().split("\n---\n", 1)[0]
    assert f"  - {SPACE_DEFAULT_SAM}\n" in front  # models:
    preload = front.split("preload_from_hub:\n", 1)[1].splitlines()[0]
    assert preload.startswith(f"  - {SPACE_DEFAULT_SAM} ") and "model.safetensors" in preload
