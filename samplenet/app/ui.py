"""The page: layout and wiring only; what each event does is in
:mod:`.actions`, the work in :mod:`.handlers`.

:func:`build_demo` takes the :class:`~samplenet.app.engines.EngineRegistry`
to use, so the same page runs on a Space (engines from ``SAMPLENET_WEIGHTS``)
and in tests (engines passed in).

Layout: on a desktop the photo and samples, the trimap tools with **Cut
out**, and the results are three columns of the first screen; on a phone the
columns stack in that order, so the action directly follows the editor.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from pathlib import Path

import gradio as gr
from gradio.utils import get_function_description

from ..segmentation.band import MAX_BAND_WIDTH
from . import actions, brushes, gpu
from .api_page import API_EXAMPLE_FILES, API_EXAMPLE_VALUES
from .engines import HOW_TO_ENABLE_SAMPLENET, EngineRegistry
from .handlers import ADAPTIVE_BAND
from .launch import PHONE_MAX_WIDTH
from .page import Page
from .run_budget import DEFAULT_RUN_SECONDS

TITLE = "SampleNet Matting"

INTRO = """# SampleNet Matting: cut out hair and fur
Mark the photo's subject (white), background (black) and fuzzy edge (grey), a **trimap**, then
press **Cut out** for the alpha matte, a transparent PNG and a new background.
"""

#: The one line visitors read about the engine when SampleNet runs.
SAMPLENET_NOTICE = "**Engine: SampleNet** (trained weights loaded)."

SKETCH_HELP = "Paint **white** = subject, **black** = background, **grey** = fuzzy edge (hair, fur, veil)."
AUTO_HELP = (
    "Loop the subject in **red** and/or tap it on the **Clicks** picture; **white** / **black** strokes "
    "mark sure subject / background."
)
UPLOAD_HELP = "A grey image the photo's size: 0 = background, 255 = subject, anything else = unknown."

RUN_IT_YOURSELF = f"""The page and its API run anywhere: in a clone of the repository, `pip install -e .`
then `python app.py` (README: "Run it yourself"). {HOW_TO_ENABLE_SAMPLENET} Each run has a time budget of
`SAMPLENET_APP_RUN_SECONDS` (default {DEFAULT_RUN_SECONDS} s); past it the run is cut short and the
page says so.
"""

GPU_QUEUE = "gpu"



def _pick_brush_js(editor_id: str) -> str:
    """Browser-side: choose the editor's brush tool and the swatch of the
    picked colour (the editor has no Python API for its current colour),
    then close the swatch menu: left open, it lies over the photo (on a
    phone across its width) and a stroke pressed on it is lost.  The menu
    closes on a mousedown outside it, as Gradio's ImageEditor listens for;
    the radio and the colour button show the choice.  Each step waits for
    the editor to draw what the next one clicks (polling every 50 ms, up to
    2 s) rather than a fixed delay: on a slow phone a fixed 100 ms was
    sometimes too short, and the menu stayed open."""
    return f"""(colour) => {{
        const editor = document.querySelector('#{editor_id}');
        if (!editor) return;
        const button = (label) => [...editor.querySelectorAll('button')]
            .find(b => b.getAttribute('aria-label') === label);
        const swatch = () => [...editor.querySelectorAll('button.color')].find(b => b.style.backgroundColor === colour);
        const close = () => document.body.dispatchEvent(new MouseEvent('mousedown', {{bubbles: true}}));
        const until = (ready, then, tries = 40) => {{
            if (ready()) then();
            else if (tries > 0) setTimeout(() => until(ready, then, tries - 1), 50);
            else close();
        }};
        const brush = button('Brush');
        const switching = brush && !brush.classList.contains('highlight');
        if (switching) brush.click();
        setTimeout(() => until(() => button('Color'), () => {{
            if (!swatch()) button('Color').click();
            until(swatch, () => {{
                swatch().click();
                setTimeout(close, 50);
            }});
        }}), switching ? 100 : 0);
    }}"""


#: Browser-side: the selected trimap tab's id (each tab's id is its label in lower case).
_SELECTED_TAB_JS = """() => {
    const tab = document.querySelector('#tools-column button[role=tab][aria-selected=true]');
    return tab ? tab.textContent.trim().toLowerCase() : 'sketch';
}"""


def _clear_editors_js(*editor_ids: str) -> str:
    """Browser-side, before a new photo goes into the brush editors: wipe their
    strokes with each editor's own "Clear canvas" button.  Gradio 6.31's
    ImageEditor, given a new background while it holds painted strokes, stays
    blank with its loading timer running (the strokes on it are then lost and
    Cut out finds the sketch empty); cleared first, it takes the new photo."""
    ids = ", ".join(repr(editor_id) for editor_id in editor_ids)
    return f"""() => {{
        for (const id of [{ids}]) {{
            const editor = document.querySelector('#' + id);
            const clear = editor && [...editor.querySelectorAll('button')]
                .find(b => b.getAttribute('aria-label') === 'Clear canvas');
            if (clear && !clear.disabled) clear.click();
        }}
    }}"""


def _brush_choice(choices: list[tuple[str, str]], editor_id: str) -> gr.Radio:
    """The editor's brushes as visible, named choices (Gradio hides them behind its colour button)."""
    picker = gr.Radio(choices, value=choices[0][1], label="Brush", elem_id=f"{editor_id}-brush")
    picker.input(None, picker, None, js=_pick_brush_js(editor_id))
    return picker


def _editor(colours: list[str], label: str, elem_id: str, height: int = 420) -> gr.ImageEditor:
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
        height=height,
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
        gr.Markdown(registry.notice or SAMPLENET_NOTICE, elem_id="engine-notice")
        # hidden components, not gr.State: a share link (which carries component values only) restores them
        source = gr.Textbox("sketch", visible=False, elem_id="trimap-source")
        clicks = gr.JSON([], visible=False, elem_id="click-points")
        sketch_base = gr.State(None)
        kept = gr.State(None)

        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=240, elem_id="photo-column"):
                photo = gr.Image(
                    label="Photo", type="filepath", image_mode=None,
                    sources=["upload", "webcam", "clipboard"], format="png", height=220, elem_id="photo",
                )
                uploaded = gr.Image(
                    label="Trimap", type="filepath", image_mode=None, sources=["upload", "clipboard"],
                    format="png", height=260, elem_id="trimap-upload", render=False,
                )
                if examples:
                    gr.Examples(examples=examples, inputs=[photo, uploaded], label="Samples (photo + trimap)",
                                examples_per_page=4, elem_id="samples")
            with gr.Column(scale=4, min_width=320, elem_id="tools-column"):
                with gr.Tabs(selected="sketch") as tabs:
                    with gr.Tab("Sketch", id="sketch") as sketch_tab:
                        gr.Markdown(SKETCH_HELP)
                        with gr.Row():
                            _brush_choice(brushes.choices(brushes.SKETCH_BRUSHES), "sketch")
                            unpainted = gr.Radio(["unknown", "background"], value="unknown",
                                                 label="Unpainted pixels count as")
                        sketch = _editor(brushes.swatches(brushes.SKETCH_BRUSHES), "Trimap sketch", "sketch")
                    with gr.Tab("Auto", id="auto") as auto_tab:
                        gr.Markdown(AUTO_HELP, elem_id="auto-help")
                        _brush_choice(brushes.choices(brushes.STROKE_BRUSHES), "strokes")
                        strokes = _editor(brushes.swatches(brushes.STROKE_BRUSHES), "Box and strokes", "strokes",
                                          height=260)
                        with gr.Row(equal_height=False):
                            click_picture = gr.Image(
                                label="Clicks: tap the photo", format="png", interactive=False, height=170,
                                elem_id="clicks", scale=3, min_width=200, buttons=[],
                            )
                            with gr.Column(scale=2, min_width=150):
                                click_label = gr.Radio([("+ subject", 1), ("− background", 0)], value=1,
                                                       label="A tap marks", elem_id="click-label")
                                clear_clicks = gr.Button("Clear clicks", size="sm", elem_id="clear-clicks")
                                touch_up = gr.Button("Touch up with the brushes", size="sm", elem_id="touch-up")
                        band = gr.Slider(
                            ADAPTIVE_BAND, MAX_BAND_WIDTH, value=ADAPTIVE_BAND, step=1,
                            label="Unknown band, px each side (0 = from the photo)",
                        )
                    with gr.Tab("Upload", id="upload") as upload_tab:
                        gr.Markdown(UPLOAD_HELP)
                        uploaded.render()
                with gr.Row():
                    run = gr.Button("Cut out", variant="primary", elem_id="run")
                    preview = gr.Button("Preview trimap", elem_id="preview")
                status = gr.Markdown(elem_id="status")
                engine = gr.Radio(
                    registry.available, value="auto", label="Engine",
                    info=f"auto = {registry.default_name} on this server",
                )
            with gr.Column(scale=4, min_width=320, elem_id="results-column"):
                with gr.Row():
                    alpha = gr.Image(label="Alpha matte", format="png", interactive=False, height=260,
                                     elem_id="alpha")
                    cutout = gr.Image(label="Cut-out", format="png", interactive=False, height=260,
                                      elem_id="cutout")
                composite = gr.Image(label="Composite", format="png", interactive=False, height=300,
                                     elem_id="composite")
                with gr.Row():
                    colour = gr.ColorPicker(value="#2e7d32", label="New background colour", elem_id="colour")
                    backdrop = gr.Image(label="…or a background picture", type="filepath", image_mode=None,
                                        height=120, elem_id="backdrop")
                downloads = gr.File(label="Downloads: cut-out (RGBA PNG), alpha, composite",
                                    file_count="multiple", elem_id="downloads")
                gr.DeepLinkButton("Share this result", copied_value="Link copied")
                overlay = gr.Image(label="Trimap over the photo", format="png", interactive=False,
                                   elem_id="overlay")
                slider = gr.ImageSlider(label="Before / after", format="png", interactive=False)
                with gr.Row():
                    sampled_fg = gr.Image(
                        label="SampleNet's sampled foreground", format="png", interactive=False, visible=False
                    )
                    sampled_bg = gr.Image(
                        label="SampleNet's sampled background", format="png", interactive=False, visible=False
                    )

        with gr.Accordion("Run it yourself", open=False, elem_id="run-it-yourself"):
            gr.Markdown(RUN_IT_YOURSELF + (f"\n**On this server:** {registry.operator_note}"
                                           if registry.operator_note else ""))

        page = Page(
            photo=photo, tabs=tabs, source=source, sketch=sketch, sketch_base=sketch_base, unpainted=unpainted,
            strokes=strokes, clicks=clicks, click_picture=click_picture, click_label=click_label, band=band,
            uploaded=uploaded, engine=engine, status=status, overlay=overlay,
            alpha=alpha, cutout=cutout, downloads=downloads, colour=colour, backdrop=backdrop,
            composite=composite, slider=slider, sampled_fg=sampled_fg, sampled_bg=sampled_bg, kept=kept,
        )
        _wire(page, registry, {"sketch": sketch_tab, "auto": auto_tab, "upload": upload_tab},
              preview, touch_up, run, clear_clicks)

        # a share link reopens the tab its trimap came from (carried as the Tabs' selection): its source
        demo.load(None, None, source, js=_SELECTED_TAB_JS)

    demo.queue(default_concurrency_limit=1)
    return demo


def _wire(page: Page, registry: EngineRegistry, tab_of: dict[str, gr.Tab],
          preview: gr.Button, touch_up: gr.Button, run: gr.Button, clear_clicks: gr.Button) -> None:
    """Connect the page's events to :mod:`.actions` (all private: programs use the API)."""
    quick = {"api_visibility": "private", "concurrency_limit": None}
    # before the new photo reaches the editors (a round trip later), in the browser: their strokes go
    page.photo.change(None, None, None, js=_clear_editors_js("sketch", "strokes"))
    page.photo.change(partial(actions.photo_into_editors, page), {page.photo},
                      [page.sketch, page.strokes, page.sketch_base, page.clicks, page.click_picture], **quick)
    page.photo.input(partial(actions.new_photo, page), {page.photo},
                     [page.uploaded, page.tabs, page.source], **quick)
    for name, tab in tab_of.items():
        tab.select(partial(actions.select_source, name), None, [page.source, page.tabs], **quick)
    page.uploaded.change(partial(actions.trimap_uploaded, page), {page.uploaded}, [page.tabs, page.source],
                         **quick)
    def tap(values: dict, evt: gr.SelectData) -> dict:
        # a plain function: Gradio finds the SelectData parameter by its type hint, which a partial hides
        return actions.add_click(page, values, evt)

    tapped = page.click_picture.select(tap, {page.photo, page.clicks, page.click_label},
                                       [page.clicks, page.click_picture], **quick)
    # After a tap or a stroke the trimap overlay updates by itself where that is quick (a correction of the
    # segmentation on show); otherwise nothing changes and Preview answers.
    refresh = {"fn": partial(actions.refresh_auto_preview, page), "inputs": page.trimap_inputs,
               "outputs": [page.overlay, page.status], "api_visibility": "private", "concurrency_limit": 2,
               "show_progress": "minimal"}
    tapped.then(**refresh)
    page.strokes.input(**refresh, trigger_mode="always_last")
    clear_clicks.click(partial(actions.clear_clicks, page), {page.photo}, [page.clicks, page.click_picture],
                       **quick)
    preview.click(partial(actions.preview, page), page.trimap_inputs, [page.overlay, page.status],
                  api_visibility="private", concurrency_limit=2)
    touch_up.click(partial(actions.touch_up, page), page.trimap_inputs,
                   [page.sketch, page.sketch_base, page.tabs, page.source, page.overlay, page.status],
                   api_visibility="private", concurrency_limit=2, show_progress="full")
    cut_out = run.click(
        partial(actions.cut_out, page),
        page.trimap_inputs | {page.engine, page.colour, page.backdrop},
        [page.alpha, page.cutout, page.composite, page.downloads, page.overlay, page.slider,
         page.sampled_fg, page.sampled_bg, page.status, page.kept],
        api_visibility="private", concurrency_id=GPU_QUEUE, concurrency_limit=1,
        show_progress="full", show_progress_on=[page.alpha, page.cutout, page.composite],
    )
    # on a phone the results are below the tools: bring the first one into view
    cut_out.success(None, None, None, js=f"""() => {{ if (window.innerWidth <= {PHONE_MAX_WIDTH})
        document.querySelector('#alpha').scrollIntoView({{behavior: 'smooth', block: 'start'}}); }}""")
    for trigger in (page.colour.change, page.backdrop.change):
        trigger(partial(actions.new_background, page), {page.kept, page.colour, page.backdrop},
                page.composite, **quick)

    # The API for programs (gradio_client, the HF API): no components of its own.
    _document(gr.api(actions.matte, api_name="matte", concurrency_id=GPU_QUEUE, concurrency_limit=1),
              actions.matte, "matte")
    _document(gr.api(actions.auto, api_name="auto", concurrency_id=GPU_QUEUE, concurrency_limit=1),
              actions.auto, "auto")
    _document(gr.api(actions.trimap, api_name="trimap", concurrency_limit=2), actions.trimap, "trimap")


def _without_null(schema: dict) -> dict:
    """``list[float] | None`` as ``list[float]``, for a parameter whose default
    is None: the page adds "| None" itself (it read "None | list[float] | None")."""
    for key in ("anyOf", "oneOf"):
        options = [option for option in schema.get(key, []) if option != {"type": "null"}]
        if len(options) == 1:
            return {name: value for name, value in schema.items() if name != key} | options[0]
    return schema


def _document(dependency: gr.events.Dependency, fn: Callable, api_name: str) -> None:
    """Give an API endpoint's parameters and outputs on the "Use via API" page
    names and words (from ``fn``'s docstring and :data:`actions.API_RETURNS`)
    and examples that run (gr.api's generic components would show "1st",
    ``...`` and no words)."""
    _, descriptions, _ = get_function_description(fn)
    defaults = {name: parameter.default for name, parameter in inspect.signature(fn).parameters.items()}
    blocks = gr.context.get_blocks_context()
    function = blocks.fns[dependency["id"]] if blocks is not None else None
    for name, component in zip(descriptions, function.inputs if function else [], strict=False):
        component.label = name  # not gr.api's "1st", "2nd", ...
        schema = _without_null(component._api_info) if defaults.get(name) is None else component._api_info
        component._api_info = dict(schema, additional_description=descriptions[name])
        if name in API_EXAMPLE_FILES:
            # the page writes a FileData with a url as handle_file('<url>'): here a file of the repository
            file_name = API_EXAMPLE_FILES[name]
            example = {"path": file_name, "url": file_name, "orig_name": Path(file_name).name,
                       "meta": {"_type": "gradio.FileData"}}
            component.example_payload = component.example_value = lambda example=example: example
        elif name in API_EXAMPLE_VALUES:
            value = API_EXAMPLE_VALUES[name]
            component.example_payload = component.example_value = lambda value=value: value
    for (name, words), component in zip(actions.API_RETURNS[api_name], function.outputs if function else [],
                                        strict=True):
        component.label = name
        component._api_info = dict(component._api_info, description=words)
