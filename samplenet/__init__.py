"""SampleNet: learning-based sampling for natural image matting.

Quick start::

    import samplenet
    matter = samplenet.load()                 # SampleNet if weights are found, else weight-free
    result = matter("photo.jpg", "trimap.png")
    rgba = result.cutout()
"""
from .engines import load
from .errors import MattingInputError, WeightsFormatError, WeightsNotFoundError
from .result import MattingResult
from .segmentation import auto_trimap

__version__ = "0.1.0"

__all__ = [
    "auto_trimap",
    "load",
    "MattingInputError",
    "MattingResult",
    "WeightsFormatError",
    "WeightsNotFoundError",
    "__version__",
]
