"""Render README's picture: one strip of photo | trimap | alpha | cut-out
over a new background, from the engine's real output.

Run from the repository root after the engine changes::

    python examples/make_readme_strip.py                       # the lemur, engine "auto"
    SAMPLENET_WEIGHTS=weights/samplenet python examples/make_readme_strip.py --engine samplenet

It writes ``examples/strip_lemur.png`` (the panels at a common height) and
prints which engine made it, so README's caption can say so.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import samplenet
from samplenet.app.pictures import over, parse_colour
from samplenet.io import load_image, load_trimap

ROOT = Path(__file__).resolve().parents[1]
CAPTION_PX = 28


def panels(photo: np.ndarray, trimap: np.ndarray, result: samplenet.MattingResult, backdrop: str) -> dict:
    """The four pictures of the strip, as RGB uint8 arrays the photo's size."""
    alpha = np.clip(result.alpha, 0.0, 1.0)
    colours = result.foreground.copy()
    sure = trimap == 255
    colours[sure] = photo[sure] / 255.0  # the photo itself where the trimap is sure foreground
    background = np.broadcast_to(np.array(parse_colour(backdrop), np.uint8), photo.shape)
    def grey(a: np.ndarray) -> np.ndarray:
        return np.repeat(a[:, :, None], 3, axis=2)

    return {
        "photo": photo,
        "trimap": grey(trimap),
        "alpha": grey(np.rint(alpha * 255).astype(np.uint8)),
        "cut-out on a new background": over(colours, alpha, background),
    }


def strip(pictures: dict, height: int, gap: int = 8) -> Image.Image:
    """The pictures side by side at ``height`` pixels, each captioned."""
    scaled = []
    for name, array in pictures.items():
        image = Image.fromarray(array)
        width = round(image.width * height / image.height)
        scaled.append((name, image.resize((width, height), Image.LANCZOS)))
    total = sum(image.width for _, image in scaled) + gap * (len(scaled) - 1)
    canvas = Image.new("RGB", (total, height + CAPTION_PX), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=18)
    x = 0
    for name, image in scaled:
        canvas.paste(image, (x, 0))
        draw.text((x + image.width / 2, height + CAPTION_PX / 2), name, fill="black", font=font, anchor="mm")
        x += image.width + gap
    return canvas


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photo", type=Path, default=ROOT / "examples" / "lemur.png")
    parser.add_argument("--trimap", type=Path, default=ROOT / "examples" / "lemur_trimap.png")
    parser.add_argument("--engine", default="auto", help="auto (SampleNet when weights load), samplenet, classical")
    parser.add_argument("--weights", default=None, help="Hub repo id or folder (default: $SAMPLENET_WEIGHTS)")
    parser.add_argument("--backdrop", default="#3b6ea5", help="colour of the new background")
    parser.add_argument("--height", type=int, default=220, help="height of each panel in pixels")
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "strip_lemur.png")
    args = parser.parse_args(argv)

    photo, trimap = load_image(args.photo), load_trimap(args.trimap)
    matter = samplenet.load(engine=args.engine, weights=args.weights)
    result = matter(photo, trimap)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    strip(panels(photo, trimap, result, args.backdrop), args.height).save(args.out, optimize=True)
    print(f"wrote {args.out} with the {result.engine} engine")


if __name__ == "__main__":
    main()
