"""`samplenet bench auto-trimap` on a tiny folder in the alphamatting.com layout."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from samplenet.cli import main
from samplenet.evaluation.auto_trimap import benchmark_box, benchmark_click, corrective_click, score_corrections
from tests.conftest import look_alike_patch


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


def test_protocol_click_on_a_faint_subject_is_on_it() -> None:
    alpha = np.zeros((50, 60))
    alpha[20:30, 40:55] = 0.3  # a veil, nowhere half opaque
    x, y = benchmark_click(alpha)
    assert alpha[int(y), int(x)] > 0


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
    moved = over_new_backgrounds(cases, {"checker.png": background})
    sharp = cover(background, (60, 80))
    assert sharp.shape == (60, 80, 3)
    for case, new in zip(cases, moved, strict=True):
        assert new["alpha"] is case["alpha"] and new["hand"] is case["hand"]
        inside = case["alpha"] == 1.0
        assert np.abs(new["image"][inside].astype(int) - case["image"][inside]).max() <= 2
    outside = cases[1]["alpha"] == 0.0
    assert np.array_equal(moved[1]["image"][outside], sharp[outside])
    corner = (slice(0, 10), slice(0, 15))  # background only in both
    assert moved[0]["image"][corner].std() < 0.5 * moved[1]["image"][corner].std()
    assert [m["background"] for m in moved] == ["checker.png, blurred", "checker.png"]


def test_new_backgrounds_are_cycled_in_name_order() -> None:
    from samplenet.evaluation.new_backgrounds import over_new_backgrounds

    alpha = np.zeros((20, 30))
    alpha[8:12, 12:18] = 1.0
    cases = [{"name": f"c{i}", "image": np.zeros((20, 30, 3), np.uint8), "alpha": alpha, "hand": {}} for i in range(3)]
    red = np.zeros((10, 10, 3), np.uint8)
    red[..., 0] = 200
    blue = np.zeros((10, 10, 3), np.uint8)
    blue[..., 2] = 200
    moved = over_new_backgrounds(cases, {"b_blue.png": blue, "a_red.png": red})
    corners = [m["image"][0, 0] for m in moved]
    assert corners[0][0] > 150 and corners[1][2] > 150 and corners[2][0] > 150
    assert [m["background"] for m in moved] == ["a_red.png, blurred", "b_blue.png", "a_red.png, blurred"]


def test_a_background_of_another_shape_is_cropped_not_stretched() -> None:
    from samplenet.evaluation.new_backgrounds import cover

    wide = np.zeros((41, 201, 3), np.uint8)
    cv2.circle(wide, (100, 20), 15, (255, 255, 255), -1)
    square = cover(wide, (101, 99))
    assert square.shape == (101, 99, 3)
    ys, xs = np.nonzero(square[..., 0] > 127)
    height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
    assert abs(height - width) <= 2 and height > 60  # a round disc, scaled up, still round


def test_bench_auto_trimap_over_new_backgrounds(tmp_path, capsys) -> None:
    import json

    data, photos = tmp_path / "data", tmp_path / "photos"
    data.mkdir()
    photos.mkdir()
    for index, name in enumerate(("GT01", "GT02")):
        write_case(data, name, 4 * index)
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)).save(photos / "field.png")
    assert main(["bench", "auto-trimap", "--data", str(data), "--json", str(tmp_path / "own.json")]) == 0
    capsys.readouterr()
    args = [
        "bench",
        "auto-trimap",
        "--data",
        str(data),
        "--backgrounds",
        str(photos),
        "--json",
        str(tmp_path / "new.json"),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "| auto, box |" in out and "GT01: field.png, blurred; GT02: field.png" in out
    own = json.loads((tmp_path / "own.json").read_text())
    new = json.loads((tmp_path / "new.json").read_text())
    assert new["backgrounds"] == {"GT01": "field.png, blurred", "GT02": "field.png"} and own["backgrounds"] == {}
    assert new["hand"]["GT02"] != own["hand"]["GT02"]  # scored on the composite, not the original photo


@pytest.mark.parametrize("problem", ["empty folder", "a file", "unreadable photo", "empty name"])
def test_bad_backgrounds_are_refused_by_name(tmp_path, capsys, problem) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_case(data, "GT01", 0)
    target = tmp_path / "photos"
    if problem == "empty folder":
        target.mkdir()
        expected = "The backgrounds folder '" + str(target) + "' holds no image files"
    elif problem == "a file":
        target = tmp_path / "one.png"
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(target)
        expected = "The backgrounds path '" + str(target) + "' is not a folder"
    elif problem == "unreadable photo":
        target.mkdir()
        (target / "broken.png").write_bytes(b"not a png")
        expected = "Background photo '" + str(target / "broken.png") + "'"
    else:
        target = ""
        expected = "--backgrounds needs a folder"
    assert main(["bench", "auto-trimap", "--data", str(data), "--backgrounds", str(target)]) == 2
    assert expected in capsys.readouterr().err


def test_compositing_refuses_what_it_cannot_lay_over() -> None:
    from samplenet.errors import MattingInputError
    from samplenet.evaluation.new_backgrounds import composite, over_new_backgrounds

    photo, alpha = np.zeros((10, 12, 3), np.uint8), np.ones((10, 12))
    with pytest.raises(MattingInputError, match="No background photo"):
        over_new_backgrounds([{"name": "a", "image": photo, "alpha": alpha, "hand": {}}], {})
    with pytest.raises(MattingInputError, match=r"one size; got \(10, 12\), \(10, 12\) and \(10, 12\)"):
        composite(photo, alpha, np.zeros((10, 12), np.uint8))  # a grey background, not RGB
    with pytest.raises(MattingInputError, match=r"\(9, 12, 3\)"):
        composite(photo, alpha, np.zeros((9, 12, 3), np.uint8))


def test_a_photo_and_its_alpha_of_different_sizes_are_refused(tmp_path, capsys) -> None:
    write_case(tmp_path, "GT01", 0)
    Image.fromarray(np.zeros((40, 64, 3), np.uint8)).save(tmp_path / "alpha" / "GT01.png")
    assert main(["bench", "auto-trimap", "--data", str(tmp_path)]) == 2
    assert "'GT01.png' is 64x48 but its alpha" in capsys.readouterr().err


def test_corrective_click_goes_where_the_trimap_is_most_surely_wrong() -> None:
    truth = np.zeros((100, 120))
    truth[20:60, 20:60] = 1.0
    trimap = np.where(truth == 1.0, 255, 0).astype(np.uint8)
    trimap[70:96, 70:110] = 255  # kept a 26x40 background chunk as subject
    trimap[25:35, 25:35] = 0  # and dropped a 10x10 piece of the subject
    (x, y), label = corrective_click(trimap, truth)
    assert label == 0 and 80 <= x <= 100 and 78 <= y <= 88  # on the chunk's midline, 13 px inside
    trimap[80:96, 70:90] = 0  # the kept chunk shrinks to 10x20 ...
    trimap[22:58, 22:58] = 0  # ... and the dropped piece, 36x36, is now the larger mistake
    (x, y), label = corrective_click(trimap, truth)
    assert label == 1 and 35 <= x <= 45 and 35 <= y <= 45


def test_a_wide_sliver_does_not_hide_a_deep_mistake() -> None:
    """The largest surely wrong region is a long 3 px sliver along the
    outline, too thin for a click; the smaller but deep one still gets it."""
    truth = np.zeros((100, 200))
    truth[20:60, 20:180] = 1.0
    trimap = np.where(truth == 1.0, 255, 0).astype(np.uint8)
    trimap[60:63, 10:190] = 255  # 540 px of sliver kept below the subject
    trimap[75:95, 100:120] = 255  # a 20x20 chunk kept, 400 px
    (x, y), label = corrective_click(trimap, truth)
    assert label == 0 and 100 <= x < 120 and 75 <= y < 95


def test_no_corrective_click_on_a_right_trimap_or_a_sliver() -> None:
    truth = np.zeros((60, 60))
    truth[10:50, 10:50] = 1.0
    trimap = np.where(truth == 1.0, 255, 0).astype(np.uint8)
    assert corrective_click(trimap, truth) is None
    trimap[10:50, 50:53] = 255  # a 3 px sliver of background kept along the outline
    assert corrective_click(trimap, truth) is None


def test_a_corrective_click_goes_on_a_background_chunk_of_the_subjects_colour() -> None:
    """An L-shaped subject and, inside its box, a background patch of its own
    colour: the box alone keeps the patch; the simulated visitor's first
    click is a background click on it, and the trimap is scored again with it."""
    from samplenet.engines import load

    photo, truth, patch = look_alike_patch()
    rows = score_corrections(load(engine="classical"), {"image": photo, "alpha": truth.astype(np.float64)}, 1)
    assert [row["clicks"] for row in rows] == [0, 1]
    (x, y), = rows[1]["points"]
    assert rows[1]["labels"] == [0] and patch[int(y), int(x)]
    assert rows[0]["sad"] > 1.0  # the box alone keeps the patch
    assert rows[1]["sad"] < rows[0]["sad"]  # the click's sure disc at least is right now


def test_a_refused_click_leaves_the_visitor_with_what_they_had() -> None:
    """If the prompts of a click are refused (here: the matting fails on
    the second trimap), the step records it and keeps the last score."""
    from samplenet.engines import load

    photo, truth, patch = look_alike_patch()
    engine = load(engine="classical")
    calls = []

    def failing_second_time(image, trimap):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("solver gave up")
        return engine(image, trimap)

    rows = score_corrections(failing_second_time, {"image": photo, "alpha": truth.astype(np.float64)}, 2)
    assert [row["step"] for row in rows] == [0, 1, 2]
    assert rows[1]["sad"] == rows[0]["sad"] == rows[2]["sad"] and rows[1]["clicks"] == 0
    assert rows[1]["refused_click"]["label"] == 0 and "solver gave up" in rows[1]["refused_click"]["refused"]
    assert "refused_click" not in rows[2]


def test_bench_auto_trimap_with_corrective_clicks(tmp_path, capsys) -> None:
    import json

    for index, name in enumerate(("GT01", "GT02")):
        write_case(tmp_path, name, 4 * index)
    saved = tmp_path / "r.json"
    assert main(["bench", "auto-trimap", "--data", str(tmp_path), "--corrections", "1", "--json", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "Box, then corrective clicks" in out and "| GT02 | " in out and "| box alone | +1 click |" in out
    result = json.loads(saved.read_text())
    rows = result["corrections"]
    assert sorted(rows) == ["GT01", "GT02"] and all(len(r) == 2 for r in rows.values())
    hand, box = result["hand"], {r["image"]: r["sad"] for r in result["rows"] if r["mode"] == "box"}
    for name, steps in rows.items():
        assert steps[0]["sad"] == pytest.approx(box[name])  # step 0 is the box alone, as scored above
    # each line of the summary agrees with the saved scores
    mean0 = np.mean([r[0]["sad"] for r in rows.values()])
    within = sum(r[0]["sad"] <= 2 * hand[n] for n, r in rows.items())
    ratio = mean0 / np.mean(list(hand.values()))
    assert f"| 0 | {mean0:.2f} | {ratio:.2f} | {within} of 2 |" in out
    assert main(["bench", "auto-trimap", "--data", str(tmp_path), "--corrections", "-1"]) == 2
    assert "corrective clicks must be 0 or more, got -1" in capsys.readouterr().err


def test_a_negative_number_of_corrective_clicks_is_refused_by_name() -> None:
    from samplenet import MattingInputError

    photo, truth, _ = look_alike_patch()
    with pytest.raises(MattingInputError, match="corrective clicks must be 0 or more, got -2"):
        score_corrections(None, {"image": photo, "alpha": truth.astype(np.float64)}, -2)


def test_jittered_boxes_move_each_side_by_at_most_two_percent_and_repeat() -> None:
    from samplenet.evaluation.interaction import jittered_boxes

    box, size = (40, 30, 160, 90), (200, 100)
    boxes = jittered_boxes(box, size, 4)
    assert boxes == jittered_boxes(box, size, 4) and len(set(boxes)) == 4
    for x0, y0, x1, y1 in boxes:
        assert abs(x0 - 40) <= 4 and abs(x1 - 160) <= 4 and abs(y0 - 30) <= 2 and abs(y1 - 90) <= 2


def test_bench_auto_trimap_jitter_and_strokes_print_their_tables(tmp_path, capsys) -> None:
    for index in range(2):
        write_case(tmp_path, f"GT0{index + 1}", shift=index * 3)
    code = main(["bench", "auto-trimap", "--data", str(tmp_path), "--jitter", "2", "--strokes", "2",
                 "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert "worst / median jittered SAD" in out and "median seconds of the segmentation" in out
    assert "hand-trimap matte s" in out
    import json

    saved = json.loads((tmp_path / "r.json").read_text())
    assert all(len(rows) == 2 for rows in saved["jitter"].values())
    assert all(len(rows) == 3 and all("sad" in row for row in rows) for rows in saved["strokes"].values())
