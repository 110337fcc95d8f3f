"""SampleNet: learning-based sampling for natural image matting.

Quick start::

    import samplenet
    matter = samplenet.load()                 # SampleNet if weights are found, else weight-free
    result = matter("photo.jpg", "trimap.png")
    rgba = result.cutout()

Loading and calling an engine leave the process's settings alone; an
application that owns its process may opt in to the CPU tuning that the
app and the command line use: ``samplenet.tune_process(threads=4)``.
"""
from .engines import load
from .errors import MattingInputError, WeightsFormatError, WeightsNotFoundError
from .process import tune_process
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
    "tune_process",
    "__version__",
]
