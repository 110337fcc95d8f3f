"""Turning whatever a caller hands us into a clean image and trimap.

Every engine works on the same two arrays: an ``HxWx3`` ``uint8`` RGB image
and an ``HxW`` ``uint8`` trimap whose values are exactly 0 (background),
128 (unknown) and 255 (foreground).  This module produces them from paths,
bytes, PIL images and NumPy arrays, converts what can be converted
(greyscale, RGBA, palette, 16-bit, EXIF rotation) and turns everything else
into a :class:`~samplenet.errors.MattingInputError` that names the problem.
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import MattingInputError

ImageLike = str | os.PathLike | bytes | np.ndarray | Image.Image

#: Largest number of pixels accepted by default (about 6000x6000).  Larger
#: inputs are refused before they are decoded, which also defuses PIL
#: decompression bombs.  Override per call or with ``SAMPLENET_MAX_PIXELS``.
DEFAULT_MAX_PIXELS = 36_000_000

BACKGROUND, UNKNOWN, FOREGROUND = 0, 128, 255


#: How many characters of a caller's string a message or log line repeats.
QUOTE_LIMIT = 80


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` quoted for an error message or a log line; beyond ``limit``
    characters only its start and end are shown, with the full length.

    Engine names, paths and options come from people and programs we do not
    control: echoed whole, a 1 MB engine name makes a 1 MB response and a
    1 MB log line.  The end is kept because that is where a path names its
    file.  Strings and paths are quoted; anything else (``bytes`` too) is
    shown through ``repr``.
    """
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    as_text = isinstance(value, str)
    text = value if as_text else repr(value)
    show = repr if as_text else str
    if len(text) <= limit:
        return show(text)
    half = max(1, limit // 2)
    return f"{show(text[:half])}...{show(text[-half:])} ({len(text):,} characters)"


def positive_int_from_env(name: str, default: int) -> int:
    """A positive integer setting from the environment variable ``name``
    (``default`` when unset or empty); a malformed value is an error, not
    silently ignored."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise MattingInputError(f"{name} must be an integer, got {quoted(raw)}") from None
    if value <= 0:
        raise MattingInputError(f"{name} must be positive, got {value}")
    return value


def max_pixels_from_env() -> int:
    """The pixel limit in force: ``SAMPLENET_MAX_PIXELS`` or the default."""
    return positive_int_from_env("SAMPLENET_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def pixel_limit(max_pixels: int | None) -> int:
    """The pixel limit to apply: ``max_pixels`` when given (a positive
    integer), else :func:`max_pixels_from_env`."""
    if max_pixels is None:
        return max_pixels_from_env()
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)) or max_pixels <= 0:
        raise MattingInputError(f"max_pixels must be a positive integer (or None), got {quoted(max_pixels)}")
    return int(max_pixels)


def _describe(source: object, name: str | None = None) -> str:
    if name is not None:
        return quoted(name)
    if isinstance(source, (str, os.PathLike)):
        return quoted(source)
    if isinstance(source, bytes):
        return f"<{len(source)} bytes>"
    return type(source).__name__


def open_image_file(
    source: str | os.PathLike | bytes, what: str, max_pixels: int, name: str | None = None
) -> Image.Image:
    """Decode a file or byte string with PIL, checking the size before the
    pixels are decoded so that a huge or malicious file costs nothing.
    Every failure is a :class:`MattingInputError` naming ``what`` and the
    file (by ``name`` when given: a server's upload folder means nothing
    to the person who sent the file).  The image keeps its mode (alpha
    channel, palette...)."""
    label = _describe(source, name)
    try:
        if isinstance(source, bytes):
            if not source:
                raise MattingInputError(f"The {what} is empty (0 bytes).")
            handle = Image.open(io.BytesIO(source))
        else:
            path = Path(source)
            if not path.exists():
                raise MattingInputError(f"The {what} file {label} does not exist.")
            if path.is_dir():
                raise MattingInputError(f"The {what} path {label} is a folder, not an image file.")
            if path.stat().st_size == 0:
                raise MattingInputError(f"The {what} file {label} is empty (0 bytes).")
            handle = Image.open(path)
    except MattingInputError:
        raise
    except UnidentifiedImageError:
        raise MattingInputError(f"The {what} {label} is not an image file that can be read.") from None
    except Image.DecompressionBombError as exc:
        raise MattingInputError(f"The {what} {label} is too large: {exc}") from None
    except OSError as exc:
        raise MattingInputError(f"The {what} {label} could not be read: {exc}") from None

    check_pixel_count(*handle.size, f"{what} {label}", max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            handle.load()
    except OSError as exc:  # truncated or corrupt data
        raise MattingInputError(f"The {what} {label} is truncated or corrupt: {exc}") from None
    except Exception as exc:  # pragma: no cover - decoder-specific failures
        raise MattingInputError(f"The {what} {label} could not be decoded: {exc}") from None
    return handle


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info


def _pil_to_array(img: Image.Image, keep_alpha: bool = False) -> np.ndarray:
    """PIL image (any mode, EXIF-rotated) -> uint8 array, 2-D or HxWxC;
    with ``keep_alpha`` a picture with transparency comes back RGBA."""
    img = ImageOps.exif_transpose(img)
    mode = img.mode
    if keep_alpha and _has_alpha(img):
        return np.asarray(img.convert("RGBA"))
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        data = np.asarray(img).astype(np.float64)
        scale = 65535.0 if (mode.startswith("I;16") or data.max(initial=0) > 255) else 255.0
        return np.clip(np.rint(data * (255.0 / scale)), 0, 255).astype(np.uint8)
    if mode == "F":
        return _float_to_uint8(np.asarray(img), "image")
    if mode in ("1", "L"):
        return np.asarray(img.convert("L"))
    if mode in ("LA", "PA"):
        return np.asarray(img.convert("LA"))[..., 0]
    if mode == "RGBA":
        return np.asarray(img)
    return np.asarray(img.convert("RGB"))


def _float_to_uint8(array: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(array)):
        raise MattingInputError(f"The {what} array contains NaN or infinite values.")
    lo, hi = float(array.min()), float(array.max())
    if lo < 0.0 or hi > 1.0:
        raise MattingInputError(
            f"A floating-point {what} must have values in [0, 1]; got values in [{lo:g}, {hi:g}]."
        )
    return np.rint(array * 255.0).astype(np.uint8)


def _array_to_uint8(array: np.ndarray, what: str) -> np.ndarray:
    """Accept uint8, 16-bit and [0, 1] float arrays; refuse the rest by name."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.uint16:
        return np.rint(array.astype(np.float64) / 257.0).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        return _float_to_uint8(array, what)
    raise MattingInputError(
        f"The {what} array has dtype {array.dtype}; expected uint8, uint16 or float in [0, 1]."
    )


def _to_array(
    source: ImageLike, what: str, max_pixels: int, keep_alpha: bool = False, name: str | None = None
) -> np.ndarray:
    """The one reader of every picture a caller gives (photo, trimap, mask,
    painted layer): decoded with :func:`open_image_file`, EXIF-rotated."""
    if isinstance(source, Image.Image):
        check_pixel_count(*source.size, what, max_pixels)
        return _pil_to_array(source, keep_alpha)
    if isinstance(source, (str, os.PathLike, bytes)):
        return _pil_to_array(open_image_file(source, what, max_pixels, name), keep_alpha)
    if isinstance(source, np.ndarray):
        return _array_to_uint8(source, what)
    raise MattingInputError(
        f"The {what} must be a file path, bytes, a PIL image or a NumPy array, not {type(source).__name__}."
    )


def check_pixel_count(width: int, height: int, what: str, max_pixels: int) -> None:
    """Refuse more than ``max_pixels`` pixels, saying how to raise the limit.
    Photos go through it, and so does a network size asked for with
    ``size=`` / ``--size``: both become tensors of that many pixels."""
    if width * height > max_pixels:
        raise MattingInputError(
            f"The {what} has {width}x{height} = {width * height:,} pixels, more than the "
            f"limit of {max_pixels:,} (set max_pixels or SAMPLENET_MAX_PIXELS to raise it)."
        )


def _check_size(array: np.ndarray, what: str, max_pixels: int) -> None:
    if array.ndim < 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise MattingInputError(f"The {what} is empty (shape {array.shape}).")
    check_pixel_count(array.shape[1], array.shape[0], what, max_pixels)


def load_image(source: ImageLike, max_pixels: int | None = None, *, name: str | None = None) -> np.ndarray:
    """Read a photo as an ``HxWx3`` ``uint8`` RGB array.

    Greyscale is repeated to three channels, an alpha channel is dropped,
    16-bit data is scaled to 8 bits and EXIF orientation is applied.
    ``name`` is what error messages call the file (default: its path).
    """
    limit = pixel_limit(max_pixels)
    array = _to_array(source, "image", limit, name=name)
    _check_size(array, "image", limit)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] in (1, 3, 4):
        if array.shape[2] == 1:
            array = np.repeat(array, 3, axis=2)
        elif array.shape[2] == 4:
            array = array[:, :, :3]
    else:
        raise MattingInputError(
            f"The image has shape {array.shape}; expected HxW (grey), HxWx3 (RGB) or HxWx4 (RGBA)."
        )
    return np.ascontiguousarray(array)


#: ITU-R BT.601 luma weights of R, G and B (what PIL's ``convert("L")`` uses).
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Grey level (float32, same scale as the input) of an ``HxWx3`` or
    ``HxWx4`` array; an alpha channel is ignored.  Trimaps and masks drawn
    in colour are read through it, so white, black and grey keep their
    meaning."""
    return rgb[..., :3].astype(np.float32) @ LUMA_WEIGHTS


def unknown_region(grey: np.ndarray) -> np.ndarray:
    """The unknown pixels of a grey-level trimap: every value strictly
    between 0 and 255 (trimaps in the wild use 127, 128, 102, ...).  The one
    definition that loading and scoring share."""
    return (grey > BACKGROUND) & (grey < FOREGROUND)


def normalize_trimap(grey: np.ndarray) -> np.ndarray:
    """Map grey levels to exactly {0, 128, 255}: anything strictly between
    0 and 255 is unknown (see :func:`unknown_region`)."""
    out = np.full(grey.shape, UNKNOWN, dtype=np.uint8)
    out[grey == BACKGROUND] = BACKGROUND
    out[grey == FOREGROUND] = FOREGROUND
    return out


def load_trimap(source: ImageLike, max_pixels: int | None = None, *, name: str | None = None) -> np.ndarray:
    """Read a trimap as an ``HxW`` ``uint8`` array with values 0/128/255.

    Grey, RGB, RGBA and palette files are accepted; colour is reduced to
    luminance (white, black and grey stay what they are).
    """
    limit = pixel_limit(max_pixels)
    if isinstance(source, np.ndarray) and source.dtype == np.bool_:
        raise MattingInputError(
            "The trimap is a boolean mask; a trimap needs three levels (0 background, "
            "128 unknown, 255 foreground). Build one with samplenet.trimap tools or pass uint8."
        )
    array = _to_array(source, "trimap", limit, name=name)
    _check_size(array, "trimap", limit)
    if array.ndim == 3:
        if array.shape[2] == 1:
            array = array[:, :, 0]
        elif array.shape[2] in (3, 4):
            array = np.rint(luminance(array)).clip(0, 255).astype(np.uint8)
        else:
            raise MattingInputError(
                f"The trimap has shape {array.shape}; expected HxW, HxWx3 or HxWx4."
            )
    elif array.ndim != 2:
        raise MattingInputError(f"The trimap has shape {array.shape}; expected HxW.")
    return normalize_trimap(array)


def load_mask(
    source: ImageLike, max_pixels: int | None = None, *, what: str = "mask", name: str | None = None
) -> np.ndarray:
    """Read a mask or a painted layer: ``HxW`` grey, or ``HxWx4`` RGBA when
    the picture has transparency (a cut-out's alpha is its mask, a painted
    layer's alpha says where it is painted).  EXIF orientation is applied,
    as for the photo it belongs to."""
    limit = pixel_limit(max_pixels)
    array = _to_array(source, what, limit, keep_alpha=True, name=name)
    _check_size(array, what, limit)
    return array


def prepare_inputs(
    image: ImageLike, trimap: ImageLike, max_pixels: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Load and cross-check an image and its trimap (same height and width)."""
    img = load_image(image, max_pixels)
    tri = load_trimap(trimap, max_pixels)
    if img.shape[:2] != tri.shape:
        raise MattingInputError(
            f"The image is {img.shape[1]}x{img.shape[0]} but the trimap is "
            f"{tri.shape[1]}x{tri.shape[0]}; they must have the same size."
        )
    return img, tri
