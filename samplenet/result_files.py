"""Writing a :class:`MattingResult` to disk as the PNG files people expect."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image

from .result import MattingResult, to_uint8

#: File suffixes written for every result, in the reference's vocabulary.
OUTPUT_KINDS = ("alpha", "fg", "bg", "cutout", "rgb", "trimap")


def check_output_folder(out_dir: str | Path, what: str = "output folder") -> Path:
    """Refuse, before any work is done, an output folder that cannot be
    created because it (or a folder above it) is an existing file; the
    folder itself is not created here.

    Raises:
        NotADirectoryError: naming the path and the file in the way.
    """
    out = Path(out_dir)
    for existing in (out, *out.parents):
        if existing.exists():
            if not existing.is_dir():
                raise NotADirectoryError(
                    f"The {what} '{out}' cannot be created: '{existing}' is a file, not a folder."
                )
            break
    return out


def save_result(
    result: MattingResult,
    out_dir: str | Path,
    stem: str,
    trimap: np.ndarray | None = None,
) -> dict[str, Path]:
    """Write ``<stem>_alpha.png`` (8-bit grey), ``_fg.png``, ``_bg.png`` (RGB),
    ``_cutout.png`` (RGBA), ``_rgb.png`` (fg/bg re-composited with alpha, a
    check of the sampled colours, as the reference writes it) and, when a
    trimap is given, ``_trimap.png``.  Returns the paths by kind."""
    out = check_output_folder(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    alpha = result.alpha[:, :, None]
    images = {
        "alpha": Image.fromarray(to_uint8(result.alpha), mode="L"),
        "fg": Image.fromarray(to_uint8(result.foreground), mode="RGB"),
        "bg": Image.fromarray(to_uint8(result.background), mode="RGB"),
        "cutout": Image.fromarray(result.cutout(), mode="RGBA"),
        "rgb": Image.fromarray(
            to_uint8(result.foreground * alpha + result.background * (1.0 - alpha)), mode="RGB"
        ),
    }
    if trimap is not None:
        images["trimap"] = Image.fromarray(np.ascontiguousarray(trimap, dtype=np.uint8), mode="L")
    return save_pngs(images, out, stem)


#: zlib level for pictures shown once and downloaded rarely (the app's):
#: level 1 writes a 3.8 MP RGBA picture several times faster than PIL's 6.
FAST_PNG = 1


def save_pngs(
    images: Mapping[str, Image.Image | np.ndarray], out_dir: Path, stem: str, compress_level: int = 6
) -> dict[str, Path]:
    """Save each picture (PIL image or ``uint8`` array) as
    ``out_dir/<stem>_<kind>.png`` (the folder must exist); returns the paths
    by kind.  The one naming rule of every file the CLI and the app write."""
    paths = {}
    for kind, img in images.items():
        path = Path(out_dir) / f"{stem}_{kind}.png"
        (img if isinstance(img, Image.Image) else Image.fromarray(img)).save(path, compress_level=compress_level)
        paths[kind] = path
    return paths
