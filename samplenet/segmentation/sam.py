"""A learned promptable segmenter: SAM through ``transformers``.

The model is named by ``$SAMPLENET_SEGMENTER`` (a Hugging Face Hub repo id
such as ``facebook/sam-vit-base``, or a local folder holding
``model.safetensors``, ``config.json`` and ``preprocessor_config.json``) and
needs the optional extra ``pip install samplenet[segment]``.  On a Hugging
Face Space (``$SPACE_ID`` is set) with ``$SAMPLENET_SEGMENTER`` unset, it is
:data:`SPACE_DEFAULT_SAM`, which the Space's README fetches when the Space is
built (``preload_from_hub``); set ``SAMPLENET_SEGMENTER=`` (empty) there to
keep the classical segmenter.  Elsewhere nothing is loaded unless named.  Weights are
read from safetensors only (``use_safetensors=True``): nothing is ever
unpickled.  When no model can be loaded, :class:`SegmenterUnavailable` says
why and :func:`samplenet.auto_trimap` falls back to the classical segmenter.

SAM takes a box and clicks; strokes are handed to it as a few clicks spread
along them.  Its best mask (by its own predicted IoU) is kept inside the
box, and cleaned of specks like the classical one.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

from .classical import Segmentation, keep_subject_pieces
from .prompts import NEGATIVE, POSITIVE, Prompts

logger = logging.getLogger("samplenet")

#: Environment variable naming the SAM model (Hub repo id or local folder).
SEGMENTER_ENV = "SAMPLENET_SEGMENTER"

#: The SAM checkpoint a Hugging Face Space uses when ``$SAMPLENET_SEGMENTER``
#: is unset: Meta's ViT-B SAM, the smallest of the original three (375 MB of
#: safetensors), Apache-2.0, loaded by ``transformers``' ``SamModel``.
SPACE_DEFAULT_SAM = "facebook/sam-vit-base"

#: Set by Hugging Face on every Space (``owner/name``).
SPACE_ENV = "SPACE_ID"

#: Clicks taken from each kind of stroke (SAM does not read painted masks).
CLICKS_PER_STROKE_KIND = 4


class SegmenterUnavailable(OSError):
    """No learned segmenter can be loaded here; the message says why and how
    to get one.  An ``OSError`` like a missing weights file, so the CLI
    reports it as one line."""


#: Seconds a slow failure to load (see :data:`SLOW_FAILURE_S`) is remembered
#: before the source is tried again.  Without the Hub, one attempt at a Hub id
#: waits about 25 s on huggingface_hub's retries; remembering it keeps every
#: later Preview, API call or photo of a folder from waiting as long again
#: (and requests queued behind the lock from waiting in turn).
RETRY_AFTER_S = 300.0

#: A failed load that took at least this long is remembered.  Failures that
#: cost nothing to repeat (a local folder with a missing file, a path that
#: does not exist, ``HF_HUB_OFFLINE=1``) are tried again on the next call,
#: so a folder fixed or mounted meanwhile is used at once.
SLOW_FAILURE_S = 1.0

_LOADED: dict[tuple[str, str], SamSegmenter] = {}
_FAILED: dict[str, tuple[float, str]] = {}  # source -> (when, why): reaching the Hub has nothing to do with the device
_LOCK = threading.Lock()


def _configured_source() -> str:
    """``$SAMPLENET_SEGMENTER``, stripped; when it is unset on a Space,
    :data:`SPACE_DEFAULT_SAM` (empty when nothing is configured)."""
    named = os.environ.get(SEGMENTER_ENV)
    if named is None and os.environ.get(SPACE_ENV, "").strip():
        return SPACE_DEFAULT_SAM
    return (named or "").strip()


def _device(requested: str | None) -> str:
    import torch

    if requested:
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_sam_segmenter(source: str | os.PathLike | None = None, device: str | None = None) -> SamSegmenter:
    """The SAM segmenter for ``source`` (default ``$SAMPLENET_SEGMENTER``),
    loaded once per process and device.  A failed load that was slow (a Hub
    id with the Hub out of reach, typically) is remembered for
    :data:`RETRY_AFTER_S` and raised again at once meanwhile.

    Raises:
        SegmenterUnavailable: nothing configured, ``transformers`` missing,
            or the model/processor cannot be loaded (offline, wrong folder,
            no safetensors file); the message says which.
    """
    source = str(source) if source is not None else _configured_source()
    if not source:
        raise SegmenterUnavailable(
            f"no SAM model configured (set {SEGMENTER_ENV} to a Hub repo id such as facebook/sam-vit-base "
            "or a local folder)"
        )
    try:
        from transformers import SamModel, SamProcessor
    except ImportError:
        raise SegmenterUnavailable(
            "SAM needs the 'transformers' package: pip install samplenet[segment]"
        ) from None
    device = _device(device)
    key = (source, device)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        if source in _FAILED:
            when, why = _FAILED[source]
            wait = RETRY_AFTER_S - (time.monotonic() - when)
            if wait > 0:
                raise SegmenterUnavailable(f"{why}; not tried again for another {wait:.0f} s")
        path = Path(source).expanduser()
        if (path.is_absolute() or source.startswith((".", "~"))) and not path.exists():
            raise SegmenterUnavailable(
                f"the SAM model '{source}' could not be loaded (no such folder; {SEGMENTER_ENV} names a local "
                "folder or a Hub repo id such as facebook/sam-vit-base)"
            )
        started = time.monotonic()
        try:
            model = SamModel.from_pretrained(source, use_safetensors=True)
            processor = SamProcessor.from_pretrained(source)
            segmenter = SamSegmenter(model.to(device).eval(), processor, device, source)
        except Exception as exc:  # noqa: BLE001 - any loading failure (GPU memory too) means "not available here"
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            why = f"the SAM model '{source}' could not be loaded ({first})"
            failed_at = time.monotonic()
            if failed_at - started >= SLOW_FAILURE_S:
                _FAILED[source] = (failed_at, why)
            raise SegmenterUnavailable(why) from None
        _LOADED[key] = segmenter
        return segmenter


def load_in_background() -> threading.Thread | None:
    """Start loading ``$SAMPLENET_SEGMENTER`` in a daemon thread, so that a
    server's first visitor does not wait for the download and load (a first
    ``auto`` call meanwhile waits for this load instead of starting its own).
    The outcome is logged; a failure is remembered like any other.

    Returns:
        the thread, or ``None`` when no SAM model is configured.
    """
    if not _configured_source():
        return None

    def load() -> None:
        try:
            segmenter = load_sam_segmenter()
        except SegmenterUnavailable as exc:
            logger.warning("SAM segmenter not loaded (the classical one will run): %s", exc)
        except Exception:  # noqa: BLE001 - a thread must not die with a bare traceback
            logger.exception("SAM segmenter not loaded (the classical one will run)")
        else:
            logger.info("SAM segmenter loaded from %s on %s", segmenter.source, segmenter.device)

    thread = threading.Thread(target=load, name="load-sam-segmenter", daemon=True)
    thread.start()
    return thread


def stroke_clicks(strokes: np.ndarray | None, count: int = CLICKS_PER_STROKE_KIND) -> list[tuple[float, float]]:
    """A few clicks spread along painted strokes (evenly through the painted
    pixels in reading order)."""
    if strokes is None:
        return []
    ys, xs = np.nonzero(strokes)
    if ys.size == 0:
        return []
    picks = np.linspace(0, ys.size - 1, min(count, ys.size)).round().astype(int)
    return [(float(xs[i]), float(ys[i])) for i in picks]


class SamSegmenter:
    """Segment with a loaded SAM model and processor (name ``"sam"``)."""

    name = "sam"

    def __init__(self, model, processor, device: str, source: str) -> None:
        self.model = model
        self.processor = processor
        self.device = device
        self.source = source

    def segment(self, image: np.ndarray, prompts: Prompts) -> Segmentation:
        """Segment ``image`` (``HxWx3 uint8`` RGB) from checked ``prompts``."""
        import torch

        height, width = image.shape[:2]
        points = list(prompts.points) + stroke_clicks(prompts.fg_strokes) + stroke_clicks(prompts.bg_strokes)
        labels = (
            list(prompts.labels)
            + [POSITIVE] * len(stroke_clicks(prompts.fg_strokes))
            + [NEGATIVE] * len(stroke_clicks(prompts.bg_strokes))
        )
        kwargs = {}
        if prompts.box is not None:
            kwargs["input_boxes"] = [[[float(v) for v in prompts.box]]]
        if points:
            kwargs["input_points"] = [[[[x, y] for x, y in points]]]
            kwargs["input_labels"] = [[labels]]
        inputs = self.processor(images=image, return_tensors="pt", **kwargs)
        original_sizes = inputs.pop("original_sizes")
        reshaped_sizes = inputs.pop("reshaped_input_sizes")
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.inference_mode():
            outputs = self.model(**inputs, multimask_output=True)
        masks = self.processor.post_process_masks(outputs.pred_masks.cpu(), original_sizes, reshaped_sizes)[0]
        scores = outputs.iou_scores.cpu().reshape(-1)
        masks = masks.reshape(-1, height, width)
        mask = masks[int(scores.argmax())].numpy().astype(bool)
        if prompts.box is not None:
            x0, y0, x1, y1 = prompts.box
            inside = np.zeros_like(mask)
            inside[y0:y1, x0:x1] = True
            mask &= inside
        positive = np.zeros_like(mask)
        for x, y in [p for p, label in zip(points, labels, strict=True) if label == POSITIVE]:
            positive[int(y), int(x)] = True
            mask[int(y), int(x)] = True
        if prompts.fg_strokes is not None:
            mask |= prompts.fg_strokes
            positive |= prompts.fg_strokes
        if prompts.bg_strokes is not None:
            mask &= ~prompts.bg_strokes
        return Segmentation(keep_subject_pieces(mask, positive, 0.2), None, self.name)
