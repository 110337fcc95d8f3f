"""Small training settings shared by the training tests: 64x64 crops,
batch 2, no DataLoader workers (the real networks are heavy on a CPU)."""
from __future__ import annotations

from samplenet.training import build_config

TINY = dict(
    batch_size=2,
    size=64,
    crop_sizes=[64, 96],
    backgrounds_per_foreground=1,
    trimap_kernel=[1, 7],
    num_workers=0,
    keep_epoch_weights=False,
)


def tiny_config(stage, data_dir, **settings):
    """A configuration for 64x64 crops, batch 2, no workers."""
    return build_config(stage, data=data_dir, **{**TINY, **settings})
