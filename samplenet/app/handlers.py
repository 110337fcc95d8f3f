"""What the app does when a visitor clicks, as functions of plain values.

Handlers take file paths, NumPy arrays, editor dictionaries (what Gradio
hands over) and an engine *name*, and return arrays and file paths.  The
engines are those of the one registry the server serves
(:func:`samplenet.app.gpu.serve`, called by ``build_demo`` at start-up).  They know nothing of the page layout, so they
are tested without a browser.

Every problem with the input ends as a :class:`gradio.Error` whose message
names it (the visitor sees a pop-up, an API caller an exception with that
text); an unexpected failure is logged and reported the same way, so the
server always keeps serving.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr
import numpy as np

from ..budget import cost_model
from ..budget.cost_model import RunShape
from ..budget.working_size import SizeChoice, choose_working_size, describe_choice
from ..errors import MattingInputError
from ..io import FOREGROUND, UNKNOWN, load_image, load_trimap, quoted
from ..io import load_mask as read_mask_picture
from ..result import MattingResult, to_uint8
from ..result_files import FAST_PNG, save_pngs
from ..segmentation import cache as segmentation_cache
from ..segmentation.auto import AutoTrimapInfo
from ..segmentation.band import mask_to_trimap
from ..segmentation.cache import SegmentationCache, cached_auto_trimap
from ..segmentation.prompts import make_prompts
from . import gpu
from .brushes import STROKE_BRUSHES
from .pictures import checkerboard, cover_resize, mark_points, over, overlay_trimap, parse_colour
from .resolution import WorkingCopy, full_res_pixels_from_env, restore_full_size, working_copy
from .run_budget import RunCutShort, call_within, run_seconds_from_env
from .storage import new_request_folder
from .trimap_tools import (
    PAINT_ALPHA_THRESHOLD,
    box_from_mask,
    check_trimap_usable,
    layers_to_trimap,
)

logger = logging.getLogger("samplenet.app")

F = TypeVar("F", bound=Callable[..., Any])


#: The files a run can write: what /matte returns (the page shows the last two for SampleNet only).
RESULT_KINDS = ("alpha", "cutout", "foreground", "background")

#: Above this share of unknown pixels the visitor is told the trimap is too vague.
LARGE_UNKNOWN_SHARE = 0.5

#: Width in pixels (each side of the outline) of the unknown band that the
#: ``/trimap`` endpoint draws around a mask unless told otherwise.
DEFAULT_BAND_WIDTH = 12

#: The Auto tab's and ``/auto``'s band width meaning "chosen from the photo"
#: (the library's ``band_width=None``: thin on hard edges, wide over hair).
ADAPTIVE_BAND = 0

#: Which segmenter the page and ``/auto`` ask for: SAM where the server can
#: load one (``SAMPLENET_SEGMENTER``), else the classical one.
SEGMENTER = "auto"

#: Words for the segmenters that :class:`AutoTrimapInfo` names.
SEGMENTER_WORDS = {"sam": "SAM (learned)", "classical": "classical (weight-free)"}


_SERVER_PATH = re.compile(r"'(?:[A-Za-z]:)?[/\\][^']*[/\\]([^/\\']+)'")


def _public(message: str) -> str:
    """A message fit to show: server-side folders cut from quoted file paths
    (the visitor knows the file by its name).  Not HTML-escaped: API clients
    read the text as it is ("right > left"), and the page's pop-up sanitises
    what it shows itself."""
    return _SERVER_PATH.sub(r"'\1'", message)


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


def _read_upload(reader: Callable[..., np.ndarray], value: Any, missing: str, **options: Any) -> np.ndarray:
    """A file Gradio hands over, read by one of :mod:`samplenet.io`'s
    readers; messages name it by its own name (Gradio keeps that as the
    last part of its upload path), not by the server's upload folder."""
    source = _file_path(_require(value, missing))
    name = Path(os.fspath(source)).name if isinstance(source, (str, os.PathLike)) else None
    return reader(source, name=name, **options)


def load_photo(photo: Any, missing: str = "Give a photo first: upload one or pick a sample.") -> np.ndarray:
    """The visitor's photo (path or array) -> RGB uint8, or a clear error."""
    return _read_upload(load_image, photo, missing)


def read_trimap_file(trimap: Any, photo: np.ndarray) -> np.ndarray:
    """An uploaded trimap file, checked against the photo's size."""
    tri = _read_upload(load_trimap, trimap, "Upload a trimap file (white = foreground, black = background, "
                                            "grey = unknown).")
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
            layer = _read_upload(read_mask_picture, layer, "", what="editor layer")
            if layer.ndim == 2:  # no transparency: painted everywhere, in grey
                layer = np.dstack([layer, layer, layer, np.full_like(layer, 255)])
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
    meanings = [brush.meaning for brush in STROKE_BRUSHES]
    masks = {name: np.zeros((height, width), bool) for name in meanings}
    palette = np.array([brush.rgb for brush in STROKE_BRUSHES], np.float32)
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
        for index, name in enumerate(meanings):
            pick = painted & (nearest == index)
            masks[name][pick] = True
            for other in meanings:  # an upper layer's stroke replaces a lower one's
                if other != name:
                    masks[other][pick] = False
    return masks


def check_points(points: Any) -> tuple[list[tuple[Any, Any]], list[Any]]:
    """Clicks as ``[x, y]`` or ``[x, y, label]`` (1 = subject, the default;
    0 = background) -> positions and labels.  Only the shape is checked
    here; the values go as they are to the library's checks
    (:func:`samplenet.segmentation.prompts.make_prompts`), which name a bad
    one (a label of 0.9, a 400-digit coordinate) instead of rounding it."""
    positions, labels = [], []
    if points is not None and not isinstance(points, (list, tuple)):
        raise MattingInputError(f"The points must be a list like [[x, y, 1], [x, y, 0]]; got {quoted(points)}.")
    for point in points or []:
        if isinstance(point, (str, bytes)) or not hasattr(point, "__len__") or len(point) not in (2, 3):
            raise MattingInputError(
                f"A point must be [x, y] or [x, y, label] (label 1 = subject, 0 = background); got {quoted(point)}."
            )
        positions.append((point[0], point[1]))
        labels.append(point[2] if len(point) == 3 else 1)
    return positions, labels


def _band(band_width: Any) -> float | None:
    """The page's band width -> the library's (``None`` = chosen from the photo)."""
    if band_width is None or band_width == "":
        return None
    try:
        width = float(band_width)
    except (TypeError, ValueError):
        raise MattingInputError(f"The band width must be a number of pixels, got {quoted(band_width)}.") from None
    return None if width == ADAPTIVE_BAND else width


def describe_segmentation(info: AutoTrimapInfo) -> str:
    """The status line saying which segmenter ran and which band it drew.
    Why SAM did not run is an operator's matter (an environment variable, a
    missing package): it goes to the log and ``/auto``'s details, and the
    visitor reads only that this server has no SAM model."""
    band = "band chosen from the photo" if info.band_width == "adaptive" else f"{info.band_width} px band"
    name = SEGMENTER_WORDS.get(info.segmenter, info.segmenter)
    if info.segmenter != "sam" and info.note:
        logger.info("automatic trimap without SAM: %s", info.note)
        name += ", no SAM model on this server"
    return f"**Segmenter:** {name} · {band}"


@dataclass(frozen=True)
class AutoTrimap:
    """The Auto tab's trimap and the line saying which segmenter made it."""

    trimap: np.ndarray
    info: AutoTrimapInfo

    @property
    def status(self) -> str:
        return describe_segmentation(self.info)


@dataclass(frozen=True)
class AutoRequest:
    """The Auto tab's prompts for one photo as keyword arguments of
    :func:`samplenet.auto_trimap`: plain data, so the trimap can be made
    inside the engine's GPU call (:func:`gpu.run_engine_after`)."""

    prompts: dict[str, Any]

    def run(self, photo: np.ndarray, cache: SegmentationCache | None = None) -> AutoTrimap:
        """The trimap, through the segmentation cache (Preview then Cut out segment once)."""
        trimap, info = cached_auto_trimap(photo, **self.prompts, segmenter=SEGMENTER, cache=cache)
        return AutoTrimap(trimap, info)


@dataclass(frozen=True)
class AutoEngineInput:
    """``gpu.run_engine_after``'s ``prepare`` for the Auto tab: the trimap
    (SAM on the GPU where it is configured), then :func:`engine_input`."""

    request: AutoRequest
    engine: str
    limit: int
    budget: float

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict, tuple[AutoTrimap, EngineInput]]:
        auto = self.request.run(image)
        plan = engine_input(image, auto.trimap, self.engine, self.limit, self.budget)
        return plan.work.image, plan.work.trimap, dict(plan.choice.options), (auto, plan)


def auto_trimap(
    photo: np.ndarray, inputs: AutoInputs, cache: SegmentationCache | None = None
) -> AutoTrimap:
    """Auto tab: the red loop's bounding box, the clicks and the white/black
    strokes as prompts to :func:`samplenet.auto_trimap`, through the
    segmentation cache (Preview then Cut out segment once)."""
    return auto_request(photo, inputs).run(photo, cache)


def quick_auto_preview(photo_file: Any, inputs: AutoInputs) -> tuple[np.ndarray, str] | None:
    """After a tap or a stroke on the Auto tab: the trimap overlay and status
    line when they come quickly, else ``None`` (the Preview button still
    answers).  Quick means the segmentation is already cached, or the
    visitor is correcting the one they are looking at (the same box plus
    more clicks or strokes: :meth:`ClassicalSegmenter.refine`), or SAM made
    that one.  Prompts that cannot be segmented yet are not an error here:
    the visitor is still drawing."""
    if not photo_file:
        return None
    try:
        photo = load_photo(photo_file)
        request = auto_request(photo, inputs)
        arguments = {k: v for k, v in request.prompts.items() if k != "band_width"}
        prompts = make_prompts((photo.shape[1], photo.shape[0]), **arguments)
        cache = segmentation_cache.DEFAULT_CACHE
        key = cache.key(photo, prompts, SEGMENTER)
        previous = cache.latest(key)
        if previous is None:
            return None
        cached = cache.get(key) is not None
        correcting = previous.prompts is not None and prompts.extends(previous.prompts)
        if not (cached or correcting or previous.segmenter == "sam"):
            return None
        auto = request.run(photo)
    except MattingInputError:
        return None
    return overlay_trimap(photo, auto.trimap), auto.status


def auto_request(photo: np.ndarray, inputs: AutoInputs) -> AutoRequest:
    """The Auto tab's checked prompts (see :func:`auto_trimap`)."""
    masks = stroke_masks(inputs.strokes, (photo.shape[1], photo.shape[0]))
    positions, labels = check_points(inputs.points)
    if not positions and not any(mask.any() for mask in masks.values()):
        raise MattingInputError(
            "Nothing is marked: draw a red loop around the subject, click on it in the Clicks picture, "
            "or paint a white stroke on it."
        )
    return AutoRequest(
        {
            "box": box_from_mask(masks["box"]),
            "points": positions or None,
            "point_labels": labels or None,
            "fg_strokes": masks["foreground"] if masks["foreground"].any() else None,
            "bg_strokes": masks["background"] if masks["background"].any() else None,
            "band_width": _band(inputs.band_width),
        }
    )


def click_picture(photo_file: Any, points: Any) -> np.ndarray | None:
    """The Clicks picture: the photo with a green dot per subject click and a
    red one per background click (``None`` without a photo)."""
    if not photo_file:
        return None
    positions, labels = check_points(points)
    return mark_points(load_photo(photo_file), positions, labels)


def touch_up(photo_file: Any, inputs: AutoInputs) -> tuple[dict, np.ndarray, np.ndarray, str]:
    """Auto tab's "touch up" button: a Sketch editor value whose background
    is the automatic trimap tinted on the photo (one picture, so what the
    visitor sees cannot drift from the photo), the trimap itself (the base
    that :func:`sketch_trimap` paints over), the overlay and the status line."""
    photo = load_photo(photo_file)
    auto = auto_trimap(photo, inputs)
    overlay = overlay_trimap(photo, auto.trimap)
    value = {"background": overlay, "layers": [], "composite": None}
    return value, auto.trimap, overlay, auto.status


def load_mask(mask: Any, photo: np.ndarray) -> np.ndarray:
    """A mask file (grey, RGB, or RGBA cut-out) at the photo's size."""
    array = _read_upload(read_mask_picture, mask, "Give a mask (white = subject, black = background).")
    _check_same_size(array, photo, "mask")
    return array


# --------------------------------------------------------------------------- matting


@dataclass
class MattingOutcome:
    """A result at the photo's size plus what the visitor should be told."""

    result: MattingResult
    image: np.ndarray
    trimap: np.ndarray
    notes: list[str] = field(default_factory=list)
    choice: SizeChoice | None = None  # the working size and options the run budget chose
    auto: AutoTrimap | None = None  # the Auto tab's trimap and segmenter, when it was made in the engine's call

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
    engine: str,
    image: np.ndarray,
    trimap: np.ndarray | None,
    progress: Callable[[float, str], None] | None = None,
    auto: AutoRequest | None = None,
) -> MattingOutcome:
    """Check the trimap, choose the working size that fits the run budget on
    this device (never above the full-resolution limit), run the engine (on
    the GPU where there is one) and restore full size. A run cut short
    anyway is answered by the weight-free engine, with a note.  With
    ``auto`` instead of a trimap, the Auto tab's trimap is made inside the
    engine's GPU call (:func:`gpu.run_engine_after`), so SAM has the GPU on
    ZeroGPU; the outcome's ``auto`` says which segmenter ran."""
    report = progress or (lambda fraction, text: None)
    matter = gpu.served_engine(engine)
    limit = full_res_pixels_from_env()
    budget = run_seconds_from_env()
    model = cost_model.model_for(matter)
    plan = engine_input(image, trimap, matter.name, limit, budget) if auto is None else None
    if matter.name == "samplenet":
        report(0.15, "SampleNet: background sampling, foreground sampling, matting")
    else:
        report(0.15, f"{matter.name} engine: sampling colours and propagating alpha")
    start = time.perf_counter()
    stages = None if gpu.ON_ZERO_GPU else report  # a callback cannot cross into the ZeroGPU worker
    made = None
    try:
        if plan is not None:
            result = call_within(budget, gpu.run_engine, matter.name, plan.work.image, plan.work.trimap,
                                 dict(plan.choice.options), progress=stages)
        else:
            (made, plan), result = call_within(
                budget, gpu.run_engine_after, AutoEngineInput(auto, matter.name, limit, budget), matter.name,
                image, progress=stages,
            )
    except RunCutShort as exc:
        if plan is None:  # the trimap was being made in the abandoned call: here it comes from the cache
            made = auto.run(image)
            plan = engine_input(image, made.trimap, matter.name, limit, budget)
        elif exc.started:  # it ran at least that long: the next choice is smaller
            model.observe(_run_shape(plan), time.perf_counter() - start)
        result = _weight_free_instead(matter.name, plan.work, exc)
        name = "SampleNet" if matter.name == "samplenet" else f"The {matter.name} engine"
        plan.notes.append(
            f"{name} did not finish within the {budget:g} s budget on this {model.device}, so this "
            "is the weight-free engine's matte for the same trimap."
        )
    else:
        # an Auto run's time includes the segmentation: it would teach the model a slower device
        if made is None and np.any(plan.work.trimap == UNKNOWN):  # else no network ran
            model.observe(_run_shape(plan), time.perf_counter() - start)
    if made is not None:
        trimap = made.trimap
    result.info.setdefault("seconds", time.perf_counter() - start)
    report(0.85, "Composing the outputs")
    result = restore_full_size(result, image, trimap)
    return MattingOutcome(result, image, trimap, plan.notes, plan.choice, made)


@dataclass
class EngineInput:
    """What an engine runs on (the working copy), at the size and with the
    options the run budget chose, and what the visitor should be told."""

    work: WorkingCopy
    choice: SizeChoice
    notes: list[str]


def _run_shape(plan: EngineInput) -> RunShape:
    trimap = plan.work.trimap
    return RunShape.of(*trimap.shape, float(np.mean(trimap == UNKNOWN)), plan.choice.options.get("sampling_max_side"))


def engine_input(image: np.ndarray, trimap: np.ndarray, engine: str, limit: int, budget: float) -> EngineInput:
    """The trimap checked, and the photo and trimap at the largest working
    size whose predicted time on this device fits the budget's share (never
    above ``limit`` pixels; :func:`~samplenet.budget.working_size.choose_working_size`)."""
    _check_same_size(trimap, image, "trimap")
    check_trimap_usable(trimap)
    model = cost_model.model_for(gpu.served_engine(engine))
    unknown_share = float(np.mean(trimap == UNKNOWN))
    choice = choose_working_size(model, *trimap.shape, unknown_share, budget, max_pixels=limit)
    work = working_copy(image, trimap, choice.width * choice.height if choice.reduced else trimap.size)
    choice = dataclasses.replace(choice, width=work.trimap.shape[1], height=work.trimap.shape[0])  # as rounded
    notes = []
    if unknown_share > LARGE_UNKNOWN_SHARE:
        notes.append(
            f"{unknown_share:.0%} of the photo is marked unknown: matting is slower and less sure "
            "than with a narrow grey band; paint more background black and subject white."
        )
    largest_scale = min(1.0, (limit / trimap.size) ** 0.5)  # the full-resolution limit's
    if choice.options or choice.scale < largest_scale * 0.999:
        notes.append(describe_choice(choice, model.device))
    elif work.downscaled:
        notes.append(
            f"The photo has {image.shape[1]}x{image.shape[0]} = {image.shape[0] * image.shape[1]:,} "
            f"pixels, more than the full-resolution limit of {limit:,}: it was matted at "
            f"{work.image.shape[1]}x{work.image.shape[0]} and the matte scaled back up to the "
            "photo's size (sure regions kept exact)."
        )
    return EngineInput(work, choice, notes)


def _weight_free_instead(engine: str, work: WorkingCopy, cut_short: RunCutShort) -> MattingResult:
    """The weight-free engine's matte of the same working copy, for a run
    that was cut short: the visitor gets a result, and is told whose.
    It runs here, beside the abandoned run (which stops at its network's
    next layer), and is not bounded again: it takes seconds where SampleNet
    took minutes. With no weight-free engine, or if it was the one cut short,
    the cut-short error stands."""
    registry = gpu.served()
    fallback = registry.engines.get("classical") if registry is not None else None
    if fallback is None or engine == "classical":
        raise cut_short
    start = time.perf_counter()
    result = fallback(work.image, work.trimap)
    result.info["seconds"] = time.perf_counter() - start
    return result


def _stem(path: Any, default: str = "photo") -> str:
    name = Path(str(_file_path(path))).stem if path is not None else default
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:60]
    return cleaned or default


def write_result_files(outcome: MattingOutcome, stem: str, kinds: tuple[str, ...] = RESULT_KINDS) -> dict[str, str]:
    """Of alpha (8-bit grey), cut-out (RGBA) and the sampled foreground and
    background (RGB), the ``kinds`` someone will see or download, as quickly
    compressed PNG files in a fresh request folder; returns their paths by kind."""
    result = outcome.result
    pictures = {
        "alpha": lambda: to_uint8(result.alpha),
        "cutout": outcome.cutout_rgba,
        "foreground": lambda: to_uint8(result.foreground),
        "background": lambda: to_uint8(result.background),
    }
    chosen = {kind: pictures[kind]() for kind in kinds}
    return {kind: str(path) for kind, path in save_pngs(chosen, new_request_folder(), stem, FAST_PNG).items()}


@user_errors
def matte_files(image_file: Any, trimap_file: Any, engine: str = "auto") -> tuple[str, str, str, str, dict]:
    """The ``/matte`` endpoint: photo file + trimap file + engine name ->
    (alpha PNG, RGBA cut-out PNG, foreground PNG, background PNG, details)."""
    image = load_photo(image_file, "The image file is missing.")
    trimap = read_trimap_file(trimap_file, image)
    outcome = matte_arrays(engine, image, trimap)
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
    image = load_photo(image_file, "The image file is missing.")
    mask = load_mask(mask_file, image)
    trimap = mask_to_trimap(mask, band_width)
    paths = save_pngs({"trimap": trimap}, new_request_folder(), _stem(image_file), FAST_PNG)
    return str(paths["trimap"])


@user_errors
def auto_files(
    image_file: Any,
    box: Any = None,
    points: Any = None,
    band_width: float = ADAPTIVE_BAND,
    engine: str = "auto",
) -> tuple[str, str, str, dict]:
    """The ``/auto`` endpoint: photo + box and/or clicks -> (trimap PNG,
    alpha PNG, RGBA cut-out PNG, details saying which segmenter ran).
    Every input is checked before the segmenter runs."""
    gpu.served_engine(engine)
    image = load_photo(image_file, "The image file is missing.")
    positions, labels = check_points(points)
    if box is not None and not isinstance(box, (list, tuple)):
        raise MattingInputError(f"The box must be [x0, y0, x1, y1] (left, top, right, bottom); got {quoted(box)}.")
    if box is None and not positions:
        raise MattingInputError("Give a box [x0, y0, x1, y1] around the subject and/or points [x, y, 1] on it.")
    trimap, info = cached_auto_trimap(
        image, box=box, points=positions or None, point_labels=labels or None,
        band_width=_band(band_width), segmenter=SEGMENTER,
    )
    outcome = matte_arrays(engine, image, trimap)
    stem = _stem(image_file)
    paths = write_result_files(outcome, stem, ("alpha", "cutout"))
    folder = Path(paths["alpha"]).parent
    trimap_path = save_pngs({"trimap": trimap}, folder, stem, FAST_PNG)["trimap"]
    details = {
        "segmenter": info.segmenter,
        "segmenter_note": info.note,
        "band_width": info.band_width,
        "engine": outcome.result.engine,
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "seconds": round(float(outcome.result.info.get("seconds", 0.0)), 3),
        "notes": outcome.notes,
    }
    return str(trimap_path), paths["alpha"], paths["cutout"], details


# --------------------------------------------------------------------------- page

TRIMAP_SOURCES = ("sketch", "auto", "upload")


@dataclass(frozen=True)
class AutoInputs:
    """What the Auto tab holds: the stroke editor's value (white / black
    strokes, the red loop whose bounding box is the box), the clicks as
    ``[x, y, label]`` (1 = subject, 0 = background) and the band width
    (:data:`ADAPTIVE_BAND` = chosen from the photo)."""

    strokes: Any = None
    band_width: float = ADAPTIVE_BAND
    points: Any = ()


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


def trimap_for_source(photo: np.ndarray, sources: TrimapSources) -> tuple[np.ndarray, str]:
    """The trimap of the tab the visitor is on, and a status line about how
    it was made (which segmenter, on the Auto tab; else empty)."""
    if sources.source == "sketch":
        return sketch_trimap(photo, sources.sketch, sources.unpainted, sources.sketch_base), ""
    if sources.source == "auto":
        auto = auto_trimap(photo, sources.auto)
        return auto.trimap, auto.status
    if sources.source == "upload":
        return read_trimap_file(sources.upload, photo), ""
    raise MattingInputError(
        f"Unknown trimap source {quoted(sources.source)}; expected one of {', '.join(TRIMAP_SOURCES)}."
    )


@user_errors
def preview_trimap(photo_file: Any, sources: TrimapSources) -> tuple[np.ndarray, np.ndarray, str]:
    """Trimap of the current tab, its overlay on the photo and the status
    line (which segmenter ran, on the Auto tab)."""
    photo = load_photo(photo_file)
    trimap, status = trimap_for_source(photo, sources)
    return overlay_trimap(photo, trimap), trimap, status


def new_background(colour: str | None, picture: Any, height: int, width: int) -> np.ndarray:
    """The backdrop for the composite: an uploaded picture (cover-fitted)
    when there is one, else the picked colour."""
    if picture is not None:
        backdrop = load_photo(picture)
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


def _composite(cutout: np.ndarray, colour: str | None, picture: Any) -> np.ndarray:
    """An RGBA cut-out (``uint8``) over a new background."""
    backdrop = new_background(colour, picture, cutout.shape[0], cutout.shape[1])
    return over(cutout[..., :3], cutout[..., 3] / np.float32(255), backdrop)


def composite_picture(kept: Mapping[str, Any], colour: str | None, picture: Any) -> np.ndarray:
    """The kept cut-out over a new background (re-run on colour changes).
    The page keeps only the cut-out file's path per visitor (a 3.8 MP run's
    float alpha and colours were 61 MB of session memory)."""
    path = kept.get("cutout")
    if not path or not Path(path).is_file():
        raise MattingInputError("The last cut-out is no longer on the server: press Cut out again.")
    return _composite(read_mask_picture(path, what="cut-out"), colour, picture)


def composite_file(kept: Mapping[str, Any], colour: str | None, picture: Any) -> str:
    """:func:`composite_picture` as ``<photo>_composite.png``."""
    composite = composite_picture(kept, colour, picture)
    folder = new_request_folder()
    return str(save_pngs({"composite": composite}, folder, kept.get("stem", "photo"), FAST_PNG)["composite"])


def run_page(
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
    if sources.source == "auto":  # the segmentation runs in the engine's GPU call (SAM needs the GPU too)
        outcome = matte_arrays(engine, photo, None, progress=report, auto=auto_request(photo, sources.auto))
        trimap, how = outcome.trimap, outcome.auto.status
    else:
        trimap, how = trimap_for_source(photo, sources)
        outcome = matte_arrays(engine, photo, trimap, progress=report)
    result = outcome.result
    report(0.88, "Writing the pictures")
    stem = _stem(photo_file)
    sampled = result.engine == "samplenet"  # only SampleNet's sampled colours are shown
    paths = write_result_files(outcome, stem, RESULT_KINDS if sampled else ("alpha", "cutout"))
    height, width = photo.shape[:2]
    cutout = outcome.cutout_rgba()
    cutout_preview = over(cutout[..., :3], cutout[..., 3] / np.float32(255), checkerboard(height, width))
    kept = {"cutout": paths["cutout"], "stem": stem}
    composite = _composite(cutout, colour, background_picture)
    overlay = overlay_trimap(photo, trimap)
    folder = Path(paths["alpha"]).parent
    shown = {"overlay": overlay, "preview": cutout_preview, "composite": composite, "photo": photo}
    files = {kind: str(path) for kind, path in save_pngs(shown, folder, stem, FAST_PNG).items()} | paths
    seconds = float(result.info.get("seconds", 0.0))
    lines = [f"**Engine:** {result.engine} · {width}x{height} px · {seconds:.1f} s"] + ([how] if how else [])
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
