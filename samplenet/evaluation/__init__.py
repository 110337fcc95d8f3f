"""Evaluating mattes against ground truth, in one place.

* :mod:`.metrics`: the four errors every matting paper reports (SAD, MSE,
  gradient, connectivity), as Deep Image Matting's MATLAB code computes them.
* :mod:`.folders`: scoring a folder of predictions (``samplenet evaluate``).
* :mod:`.benchmark_set`: reading a benchmark folder (image/, trimap*/, alpha/).
* :mod:`.compared_engines`: the engines a benchmark can put side by side.
* :mod:`.quality`: ``samplenet bench quality``, engines on ground truth.

The command-line wiring of these lives in :mod:`samplenet.cli`.
"""
