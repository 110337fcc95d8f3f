"""PyTorch datasets for training and validating SampleNet.

:class:`TrainingSet` turns a dataset folder (:mod:`samplenet.data.layout`)
into augmented, composited crops; :class:`EpochSampler` decides which items
each process reads in each epoch.  Randomness of a sample comes only from
``(seed, epoch, index)``, which is what makes runs reproducible regardless
of the number of DataLoader workers, and lets ``--resume`` replay the exact
remaining batches of an interrupted epoch.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ..errors import MattingInputError
from . import augment
from .layout import DatasetFiles, check_same_size, read_alpha, read_rgb

_BACKGROUND_STREAM = 0xB6  # separates the background assignment from sample streams


def _chw(array: np.ndarray) -> torch.Tensor:
    if array.ndim == 2:
        array = array[None]
    else:
        array = array.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


class TrainingSet(Dataset):
    """Augmented training samples of size ``size x size``.

    Each item is a dict of float32 tensors: ``image`` (3xHxW RGB in [0,1]),
    ``alpha`` (1xHxW), ``trimap`` (1xHxW codes 0 bg / 1 unknown / 2 fg) and,
    when the dataset knows them, the true colours ``fg`` and ``bg``.

    Composition layout: item ``k`` is foreground ``k // N`` over background
    ``assignment[k]``, where the ``N = backgrounds_per_foreground``
    backgrounds of each foreground are drawn once from ``seed`` (as Deep
    Image Matting fixes its 100 backgrounds per foreground); crops, flips
    and colours change every epoch.

    ``fixed_augmentation`` draws each sample's augmentation once instead of
    every epoch (for overfitting sanity checks).

    Index the set with ``(epoch, k)`` (what :class:`EpochSampler` yields) or
    a plain ``k`` (epoch 0).
    """

    def __init__(
        self,
        files: DatasetFiles,
        size: int = 320,
        crop_sizes: Sequence[int] = (320, 480, 640),
        backgrounds_per_foreground: int = 10,
        trimap_kernel: tuple[int, int] = (3, 25),
        colour_jitter: bool = True,
        seed: int = 0,
        fixed_augmentation: bool = False,
    ) -> None:
        if size <= 0 or size % 8:
            raise ValueError(f"training size must be a positive multiple of 8 (network stride), got {size}")
        if not crop_sizes or min(crop_sizes) <= 0:
            raise ValueError(f"crop sizes must be positive, got {list(crop_sizes)}")
        if backgrounds_per_foreground < 1:
            raise ValueError(f"backgrounds per foreground must be >= 1, got {backgrounds_per_foreground}")
        self.files = files
        self.size = size
        self.crop_sizes = tuple(int(c) for c in crop_sizes)
        self.trimap_kernel = (int(trimap_kernel[0]), int(trimap_kernel[1]))
        self.colour_jitter = colour_jitter
        self.seed = int(seed)
        self.fixed_augmentation = fixed_augmentation
        if files.layout == "composition":
            self.per_foreground = int(backgrounds_per_foreground)
            rng = np.random.default_rng([self.seed, _BACKGROUND_STREAM])
            self.background_of = rng.integers(len(files.backgrounds), size=len(files) * self.per_foreground)
        else:
            self.per_foreground = 1
            self.background_of = None

    def __len__(self) -> int:
        return len(self.files) * self.per_foreground

    def __getitem__(self, key) -> dict[str, torch.Tensor]:
        epoch, index = key if isinstance(key, tuple) else (0, key)
        if not 0 <= index < len(self):
            raise IndexError(f"sample {index} out of range (dataset has {len(self)})")
        # With fixed augmentation every epoch sees the same crops: a sanity
        # check that a network can overfit a batch.
        rng = np.random.default_rng([self.seed, 0 if self.fixed_augmentation else int(epoch), int(index)])
        if self.files.layout == "composition":
            item = self.files.items[index // self.per_foreground]
            bg_path = self.files.backgrounds[self.background_of[index]]
            sample = self._composed(item["fg"], item["alpha"], bg_path, None, rng)
        elif self.files.has_true_colours:
            item = self.files.items[index]
            sample = self._composed(item["fg"], item["alpha"], item["bg"], item["image"], rng)
        else:
            sample = self._plain(self.files.items[index], rng)
        return {name: _chw(value) for name, value in sample.items()}

    def _composed(self, fg_path, alpha_path, bg_path, image_path, rng) -> dict[str, np.ndarray]:
        """Foreground and matte cropped together around the transition; the
        background cropped on its own (composition layout) or with the same
        window (plain layout with true colours, where it is aligned)."""
        fg, alpha = read_rgb(fg_path), read_alpha(alpha_path)
        check_same_size(fg_path, fg, alpha_path, alpha)
        bg_full = read_rgb(bg_path)
        aligned = image_path is not None
        if aligned:
            check_same_size(image_path, fg, bg_path, bg_full)
        if self.colour_jitter:
            fg = augment.jitter_foreground_colours(fg, rng)
        flip = rng.random() < 0.5
        if flip:
            fg, alpha = fg[:, ::-1], alpha[:, ::-1]
            if aligned:
                bg_full = bg_full[:, ::-1]
        box = augment.crop_box_on_unknown(alpha, self.crop_sizes, rng)
        fg = augment.crop_and_resize(fg, box, self.size)
        alpha = augment.snap_alpha(augment.crop_and_resize(alpha, box, self.size))
        if aligned:
            bg = augment.crop_and_resize(bg_full, box, self.size)
        else:
            bg = augment.random_background(bg_full, self.size, rng)
        image = augment.compose(alpha, fg, bg)
        trimap = augment.trimap_from_alpha(alpha, rng, self.trimap_kernel)
        return {"image": image, "fg": fg, "bg": bg, "alpha": alpha, "trimap": trimap.astype(np.float32)}

    def _plain(self, item, rng) -> dict[str, np.ndarray]:
        """Photo and matte only: cropped and flipped together; the colours
        cannot be separated, so no recomposition and no colour jitter."""
        image, alpha = read_rgb(item["image"]), read_alpha(item["alpha"])
        check_same_size(item["image"], image, item["alpha"], alpha)
        if rng.random() < 0.5:
            image, alpha = image[:, ::-1], alpha[:, ::-1]
        box = augment.crop_box_on_unknown(alpha, self.crop_sizes, rng)
        image = augment.crop_and_resize(image, box, self.size)
        alpha = augment.snap_alpha(augment.crop_and_resize(alpha, box, self.size))
        trimap = augment.trimap_from_alpha(alpha, rng, self.trimap_kernel)
        return {"image": image, "alpha": alpha, "trimap": trimap.astype(np.float32)}


class EpochSampler(Sampler):
    """Which samples one process reads in one epoch, in which order.

    Like :class:`torch.utils.data.DistributedSampler` (a permutation seeded
    by ``seed + epoch``, rank ``r`` of ``W`` takes every ``W``-th index, so
    ranks read disjoint shards), plus: only whole batches are yielded, each
    index comes with its epoch (so workers need no shared state), and
    :meth:`set_epoch` can skip the batches an interrupted run already did.
    """

    def __init__(
        self,
        length: int,
        batch_size: int,
        world_size: int = 1,
        rank: int = 0,
        seed: int = 0,
        shuffle: bool = True,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch size must be >= 1, got {batch_size}")
        per_rank = length // world_size
        if per_rank < batch_size:
            shard = f" ({world_size} processes share {length} samples, {per_rank} each)" if world_size > 1 else ""
            raise ValueError(
                f"batch size {batch_size} is larger than the dataset: {per_rank} samples per process{shard}; "
                "use a smaller --batch-size or more data."
            )
        self.length, self.batch_size = length, batch_size
        self.world_size, self.rank = world_size, rank
        self.seed, self.shuffle = seed, shuffle
        self.batches_per_epoch = per_rank // batch_size
        self.epoch, self.skip_batches = 0, 0

    def set_epoch(self, epoch: int, skip_batches: int = 0) -> None:
        self.epoch, self.skip_batches = epoch, skip_batches

    def _indices(self) -> list[int]:
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(self.length, generator=generator).tolist()
        else:
            order = list(range(self.length))
        shard = order[self.rank : self.world_size * (self.length // self.world_size) : self.world_size]
        return shard[self.skip_batches * self.batch_size : self.batches_per_epoch * self.batch_size]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter([(self.epoch, index) for index in self._indices()])

    def __len__(self) -> int:
        return (self.batches_per_epoch - self.skip_batches) * self.batch_size


def seed_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: seed NumPy's and Python's global
    generators from the worker's torch seed, for any library that uses them
    (our own augmentation draws from per-sample generators).

    Workers also ignore SIGINT/SIGTERM: Ctrl-C reaches the whole process
    group, and the main process must be able to finish its step and save a
    checkpoint while the workers keep serving (they exit when it does).
    """
    import random
    import signal

    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


class ValidationSet:
    """Full-size validation samples, without augmentation.

    Items are dicts of NumPy arrays: ``name``, ``image`` (HxWx3 float RGB
    [0,1]), ``alpha`` (HxW), ``trimap`` (HxW codes 0/1/2: from ``trimap/``
    when the folder has one, else made from alpha deterministically) and,
    when known, ``fg`` and ``bg``.  The composition layout pairs foreground
    ``i`` with background ``i mod n`` scaled to cover it.
    """

    def __init__(self, files: DatasetFiles, trimap_kernel: tuple[int, int] = (3, 25)) -> None:
        self.files = files
        self.trimap_kernel = trimap_kernel

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict:
        item = self.files.items[index]
        alpha = augment.snap_alpha(read_alpha(item["alpha"]))
        if self.files.layout == "composition":
            fg = read_rgb(item["fg"])
            check_same_size(item["fg"], fg, item["alpha"], alpha)
            bg = _cover(read_rgb(self.files.backgrounds[index % len(self.files.backgrounds)]), alpha.shape)
            sample = {"image": augment.compose(alpha, fg, bg), "fg": fg, "bg": bg}
        else:
            image = read_rgb(item["image"])
            check_same_size(item["image"], image, item["alpha"], alpha)
            sample = {"image": image}
            for name in ("fg", "bg"):
                if name in item:
                    sample[name] = read_rgb(item[name])
                    check_same_size(item["image"], image, item[name], sample[name])
        if "trimap" in item:
            from ..io import load_trimap

            grey = load_trimap(item["trimap"])
            if grey.shape != alpha.shape:
                raise MattingInputError(f"{item['trimap']} does not have the size of {item['alpha']}.")
            trimap = np.where(grey == 255, 2, np.where(grey == 0, 0, 1)).astype(np.uint8)
        else:
            trimap = augment.trimap_from_alpha(alpha, None, self.trimap_kernel)
        sample.update(name=item["alpha"].stem, alpha=alpha, trimap=trimap)
        return sample


def _cover(bg: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Scale a background to cover ``shape`` and crop its centre."""
    import cv2

    height, width = shape
    scale = max(height / bg.shape[0], width / bg.shape[1])
    new_h, new_w = max(height, round(bg.shape[0] * scale)), max(width, round(bg.shape[1] * scale))
    bg = cv2.resize(bg, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return bg[top : top + height, left : left + width]
