"""Training data: layouts, augmentation properties, synthesis, sampling."""
from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from samplenet.data import EpochSampler, TrainingSet, ValidationSet, augment, find_dataset, seed_worker
from samplenet.data.synth import write_synthetic_dataset
from samplenet.errors import MattingInputError


@pytest.fixture(scope="module")
def composition(tmp_path_factory):
    return write_synthetic_dataset(tmp_path_factory.mktemp("comp") / "data", 3, size=96, seed=3, backgrounds=2)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return write_synthetic_dataset(tmp_path_factory.mktemp("plain") / "val", 2, size=64, seed=4, layout="plain")


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.png"))}


def test_synth_writes_the_composition_layout_reproducibly(tmp_path, composition):
    assert composition.layout == "composition"
    assert len(composition) == 3 and len(composition.backgrounds) == 2
    again = write_synthetic_dataset(tmp_path / "again", 3, size=96, seed=3, backgrounds=2)
    other = write_synthetic_dataset(tmp_path / "other", 3, size=96, seed=5, backgrounds=2)
    assert _digest(composition.root) == _digest(again.root)
    assert _digest(composition.root) != _digest(other.root)


def test_synthetic_mattes_have_soft_edges_strands_and_solid_parts(composition):
    for item in composition.items:
        alpha = cv2.imread(str(item["alpha"]), cv2.IMREAD_GRAYSCALE)
        fractional = (alpha > 0) & (alpha < 255)
        assert (alpha == 0).mean() > 0.3, "too little background"
        assert (alpha == 255).any(), "no opaque foreground"
        assert fractional.mean() > 0.02, "no soft or semi-transparent pixels"
        # thin strands: fractional pixels with opaque-free 3x3 neighbourhoods far from the body
        body = cv2.dilate((alpha == 255).astype(np.uint8), np.ones((9, 9), np.uint8))
        assert (fractional & (body == 0)).sum() > 20


def test_synth_refuses_a_non_empty_folder_and_bad_counts(tmp_path, composition):
    with pytest.raises(MattingInputError, match="not empty"):
        write_synthetic_dataset(composition.root, 1, size=64)
    with pytest.raises(ValueError, match="count"):
        write_synthetic_dataset(tmp_path / "x", 0)
    with pytest.raises(ValueError, match="size"):
        write_synthetic_dataset(tmp_path / "y", 1, size=8)


def test_training_sample_is_an_exact_composite_with_a_consistent_trimap(composition):
    dataset = TrainingSet(composition, size=64, crop_sizes=(48, 96), backgrounds_per_foreground=2, trimap_kernel=(1, 9))
    assert len(dataset) == 6
    for index in range(len(dataset)):
        sample = {k: v.numpy() for k, v in dataset[(1, index)].items()}
        assert sample["image"].shape == (3, 64, 64) and sample["alpha"].shape == (1, 64, 64)
        alpha, trimap = sample["alpha"], sample["trimap"]
        np.testing.assert_allclose(sample["image"], alpha * sample["fg"] + (1 - alpha) * sample["bg"], atol=1e-6)
        assert np.all(alpha[trimap == 2] == 1.0)
        assert np.all(alpha[trimap == 0] == 0.0)
        assert np.all(trimap[(alpha > 0) & (alpha < 1)] == 1)
        assert set(np.unique(trimap)) <= {0.0, 1.0, 2.0}
        assert (trimap == 1).any() and (trimap == 0).any()


def test_augmentation_is_reproducible_and_varies_with_epoch_and_seed(composition):
    def make(seed):
        return TrainingSet(composition, size=64, crop_sizes=(48, 96), seed=seed)

    a, b, other = make(7), make(7), make(8)
    first = a[(2, 4)]
    for key, value in b[(2, 4)].items():
        assert torch.equal(first[key], value)
    assert not torch.equal(first["image"], a[(3, 4)]["image"])
    assert not torch.equal(first["image"], other[(2, 4)]["image"])
    fixed = TrainingSet(composition, size=64, crop_sizes=(48, 96), seed=7, fixed_augmentation=True)
    assert torch.equal(fixed[(0, 1)]["image"], fixed[(5, 1)]["image"])


def test_loader_batches_do_not_depend_on_the_number_of_workers(composition):
    dataset = TrainingSet(composition, size=32, crop_sizes=(48,), backgrounds_per_foreground=2)

    def batches(workers):
        sampler = EpochSampler(len(dataset), 2, seed=1)
        sampler.set_epoch(1)
        loader = DataLoader(dataset, batch_size=2, sampler=sampler, num_workers=workers, worker_init_fn=seed_worker)
        return [batch["image"] for batch in loader]

    serial, parallel = batches(0), batches(2)
    assert len(serial) == 3
    assert all(torch.equal(x, y) for x, y in zip(serial, parallel, strict=True))


def test_crop_is_centred_on_the_transition_and_sized_from_the_choices():
    alpha = np.zeros((200, 300), np.float32)
    alpha[150, 40] = 0.5  # the only unknown pixel
    rng = np.random.default_rng(0)
    for _ in range(20):
        top, left, side = augment.crop_box_on_unknown(alpha, (64, 128, 640), rng)
        assert side in (64, 128, 200)
        assert 0 <= top <= 200 - side and 0 <= left <= 300 - side
        assert top <= 150 < top + side and left <= 40 < left + side


def test_trimaps_from_random_mattes_are_always_consistent():
    rng = np.random.default_rng(1)
    for _ in range(25):
        alpha = augment.snap_alpha(cv2.GaussianBlur(rng.uniform(-1, 2, (40, 40)).astype(np.float32), (0, 0), 3))
        trimap = augment.trimap_from_alpha(alpha, rng, (1, 15))
        assert np.all(alpha[trimap == 2] == 1) and np.all(alpha[trimap == 0] == 0)
        assert np.all(trimap[(alpha > 0) & (alpha < 1)] == 1)


def test_foreground_colour_jitter_changes_colours_but_stays_in_range():
    rng = np.random.default_rng(2)
    fg = rng.uniform(0.1, 0.9, (16, 16, 3)).astype(np.float32)
    jittered = augment.jitter_foreground_colours(fg, rng)
    assert jittered.shape == fg.shape and jittered.min() >= 0 and jittered.max() <= 1
    assert np.abs(jittered - fg).mean() > 1e-3


def test_epoch_sampler_shards_disjointly_and_skips_done_batches():
    shards = []
    for rank in range(2):
        sampler = EpochSampler(10, 2, world_size=2, rank=rank, seed=3)
        sampler.set_epoch(4)
        shards.append([index for epoch, index in sampler])
        assert all(epoch == 4 for epoch, _ in sampler)
    assert len(shards[0]) == len(shards[1]) == 4  # 5 per rank, whole batches only
    assert not set(shards[0]) & set(shards[1])
    sampler = EpochSampler(10, 2, world_size=2, rank=0, seed=3)
    sampler.set_epoch(4, skip_batches=1)
    assert [i for _, i in sampler] == shards[0][2:] and len(sampler) == 2


def test_batch_larger_than_the_dataset_is_refused():
    with pytest.raises(ValueError, match="batch size 8 is larger than the dataset: 5 samples per process"):
        EpochSampler(10, 8, world_size=2)


def test_plain_layout_with_true_colours_is_recomposed_exactly(plain):
    assert plain.layout == "plain" and plain.has_true_colours
    sample = {k: v.numpy() for k, v in TrainingSet(plain, size=32, crop_sizes=(48,))[(0, 1)].items()}
    np.testing.assert_allclose(
        sample["image"], sample["alpha"] * sample["fg"] + (1 - sample["alpha"]) * sample["bg"], atol=1e-6
    )


def test_plain_layout_without_colours_gives_image_alpha_and_trimap(tmp_path, plain):
    root = tmp_path / "photos"
    for name in ("image", "alpha"):
        (root / name).mkdir(parents=True)
        for path in (plain.root / name).iterdir():
            (root / name / path.name).write_bytes(path.read_bytes())
    files = find_dataset(root)
    assert not files.has_true_colours
    sample = TrainingSet(files, size=32, crop_sizes=(48,))[0]
    assert set(sample) == {"image", "alpha", "trimap"}


def test_validation_set_reads_trimaps_or_derives_them(plain, composition):
    sample = ValidationSet(plain)[0]
    written = cv2.imread(str(plain.items[0]["trimap"]), cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(sample["trimap"], np.select([written == 0, written == 255], [0, 2], 1))
    derived = ValidationSet(composition)[1]
    assert derived["image"].shape == (96, 96, 3)
    assert np.all(derived["alpha"][derived["trimap"] == 2] == 1)
    np.testing.assert_allclose(
        derived["image"], augment.compose(derived["alpha"], derived["fg"], derived["bg"]), atol=1e-6
    )


def test_dataset_errors_name_the_problem(tmp_path, composition):
    with pytest.raises(MattingInputError, match="does not exist"):
        find_dataset(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MattingInputError, match="neither image/ nor fg/"):
        find_dataset(tmp_path / "empty")
    broken = tmp_path / "broken"
    for name in ("fg", "alpha", "bg"):
        (broken / name).mkdir(parents=True)
        for path in (composition.root / name).iterdir():
            (broken / name / path.name).write_bytes(path.read_bytes())
    (broken / "fg" / "00009.png").write_bytes((composition.root / "fg" / "00000.png").read_bytes())
    with pytest.raises(MattingInputError, match=r"00009\.png has no alpha matte"):
        find_dataset(broken)
    (broken / "fg" / "00009.png").unlink()
    (broken / "alpha" / "00001.png").write_bytes(b"not a png")
    dataset = TrainingSet(find_dataset(broken), size=32, crop_sizes=(48,), backgrounds_per_foreground=1)
    with pytest.raises(MattingInputError, match=r"00001\.png"):
        dataset[1]
    small = np.zeros((10, 10), np.uint8)
    cv2.imwrite(str(broken / "alpha" / "00001.png"), small)
    with pytest.raises(MattingInputError, match="must have the same size"):
        dataset[1]
    (broken / "bg").rename(broken / "backgrounds")
    with pytest.raises(MattingInputError, match="no bg/ folder"):
        find_dataset(broken)


def test_training_set_refuses_impossible_settings(composition):
    with pytest.raises(ValueError, match="multiple of 8"):
        TrainingSet(composition, size=60)
    with pytest.raises(ValueError, match="crop sizes"):
        TrainingSet(composition, crop_sizes=())
    with pytest.raises(ValueError, match="backgrounds per foreground"):
        TrainingSet(composition, backgrounds_per_foreground=0)
    with pytest.raises(IndexError):
        TrainingSet(composition, size=32, crop_sizes=(48,), backgrounds_per_foreground=1)[(0, 3)]
