"""The samples' trimaps (examples/, the gallery every visitor judges first)
have no see-through holes by construction: every unknown region borders
background.  An unknown island inside the subject has no background to mix
with, and the matting filled it with the backdrop's colour anyway (the hole
inside the astronaut's helmet ring, issue 28)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("trimap_path", sorted(EXAMPLES.glob("*_trimap.png")), ids=lambda path: path.stem)
def test_every_unknown_region_of_a_sample_trimap_borders_background(trimap_path):
    trimap = np.asarray(Image.open(trimap_path).convert("L"))
    count, labels = cv2.connectedComponents((trimap == 128).astype(np.uint8), connectivity=8)
    near_background = cv2.dilate((trimap == 0).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    bordering = set(np.unique(labels[near_background]).tolist())
    enclosed = [index for index in range(1, count) if index not in bordering]
    assert not enclosed, [(int((labels == i).sum()), "px at", np.argwhere(labels == i)[0].tolist()) for i in enclosed]
