"""samplenet.auto_trimap and `samplenet trimap`: prompts to a trimap, with the
weight-free segmenter on tiny synthetic photos."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import samplenet
from samplenet import MattingInputError, auto_trimap
from samplenet.cli import main
from samplenet.segmentation import classical
from samplenet.segmentation.prompts import make_prompts
from tests.conftest import look_alike_patch

HEIGHT, WIDTH = 60, 80


@pytest.fixture(autouse=True)
def no_configured_sam(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the classical segmenter and the library's
    defaults: a SAM model configured on the machine running them (or a
    Space's default one) must not turn them into SAM tests."""
    monkeypatch.delenv("SAMPLENET_SEGMENTER", raising=False)
    monkeypatch.delenv("SPACE_ID", raising=False)

CENTRE, RADIUS = (40, 30), 18


def disc_photo(radius: int = RADIUS) -> tuple[np.ndarray, np.ndarray]:
    """A warm disc on a noisy blue-green background, and its true mask."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    inside = (xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2 <= radius**2
    photo = np.empty((HEIGHT, WIDTH, 3), np.float64)
    photo[:] = (30, 110, 150)
    photo[inside] = (230, 170, 60)
    photo += rng.normal(0, 6, photo.shape)
    return np.clip(photo, 0, 255).astype(np.uint8), inside


def assert_good_trimap(trimap: np.ndarray, truth: np.ndarray) -> None:
    assert trimap.shape == truth.shape and trimap.dtype == np.uint8
    assert set(np.unique(trimap).tolist()) == {0, 128, 255}
    # No known pixel contradicts the truth: sure subject is subject, sure background is background.
    assert not np.any((trimap == 255) & ~truth)
    assert not np.any((trimap == 0) & truth)
    # And most of the photo is decided.
    assert (trimap == 128).mean() < 0.35


def test_box_around_subject() -> None:
    photo, truth = disc_photo()
    assert_good_trimap(auto_trimap(photo, box=(15, 5, 65, 55), segmenter="classical"), truth)


def test_box_touching_every_edge_is_accepted() -> None:
    photo, truth = disc_photo(radius=24)
    trimap = auto_trimap(photo, box=(0, 0, WIDTH, HEIGHT), segmenter="classical")
    assert_good_trimap(trimap, truth)
    assert trimap[CENTRE[1], CENTRE[0]] == 255 and trimap[0, 0] == 0 and trimap[-1, -1] == 0


def test_box_passing_the_edges_is_clipped() -> None:
    photo, truth = disc_photo()
    assert_good_trimap(auto_trimap(photo, box=(-30, -10, 70, 200), segmenter="classical"), truth)


def test_clicks_only() -> None:
    photo, truth = disc_photo()
    trimap = auto_trimap(photo, points=[CENTRE, (5, 5)], point_labels=[1, 0], segmenter="classical")
    assert_good_trimap(trimap, truth)
    # A click has the last word around it, like a stroke.
    assert trimap[CENTRE[1], CENTRE[0]] == 255 and trimap[5, 5] == 0


def test_one_positive_click_only() -> None:
    photo, truth = disc_photo()
    assert_good_trimap(auto_trimap(photo, points=[CENTRE], segmenter="classical"), truth)


def test_strokes_only_and_strokes_have_the_last_word() -> None:
    photo, truth = disc_photo()
    fg = np.zeros_like(truth)
    fg[28:33, 30:50] = True
    bg = np.zeros_like(truth)
    bg[2:5, 2:70] = True
    trimap = auto_trimap(photo, fg_strokes=fg, bg_strokes=bg, segmenter="classical")
    assert_good_trimap(trimap, truth)
    assert np.all(trimap[fg] == 255) and np.all(trimap[bg] == 0)


def test_constant_band_width_when_asked() -> None:
    photo, truth = disc_photo()
    thin = auto_trimap(photo, box=(15, 5, 65, 55), band_width=2, segmenter="classical")
    wide = auto_trimap(photo, box=(15, 5, 65, 55), band_width=6, segmenter="classical")
    assert (thin == 128).sum() < (wide == 128).sum()


def test_info_says_which_segmenter_ran(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMPLENET_SEGMENTER", raising=False)
    photo, truth = disc_photo()
    trimap, info = auto_trimap(photo, box=(15, 5, 65, 55), return_info=True)
    assert_good_trimap(trimap, truth)
    assert info.segmenter == "classical" and info.note and info.band_width == "adaptive"


@pytest.mark.parametrize(
    "prompts, words",
    [
        ({}, "No prompt"),
        ({"box": (100, 70, 140, 90)}, "outside"),
        ({"box": (50, 10, 20, 40)}, "inverted"),
        ({"box": (1, 2, 3)}, "four numbers"),
        ({"points": [(10, 10), (10, 10)], "point_labels": [1, 0]}, "both as subject and as background"),
        ({"box": (30, 10, 60, 50), "points": [(5, 5)], "point_labels": [1]}, "outside the box"),
        ({"points": [(5, 5)], "point_labels": [0]}, "Only background"),
        ({"points": [(500, 5)]}, "outside the 80x60 photo"),
        ({"points": [(5, 5)], "point_labels": [2]}, r"must be 1 \(subject\) or 0"),
        ({"points": [(5, 5), (6, 6)], "point_labels": [1]}, "one label per point"),
        ({"box": (15, 5, 65, 55), "band_width": 0}, "band width"),
    ],
)
def test_bad_or_contradictory_prompts_are_refused(prompts: dict, words: str) -> None:
    photo, _ = disc_photo()
    with pytest.raises(MattingInputError, match=words):
        auto_trimap(photo, segmenter="classical", **prompts)


def test_strokes_painted_both_ways_are_refused() -> None:
    photo, truth = disc_photo()
    with pytest.raises(MattingInputError, match="both as subject and as background"):
        auto_trimap(photo, fg_strokes=truth, bg_strokes=truth, segmenter="classical")


def test_cli_trimap_writes_the_trimap(tmp_path, capsys) -> None:
    photo, truth = disc_photo()
    Image.fromarray(photo).save(tmp_path / "photo.png")
    out = tmp_path / "trimap.png"
    code = main(["trimap", str(tmp_path / "photo.png"), "--box", "15,5,65,55", "--point", "40,30",
                 "--point", "3,3,0", "--segmenter", "classical", "--out", str(out)])
    assert code == 0
    assert_good_trimap(np.asarray(Image.open(out)), truth)
    assert "classical segmenter" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, words",
    [(["--box", "15,5,65"], "four numbers"), (["--point", "3,3,7"], "must be 1 (subject) or 0"), ([], "No prompt")],
)
def test_cli_trimap_bad_prompts_exit_2_with_a_message(tmp_path, capsys, extra, words) -> None:
    photo, _ = disc_photo()
    Image.fromarray(photo).save(tmp_path / "photo.png")
    code = main(["trimap", str(tmp_path / "photo.png"), *extra, "--out", str(tmp_path / "t.png")])
    assert code == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "t.png").exists()


def test_auto_trimap_is_exported() -> None:
    assert samplenet.auto_trimap is auto_trimap and "auto_trimap" in samplenet.__all__


def test_band_widens_where_the_trial_matte_is_fuzzy() -> None:
    from samplenet.segmentation.band import adaptive_trimap

    mask = np.zeros((60, 80), bool)
    mask[:, :40] = True  # a straight outline at x = 40
    alpha = mask.astype(np.float32)
    alpha[:30, 36:52] = 0.5  # fuzz in the top half only (hair), a hard edge below
    trimap = adaptive_trimap(mask, alpha, min_band=2, fuzzy_reach=3, max_band=20)
    top = (trimap[5] == 128).sum()
    bottom = (trimap[50] == 128).sum()
    assert bottom <= 6 and top >= 16 + 2 * 3
    assert np.all(trimap[50, :30] == 255) and np.all(trimap[50, 50:] == 0)


@pytest.mark.parametrize("band", [float("inf"), float("-inf"), float("nan"), "1e999", 0, 201])
def test_a_band_width_that_is_no_usable_number_is_refused_by_name(band) -> None:
    photo, _ = disc_photo()
    with pytest.raises(MattingInputError, match="band width"):
        auto_trimap(photo, box=(15, 5, 65, 55), band_width=band, segmenter="classical")


@pytest.mark.parametrize("name", ["grabcut", "SAM", "", None])
def test_an_unknown_segmenter_is_refused_naming_the_known_ones(name) -> None:
    photo, _ = disc_photo()
    with pytest.raises(MattingInputError, match="segmenter must be one of auto, classical, sam, not"):
        auto_trimap(photo, box=(15, 5, 65, 55), segmenter=name)


def test_a_band_that_leaves_no_sure_subject_is_refused_before_matting() -> None:
    """A 40 px band around an 18 px disc would leave an all-unknown subject,
    which the matting step could only refuse later, less helpfully."""
    photo, _ = disc_photo()
    with pytest.raises(MattingInputError, match="leaves no sure"):
        auto_trimap(photo, box=(15, 5, 65, 55), band_width=40, segmenter="classical")


def test_cli_trimap_refuses_an_infinite_band_with_one_line(tmp_path, capsys) -> None:
    photo, _ = disc_photo()
    Image.fromarray(photo).save(tmp_path / "photo.png")
    code = main(["trimap", str(tmp_path / "photo.png"), "--box", "15,5,65,55", "--band-width", "inf",
                 "--segmenter", "classical", "--out", str(tmp_path / "t.png")])
    err = capsys.readouterr().err
    assert code == 2 and "band width" in err and "Traceback" not in err
    assert not (tmp_path / "t.png").exists()


def test_long_prompt_strings_are_quoted_short_in_messages() -> None:
    photo, _ = disc_photo()
    with pytest.raises(MattingInputError) as caught:
        auto_trimap(photo, box="9" * 10_000, segmenter="classical")
    assert len(str(caught.value)) < 400


def test_the_same_photo_and_prompts_give_the_same_trimap_every_time() -> None:
    """GrabCut's colour models start from OpenCV's k-means, which draws from
    a generator that every call advances; the segmenter must not depend on
    what ran before (a visitor's Preview and Cut out, a benchmark re-run).
    The raccoon sample at a third of its size differed by hundreds of
    pixels between generator states before the seed was fixed."""
    from pathlib import Path

    import cv2

    from samplenet.io import load_image

    photo = load_image(Path(__file__).resolve().parents[1] / "examples" / "raccoon.jpg")
    photo = cv2.resize(photo, (photo.shape[1] // 3, photo.shape[0] // 3), interpolation=cv2.INTER_AREA)
    box = (0, 0, photo.shape[1] - 1, photo.shape[0] - 5)
    trimaps = []
    for seed in (1, 99, 12345):
        cv2.setRNGSeed(seed)  # whatever ran before moved the generator somewhere else
        trimaps.append(auto_trimap(photo, box=box, segmenter="classical"))
    assert all(np.array_equal(trimap, trimaps[0]) for trimap in trimaps[1:])


def test_regions_the_segmenter_leaves_to_matting_are_unknown_in_the_adaptive_band_only() -> None:
    from samplenet.segmentation.auto import trimap_from_segmentation
    from samplenet.segmentation.classical import Segmentation

    photo, truth = disc_photo()
    left_open = np.zeros_like(truth)
    left_open[2:12, 2:20] = True  # far from the disc: no band would reach it
    seg = Segmentation(truth.copy(), truth.astype(np.float32), "classical", unknown=left_open)
    adaptive = trimap_from_segmentation(photo, seg)
    assert np.all(adaptive[left_open] == 128)
    constant = trimap_from_segmentation(photo, seg, band_width=3)
    assert np.all(constant[left_open] == 0)


def test_a_box_and_a_background_click_on_a_small_photo_are_accepted() -> None:
    """On a small photo the first trial matte's band can swallow every sure
    subject pixel; that once made a box plus a background click fail with
    'The prompts mark no subject'."""
    photo, truth, patch = look_alike_patch()
    trimap = auto_trimap(photo, box=(5, 6, 155, 114), points=[(113, 37)], point_labels=[0], segmenter="classical")
    assert trimap[95, 25] == 255 and trimap[37, 113] == 0


def test_a_trial_matte_that_calls_every_pixel_subject_keeps_the_grabcut_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subject that fills the frame (alphamatting.com's GT27: threads
    across the whole photo, boxed edge to edge) once got a trial matte with
    no background pixel; the next GrabCut then had no background sample and
    the box was refused with OpenCV's assertion text."""
    def all_subject(image, mask, *args, **kwargs):
        height, width = mask.shape
        return np.ones((height, width), np.float32), np.ones((height, width), bool)

    monkeypatch.setattr(classical, "trial_matte", all_subject)
    photo, truth = disc_photo(radius=24)
    box = (0, 0, WIDTH, HEIGHT)
    seg = classical.ClassicalSegmenter().segment(photo, make_prompts((WIDTH, HEIGHT), box=box))
    assert seg.mask[CENTRE[1], CENTRE[0]] and not seg.mask[0, 0]
    assert (seg.mask == truth).mean() > 0.9


def sure_disc_area(side: int) -> int:
    """Sure-subject pixels a subject click adds to the final trimap of a
    ``side`` x ``side`` photo whose segmentation found only background there."""
    from samplenet.segmentation.auto import finish_trimap
    from samplenet.segmentation.classical import Segmentation

    photo = np.zeros((side, side, 3), np.uint8)
    mask = np.zeros((side, side), bool)
    mask[:, : side // 4] = True  # the subject, far from the click
    click = (side * 3 // 4, side // 2)
    prompts = make_prompts((side, side), points=[click], point_labels=[1])
    trimap = finish_trimap(photo, Segmentation(mask, None, "classical"), prompts, band_width=2)
    around = trimap[:, side // 2 :]
    return int(np.count_nonzero(around == 255))


def test_a_clicks_sure_disc_in_the_trimap_does_not_grow_with_the_photo() -> None:
    """click_radius is a fraction of the working size's side; applied to the
    photo's side it marked a 60 px sure disc per click on a 4000 px photo,
    deciding fine outlines near a click before matting could."""
    small, large = sure_disc_area(400), sure_disc_area(2400)
    assert small > 0
    assert large == small
