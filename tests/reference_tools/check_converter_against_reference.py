"""Check ``samplenet convert`` against the reference's own checkpoint loader.

Writes seeded weights as the reference's three checkpoints (matting conv1
cut to 8 and to 10 input channels), loads them with the reference's
``load_ckpt_epoch`` (which zero-pads conv1 to 10) and with our converter +
``SampleNetMatter.from_pretrained``, and prints the largest difference
between the two sets of tensors and between the two pipelines' outputs.

The reference is not part of this project: clone it and make it run on a
CPU first (see ``tests/reference_tools/compare_with_reference.py``), then::

    PYTHONPATH=.:tests:tests/reference_tools python tests/reference_tools/check_converter_against_reference.py \\
        --reference ../ref --image photo.png --trimap trimap.png --size 320
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import compare_with_reference as reference_tool
import numpy as np
from models_helpers import seeded_samplenet_state_dict
from weights_helpers import write_reference_checkpoints

from samplenet.engines.samplenet_engine import SampleNetMatter
from samplenet.io import load_image, load_trimap
from samplenet.weights import convert_reference_checkpoints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, required=True, help="CPU-patched clone of the reference")
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--trimap", type=Path, required=True)
    parser.add_argument("--size", type=int, default=320, help="network input side (multiple of 32)")
    args = parser.parse_args()
    reference = args.reference.resolve()
    image, trimap = load_image(args.image.resolve()), load_trimap(args.trimap.resolve())
    os.chdir(reference)  # the reference imports its packages relative to its folder
    sys.path.insert(0, str(reference))

    state = seeded_samplenet_state_dict()
    print("| matting conv1 channels in .pth | max abs diff, tensors | alpha | fg | bg |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for channels in (8, 10):
            files = write_reference_checkpoints(state, Path(tmp) / f"ref{channels}", conv1_channels=channels)
            nets = reference_tool.reference_networks(reference, files)
            folder = convert_reference_checkpoints(
                files["background"], files["foreground"], files["matting"], Path(tmp) / f"weights{channels}"
            )
            matter = SampleNetMatter.from_pretrained(str(folder), device="cpu")
            tensor_diff = 0.0
            for ref_net, part in zip(nets, ("matting", "background", "foreground"), strict=True):
                ref_state, our_state = ref_net.module.state_dict(), getattr(matter.model, part).state_dict()
                if list(ref_state) != list(our_state):
                    raise SystemExit(f"{part}: the key lists differ")
                for key, value in ref_state.items():
                    diff = (value.double() - our_state[key].double()).abs().max().item()
                    tensor_diff = max(tensor_diff, diff)
            ref_out, _ = reference_tool.run_reference(reference, nets, image, trimap, args.size)
            our_out, _ = reference_tool.run_ours(matter, image, trimap, args.size)
            diffs = [float(np.abs(ref_out[k] - our_out[k]).max()) for k in ("alpha", "fg", "bg")]
            print(f"| {channels} | {tensor_diff:.3g} | " + " | ".join(f"{d:.3g}" for d in diffs) + " |")


if __name__ == "__main__":
    main()
