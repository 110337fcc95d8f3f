"""Compare our SampleNet with the reference implementation, on the same weights.

The reference (TomoshibiAkira/LearningBasedSamplingMatting) is not part of
this project: clone it next to us and make it run on a CPU (drop the
``.cuda()`` calls, load checkpoints with ``weights_only=True``), then::

    PYTHONPATH=.:tests python tests/reference_tools/compare_with_reference.py --reference ../ref \\
        --image photo.png --trimap trimap.png --sizes 320 800

It draws seeded weights (the recipe of ``tests/models_helpers.py``), writes
them as the reference's three checkpoints, runs the reference's data loader
and ``inference.forward`` and our engine with ``size=(S, S)``, and prints the
maximum absolute differences of alpha, foreground and background, both at
network resolution and after resizing back to the photo's size.

``--only ours|reference --sizes S`` runs one pipeline once (for
``/usr/bin/time -v``); ``--fixture DIR --crop X Y S`` writes the regression
fixture of ``tests/test_fidelity.py`` (an SxS crop and the reference's outputs).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from models_helpers import FIDELITY_SEED, reference_checkpoint, seeded_samplenet, seeded_samplenet_state_dict

from samplenet.engines.samplenet_engine import SampleNetMatter
from samplenet.io import load_image, load_trimap


def write_reference_checkpoints(folder: Path, seed: int) -> dict[str, Path]:
    state = seeded_samplenet_state_dict(seed)
    paths = {}
    for part, name in (("background", "BGDFV1.pth"), ("foreground", "FGDFV1.pth"), ("matting", "LSM_80.pth")):
        paths[part] = folder / name
        torch.save(reference_checkpoint(state, part), paths[part])
    return paths


def reference_networks(reference: Path, checkpoints: dict[str, Path]):
    """Build and load the reference's three networks as its inference.py does."""
    sys.path.insert(0, str(reference))
    from models import DeepFill  # noqa: E402  (the reference's package)
    from models.alphagan_gen import AlphaGANGenerator
    from utils.io import load_ckpt_epoch

    net = torch.nn.DataParallel(AlphaGANGenerator(input=10, encoder="resnet50-aspp", decoder="alphagan-decoder"))
    bg = torch.nn.DataParallel(DeepFill.Generator(build_refine=True))
    fg = torch.nn.DataParallel(DeepFill.Generator(build_refine=True, is_fg=True))
    load_ckpt_epoch(str(checkpoints["matting"]), [("model", net)], strict=True, conv1_chan=10)
    load_ckpt_epoch(str(checkpoints["background"]), [("model", bg)], strict=True)
    load_ckpt_epoch(str(checkpoints["foreground"]), [("model", fg)], strict=True)
    return net.eval(), bg.eval(), fg.eval()


def run_reference(reference: Path, nets, image_rgb: np.ndarray, trimap: np.ndarray, size: int):
    """-> dict of the reference's outputs (BGR, network resolution) and the
    float images its _write_image would save (before the uint8 cast)."""
    import inference  # the reference's script (imports need its folder on sys.path)
    from dataset.DeepMattingEval import DIMEvaluationDataset

    with tempfile.TemporaryDirectory() as tmp:
        cv2.imwrite(os.path.join(tmp, "photo_0.png"), image_rgb[:, :, ::-1])
        cv2.imwrite(os.path.join(tmp, "trimap_0.png"), trimap)
        Path(tmp, "val_set.txt").write_text("photo_0.png trimap_0.png\n")
        dataset = DIMEvaluationDataset(tmp, input_shape=(size, size))
        sample = [t[None] for t in dataset[0]]
    with torch.no_grad():
        _, _, fg_, bg_, alpha, _, _, _ = inference.forward(*nets, sample)
    height, width = trimap.shape
    network = {"alpha": alpha[0, 0].numpy(), "fg": fg_[0].numpy().transpose(1, 2, 0),
               "bg": bg_[0].numpy().transpose(1, 2, 0)}
    written = {k: cv2.resize(v, dsize=(width, height), interpolation=cv2.INTER_AREA) for k, v in network.items()}
    return network, written


def run_ours(matter: SampleNetMatter, image_rgb: np.ndarray, trimap: np.ndarray, size: int):
    """-> (network-resolution outputs, BGR) and the engine's result."""
    small_image = cv2.resize(np.ascontiguousarray(image_rgb[:, :, ::-1]), (size, size))
    small_trimap = cv2.resize(trimap, (size, size), interpolation=cv2.INTER_NEAREST)
    alpha, fg, bg, _ = matter._run_networks(small_image, small_trimap, matter.defaults)
    result = matter(image_rgb, trimap, size=(size, size))
    return {"alpha": alpha, "fg": fg, "bg": bg}, result


def compare(args) -> None:
    image, trimap = load_image(args.image), load_trimap(args.trimap)
    unknown = trimap == 128
    with tempfile.TemporaryDirectory() as tmp:
        nets = reference_networks(args.reference, write_reference_checkpoints(Path(tmp), args.seed))
    matter = SampleNetMatter(seeded_samplenet(args.seed), device="cpu", attention=args.attention)
    print(f"attention: {args.attention or 'engine default'}")
    print(
        "| size | output | max abs diff, network resolution "
        f"| max abs diff, resized back to {image.shape[1]}x{image.shape[0]} |"
    )
    print("|---|---|---|---|")
    for size in args.sizes:
        ref_net, ref_written = run_reference(args.reference, nets, image, trimap, size)
        ours_net, result = run_ours(matter, image, trimap, size)
        ours_written = {"alpha": result.alpha, "fg": result.foreground[:, :, ::-1], "bg": result.background[:, :, ::-1]}
        for key in ("alpha", "fg", "bg"):
            net_diff = np.abs(ref_net[key] - ours_net[key]).max()
            back = np.abs(ref_written[key] - ours_written[key])
            note = ""
            if key == "alpha":  # we set known pixels to exactly 0/1 after the resize
                back, note = back[unknown], " (unknown region)"
            print(f"| {size}x{size} | {key} | {net_diff:.3g} | {back.max():.3g}{note} |")


def only(args) -> None:
    image, trimap = load_image(args.image), load_trimap(args.trimap)
    size = args.sizes[0]
    start = time.perf_counter()
    if args.only == "reference":
        with tempfile.TemporaryDirectory() as tmp:
            nets = reference_networks(args.reference, write_reference_checkpoints(Path(tmp), args.seed))
        loaded = time.perf_counter()
        run_reference(args.reference, nets, image, trimap, size)
    else:
        matter = SampleNetMatter(seeded_samplenet(args.seed), device="cpu", attention=args.attention)
        loaded = time.perf_counter()
        matter(image, trimap, size=(size, size))
    end = time.perf_counter()
    print(f"{args.only}: {size}x{size}: build+load {loaded - start:.2f} s, one run {end - loaded:.2f} s")


def fixture(args) -> None:
    image, trimap = load_image(args.image), load_trimap(args.trimap)
    x, y, side = args.crop
    image, trimap = image[y:y + side, x:x + side].copy(), trimap[y:y + side, x:x + side].copy()
    with tempfile.TemporaryDirectory() as tmp:
        nets = reference_networks(args.reference, write_reference_checkpoints(Path(tmp), args.seed))
    ref_net, _ = run_reference(args.reference, nets, image, trimap, side)
    args.fixture.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.fixture / "reference_outputs.npz",
        image_rgb=image, trimap=trimap, seed=np.int64(args.seed),
        alpha=ref_net["alpha"].astype(np.float32),
        foreground_bgr=ref_net["fg"].astype(np.float32), background_bgr=ref_net["bg"].astype(np.float32),
    )
    print("wrote", args.fixture / "reference_outputs.npz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, required=True, help="CPU-patched clone of the reference")
    parser.add_argument("--image", required=True)
    parser.add_argument("--trimap", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[320, 800])
    parser.add_argument("--seed", type=int, default=FIDELITY_SEED)
    parser.add_argument("--only", choices=("ours", "reference"))
    parser.add_argument("--attention", help="our attention implementation (default: the engine's choice)")
    parser.add_argument("--fixture", type=Path)
    parser.add_argument("--crop", type=int, nargs=3, metavar=("X", "Y", "SIDE"), default=(200, 60, 96))
    args = parser.parse_args()
    args.reference = args.reference.resolve()
    args.image, args.trimap = Path(args.image).resolve(), Path(args.trimap).resolve()
    if args.fixture:
        args.fixture = args.fixture.resolve()
    os.chdir(args.reference)  # the reference imports its packages relative to its folder
    sys.path.insert(0, str(args.reference))
    torch.manual_seed(0)
    if args.fixture:
        fixture(args)
    elif args.only:
        only(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
