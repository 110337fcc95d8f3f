"""Fixtures shared across the suite: small synthetic photos with trimaps."""
from __future__ import annotations

import contextlib
import os
import tempfile

import numpy as np
import pytest
from weights_helpers import samplenet_class  # noqa: F401 (a fixture the weights tests share; pytest finds it here)

# Keep the suite polite on small CI machines and deterministic.
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Gradio's file folder of its own: uploads live at <folder>/<content hash>/<name>, so two test runs on
# one machine that upload the same generated photo shared one file, and the first server to close
# deleted it under the other's feet (seen as "No such file or directory" on a page test).
os.environ.setdefault("GRADIO_TEMP_DIR", tempfile.mkdtemp(prefix="samplenet-tests-gradio-"))


def make_disc_example(height: int = 48, width: int = 64, seed: int = 0):
    """A soft disc of one colour over a textured background: returns
    (image uint8 RGB, trimap uint8 0/128/255, true alpha float32)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    radius = min(height, width) * 0.3
    dist = np.hypot(yy - height / 2, xx - width / 2)
    alpha = np.clip((radius + 2.0 - dist) / 4.0, 0.0, 1.0).astype(np.float32)
    fg = np.array([220, 60, 40], np.float32)
    bg = (rng.uniform(0, 1, (height, width, 3)) * 60 + np.array([30, 90, 160])).astype(np.float32)
    image = np.clip(alpha[..., None] * fg + (1 - alpha[..., None]) * bg, 0, 255).round().astype(np.uint8)
    trimap = np.full((height, width), 128, np.uint8)
    trimap[dist < radius - 4] = 255
    trimap[dist > radius + 6] = 0
    return image, trimap, alpha


@pytest.fixture
def disc_example():
    return make_disc_example()


def look_alike_patch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A small photo: an L-shaped warm subject on blue and, inside the L's box,
    a background patch of the subject's own warm colour."""
    import cv2

    rng = np.random.default_rng(3)
    truth = np.zeros((120, 160), np.float32)
    truth[10:110, 10:40] = 1.0
    truth[80:110, 10:150] = 1.0
    truth = cv2.GaussianBlur(truth, (5, 5), 1.0)
    patch = np.zeros((120, 160), bool)
    patch[15:60, 80:140] = True
    warm, blue = np.array([220, 160, 60]), np.array([40, 120, 160])
    colours = truth[..., None] * warm + (1 - truth[..., None]) * np.where(patch[..., None], warm, blue)
    photo = np.clip(colours + rng.normal(0, 6, colours.shape), 0, 255).astype(np.uint8)
    return photo, truth, patch


@contextlib.contextmanager
def serving(registry):
    """The app's engines are the one registry the server serves (build_demo
    serves its own): tests that call handlers serve theirs for a while."""
    from samplenet.app import gpu

    before = gpu.served()
    gpu.serve(registry)
    try:
        yield registry
    finally:
        gpu.serve(before)
