"""The SampleNet Matting Space: ``python app.py`` serves it on http://127.0.0.1:7860.

Engines are loaded once, here: SampleNet from ``SAMPLENET_WEIGHTS`` (a Hub repo
id or a folder) when it can be, the weight-free engine always.  Without
weights the page says so and how to enable SampleNet.  SAM (the Auto tab's
segmenter, from ``SAMPLENET_SEGMENTER``) starts loading in the background
while the server starts, so the first visitor need not wait for it (except
on ZeroGPU, see below).  Gradio's usual variables apply
(``GRADIO_SERVER_NAME``, ``GRADIO_SERVER_PORT``, ...).
"""
from __future__ import annotations

import logging
import os

import samplenet
from samplenet.app import LAUNCH_OPTIONS, EngineRegistry, build_demo
from samplenet.app.calibration import calibrate_in_background
from samplenet.app.gpu import ON_ZERO_GPU
from samplenet.segmentation.sam import load_in_background

logging.basicConfig(level=os.environ.get("SAMPLENET_LOG_LEVEL", "INFO"))

samplenet.tune_process()  # this script owns the process: threads from $SAMPLENET_THREADS, memory reuse
registry = EngineRegistry.from_environment()
demo = build_demo(registry)

if __name__ == "__main__":
    # ZeroGPU emulates CUDA in this process and expects models placed on it at
    # import time; a load racing the launch is untested there, so SAM keeps
    # loading on first use as before.
    if not ON_ZERO_GPU:
        load_in_background()  # SAM from $SAMPLENET_SEGMENTER, if set, while the server starts
        calibrate_in_background(registry)  # each engine's speed here, for the run budget's working sizes
    # Uploads larger than this are refused by the server before any decoding.
    demo.launch(max_file_size=os.environ.get("SAMPLENET_MAX_UPLOAD", "100mb"), **LAUNCH_OPTIONS)
