"""The page's components by name, so that actions read and update them by
name rather than by their position in an inputs or outputs list."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from .handlers import AutoInputs, TrimapSources


@dataclass(frozen=True, eq=False)
class Page:
    """Every component an action reads or writes (built by ``build_demo``)."""

    photo: gr.Image
    tabs: gr.Tabs
    source: gr.Textbox
    sketch: gr.ImageEditor
    sketch_base: gr.State
    unpainted: gr.Radio
    strokes: gr.ImageEditor
    clicks: gr.JSON
    click_picture: gr.Image
    click_label: gr.Radio
    band: gr.Slider
    uploaded: gr.Image
    engine: gr.Radio
    status: gr.Markdown
    overlay: gr.Image
    alpha: gr.Image
    cutout: gr.Image
    downloads: gr.File
    colour: gr.ColorPicker
    backdrop: gr.Image
    composite: gr.Image
    slider: gr.ImageSlider
    sampled_fg: gr.Image
    sampled_bg: gr.Image
    kept: gr.State

    @property
    def trimap_inputs(self) -> set[Any]:
        """What :meth:`trimap_sources` reads, with the photo."""
        return {self.photo, self.source, self.sketch, self.sketch_base, self.unpainted, self.strokes, self.clicks,
                self.band, self.uploaded}

    def trimap_sources(self, values: dict[Any, Any]) -> TrimapSources:
        """The trimap tabs' values (from a dict keyed by component) by name."""
        return TrimapSources(
            source=values[self.source],
            sketch=values[self.sketch],
            unpainted=values[self.unpainted],
            sketch_base=values[self.sketch_base],
            auto=AutoInputs(
                strokes=values[self.strokes], band_width=values[self.band], points=values[self.clicks] or ()
            ),
            upload=values[self.uploaded],
        )
