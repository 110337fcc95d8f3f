"""What the app does when a visitor clicks, as functions of plain values.

Handlers take file paths, NumPy arrays and editor dictionaries (what Gradio
hands over) plus the :class:`~samplenet.app.engines.EngineRegistry`, and
return arrays and file paths.  They know nothing of the page layout, so they
are tested without a browser.

Every problem with the input ends as a :class:`gradio.Error` whose message
names it (the visitor sees a pop-up, an API caller an exception with that
text); an unexpected failure is logged and reported the same way, so the
server always keeps serving.
"""
from __future__ import annotations

import functools
import html
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

import gradio as gr
import numpy as np
from PIL import Image

from ..errors import MattingInputError
from ..io import FOREGROUND, UNKNOWN, load_image, load_trimap, max_pixels_from_env, open_image_file
from ..result_files import save_pngs
from ..result import MattingResult, to_uint8
from . import gpu
from .engines import EngineRegistry
from .pictures import checkerboard, cover_resize, over, overlay_trimap, parse_colour
from .run_budget import call_within, run_seconds_from_env
from .storage import new_request_folder
from .resolution import full_res_pixels_from_env, restore_full_size, working_copy
from .trimap_tools import (
    PAINT_ALPHA_THRESHOLD,
    box_from_mask,
    check_trimap_usable,
    layers_to_trimap,
    mask_to_trimap,
    strokes_to_trimap,
)

logger = logging.getLogger("samplenet.app")

F = TypeVar("F", bound=Callable[..., Any])

#: Brush colours of the "Auto" tab's stroke editor: what each colour means.
STROKE_COLOURS = {
    "foreground": (255, 255, 255),
    "background": (0, 0, 0),
    "box": (255, 0, 0),
}

#: Above this share of unknown pixels the visitor is told the trimap is too vague.
LARGE_UNKNOWN_SHARE = 0.5

#: Width in pixels (each side of the outline) of the unknown band that the
#: Auto tab and the ``/trimap`` endpoint draw unless told otherwise.
DEFAULT_BAND_WIDTH = 12



_SERVER_PATH = re.compile(r"'(?:[A-Za-z]:)?[/\\][^']*[/\\]([^/\\']+)'")


def _public(message: str) -> str:
    """A message fit to show: server-side folders cut from quoted file paths
    (the visitor knows the file by its name) and HTML escaped."""
    return html.escape(_SERVER_PATH.sub(r"'\1'", message), quote=False)


def user_errors(fn: F) -> F:
    """Turn input problems into :class:`gradio.Error` with their message and
    anything unexpected into a generic one (logged with its traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except MattingInputError as exc:
            raise gr.Error(_public(str(exc)), print_exception=False) from exc
        except Exception as exc:
            logger.exception("unexpected failure in %s", fn.__name__)
            raise gr.Error(
                f"Something went wrong ({type(exc).__name__}: {_public(str(exc))[:300]}). "
                "The server is still running; please try again or report it."
            ) from exc

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------- inputs


def _require(value: Any, message: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MattingInputError(message)
    return value


def _file_path(value: Any) -> Any:
    """Gradio may hand a file as a path, a dict with ``path`` or a FileData."""
    if isinstance(value, Mapping):
        value = value.get("path") or value.get("name")
    elif hasattr(value, "path"):
        value = value.path
    return value


def load_photo(photo: Any) -> np.ndarray:
    """The visitor's photo (path or array) -> RGB uint8, or a clear error."""
    return load_image(_file_path(_require(photo, "Give a photo first: upload one or pick a sample.")))


def read_trimap_file(trimap: Any, photo: np.ndarray) -> np.ndarray:
    """An uploaded trimap file, checked against the photo's size."""
    tri = load_trimap(_file_path(_require(trimap, "Upload a trimap file (white = foreground, black = "
                                                  "background, grey = unknown).")))
    _check_same_size(tri, photo, "trimap")
    return tri


def _check_same_size(array: np.ndarray, photo: np.ndarray, what: str) -> None:
    if array.shape[:2] != photo.shape[:2]:
        raise MattingInputError(
            f"The photo is {photo.shape[1]}x{photo.shape[0]} but the {what} is "
            f"{array.shape[1]}x{array.shape[0]}; they must have the same size."
        )


def _editor_layers(value: Any) -> list[np.ndarray]:
    """The painted layers of an ImageEditor value (a dict)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise MattingInputError("The editor sent something that is not a sketch.")
    layers = []
    for layer in value.get("layers") or []:
        if layer is None:
            continue
        if isinstance(layer, (str, os.PathLike)):
            layer = open_image_file(layer, "editor layer", max_pixels_from_env()).convert("RGBA")
        layers.append(np.asarray(layer))
    return layers


def sketch_trimap(photo: np.ndarray, editor_value: Any, unpainted: str, base: np.ndarray | None = None) -> np.ndarray:
    """Sketch tab: layers painted with the white/black/grey brushes -> trimap.

    ``base`` is a trimap the visitor is touching up (from the Auto tab): the
    editor shows it tinted on the photo, and unpainted pixels keep its labels
    instead of counting as ``unpainted``."""
    layers = _editor_layers(editor_value)
    size = (photo.shape[1], photo.shape[0])
    if base is None:
        return layers_to_trimap(layers, size, unpainted or "unknown")  # type: ignore[arg-type]
    base = np.asarray(base, np.uint8)
    _check_same_size(base, photo, "trimap being touched up")
    if not any(layer.ndim == 3 and layer.shape[2] == 4 and (layer[..., 3] >= PAINT_ALPHA_THRESHOLD).any()
               for layer in layers):
        return base.copy()
    # A painted pixel reads the same whatever unpainted pixels mean; an
    # unpainted one differs between the two readings and keeps the base.
    as_unknown = layers_to_trimap(layers, size, "unknown")
    as_background = layers_to_trimap(layers, size, "background")
    return np.where(as_unknown != as_background, base, as_unknown)


def stroke_masks(editor_value: Any, size: tuple[int, int]) -> dict[str, np.ndarray]:
    """Auto tab: split painted pixels by brush colour into foreground,
    background and box masks (each boolean ``HxW``)."""
    width, height = size
    masks = {name: np.zeros((height, width), bool) for name in STROKE_COLOURS}
    palette = np.array(list(STROKE_COLOURS.values()), np.float32)
    for layer in _editor_layers(editor_value):
        if layer.shape[:2] != (height, width):
            raise MattingInputError(
                f"The strokes are {layer.shape[1]}x{layer.shape[0]} but the photo is {width}x{height}; "
                "load the photo into the editor again before painting."
            )
        if layer.ndim != 3 or layer.shape[2] != 4:
            raise MattingInputError(f"The strokes layer has shape {layer.shape}; expected HxWx4.")
        painted = layer[..., 3] >= PAINT_ALPHA_THRESHOLD
        distances = np.linalg.norm(layer[..., None, :3].astype(np.float32) - palette, axis=-1)
        nearest = distances.argmin(axis=-1)
        for index, name in enumerate(STROKE_COLOURS):
            pick = painted & (nearest == index)
            masks[name][pick] = True
            for other in STROKE_COLOURS:  # an upper layer's stroke replaces a lower one's
                if other != name:
                    masks[other][pick] = False
    return masks


def auto_trimap(photo: np.ndarray, editor_value: Any, band_width: float) -> np.ndarray:
    """Auto tab: GrabCut from strokes and/or the box around the red loop,
    then an unknown band of ``band_width`` pixels."""
    masks = stroke_masks(editor_value, (photo.shape[1], photo.shape[0]))
    if not any(mask.any() for mask in masks.values()):
        raise MattingInputError(
            "Nothing is marked: paint a white stroke on the subject and a black one on the "
            "background, or draw a red loop around the subject."
        )
    box = box_from_mask(masks["box"])
    return strokes_to_trimap(photo, masks["foreground"], masks["background"], band_width, box=box)


def touch_up(photo_file: Any, editor_value: Any, band_width: float) -> tuple[dict, np.ndarray, np.ndarray]:
    """Auto tab's "touch up" button: a Sketch editor value whose background
    is the automatic trimap tinted on the photo (one picture, so what the
    visitor sees cannot drift from the photo), the trimap itself (the base
    that :func:`sketch_trimap` paints over) and the overlay."""
    photo = load_photo(photo_file)
    trimap = auto_trimap(photo, editor_value, band_width)
    overlay = overlay_trimap(photo, trimap)
    value = {"background": overlay, "layers": [], "composite": None}
    return value, trimap, overlay


def load_mask(mask: Any, photo: np.ndarray) -> np.ndarray:
    """A mask file (grey, RGB, or RGBA cut-out) at the photo's size."""
    source = _file_path(_require(mask, "Give a mask (white = subject, black = background)."))
    array = np.asarray(_open_any(source, "mask"))
    _check_same_size(array, photo, "mask")
    return array


def _open_any(source: Any, what: str) -> np.ndarray:
    """Read a mask keeping an alpha channel (load_trimap would drop it)."""
    if isinstance(source, np.ndarray):
        return source
    img = open_image_file(source, what, max_pixels_from_env())
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        return np.asarray(img.convert("RGBA"))
    return np.asarray(img.convert("L"))


# --------------------------------------------------------------------------- matting


@dataclass
class MattingOutcome:
    """A result at the photo's size plus what the visitor should be told."""

    result: MattingResult
    image: np.ndarray
    trimap: np.ndarray
    notes: list[str] = field(default_factory=list)

    def cutout_colours(self) -> np.ndarray:
        """Colours for the cut-out (float RGB in [0, 1]): the photo itself
        where the trimap says surely foreground, the engine's foreground
        estimate elsewhere.  SampleNet's foreground is a network's inpainting,
        close to but not exactly the photo even where nothing is mixed."""
        colours = self.result.foreground.copy()
        sure = self.trimap == FOREGROUND
        colours[sure] = self.image[sure].astype(np.float32) / 255.0
        return colours

    def cutout_rgba(self) -> np.ndarray:
        """The cut-out as ``HxWx4 uint8`` RGBA: :meth:`cutout_colours` with the alpha matte."""
        return np.dstack([to_uint8(self.cutout_colours()), to_uint8(self.result.alpha)])


def matte_arrays(
    registry: EngineRegistry,
    engine: str,
    image: np.ndarray,
    trimap: np.ndarray,
    progress: Callable[[float, str], None] | None = None,
) -> MattingOutcome:
    """Check the trimap, shrink oversized photos to the full-resolution limit,
    run the engine (on the GPU where there is one) and restore full size."""
    report = progress or (lambda fraction, text: None)
    _check_same_size(trimap, image, "trimap")
    check_trimap_usable(trimap)
    matter = registry.resolve(engine)
    limit = full_res_pixels_from_env()
    work = working_copy(image, trimap, limit)
    notes = []
    unknown_share = float(np.mean(trimap == UNKNOWN))
    if unknown_share > LARGE_UNKNOWN_SHARE:
        notes.append(
            f"{unknown_share:.0%} of the photo is marked unknown: matting is slower and less sure "
            "than with a narrow grey band; paint more background black and subject white."
        )
    if work.downscaled:
        notes.append(
            f"The photo has {image.shape[1]}x{image.shape[0]} = {image.shape[0] * image.shape[1]:,} "
            f"pixels, more than the full-resolution limit of {limit:,}: it was matted at "
            f"{work.image.shape[1]}x{work.image.shape[0]} and the matte scaled back up to the "
            "photo's size (sure regions kept exact)."
        )
    if matter.name == "samplenet":
        report(0.15, "SampleNet: background sampling, foreground sampling, matting")
    else:
        report(0.15, f"{matter.name} engine: sampling colours and propagating alpha")
    if gpu.served() is not registry:
        # Tests and scripts call handlers with their own registry; a Space
        # serves exactly one (build_demo's), which ZeroGPU's fork inherits.
        if gpu.ON_ZERO_GPU:
            raise RuntimeError("On ZeroGPU only the registry given to build_demo can run.")
        gpu.serve(registry)
    start = time.perf_counter()
    stages = None if gpu.ON_ZERO_GPU else report  # a callback cannot cross into the ZeroGPU worker
    result = call_within(run_seconds_from_env(), gpu.run_engine, matter.name, work.image, work.trimap,
                         progress=stages)
    result.info.setdefault("seconds", time.perf_counter() - start)
    report(0.85, "Composing the outputs")
    result = restore_full_size(result, image, trimap)
    return MattingOutcome(result, image, trimap, notes)


def _stem(path: Any, default: str = "photo") -> str:
    name = Path(str(_file_path(path))).stem if path is not None else default
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:60]
    return cleaned or default


def write_result_files(outcome: MattingOutcome, stem: str) -> dict[str, str]:
    """alpha (8-bit grey), cut-out (RGBA), sampled foreground and background
    (RGB) as PNG files; returns their paths by kind."""
    out = new_request_folder()
    result = outcome.result
    pictures = {
        "alpha": Image.fromarray(to_uint8(result.alpha), mode="L"),
        "cutout": Image.fromarray(outcome.cutout_rgba(), mode="RGBA"),
        "foreground": Image.fromarray(to_uint8(result.foreground), mode="RGB"),
        "background": Image.fromarray(to_uint8(result.background), mode="RGB"),
    }
    return {kind: str(path) for kind, path in save_pngs(pictures, out, stem).items()}


@user_errors
def matte_files(
    registry: EngineRegistry, image_file: Any, trimap_file: Any, engine: str = "auto"
) -> tuple[str, str, str, str, dict]:
    """The ``/matte`` endpoint: photo file + trimap file + engine name ->
    (alpha PNG, RGBA cut-out PNG, foreground PNG, background PNG, details)."""
    image = load_image(_file_path(_require(image_file, "The image file is missing.")))
    trimap = read_trimap_file(trimap_file, image)
    outcome = matte_arrays(registry, engine, image, trimap)
    paths = write_result_files(outcome, _stem(image_file))
    details = {
        "engine": outcome.result.engine,
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "seconds": round(float(outcome.result.info.get("seconds", 0.0)), 3),
        "notes": outcome.notes,
    }
    return paths["alpha"], paths["cutout"], paths["foreground"], paths["background"], details


@user_errors
def trimap_file_from_mask(image_file: Any, mask_file: Any, band_width: float = DEFAULT_BAND_WIDTH) -> str:
    """The ``/trimap`` endpoint: photo + mask + band width -> trimap PNG path.
    The photo fixes the expected size (and is checked to be an image)."""
    image = load_image(_file_path(_require(image_file, "The image file is missing.")))
    mask = load_mask(mask_file, image)
    trimap = mask_to_trimap(mask, band_width)
    paths = save_pngs({"trimap": Image.fromarray(trimap, mode="L")}, new_request_folder(), _stem(image_file))
    return str(paths["trimap"])


# --------------------------------------------------------------------------- page

TRIMAP_SOURCES = ("sketch", "auto", "upload")


@dataclass(frozen=True)
class AutoInputs:
    """What the Auto tab holds: the stroke editor's value and the band width.
    New prompts (a box, clicks) are new fields here, read by :func:`auto_trimap`."""

    strokes: Any = None
    band_width: float = DEFAULT_BAND_WIDTH


@dataclass(frozen=True)
class TrimapSources:
    """Everything the trimap tabs hold, by name, and which tab is in use.

    ``source`` is ``"sketch"``, ``"auto"`` or ``"upload"``; ``unpainted`` is
    what unpainted sketch pixels mean (``"unknown"`` or ``"background"``)
    unless ``sketch_base`` holds a trimap being touched up.
    """

    source: str = "sketch"
    sketch: Any = None
    unpainted: str = "unknown"
    sketch_base: np.ndarray | None = None
    auto: AutoInputs = field(default_factory=AutoInputs)
    upload: Any = None


def trimap_for_source(photo: np.ndarray, sources: TrimapSources) -> np.ndarray:
    """The trimap of the tab the visitor is on."""
    if sources.source == "sketch":
        return sketch_trimap(photo, sources.sketch, sources.unpainted, sources.sketch_base)
    if sources.source == "auto":
        return auto_trimap(photo, sources.auto.strokes, sources.auto.band_width)
    if sources.source == "upload":
        return read_trimap_file(sources.upload, photo)
    raise MattingInputError(
        f"Unknown trimap source {sources.source!r}; expected one of {', '.join(TRIMAP_SOURCES)}."
    )


@user_errors
def preview_trimap(photo_file: Any, sources: TrimapSources) -> tuple[np.ndarray, np.ndarray]:
    """Trimap of the current tab and its overlay on the photo."""
    photo = load_photo(photo_file)
    trimap = trimap_for_source(photo, sources)
    return overlay_trimap(photo, trimap), trimap


def new_background(colour: str | None, picture: Any, height: int, width: int) -> np.ndarray:
    """The backdrop for the composite: an uploaded picture (cover-fitted)
    when there is one, else the picked colour."""
    if picture is not None:
        backdrop = load_image(_file_path(picture))
        return cover_resize(backdrop, height, width)
    r, g, b = parse_colour(colour or "#2e7d32")
    return np.broadcast_to(np.array([r, g, b], np.uint8), (height, width, 3)).copy()


@dataclass
class PageOutputs:
    """Everything the page shows after a run: arrays for programs and tests,
    and the same pictures as PNG files named after the photo (the page shows
    the files, so a download is ``<photo>_composite.png``, not ``image.png``,
    and the PNG encoding is done before the progress bar says done)."""

    overlay: np.ndarray
    alpha: np.ndarray
    cutout_preview: np.ndarray
    cutout_file: str
    alpha_file: str
    composite: np.ndarray
    before_after: tuple[np.ndarray, np.ndarray]
    sampled_foreground: np.ndarray | None
    sampled_background: np.ndarray | None
    status: str
    kept: dict
    files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def save_display_pngs(pictures: Mapping[str, np.ndarray], folder: Path, stem: str) -> dict[str, str]:
    """``folder/<stem>_<kind>.png`` for each picture, quickly compressed (they
    are shown once and downloaded rarely); returns the paths by kind."""
    paths = {}
    for kind, array in pictures.items():
        path = folder / f"{stem}_{kind}.png"
        Image.fromarray(array).save(path, compress_level=1)
        paths[kind] = str(path)
    return paths


def composite_picture(kept: Mapping[str, Any], colour: str | None, picture: Any) -> np.ndarray:
    """The kept cut-out over a new background (re-run on colour changes)."""
    alpha, foreground = kept["alpha"], kept["foreground"]
    backdrop = new_background(colour, picture, alpha.shape[0], alpha.shape[1])
    return over(foreground, alpha, backdrop)


def composite_file(kept: Mapping[str, Any], colour: str | None, picture: Any) -> str:
    """:func:`composite_picture` as ``<photo>_composite.png``."""
    composite = composite_picture(kept, colour, picture)
    return save_display_pngs({"composite": composite}, new_request_folder(), kept.get("stem", "photo"))["composite"]


def run_page(
    registry: EngineRegistry,
    photo_file: Any,
    sources: TrimapSources,
    engine: str,
    colour: str | None,
    background_picture: Any,
    progress: Callable[[float, str], None] | None = None,
) -> PageOutputs:
    """The page's "Cut out" button: trimap from the active tab, matting,
    and every picture derived from the result, written as files."""
    report = progress or (lambda fraction, text: None)
    report(0.02, "Reading the photo and the trimap")
    photo = load_photo(photo_file)
    trimap = trimap_for_source(photo, sources)
    outcome = matte_arrays(registry, engine, photo, trimap, progress=report)
    result = outcome.result
    report(0.88, "Writing the pictures")
    stem = _stem(photo_file)
    paths = write_result_files(outcome, stem)
    height, width = photo.shape[:2]
    board = checkerboard(height, width)
    colours = outcome.cutout_colours()
    cutout_preview = over(colours, result.alpha, board)
    kept = {"alpha": result.alpha, "foreground": colours, "stem": stem}
    composite = composite_picture(kept, colour, background_picture)
    overlay = overlay_trimap(photo, trimap)
    sampled = result.engine == "samplenet"
    folder = Path(paths["alpha"]).parent
    shown = {"overlay": overlay, "preview": cutout_preview, "composite": composite, "photo": photo}
    files = save_display_pngs(shown, folder, stem) | paths
    seconds = float(result.info.get("seconds", 0.0))
    lines = [f"**Engine:** {result.engine} · {width}x{height} px · {seconds:.1f} s"]
    lines += [f"*{note}*" for note in outcome.notes]
    if "note" in result.info:
        lines.append(f"*{result.info['note']}*")
    report(1.0, "Done")
    return PageOutputs(
        overlay=overlay,
        alpha=to_uint8(result.alpha),
        cutout_preview=cutout_preview,
        cutout_file=paths["cutout"],
        alpha_file=paths["alpha"],
        composite=composite,
        before_after=(photo, cutout_preview),
        sampled_foreground=to_uint8(result.foreground) if sampled else None,
        sampled_background=to_uint8(result.background) if sampled else None,
        status="  \n".join(lines),
        kept=kept,
        files=files,
        notes=list(outcome.notes),
    )
