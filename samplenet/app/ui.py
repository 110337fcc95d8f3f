"""The page: layout and wiring only; the work is in :mod:`.handlers`.

:func:`build_demo` takes the :class:`~samplenet.app.engines.EngineRegistry`
to use, so the same page runs on a Space (engines from ``SAMPLENET_WEIGHTS``)
and in tests (engines passed in).
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

import gradio as gr

from . import actions, gpu
from .engines import EngineRegistry
from .handlers import DEFAULT_BAND_WIDTH
from .page import Page
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
    gpu.serve(registry)

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
                            1, MAX_BAND_WIDTH, value=DEFAULT_BAND_WIDTH, step=1,
                            label="Unknown band width (pixels each side)",
                        )
                        touch_up = gr.Button("Touch up this trimap with the brushes")
                    with gr.Tab("Upload trimap", id="upload") as upload_tab:
                        gr.Markdown(UPLOAD_HELP)
                        uploaded.render()
                engine = gr.Radio(
                    registry.available, value="auto", label="Engine",
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

        page = Page(
            photo=photo, tabs=tabs, source=source, sketch=sketch, unpainted=unpainted, strokes=strokes,
            band=band, uploaded=uploaded, engine=engine, status=status, overlay=overlay, alpha=alpha,
            cutout=cutout, downloads=downloads, colour=colour, backdrop=backdrop, composite=composite,
            slider=slider, sampled_fg=sampled_fg, sampled_bg=sampled_bg, kept=kept,
        )
        _wire(demo, page, registry, {"sketch": sketch_tab, "auto": auto_tab, "upload": upload_tab},
              preview, touch_up, run)

    demo.queue(default_concurrency_limit=1)
    return demo


def _wire(demo: gr.Blocks, page: Page, registry: EngineRegistry, tab_of: dict[str, gr.Tab],
          preview: gr.Button, touch_up: gr.Button, run: gr.Button) -> None:
    """Connect the page's events to :mod:`.actions` (all private: programs use the API)."""
    quick = {"api_visibility": "private", "concurrency_limit": None}
    page.photo.change(partial(actions.photo_into_editors, page), {page.photo}, [page.sketch, page.strokes],
                      **quick)
    for name, tab in tab_of.items():
        tab.select(partial(actions.select_source, name), None, page.source, **quick)
    page.uploaded.change(partial(actions.trimap_uploaded, page), {page.uploaded}, [page.tabs, page.source],
                         **quick)
    preview.click(partial(actions.preview, page), page.trimap_inputs, page.overlay,
                  api_visibility="private", concurrency_limit=2)
    touch_up.click(partial(actions.touch_up, page), {page.photo, page.strokes, page.band},
                   [page.sketch, page.tabs, page.source, page.overlay], api_visibility="private",
                   concurrency_limit=2)
    run.click(
        partial(actions.cut_out, page, registry),
        page.trimap_inputs | {page.engine, page.colour, page.backdrop},
        [page.overlay, page.alpha, page.cutout, page.downloads, page.composite, page.slider,
         page.sampled_fg, page.sampled_bg, page.status, page.kept],
        api_visibility="private", concurrency_id=GPU_QUEUE, concurrency_limit=1,
    )
    for trigger in (page.colour.change, page.backdrop.change):
        trigger(partial(actions.new_background, page), {page.kept, page.colour, page.backdrop},
                page.composite, **quick)

    # The API for programs (gradio_client, the HF API): no components of its own.
    gr.api(actions.matte, api_name="matte", concurrency_id=GPU_QUEUE, concurrency_limit=1)
    gr.api(actions.trimap, api_name="trimap", concurrency_limit=2)
