"""Regenerate ``matting_fidelity.npz`` and measure matting-network fidelity to the reference.

Needs a local clone of the reference implementation (TomoshibiAkira/LearningBasedSamplingMatting;
its matting network runs on CPU as is) and the lemur / cat photos of the shared data folder::

    PYTHONPATH=.:tests python tests/data/make_matting_fidelity.py --reference /path/to/clone \
        --data ../shared/data [--sizes 320 800] [--write-fixture]

It builds the reference ``AlphaGANGenerator(10, 'resnet50-aspp', 'alphagan-decoder')`` and our
``MattingNetwork``, loads the recipe weights into both, and prints the max abs difference of the
alpha they compute on realistic inputs (photo, perturbed foreground, another photo as background,
the photo's trimap) at each size.  ``--write-fixture`` also stores a 64x64 case for the test suite.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from matting_fidelity_recipe import FIXTURE, RECIPE_SEED, network_input, seeded_matting_state_dict

from samplenet.models.matting_network import MattingNetwork


def realistic_case(data: Path, size: int):
    """Lemur photo and trimap resized to size x size (as the reference resizes its input), a
    foreground estimate made from the photo with a colour cast and noise, and the cat photo as
    background estimate.  All BGR uint8 as OpenCV reads them; trimap in {0, 1, 2}."""
    image = cv2.imread(str(data / "lemur" / "lemur.png"), cv2.IMREAD_COLOR)
    trimap = cv2.imread(str(data / "lemur" / "lemur_trimap.png"), cv2.IMREAD_GRAYSCALE)
    cat = cv2.imread(str(data / "photos" / "chelsea.png"), cv2.IMREAD_COLOR)
    image = cv2.resize(image, (size, size), interpolation=cv2.INTER_CUBIC)
    trimap = cv2.resize(trimap, (size, size), interpolation=cv2.INTER_NEAREST)
    trimap = np.where(trimap == 0, 0, np.where(trimap == 255, 2, 1)).astype(np.uint8)
    rng = np.random.default_rng(size)
    cast = image.astype(np.float32) * np.array([0.9, 1.05, 1.1]) + rng.normal(0, 12, image.shape)
    foreground = np.clip(cast, 0, 255).astype(np.uint8)
    background = cv2.resize(cat, (size, size), interpolation=cv2.INTER_AREA)
    return image, foreground, background, trimap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="clone of the reference repo")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--sizes", type=int, nargs="*", default=[320, 800])
    parser.add_argument("--write-fixture", action="store_true")
    args = parser.parse_args()

    sys.path.insert(0, str(args.reference))
    from models.alphagan_gen import AlphaGANGenerator  # the reference implementation

    state = seeded_matting_state_dict(RECIPE_SEED)
    reference = AlphaGANGenerator(input=10, encoder="resnet50-aspp", decoder="alphagan-decoder")
    reference.load_state_dict(state, strict=True)
    reference.eval()
    ours = MattingNetwork()
    ours.load_state_dict(state, strict=True)
    ours.eval()

    cases = [(size, realistic_case(args.data, size)) for size in args.sizes]
    if args.write_fixture:
        cases.insert(0, (64, realistic_case(args.data, 64)))
    print("| size | max abs diff | mean alpha | alpha std | ours s | reference s |")
    print("|---|---|---|---|---|---|")
    for size, case in cases:
        x = network_input(*case)
        with torch.no_grad():
            start = time.perf_counter()
            expected = reference(x)
            reference_s = time.perf_counter() - start
            start = time.perf_counter()
            got = ours(x)
            ours_s = time.perf_counter() - start
        diff = (got - expected).abs().max().item()
        print(f"| {size}x{size} | {diff:.3g} | {expected.mean():.4f} | {expected.std():.4f} "
              f"| {ours_s:.1f} | {reference_s:.1f} |")
        if size == 64 and args.write_fixture:
            image, foreground, background, trimap = case
            np.savez_compressed(FIXTURE, image_bgr=image, foreground_bgr=foreground,
                                background_bgr=background, trimap=trimap,
                                reference_alpha=expected[0, 0].numpy(),
                                recipe_seed=np.int64(RECIPE_SEED))
            print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
