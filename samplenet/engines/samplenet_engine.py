"""The SampleNet engine: the three learned networks behind :class:`Matter`.

Pre- and post-processing follow the reference's ``inference.py`` and data
loader so that the same weights give the same numbers: the image is used in
OpenCV's BGR order scaled as ``uint8 / 127.5 - 1``, the trimap as
``value // 127`` (0, 1, 2), and in the ``size=`` mode the image is resized
with OpenCV's default bilinear filter, the trimap with nearest neighbour,
and the outputs are brought back with ``INTER_AREA``.

By default the networks run at the photo's own resolution instead: the
image is mirror-padded at the bottom and right to a multiple of 8 and the
outputs are cropped back, so nothing is stretched or blurred.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np
import torch

from .. import allocator
from ..devices import resolve_device
from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND, check_pixel_count, pixel_limit, quoted
from ..models.attention_common import DEFAULT_ATTENTION
from ..models.contextual_attention import get_attention
from ..models.samplenet import SIZE_MULTIPLE, SampleNet
from ..result import MattingResult
from . import resampling, speed_options
from .base import Matter

#: Default ceiling for the memory the dense attention may take (bytes);
#: larger inputs asked to run with it are refused with a suggestion.
DEFAULT_MAX_ATTENTION_BYTES = 6 * 1024**3


def dense_attention_bytes(height: int, width: int) -> int:
    """Rough peak memory of the dense contextual attention for one image:
    the (positions x positions) float32 score matrix at 1/8 resolution, of
    which about four copies are alive at once (checked against the measured
    peak; README's speed section has the figures)."""
    positions = (height // SIZE_MULTIPLE) * (width // SIZE_MULTIPLE)
    return 4 * 4 * positions * positions


def _pad_to_multiple(array: np.ndarray, multiple: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Mirror-pad the bottom and right so both sides are multiples of ``multiple``."""
    height, width = array.shape[:2]
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    if pad_h == 0 and pad_w == 0:
        return array, (0, 0)
    widths = [(0, pad_h), (0, pad_w)] + [(0, 0)] * (array.ndim - 2)
    return np.pad(array, widths, mode="reflect"), (pad_h, pad_w)


def _check_size(size: Any) -> tuple[int, int]:
    if (
        not isinstance(size, Sequence)
        or isinstance(size, str)
        or len(size) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in size)
    ):
        raise MattingInputError(f"size must be a (width, height) pair of integers, got {quoted(size)}")
    width, height = int(size[0]), int(size[1])
    if width <= 0 or height <= 0 or width % SIZE_MULTIPLE or height % SIZE_MULTIPLE:
        raise MattingInputError(
            f"size must be positive multiples of {SIZE_MULTIPLE} (e.g. 800x800), got {width}x{height}"
        )
    return width, height


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """The choices one call runs with: the engine's defaults, possibly
    overridden for that call. Frozen and passed down, never stored on the
    shared engine or model, so concurrent calls cannot see each other's."""

    #: Attention implementation; ``None`` = :data:`DEFAULT_ATTENTION`.
    attention: str | None
    #: Compute dtype of the convolutions (float32, or autocast to bf16/fp16).
    compute_dtype: torch.dtype
    #: Longer side of the samplers' input, or ``None`` for full resolution.
    sampling_max_side: int | None
    #: Memory ceiling of the dense attention, in bytes.
    max_attention_bytes: int


#: Options a call may override (besides ``size``); each one's meaning is the
#: constructor argument of the same name.
PER_CALL_OPTIONS = ("attention", "precision", "half", "sampling_max_side", "max_attention_bytes")

#: Options fixed when the engine is built, with the reason given to a caller
#: who passes one per call.
BUILD_ONLY_OPTIONS = {
    "device": "the weights live on one device; build another engine with samplenet.load(device=...)",
    "max_pixels": "the input limit is checked before any call option is read; pass it to samplenet.load",
    "weights": "the weights are read once; build another engine with samplenet.load(weights=...)",
    "revision": "the weights are read once; build another engine with samplenet.load(revision=...)",
    "threads": "the thread count is process-wide; call samplenet.tune_process(threads=N) once at start-up",
}


def _check_max_attention_bytes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MattingInputError(f"max_attention_bytes must be a positive whole number of bytes, got {value!r}")
    return value


def _check_attention(value: Any) -> str | None:
    if value is None:
        return None
    try:
        get_attention(value)
    except ValueError as exc:
        raise MattingInputError(f"attention: {exc}") from None
    return value


def _check_max_seconds(value: Any, size: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value > 0 and np.isfinite(value)):
        raise MattingInputError(f"max_seconds must be a positive number of seconds, got {quoted(value)}")
    if size is not None:
        raise MattingInputError("max_seconds chooses the size itself; give size or max_seconds, not both")


class SampleNetMatter(Matter):
    """Matting with SampleNet: sampled background, sampled foreground, alpha.

    Args:
        model: a :class:`~samplenet.models.samplenet.SampleNet` with weights.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``...; ``None`` = CUDA if
            available.
        half: same as ``precision="fp16"`` (CUDA only).
        max_pixels: largest accepted input (see :mod:`samplenet.io`).
        attention: contextual-attention implementation for both samplers;
            ``None`` = :data:`~samplenet.models.attention_common.DEFAULT_ATTENTION`
            (``"exact"``: blocked, memory linear in pixels); ``"dense"`` runs
            up to ``max_attention_bytes``.
        max_attention_bytes: memory ceiling for the dense attention.
        precision: ``"fp32"`` (default), ``"bf16"`` (CUDA, or CPUs with
            native bf16) or ``"fp16"`` (CUDA); see
            :mod:`samplenet.engines.speed_options`.
        sampling_max_side: run the two sampling networks with the longer
            side capped at this many pixels and the matting network at full
            resolution (faster for large photos, slightly different
            colours); ``None`` (default) samples at full resolution.

    ``attention``, ``precision``/``half``, ``sampling_max_side`` and
    ``max_attention_bytes`` may also be given to a single call (they
    override the engine's for that call only; ``result.info`` says what was
    used). Building and calling the engine leave process-wide settings
    (threads, glibc's allocator) alone: see :func:`samplenet.tune_process`.
    """

    name = "samplenet"

    def __init__(
        self,
        model: SampleNet,
        device: str | torch.device | None = None,
        half: bool = False,
        max_pixels: int | None = None,
        attention: str | None = None,
        max_attention_bytes: int = DEFAULT_MAX_ATTENTION_BYTES,
        precision: str | None = None,
        sampling_max_side: int | None = None,
    ) -> None:
        super().__init__(max_pixels=max_pixels)
        if not isinstance(model, SampleNet):
            raise TypeError(f"model must be a SampleNet, got {type(model).__name__}")
        self.device = resolve_device(device)
        # weights stay float32; lower precisions run under autocast
        self.dtype = torch.float32
        self.defaults = RunSettings(
            attention=_check_attention(attention),  # refuse unknown names now, not at the first call
            compute_dtype=speed_options.resolve_precision(precision, half, self.device),
            sampling_max_side=speed_options.check_sampling_max_side(sampling_max_side),
            max_attention_bytes=_check_max_attention_bytes(max_attention_bytes),
        )
        self.model = model.to(device=self.device, dtype=self.dtype).eval()

    @classmethod
    def from_pretrained(
        cls, weights: str | None = None, device: str | torch.device | None = None, **options: Any
    ) -> SampleNetMatter:
        """Load weights (a Hub repo id, a local folder, or ``SAMPLENET_WEIGHTS``)
        once and build the engine; ``options`` go to the constructor
        (``revision`` goes to the loader)."""
        from ..weights import load_pretrained

        if "threads" in options:
            raise MattingInputError(f"threads: {BUILD_ONLY_OPTIONS['threads']}")
        resolved = resolve_device(device)
        revision = options.pop("revision", None)
        loader_args = {"device": resolved}
        if revision is not None:
            loader_args["revision"] = revision
        model = load_pretrained(weights, **loader_args)
        return cls(model, device=resolved, **options)

    # -- per-call options -----------------------------------------------------------------

    def check_call_options(self, options: Mapping[str, Any]) -> None:
        """Refuse, before any work, call options that cannot apply per call."""
        self.settings_for_call(options)

    def settings_for_call(self, options: Mapping[str, Any]) -> RunSettings:
        """The engine's defaults with this call's ``options`` applied; a
        :class:`MattingInputError` names any option that cannot be."""
        for key in options:
            if key in BUILD_ONLY_OPTIONS:
                raise MattingInputError(f"{key} cannot be chosen per call: {BUILD_ONLY_OPTIONS[key]}")
            if key not in PER_CALL_OPTIONS and key not in ("size", "max_seconds"):
                shown = str(key)[:80]
                raise MattingInputError(
                    f"unknown option {shown!r} for the samplenet engine; per call it takes size, max_seconds, "
                    f"{', '.join(PER_CALL_OPTIONS)}"
                )
        if "max_seconds" in options:
            _check_max_seconds(options["max_seconds"], options.get("size"))
        changes: dict[str, Any] = {}
        if "attention" in options:
            changes["attention"] = _check_attention(options["attention"])
        if "precision" in options or "half" in options:
            changes["compute_dtype"] = speed_options.resolve_precision(
                options.get("precision"), bool(options.get("half", False)), self.device
            )
        if "sampling_max_side" in options:
            changes["sampling_max_side"] = speed_options.check_sampling_max_side(options["sampling_max_side"])
        if "max_attention_bytes" in options:
            changes["max_attention_bytes"] = _check_max_attention_bytes(options["max_attention_bytes"])
        return dataclasses.replace(self.defaults, **changes)

    # -- the pipeline ---------------------------------------------------------------------

    @staticmethod
    def _choose_attention(settings: RunSettings, height: int, width: int) -> str:
        """The attention to use for an ``height x width`` input: the one asked
        for, else the default; the dense one only within
        ``max_attention_bytes`` (beyond, it would exhaust memory)."""
        name = settings.attention or DEFAULT_ATTENTION
        needed = dense_attention_bytes(height, width)
        if name == "dense" and needed > settings.max_attention_bytes:
            raise MattingInputError(
                f"A {width}x{height} image needs about {needed / 1024**3:.1f} GiB for the dense "
                f"contextual attention, more than the limit of {settings.max_attention_bytes / 1024**3:.1f} GiB. "
                "Use attention='exact', pass size=(W, H) to run at a smaller size, or raise "
                "max_attention_bytes."
            )
        return name

    def _run_networks(
        self, image_bgr: np.ndarray, trimap: np.ndarray, settings: RunSettings
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """uint8 BGR image + uint8 {0,128,255} trimap (sides multiples of 8)
        -> alpha HxW, fg HxWx3, bg HxWx3 (BGR), float32 in [0, 1], and what
        was used (``attention``, ``sampling_size`` as (w, h))."""
        image = np.float32(image_bgr) / 127.5 - 1.0  # the reference's scaling, in float32
        levels = np.float32(trimap // 127)  # 0, 1, 2
        image_t = torch.from_numpy(image.transpose(2, 0, 1).copy())[None]
        trimap_t = torch.from_numpy(levels)[None, None]
        image_t = image_t.to(self.device, self.dtype)
        trimap_t = trimap_t.to(self.device, self.dtype)
        small = resampling.sampling_size(*trimap.shape, settings.sampling_max_side)
        sampled_h, sampled_w = small or trimap.shape
        attention = self._choose_attention(settings, sampled_h, sampled_w)
        if self.device.type == "cpu":
            allocator.adapt_to_photo(trimap.size)  # only where the process opted in
        with torch.inference_mode(), speed_options.precision_context(self.device, settings.compute_dtype):
            if small is None:
                alpha, fg, bg = self.model(image_t, trimap_t, attention=attention)
            else:
                fg, bg = self.model.sample(
                    resampling.shrink_image(image_t, small),
                    resampling.shrink_trimap(trimap_t, small),
                    attention=attention,
                )
                fg = resampling.grow_colours(fg.float(), tuple(trimap.shape))
                bg = resampling.grow_colours(bg.float(), tuple(trimap.shape))
                alpha = self.model.alpha_from_samples(image_t, trimap_t, fg, bg)
            alpha, fg, bg = alpha.float(), fg.float(), bg.float()
            fg = ((fg + 1.0) / 2.0).clamp(0.0, 1.0)
            bg = ((bg + 1.0) / 2.0).clamp(0.0, 1.0)
        alpha = alpha[0, 0].float().cpu().numpy()
        fg = fg[0].float().cpu().numpy().transpose(1, 2, 0)
        bg = bg[0].float().cpu().numpy().transpose(1, 2, 0)
        return alpha, fg, bg, {"attention": attention, "sampling_size": (sampled_w, sampled_h)}

    def _predict_within(self, image: np.ndarray, trimap: np.ndarray, max_seconds: float, **options: Any
                        ) -> MattingResult:
        """``max_seconds=``: the largest ``size`` (multiples of 8) and, unless
        the caller chose one, sampling cap predicted by this engine's cost
        model to finish within ``max_seconds`` (the first such call times one
        small run to learn the device's speed; every such call then corrects
        it). ``result.info["max_seconds_choice"]`` says what was chosen."""
        from ..budget import cost_model
        from ..budget.working_size import LIBRARY_SHARE, choose_working_size

        model = cost_model.model_for(self)
        if not model.calibrated:
            model.calibrate(self.predict_arrays_unbudgeted)
        height, width = trimap.shape
        unknown_share = float(np.mean(trimap == 128))
        choice = choose_working_size(model, height, width, unknown_share, max_seconds, share=LIBRARY_SHARE)
        if choice.reduced:
            options["size"] = (max(SIZE_MULTIPLE, choice.width // SIZE_MULTIPLE * SIZE_MULTIPLE),
                               max(SIZE_MULTIPLE, choice.height // SIZE_MULTIPLE * SIZE_MULTIPLE))
        if "sampling_max_side" not in options:
            options.update(choice.options)
        start = time.perf_counter()
        result = self.predict_arrays(image, trimap, **options)
        net_w, net_h = result.info["network_size"]
        model.observe(cost_model.RunShape.of(net_h, net_w, unknown_share, options.get("sampling_max_side")),
                      time.perf_counter() - start)
        result.info["max_seconds_choice"] = {
            "size": (net_w, net_h), "sampling_max_side": options.get("sampling_max_side"),
            "predicted_seconds": choice.predicted_seconds, "fits": choice.fits,
        }
        return result

    def predict_arrays_unbudgeted(self, image: np.ndarray, trimap: np.ndarray) -> MattingResult:
        """:meth:`predict_arrays` at the photo's size with the engine's defaults."""
        return self.predict_arrays(image, trimap)

    def predict_arrays(
        self, image: np.ndarray, trimap: np.ndarray, size: tuple[int, int] | None = None, **options: Any
    ) -> MattingResult:
        """Matte clean arrays.

        Args:
            image: HxWx3 uint8 RGB.
            trimap: HxW uint8 in {0, 128, 255}.
            size: ``None`` (native resolution) or ``(W, H)``, multiples of 8:
                run the networks on the image resized to that size, like the
                reference's ``--size``, and resize the outputs back.
            **options: ``attention``, ``precision``, ``half``,
                ``sampling_max_side``, ``max_attention_bytes`` for this call
                only (see the class); ``max_seconds``: choose a smaller
                ``size`` (and a sampling cap) predicted to finish within that
                many seconds on this device (:meth:`_predict_within`);
                anything else is refused with a :class:`MattingInputError`
                naming it. Without ``size`` or ``max_seconds`` nothing is resized.
        """
        if options.get("max_seconds") is not None:
            return self._predict_within(image, trimap, **options)
        options.pop("max_seconds", None)
        settings = self.settings_for_call(options)
        height, width = trimap.shape
        image_bgr = np.ascontiguousarray(image[:, :, ::-1])
        info: dict[str, Any] = {"device": str(self.device), "dtype": str(settings.compute_dtype).replace("torch.", "")}
        if size is None:
            padded_image, padding = _pad_to_multiple(image_bgr, SIZE_MULTIPLE)
            padded_trimap, _ = _pad_to_multiple(trimap, SIZE_MULTIPLE)
            alpha, fg, bg, used = self._run_networks(padded_image, padded_trimap, settings)
            alpha, fg, bg = alpha[:height, :width], fg[:height, :width], bg[:height, :width]
            info.update(mode="native", network_size=(padded_trimap.shape[1], padded_trimap.shape[0]),
                        padding_bottom_right=padding)
        else:
            net_w, net_h = _check_size(size)
            # refused before anything of that size is allocated, like a photo that size
            check_pixel_count(net_w, net_h, "network size", pixel_limit(self.max_pixels))
            if settings.sampling_max_side is None:  # else the attention runs smaller, checked then
                self._choose_attention(settings, net_h, net_w)
            small_image = cv2.resize(image_bgr, (net_w, net_h))  # bilinear, as the reference
            # nearest, as the reference: size= exists to reproduce the reference's outputs exactly
            # (docs/python-api.md), so it keeps the reference's rule rather than trimap_scale's
            small_trimap = cv2.resize(trimap, (net_w, net_h), interpolation=cv2.INTER_NEAREST)
            alpha, fg, bg, used = self._run_networks(small_image, small_trimap, settings)
            back = dict(dsize=(width, height), interpolation=cv2.INTER_AREA)
            alpha = np.clip(cv2.resize(alpha, **back).reshape(height, width), 0.0, 1.0)
            fg = np.clip(cv2.resize(fg, **back).reshape(height, width, 3), 0.0, 1.0)
            bg = np.clip(cv2.resize(bg, **back).reshape(height, width, 3), 0.0, 1.0)
            # the resize blurs the trimap's edges; the known regions are known
            alpha[trimap == BACKGROUND] = 0.0
            alpha[trimap == FOREGROUND] = 1.0
            info.update(mode="resized", network_size=(net_w, net_h))
            if not np.any(small_trimap == 128):
                info["note"] = f"the unknown region vanished when resizing the trimap to {net_w}x{net_h}"
        info.update(used)
        return MattingResult(
            alpha=np.ascontiguousarray(alpha, dtype=np.float32),
            foreground=np.ascontiguousarray(fg[:, :, ::-1], dtype=np.float32),
            background=np.ascontiguousarray(bg[:, :, ::-1], dtype=np.float32),
            engine=self.name,
            info=info,
        )
