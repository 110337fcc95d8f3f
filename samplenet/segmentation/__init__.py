"""Automatic trimaps from a box, clicks or strokes.

One module per job: :mod:`.prompts` checks what the visitor gave,
:mod:`.classical` and :mod:`.sam` segment (the classical one with
:mod:`.focus` and :mod:`.graph_cut`), :mod:`.refine` mattes at a
working size to find where the outline is fuzzy, :mod:`.band` turns mask +
trial matte into a trimap, :mod:`.auto` ties them together as
:func:`auto_trimap`, :mod:`.cache` keeps recent segmentations for the app.
"""
from .auto import AutoTrimapInfo, auto_trimap
from .prompts import Prompts, make_prompts

__all__ = ["AutoTrimapInfo", "Prompts", "auto_trimap", "make_prompts"]
