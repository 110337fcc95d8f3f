"""Exceptions that users of :mod:`samplenet` are meant to catch.

Every problem with what a caller hands us (files, arrays, sizes) becomes a
:class:`MattingInputError`, a ``ValueError`` subclass, so that a web server or
a batch job can report it and carry on; it never surfaces as an OpenCV or
PyTorch traceback.
"""
from __future__ import annotations


class MattingInputError(ValueError):
    """The image or trimap given to a matting engine cannot be used.

    The message names the problem (which input, what was expected, what was
    found) so that it can be shown to a person as it is.
    """


class WeightsNotFoundError(FileNotFoundError):
    """No SampleNet weights could be found where we looked.

    The message lists the places that were tried and how to obtain weights;
    ``samplenet.load(engine="auto")`` catches it and falls back to the
    weight-free engine.
    """


class WeightsFormatError(ValueError):
    """A weights file or folder exists but does not hold what we expect
    (wrong format, missing/unexpected/mis-shaped keys, unsafe pickle)."""


class WeightsUploadError(OSError):
    """Uploading a weights folder to the Hugging Face Hub failed (offline,
    not logged in, no permission, network error); the message says which
    and what to do."""
