"""The page: layout and wiring only; the work is in :mod:`.handlers`.

:func:`build_demo` takes the :class:`~samplenet.app.engines.EngineRegistry`
to use, so the same page runs on a Space (engines from ``SAMPLENET_WEIGHTS``)
and in tests (engines passed in).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from . import handlers
from .engines import ENGINE_CHOICES, EngineRegistry
from .trimap_tools import MAX_BAND_WIDTH

TITLE = "SampleNet Matting"

INTRO = """# SampleNet Matting: cut out hair and fur
Give a photo, tell us roughly what is subject (white), background (black) and fuzzy edge (grey):
that is a **trimap**. Draw it, let us make one from a few strokes, or upload one. Then press
**Cut out**: you get the opacity (alpha) of every pixel, a transparent PNG and a new background.
"""

SKETCH_HELP = (
    "Paint with the three brushes: **white** = surely subject, **black** = surely background, "
    "**grey** = fuzzy edge (hair, fur, veil) to compute. The eraser removes paint; the brush size is "
    "in the brush menu."
)
AUTO_HELP = (
    "Paint a **white** stroke on the subject and a **black** stroke on the background, and/or draw "
    "a **red** loop around the subject (its bounding box is used). We segment the photo (GrabCut) "
    "and put a grey band of the chosen width around the outline."
)
UPLOAD_HELP = "A grey-level image the size of the photo: 0 = background, 255 = foreground, anything else = unknown."

GPU_QUEUE = "gpu"


def _editor(colours: list[str], label: str, elem_id: str) -> gr.ImageEditor:
    return gr.ImageEditor(
        label=label,
        type="numpy",
        image_mode="RGBA",
        sources=(),
        transforms=(),
        layers=False,
        brush=gr.Brush(colors=colours, default_color=colours[0], color_mode="fixed"),
        eraser=gr.Eraser(),
        format="png",
        height=520,
        elem_id=elem_id,
    )


def _examples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "examples"


def example_pairs(folder: Path | None = None) -> list[list[str]]:
    """``[photo, trimap]`` pairs from ``examples/``: ``x.jpg``/``x.png`` with
    ``x_trimap.png``."""
    folder = folder or _examples_dir()
    pairs = []
    for trimap in sorted(folder.glob("*_trimap.png")):
        stem = trimap.name[: -len("_trimap.png")]
        for suffix in (".jpg", ".jpeg", ".png", ".webp"):
            photo = folder / f"{stem}{suffix}"
            if photo.exists():
                pairs.append([str(photo), str(trimap)])
                break
    return pairs


def build_demo(registry: EngineRegistry, examples: list[list[str]] | None = None) -> gr.Blocks:
    """The whole app for ``registry``'s engines; ``examples`` defaults to the
    pairs in ``examples/``."""
    examples = example_pairs() if examples is None else examples
    registry_engines = registry.available

    with gr.Blocks(title=TITLE, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(INTRO)
        if registry.notice:
            gr.Markdown(registry.notice, elem_id="weights-notice")
        source = gr.State("sketch")
        kept = gr.State(None)

        with gr.Row():
            with gr.Column(scale=1):
                photo = gr.Image(
                    label="Photo",
                    type="filepath",
                    image_mode=None,
                    sources=["upload", "webcam", "clipboard"],
                    format="png",
                    height=320,
                    elem_id="photo",
                )
                uploaded = gr.Image(
                    label="Trimap",
                    type="filepath",
                    image_mode=None,
                    sources=["upload", "clipboard"],
                    format="png",
                    height=320,
                    elem_id="trimap-upload",
                    render=False,
                )
                if examples:
                    gr.Examples(examples=examples, inputs=[photo, uploaded], label="Samples: click one (photo + trimap)")
                with gr.Tabs(selected="sketch") as tabs:
                    with gr.Tab("Sketch", id="sketch") as sketch_tab:
                        gr.Markdown(SKETCH_HELP)
                        sketch = _editor(["#ffffff", "#000000", "#808080"], "Trimap sketch", "sketch")
                        unpainted = gr.Radio(
                            ["unknown", "background"], value="unknown", label="Unpainted pixels count as"
                        )
                    with gr.Tab("Auto from strokes or box", id="auto") as auto_tab:
                        gr.Markdown(AUTO_HELP)
                        strokes = _editor(["#ffffff", "#000000", "#ff0000"], "Strokes", "strokes")
                        band = gr.Slider(
                            1, MAX_BAND_WIDTH, value=12, step=1, label="Unknown band width (pixels each side)"
                        )
                        touch_up = gr.Button("Touch up this trimap with the brushes")
                    with gr.Tab("Upload trimap", id="upload") as upload_tab:
                        gr.Markdown(UPLOAD_HELP)
                        uploaded.render()
                engine = gr.Radio(
                    registry_engines, value="auto", label="Engine",
                    info=f"auto = {registry.default_name} on this server",
                )
                with gr.Row():
                    preview = gr.Button("Preview trimap")
                    run = gr.Button("Cut out", variant="primary", elem_id="run")
                status = gr.Markdown(elem_id="status")
            with gr.Column(scale=1):
                overlay = gr.Image(label="Trimap over the photo", format="png", interactive=False, elem_id="overlay")
                with gr.Row():
                    alpha = gr.Image(label="Alpha matte", format="png", interactive=False, elem_id="alpha")
                    cutout = gr.Image(label="Cut-out", format="png", interactive=False)
                downloads = gr.File(label="Downloads: cut-out (RGBA PNG) and alpha", file_count="multiple")
                with gr.Row():
                    colour = gr.ColorPicker(value="#2e7d32", label="New background colour")
                    backdrop = gr.Image(label="…or a background picture", type="filepath", image_mode=None, height=140)
                composite = gr.Image(label="Composite", format="png", interactive=False)
                slider = gr.ImageSlider(label="Before / after", format="png", interactive=False)
                with gr.Row():
                    sampled_fg = gr.Image(
                        label="SampleNet's sampled foreground", format="png", interactive=False, visible=False
                    )
                    sampled_bg = gr.Image(
                        label="SampleNet's sampled background", format="png", interactive=False, visible=False
                    )

        tab_inputs = [sketch, unpainted, strokes, band, uploaded]

        # ---- keeping the editors and the active tab in step with the photo
        def photo_into_editors(path: str | None):
            value = None if not path else {"background": path, "layers": [], "composite": path}
            return value, value

        photo.change(photo_into_editors, photo, [sketch, strokes], api_visibility="private",
                     concurrency_limit=None)
        for tab, name in ((sketch_tab, "sketch"), (auto_tab, "auto"), (upload_tab, "upload")):
            tab.select(lambda name=name: name, None, source, api_visibility="private", concurrency_limit=None)

        def trimap_uploaded(path: str | None):
            if not path:
                return gr.skip(), gr.skip()
            return gr.Tabs(selected="upload"), "upload"

        uploaded.change(trimap_uploaded, uploaded, [tabs, source], api_visibility="private",
                        concurrency_limit=None)

        # ---- trimap preview and touch-up
        def on_preview(photo_path, source_name, *values):
            picture, _ = handlers.preview_trimap(photo_path, source_name, *values)
            return picture

        preview.click(on_preview, [photo, source, *tab_inputs], overlay, api_visibility="private",
                      concurrency_limit=2)

        @handlers.user_errors
        def on_touch_up(photo_path, strokes_value, band_width):
            value, _, picture = handlers.touch_up(photo_path, strokes_value, band_width)
            return value, gr.Tabs(selected="sketch"), "sketch", picture

        touch_up.click(on_touch_up, [photo, strokes, band], [sketch, tabs, source, overlay],
                       api_visibility="private", concurrency_limit=2)

        # ---- matting
        @handlers.user_errors
        def on_run(photo_path, source_name, sketch_value, unpainted_as, strokes_value, band_width,
                   upload_path, engine_name, colour_value, backdrop_path, progress=gr.Progress()):
            page = handlers.run_page(
                registry, photo_path, source_name,
                (sketch_value, unpainted_as, strokes_value, band_width, upload_path),
                engine_name, colour_value, backdrop_path,
                progress=lambda fraction, text: progress(fraction, desc=text),
            )
            for note in page.notes:
                gr.Warning(note)
            show_samples = page.sampled_foreground is not None
            return (
                page.overlay, page.alpha, page.cutout_preview, [page.cutout_file, page.alpha_file],
                page.composite, page.before_after,
                gr.Image(value=page.sampled_foreground, visible=show_samples),
                gr.Image(value=page.sampled_background, visible=show_samples),
                page.status, page.kept,
            )

        run.click(
            on_run,
            [photo, source, *tab_inputs, engine, colour, backdrop],
            [overlay, alpha, cutout, downloads, composite, slider, sampled_fg, sampled_bg, status, kept],
            api_visibility="private",
            concurrency_id=GPU_QUEUE,
            concurrency_limit=1,
        )

        @handlers.user_errors
        def on_new_background(kept_value: Any, colour_value: str, backdrop_path: str | None):
            if not kept_value:
                return gr.skip()
            return handlers.composite_picture(kept_value, colour_value, backdrop_path)

        for trigger in (colour.change, backdrop.change):
            trigger(on_new_background, [kept, colour, backdrop], composite, api_visibility="private",
                    concurrency_limit=None)

        # ---- the API for programs (gradio_client / HF API); no visible controls
        with gr.Group(visible=False):
            api_image = gr.File(label="image")
            api_trimap = gr.File(label="trimap")
            api_engine = gr.Dropdown(list(ENGINE_CHOICES), value="auto", label="engine")
            api_alpha = gr.File(label="alpha")
            api_cutout = gr.File(label="cutout")
            api_fg = gr.File(label="foreground")
            api_bg = gr.File(label="background")
            api_details = gr.JSON(label="details")
            api_mask = gr.File(label="mask")
            api_band = gr.Number(value=10, label="band_width")
            api_trimap_out = gr.File(label="trimap")
            matte_button = gr.Button("matte")
            trimap_button = gr.Button("trimap")

        def matte(image: str, trimap: str, engine: str = "auto"):
            """Matte a photo with a trimap. Returns the alpha matte (8-bit grey PNG, the photo's size),
            the RGBA cut-out PNG, the foreground and background colour PNGs and a details dict."""
            return handlers.matte_files(registry, image, trimap, engine)

        def trimap(image: str, mask: str, band_width: float = 10):
            """Build a trimap PNG from a photo and a mask (white = subject) with an unknown band of
            band_width pixels on each side of the mask's outline."""
            return handlers.trimap_file_from_mask(image, mask, band_width)

        matte_button.click(
            matte, [api_image, api_trimap, api_engine], [api_alpha, api_cutout, api_fg, api_bg, api_details],
            api_name="matte", concurrency_id=GPU_QUEUE, concurrency_limit=1,
        )
        trimap_button.click(trimap, [api_image, api_mask, api_band], api_trimap_out, api_name="trimap",
                            concurrency_limit=2)

    demo.queue(default_concurrency_limit=1)
    return demo
