"""`samplenet bench auto-trimap` on a tiny folder in the alphamatting.com layout."""
from __future__ import annotations

import numpy as np
from PIL import Image

from samplenet.cli import main
from samplenet.evaluation.auto_trimap import benchmark_box, benchmark_click


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


def test_protocol_click_stays_off_the_photo_edge() -> None:
    """A subject cut off by the frame: the click goes well inside what is
    visible, not onto the photo's last row where a visitor would not click."""
    alpha = np.zeros((100, 200))
    alpha[40:100, 20:180] = 1.0  # a wide bust whose shoulders run off the bottom edge
    x, y = benchmark_click(alpha)
    assert 60 <= y <= 80 and 45 <= x <= 155  # at least 20 px from every side of what is visible


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


def test_subjects_laid_over_new_backgrounds_keep_their_truth() -> None:
    """Where the true alpha is 0 the composite is the new background, where it
    is 1 it is the subject as photographed; alpha and hand trimaps are kept;
    the first subject's background is blurred (out of focus), the second's sharp."""
    from samplenet.evaluation.new_backgrounds import cover, over_new_backgrounds

    rng = np.random.default_rng(0)
    cases = []
    for shift in (0, 6):
        alpha = np.zeros((60, 80))
        alpha[15:45, 20 + shift : 50 + shift] = 1.0
        photo = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
        cases.append({"name": f"c{shift}", "image": photo, "alpha": alpha, "hand": {"trimap1": np.zeros((60, 80))}})
    checker = (np.indices((30, 40)).sum(0) % 2 * 255).astype(np.uint8)
    background = np.dstack([checker] * 3)
    moved = over_new_backgrounds(cases, [background])
    sharp = cover(background, (60, 80))
    assert sharp.shape == (60, 80, 3)
    for case, new in zip(cases, moved):
        assert new["alpha"] is case["alpha"] and new["hand"] is case["hand"]
        inside = case["alpha"] == 1.0
        assert np.abs(new["image"][inside].astype(int) - case["image"][inside]).max() <= 2
    outside = cases[1]["alpha"] == 0.0
    assert np.array_equal(moved[1]["image"][outside], sharp[outside])
    corner = (slice(0, 10), slice(0, 15))  # background only in both
    assert moved[0]["image"][corner].std() < 0.5 * moved[1]["image"][corner].std()


def test_bench_auto_trimap_over_new_backgrounds(tmp_path, capsys) -> None:
    data, photos = tmp_path / "data", tmp_path / "photos"
    data.mkdir()
    photos.mkdir()
    for index, name in enumerate(("GT01", "GT02")):
        write_case(data, name, 4 * index)
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(60, 200, (30, 40, 3), dtype=np.uint8)).save(photos / "field.png")
    assert main(["bench", "auto-trimap", "--data", str(data), "--backgrounds", str(photos)]) == 0
    assert "| auto, box |" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["bench", "auto-trimap", "--data", str(data), "--backgrounds", str(empty)]) != 0
    assert "'" + str(empty) + "' holds no photo" in capsys.readouterr().err
