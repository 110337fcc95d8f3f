"""The SAM path of samplenet.auto_trimap on a tiny randomly initialised SAM
that the test builds and saves to a local folder (no Hub here)."""
from __future__ import annotations

import numpy as np
import pytest

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from samplenet import auto_trimap
from samplenet.segmentation.sam import SEGMENTER_ENV, SegmenterUnavailable, load_sam_segmenter

SIZE = 64  # the tiny model's input side


@pytest.fixture(scope="module")
def tiny_sam_folder(tmp_path_factory: pytest.TempPathFactory):
    """A randomly initialised SAM with a small config and its processor,
    saved as safetensors + JSON, like a Hub repository's files."""
    from transformers import (
        SamConfig,
        SamMaskDecoderConfig,
        SamModel,
        SamProcessor,
        SamPromptEncoderConfig,
        SamVisionConfig,
    )

    try:
        from transformers import SamImageProcessorPil as ImageProcessor
    except ImportError:  # older transformers
        from transformers import SamImageProcessor as ImageProcessor

    torch.manual_seed(0)
    config = SamConfig(
        vision_config=SamVisionConfig(
            hidden_size=16,
            output_channels=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=SIZE,
            patch_size=8,
            window_size=4,
            global_attn_indexes=[1],
            num_pos_feats=8,
            mlp_dim=32,
        ),
        prompt_encoder_config=SamPromptEncoderConfig(
            hidden_size=16, image_size=SIZE, patch_size=8, mask_input_channels=4
        ),
        mask_decoder_config=SamMaskDecoderConfig(
            hidden_size=16, mlp_dim=32, num_hidden_layers=2, num_attention_heads=2, iou_head_hidden_dim=16
        ),
    )
    processor = SamProcessor(
        image_processor=ImageProcessor(
            size={"longest_edge": SIZE},
            pad_size={"height": SIZE, "width": SIZE},
            mask_size={"longest_edge": SIZE // 4},
            mask_pad_size={"height": SIZE // 4, "width": SIZE // 4},
        )
    )
    folder = tmp_path_factory.mktemp("tiny-sam")
    SamModel(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    assert (folder / "model.safetensors").is_file()
    return folder


def photo() -> np.ndarray:
    rng = np.random.default_rng(1)
    image = np.full((60, 80, 3), (30, 110, 150), np.float64)
    image[15:45, 20:60] = (230, 170, 60)
    return np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)


BOX = (12, 8, 68, 52)


def test_tiny_sam_from_a_folder_box_to_trimap(tiny_sam_folder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEGMENTER_ENV, str(tiny_sam_folder))
    trimap, info = auto_trimap(photo(), box=BOX, points=[(40, 30)], return_info=True)
    assert info.segmenter == "sam" and info.note == ""
    assert trimap.shape == (60, 80) and trimap.dtype == np.uint8
    assert set(np.unique(trimap).tolist()) <= {0, 128, 255}
    assert trimap[30, 40] != 0  # the subject click is never background
    # Outside the box is background, apart from the unknown band along its inside.
    x0, y0, x1, y1 = BOX
    outside = np.ones(trimap.shape, bool)
    outside[y0 - 6 : y1 + 6, x0 - 6 : x1 + 6] = False
    assert np.all(trimap[outside] == 0)
    assert not np.any(trimap[:y0, :] == 255) and not np.any(trimap[:, x1:] == 255)


def test_loaded_once_per_process(tiny_sam_folder) -> None:
    assert load_sam_segmenter(tiny_sam_folder, "cpu") is load_sam_segmenter(tiny_sam_folder, "cpu")


def test_without_a_model_auto_falls_back_to_classical(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEGMENTER_ENV, str(tmp_path / "missing"))
    trimap, info = auto_trimap(photo(), box=BOX, return_info=True)
    assert info.segmenter == "classical" and "could not be loaded" in info.note
    assert trimap[30, 40] == 255 and trimap[0, 0] == 0
    with pytest.raises(SegmenterUnavailable, match="could not be loaded"):
        auto_trimap(photo(), box=BOX, segmenter="sam")


def test_sam_failing_on_a_photo_falls_back_to_classical_in_auto_mode(
    tiny_sam_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loaded SAM that fails while it runs (out of GPU memory, say) costs
    the visitor nothing in "auto" mode: the classical segmenter answers,
    and the note says why; asking for "sam" alone still raises."""
    monkeypatch.setenv(SEGMENTER_ENV, str(tiny_sam_folder))
    segmenter = load_sam_segmenter()

    def out_of_memory(*args, **kwargs):
        raise RuntimeError("CUDA out of memory (simulated)")

    monkeypatch.setattr(type(segmenter), "segment", out_of_memory)
    trimap, info = auto_trimap(photo(), box=BOX, return_info=True)
    assert info.segmenter == "classical" and "SAM failed" in info.note
    assert trimap[30, 40] == 255 and trimap[0, 0] == 0
    with pytest.raises(RuntimeError, match="out of memory"):
        auto_trimap(photo(), box=BOX, segmenter="sam")


def test_pickled_weights_are_never_loaded(tiny_sam_folder, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder with the same model as a pickled pytorch_model.bin only is refused."""
    from transformers import SamModel

    model = SamModel.from_pretrained(tiny_sam_folder, use_safetensors=True)
    for name in ("config.json", "processor_config.json"):
        (tmp_path / name).write_bytes((tiny_sam_folder / name).read_bytes())
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(SegmenterUnavailable, match="could not be loaded"):
        load_sam_segmenter(tmp_path, "cpu")


def test_nothing_configured_says_how_to_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SEGMENTER_ENV, raising=False)
    with pytest.raises(SegmenterUnavailable, match=SEGMENTER_ENV):
        load_sam_segmenter()


def test_bench_measures_sam_when_asked(tiny_sam_folder, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """`samplenet bench auto-trimap --segmenter sam`: the same protocol with
    the learned segmenter, so a machine that reaches the Hub measures it with
    one command; the table and every row say that SAM made the trimaps."""
    import json

    from samplenet.cli import main
    from tests.test_bench_auto_trimap import write_case

    for index, name in enumerate(("GT01", "GT02")):
        write_case(tmp_path, name, 4 * index)
    monkeypatch.setenv(SEGMENTER_ENV, str(tiny_sam_folder))
    saved = tmp_path / "r.json"
    code = main(["bench", "auto-trimap", "--data", str(tmp_path), "--segmenter", "sam", "--corrections", "1",
                 "--json", str(saved)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"Segmenter asked for: sam; ran: sam ({tiny_sam_folder}): 4 trimaps." in out
    result = json.loads(saved.read_text())
    assert {row["segmenter"] for row in result["rows"]} == {"sam"}
    assert {row["segmenter"] for steps in result["corrections"].values() for row in steps} == {"sam"}
    assert result["segmenter"] == {"asked": "sam", "sam_model": str(tiny_sam_folder)}

    # SAM failing on a photo (out of GPU memory, say) costs that photo, not the whole measurement.
    def out_of_memory(*args, **kwargs):
        raise RuntimeError("CUDA out of memory (simulated)")

    monkeypatch.setattr(type(load_sam_segmenter()), "segment", out_of_memory)
    assert main(["bench", "auto-trimap", "--data", str(tmp_path), "--segmenter", "sam", "--json", str(saved)]) == 0
    assert "| auto, box | inf | inf | 2 |" in capsys.readouterr().out
    rows = json.loads(saved.read_text())["rows"]
    assert all("segmenter failed: RuntimeError: CUDA out of memory" in row["refused"] for row in rows)


def test_bench_without_a_model_fails_at_once_or_falls_back(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """`--segmenter sam` with no model stops before any photo is read, with
    a message that says how to configure one; `auto` falls back to the
    classical segmenter and the table says so; `--cv` (a grid of classical
    settings) is refused with any other segmenter."""
    from samplenet.cli import main
    from tests.test_bench_auto_trimap import write_case

    monkeypatch.delenv(SEGMENTER_ENV, raising=False)
    missing = tmp_path / "no-such-folder"
    assert main(["bench", "auto-trimap", "--data", str(missing), "--segmenter", "sam"]) == 2
    err = capsys.readouterr().err
    assert SEGMENTER_ENV in err and "no-such-folder" not in err
    assert main(["bench", "auto-trimap", "--data", str(missing), "--segmenter", "auto", "--cv"]) == 2
    assert "--cv compares settings of the classical segmenter" in capsys.readouterr().err

    from samplenet import MattingInputError
    from samplenet.evaluation.auto_trimap import run_benchmark

    with pytest.raises(MattingInputError, match="segmenter must be one of auto, classical, sam, not 'grabcut'"):
        run_benchmark(missing, segmenter="grabcut")

    write_case(tmp_path, "GT01", 0)
    assert main(["bench", "auto-trimap", "--data", str(tmp_path), "--segmenter", "auto"]) == 0
    assert "Segmenter asked for: auto; ran: classical: 2 trimaps." in capsys.readouterr().out


@pytest.fixture
def fresh_loader(monkeypatch: pytest.MonkeyPatch):
    """The loader's per-process memory (models loaded, failures remembered),
    empty for this test and restored after it."""
    from samplenet.segmentation import sam

    monkeypatch.setattr(sam, "_LOADED", {})
    monkeypatch.setattr(sam, "_FAILED", {})
    return sam


def test_a_slow_failed_load_is_remembered_for_a_while(fresh_loader, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the Hub one load attempt waits ~25 s on retries: it is made
    once, and later calls (every Preview, every photo of a folder, on any
    device) fail at once with the same reason until RETRY_AFTER_S has passed."""
    from transformers import SamModel

    sam = fresh_loader
    attempts = []

    def offline(source, **kwargs):
        attempts.append(source)
        raise OSError("We couldn't connect to 'https://huggingface.co' to load the files")

    monkeypatch.setattr(SamModel, "from_pretrained", offline)
    monkeypatch.setattr(sam, "SLOW_FAILURE_S", 0.0)  # as if the attempt had waited on the network
    monkeypatch.setenv(SEGMENTER_ENV, "someone/sam-remembered")
    for _ in range(3):
        trimap, info = auto_trimap(photo(), box=BOX, return_info=True)
        assert info.segmenter == "classical" and "couldn't connect" in info.note
    for device in ("cpu", "cuda"):
        with pytest.raises(SegmenterUnavailable, match=r"couldn't connect.*not tried again for another \d+ s") as error:
            load_sam_segmenter(device=device)
        assert 0 < int(str(error.value).split("another ")[1].split(" s")[0]) <= sam.RETRY_AFTER_S
    assert attempts == ["someone/sam-remembered"]
    monkeypatch.setattr(sam, "RETRY_AFTER_S", 0.0)  # as if that time had passed
    with pytest.raises(SegmenterUnavailable, match="couldn't connect"):
        load_sam_segmenter()
    assert len(attempts) == 2


def test_a_quick_failure_is_tried_again_so_a_fixed_folder_loads_at_once(
    fresh_loader, tiny_sam_folder, tmp_path
) -> None:
    """A folder without the files, or no folder yet, fails without waiting:
    such failures are not remembered, so the files arriving (a copy, a
    mounted volume) make the very next call work."""
    folder = tmp_path / "sam"
    with pytest.raises(SegmenterUnavailable, match=r"could not be loaded \(no such folder"):
        load_sam_segmenter(folder, "cpu")
    folder.mkdir()
    with pytest.raises(SegmenterUnavailable, match="could not be loaded"):
        load_sam_segmenter(folder, "cpu")
    for path in tiny_sam_folder.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    assert load_sam_segmenter(folder, "cpu").source == str(folder)


def test_a_failure_while_moving_to_the_device_is_reported_like_any_other(
    fresh_loader, tiny_sam_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of GPU memory while the model moves to the GPU: "auto" falls back
    with the reason, instead of an error escaping as if the photo had failed."""
    from transformers import SamModel

    def out_of_memory(self, *args, **kwargs):
        raise RuntimeError("CUDA out of memory (simulated)")

    monkeypatch.setattr(SamModel, "to", out_of_memory)
    monkeypatch.setenv(SEGMENTER_ENV, str(tiny_sam_folder))
    trimap, info = auto_trimap(photo(), box=BOX, return_info=True)
    assert info.segmenter == "classical" and "could not be loaded (CUDA out of memory" in info.note


def test_load_in_background_leaves_the_model_ready(
    fresh_loader, tiny_sam_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server starts loading SAM at once; the first visitor's call then
    finds it loaded instead of loading it again."""
    from transformers import SamModel

    monkeypatch.delenv(SEGMENTER_ENV, raising=False)
    assert fresh_loader.load_in_background() is None  # nothing configured, nothing started
    monkeypatch.setenv(SEGMENTER_ENV, str(tiny_sam_folder))
    thread = fresh_loader.load_in_background()
    thread.join(timeout=60)
    assert not thread.is_alive()

    def not_again(*args, **kwargs):
        raise AssertionError("SAM loaded a second time")

    monkeypatch.setattr(SamModel, "from_pretrained", not_again)
    trimap, info = auto_trimap(photo(), box=BOX, points=[(40, 30)], return_info=True)
    assert info.segmenter == "sam"


def test_a_call_during_the_background_load_waits_for_it(fresh_loader, monkeypatch: pytest.MonkeyPatch) -> None:
    """A visitor arriving while the server still loads SAM gets that load's
    outcome; the model is not fetched twice."""
    import threading

    from transformers import SamModel

    sam = fresh_loader
    attempts, release = [], threading.Event()

    def slow_offline(source, **kwargs):
        attempts.append(source)
        release.wait(timeout=30)
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    monkeypatch.setattr(SamModel, "from_pretrained", slow_offline)
    monkeypatch.setattr(sam, "SLOW_FAILURE_S", 0.0)
    monkeypatch.setenv(SEGMENTER_ENV, "someone/sam-slow")
    background = sam.load_in_background()
    while not attempts:  # the background load has started and holds the loader
        background.join(timeout=0.01)
    outcome = []
    visitor = threading.Thread(target=lambda: outcome.append(auto_trimap(photo(), box=BOX, return_info=True)[1]))
    visitor.start()
    release.set()
    visitor.join(timeout=60)
    background.join(timeout=60)
    assert attempts == ["someone/sam-slow"]
    assert outcome[0].segmenter == "classical" and "couldn't connect" in outcome[0].note


def test_load_in_background_logs_a_failure(fresh_loader, tmp_path, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setenv(SEGMENTER_ENV, str(tmp_path / "no-sam-here"))
    with caplog.at_level("WARNING", logger="samplenet"):
        fresh_loader.load_in_background().join(timeout=60)
    assert "SAM segmenter not loaded" in caplog.text and "no-sam-here" in caplog.text


def test_on_a_space_sam_is_the_default_and_off_a_space_nothing_changes(
    tiny_sam_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samplenet.segmentation import sam

    monkeypatch.setattr(sam, "SPACE_DEFAULT_SAM", str(tiny_sam_folder))  # the Hub is out of reach here
    monkeypatch.delenv(SEGMENTER_ENV, raising=False)
    monkeypatch.setenv("SPACE_ID", "someone/samplenet")
    prompts = {"box": BOX, "points": [(40, 30)], "return_info": True}
    assert auto_trimap(photo(), **prompts)[1].segmenter == "sam"
    monkeypatch.setenv(SEGMENTER_ENV, "")  # a Space that asks for the classical segmenter keeps it
    assert auto_trimap(photo(), **prompts)[1].segmenter == "classical"
    monkeypatch.delenv(SEGMENTER_ENV)
    monkeypatch.delenv("SPACE_ID")
    _, info = auto_trimap(photo(), **prompts)
    assert info.segmenter == "classical" and "no SAM model configured" in info.note


@pytest.fixture
def stand_in_zero_gpu(monkeypatch: pytest.MonkeyPatch):
    """``samplenet.app.gpu`` imported with a stand-in ``spaces`` module whose
    ``GPU`` decorator pickles the arguments across (as ZeroGPU does) and
    records when each decorated call starts and ends; the real module is
    restored afterwards."""
    import importlib
    import pickle
    import sys
    import types

    from samplenet.app import gpu

    events: list[str] = []

    def stand_in_gpu(duration=None):
        def decorate(fn):
            def leased(*args, **kwargs):
                args, kwargs = pickle.loads(pickle.dumps((args, kwargs)))
                events.append(f"lease {fn.__name__}")
                try:
                    return fn(*args, **kwargs)
                finally:
                    events.append(f"end {fn.__name__}")

            return leased

        return decorate

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=stand_in_gpu))
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    importlib.reload(gpu)
    yield gpu, events
    monkeypatch.undo()
    importlib.reload(gpu)


def test_on_zero_gpu_sam_runs_inside_the_gpu_call_that_mattes(
    tiny_sam_folder, stand_in_zero_gpu, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ZeroGPU attaches the GPU only inside a ``spaces.GPU`` call: SAM made
    the Auto tool's trimap before that call, on no GPU."""
    pytest.importorskip("gradio")
    from PIL import Image

    from samplenet.app import EngineRegistry, handlers
    from samplenet.engines.classical import ClassicalMatter
    from samplenet.segmentation import cache as segmentation_cache
    from samplenet.segmentation.sam import SamSegmenter

    gpu, events = stand_in_zero_gpu
    monkeypatch.setenv(SEGMENTER_ENV, str(tiny_sam_folder))
    monkeypatch.setattr(segmentation_cache, "DEFAULT_CACHE", segmentation_cache.SegmentationCache())
    real_segment = SamSegmenter.segment

    def recorded(self, image, prompts):
        events.append("SAM")
        return real_segment(self, image, prompts)

    monkeypatch.setattr(SamSegmenter, "segment", recorded)
    registry = EngineRegistry({"classical": ClassicalMatter()})
    gpu.serve(registry)
    path = tmp_path / "photo.png"
    Image.fromarray(photo()).save(path)
    loop = np.zeros((60, 80, 4), np.uint8)
    x0, y0, x1, y1 = BOX
    loop[y0, x0:x1] = loop[y1 - 1, x0:x1] = loop[y0:y1, x0] = loop[y0:y1, x1 - 1] = (255, 0, 0, 255)
    sources = handlers.TrimapSources(
        source="auto",
        auto=handlers.AutoInputs(
            strokes={"background": None, "layers": [loop], "composite": None}, points=[[40, 30, 1]]
        ),
    )
    out = handlers.run_page(str(path), sources, "classical", None, None)
    assert events == ["lease run_engine_after", "SAM", "end run_engine_after"]
    assert "SAM" in out.status and out.alpha.shape == (60, 80)
