"""Datasets for training SampleNet: folder layouts, augmentation, synthesis.

See :mod:`samplenet.data.layout` for the two folder layouts,
:mod:`samplenet.data.augment` for the paper's augmentation and
:mod:`samplenet.data.synth` for the synthetic dataset generator.
"""
from .datasets import EpochSampler, TrainingSet, ValidationSet, seed_worker
from .layout import DatasetFiles, find_dataset

__all__ = ["DatasetFiles", "EpochSampler", "TrainingSet", "ValidationSet", "find_dataset", "seed_worker"]
