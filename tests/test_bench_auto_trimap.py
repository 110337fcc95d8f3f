"""`samplenet bench auto-trimap` on a tiny folder in the alphamatting.com layout."""
from __future__ import annotations

import numpy as np
from PIL import Image

from samplenet.cli import main
from samplenet.segmentation.benchmark import benchmark_box, benchmark_click


def test_protocol_box_and_click() -> None:
    alpha = np.zeros((100, 200))
    alpha[20:60, 50:150] = 1.0
    alpha[60:70, 50:150] = 0.5
    # bounds (50..149, 20..69) + 3% of the width (6 px) / height (3 px), clipped
    assert benchmark_box(alpha) == (44, 17, 156, 73)
    x, y = benchmark_click(alpha)
    assert 60 <= x <= 140 and 35 <= y <= 44 and alpha[int(y), int(x)] == 1.0
    edge = np.zeros((100, 200))
    edge[0:100, 0:120] = 1.0
    assert benchmark_box(edge) == (0, 0, 126, 100)


def write_case(root, name: str, shift: int) -> None:
    """A soft-edged warm rectangle on a noisy blue background, its alpha and a hand-like trimap."""
    import cv2

    rng = np.random.default_rng(shift)
    hard = np.zeros((48, 64), np.float32)
    hard[12:36, 16 + shift : 44 + shift] = 1.0
    truth = cv2.GaussianBlur(hard, (5, 5), 1.2)
    colours = truth[..., None] * np.array([220, 160, 60]) + (1 - truth[..., None]) * np.array([40, 120, 160])
    photo = np.clip(colours + rng.normal(0, 8, colours.shape), 0, 255).astype(np.uint8)
    trimap = np.full(truth.shape, 128, np.uint8)
    trimap[truth > 0.99] = 255
    trimap[truth < 0.01] = 0
    alpha = np.round(truth * 255).astype(np.uint8)
    for folder, array in (("image", photo), ("alpha", np.dstack([alpha] * 3)), ("trimap1", trimap)):
        (root / folder).mkdir(exist_ok=True)
        Image.fromarray(array).save(root / folder / f"{name}.png")


def test_bench_auto_trimap_prints_its_table(tmp_path, capsys) -> None:
    for index, name in enumerate(("GT01", "GT02")):
        write_case(tmp_path, name, 4 * index)
    code = main(["bench", "auto-trimap", "--data", str(tmp_path), "--previous", "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert "| auto, box |" in out and "| auto, box+click |" in out and "| hand-made" in out
    assert "| GT02 |" in out and "previous Auto tool" in out
    assert (tmp_path / "r.json").is_file()
