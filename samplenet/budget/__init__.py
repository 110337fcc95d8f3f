"""Fitting a run into a time budget: what a run will cost on this device
(:mod:`.cost_model`) and the largest working size that fits
(:mod:`.working_size`). The app and ``max_seconds=`` use them; a plain
engine call never does."""
