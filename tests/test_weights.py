"""Weights: locating, loading, saving and converting SampleNet weights."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from weights_helpers import (
    network_state,
    reference_like_state,
    write_reference_checkpoint,
    write_reference_checkpoints,
)

from samplenet.errors import WeightsFormatError, WeightsNotFoundError
from samplenet.weights import (
    CONFIG_NAME,
    WEIGHTS_NAME,
    convert_reference_checkpoints,
    load_pretrained,
    locate_weights,
    read_reference_state_dict,
    save_pretrained,
)
from samplenet.weights.folder import tensors_for_saving
from samplenet.weights.reference import MATTING_CONV1_KEY

CONV1 = f"matting.{MATTING_CONV1_KEY}"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def model_state():
    """The 'original' weights: random, with the reference's keys and shapes."""
    return reference_like_state(seed=0)


@pytest.fixture(scope="module")
def reference_files(model_state, tmp_path_factory):
    return write_reference_checkpoints(model_state, tmp_path_factory.mktemp("reference"), conv1_channels=8)


@pytest.fixture(scope="module")
def converted(reference_files, tmp_path_factory):
    """A weights folder converted once from the reference-format checkpoints."""
    out = tmp_path_factory.mktemp("converted") / "weights"
    return convert_reference_checkpoints(
        reference_files["background"], reference_files["foreground"], reference_files["matting"], out
    )


@pytest.fixture
def broken_copy(converted, tmp_path):
    """A copy of the converted folder that a test may damage.

    The 100+ MB weights file is hard-linked, not copied, to keep the suite
    fast; tests must change it only through :func:`_replace_file`, which
    unlinks it first so the shared original stays intact.
    """
    copy = tmp_path / "copy"
    copy.mkdir()
    os.link(converted / WEIGHTS_NAME, copy / WEIGHTS_NAME)
    for name in (CONFIG_NAME, "README.md"):
        (copy / name).write_bytes((converted / name).read_bytes())
    return copy


def _replace_file(path: Path, data: bytes | None = None, tensors: dict | None = None) -> None:
    """Write a new file at ``path`` without touching what a hard link there pointed to."""
    path.unlink()
    if tensors is not None:
        save_file(tensors, path)
    else:
        path.write_bytes(data)


@pytest.fixture(autouse=True)
def no_weights_env(monkeypatch):
    monkeypatch.delenv("SAMPLENET_WEIGHTS", raising=False)


# --------------------------------------------------------------------------- converter round trip


def test_convert_then_load_reproduces_every_tensor(converted, model_state):
    model = load_pretrained(converted, device="cpu")
    assert not model.training
    loaded = model.state_dict()
    assert set(loaded) == set(model_state)
    for key, original in model_state.items():
        if key == CONV1:
            continue
        assert torch.equal(loaded[key], original), key
    # conv1 was saved with 8 input channels: those survive, channels 8 and 9 are zeros.
    assert loaded[CONV1].shape[1] == 10
    assert torch.equal(loaded[CONV1][:, :8], model_state[CONV1][:, :8])
    assert torch.count_nonzero(loaded[CONV1][:, 8:]) == 0


def test_converted_folder_documents_itself(converted, reference_files):
    config = json.loads((converted / CONFIG_NAME).read_text())
    assert config["architecture"] == "samplenet"
    assert config["format_version"] == 1
    assert config["in_channels"] == 10
    assert config["attention"] == "exact"  # the default implementation (models/attention_common.py)
    provenance = config["provenance"]
    assert provenance["matting_conv1_zero_padded_from_channels"] == 8
    for network, path in reference_files.items():
        entry = provenance["checkpoints"][network]
        assert entry["file"] == path.name
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    card = (converted / "README.md").read_text()
    front_matter = card.split("---")[1]
    assert "license: mit" in front_matter
    assert "library_name: samplenet" in front_matter
    assert "- image-matting" in front_matter
    assert "load_pretrained" in card and provenance["checkpoints"]["matting"]["sha256"] in card


@pytest.mark.parametrize("conv1_channels, module_prefix", [(4, False)])
def test_convert_accepts_other_conv1_widths_and_unprefixed_keys(
    model_state, tmp_path, conv1_channels, module_prefix
):
    files = write_reference_checkpoints(model_state, tmp_path / "ref", conv1_channels, module_prefix)
    out = convert_reference_checkpoints(files["background"], files["foreground"], files["matting"], tmp_path / "w")
    tensors = load_file(out / WEIGHTS_NAME)
    assert torch.equal(tensors[CONV1][:, :conv1_channels], model_state[CONV1][:, :conv1_channels])
    assert torch.count_nonzero(tensors[CONV1][:, conv1_channels:]) == 0
    assert torch.equal(tensors["background." + next(iter(network_state(model_state, "background")))],
                       next(iter(network_state(model_state, "background").values())))


# --------------------------------------------------------------------------- locating weights


def test_load_from_env_var(converted, monkeypatch):
    monkeypatch.setenv("SAMPLENET_WEIGHTS", str(converted))
    assert locate_weights() == converted
    model = load_pretrained(device="cpu")
    assert model.weights_info["folder"] == str(converted)


def test_argument_wins_over_env_var(converted, monkeypatch, tmp_path):
    monkeypatch.setenv("SAMPLENET_WEIGHTS", str(tmp_path / "elsewhere"))
    assert locate_weights(converted) == converted
    assert locate_weights(str(converted / WEIGHTS_NAME)) == converted  # the file itself is fine too


def test_no_weights_says_where_it_looked_and_how_to_get_them():
    with pytest.raises(WeightsNotFoundError) as info:
        locate_weights()
    message = str(info.value)
    for expected in ("weights argument", "SAMPLENET_WEIGHTS", "Hub", "samplenet convert", "samplenet push", "README"):
        assert expected in message


def test_missing_local_folder_is_not_found(tmp_path, monkeypatch):
    missing = tmp_path / "no" / "such" / "folder"
    monkeypatch.setenv("SAMPLENET_WEIGHTS", str(missing))
    with pytest.raises(WeightsNotFoundError, match="SAMPLENET_WEIGHTS environment variable"):
        locate_weights()


def test_hub_repo_offline_and_not_cached_is_not_found(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def offline_download(repo_id, **kwargs):
        from huggingface_hub.errors import LocalEntryNotFoundError

        raise LocalEntryNotFoundError("Cannot find an appropriate cached snapshot folder")

    monkeypatch.setattr("huggingface_hub.snapshot_download", offline_download)
    with pytest.raises(WeightsNotFoundError) as info:
        locate_weights("someone/samplenet-weights", revision="v1")
    message = str(info.value)
    assert "'someone/samplenet-weights'" in message and "'v1'" in message and "HF_HUB_OFFLINE" in message
    assert "samplenet convert" in message


def test_hub_repo_is_downloaded_with_revision(monkeypatch, converted):
    calls = []

    def fake_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        return str(converted)

    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_download)
    assert locate_weights("someone/samplenet-weights", revision="v1") == converted
    repo_id, kwargs = calls[0]
    assert repo_id == "someone/samplenet-weights" and kwargs["revision"] == "v1"
    assert set(kwargs["allow_patterns"]) == {WEIGHTS_NAME, CONFIG_NAME, "README.md"}


def test_hub_repo_without_weights_is_a_format_error(monkeypatch, tmp_path):
    monkeypatch.setattr("huggingface_hub.snapshot_download", lambda repo_id, **kw: str(tmp_path))
    with pytest.raises(WeightsFormatError, match=r"someone/empty.*config\.json"):
        locate_weights("someone/empty")


def test_revision_with_local_folder_is_ignored_with_a_warning(converted, caplog):
    with caplog.at_level(logging.WARNING, logger="samplenet"):
        assert locate_weights(converted, revision="v2") == converted
    assert "revision" in caplog.text


def test_reference_checkpoint_given_as_weights_points_to_convert(reference_files):
    with pytest.raises(WeightsFormatError, match="samplenet convert"):
        locate_weights(reference_files["matting"])


# --------------------------------------------------------------------------- malformed folders


def _write_config(folder: Path, **changes):
    config = json.loads((folder / CONFIG_NAME).read_text())
    config.update(changes)
    (folder / CONFIG_NAME).write_text(json.dumps(config))


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda f: (f / CONFIG_NAME).unlink(), "no config.json"),
        (lambda f: (f / CONFIG_NAME).write_text("{not json"), "config.json is not valid JSON"),
        (lambda f: (f / CONFIG_NAME).write_text("[1, 2]"), "JSON object"),
        (lambda f: _write_config(f, architecture="deepfill"), "'architecture' is 'deepfill'"),
        (lambda f: _write_config(f, format_version=99), "newer samplenet"),
        (lambda f: _write_config(f, format_version="1"), "format_version"),
        (lambda f: _write_config(f, in_channels=7), "'in_channels' is 7"),
        (lambda f: _write_config(f, attention=3), "'attention' must be a string"),
        (lambda f: _write_config(f, attention="quantum"), "'attention' is 'quantum'"),
        (lambda f: (f / WEIGHTS_NAME).unlink(), "no model.safetensors"),
    ],
)
def test_malformed_folder_is_named(broken_copy, damage, expected):
    damage(broken_copy)
    with pytest.raises(WeightsFormatError, match=expected.replace(".", r"\.")):
        load_pretrained(broken_copy, device="cpu")


def test_corrupt_safetensors_is_named(broken_copy):
    _replace_file(broken_copy / WEIGHTS_NAME, b"\x00\x01 not a safetensors file")
    with pytest.raises(WeightsFormatError, match="model.safetensors is not a readable safetensors file"):
        load_pretrained(broken_copy, device="cpu")


def _rewrite_tensors(folder: Path, change):
    tensors = load_file(folder / WEIGHTS_NAME)
    change(tensors)
    _replace_file(folder / WEIGHTS_NAME, tensors=tensors)


def test_missing_key_is_named(broken_copy):
    _rewrite_tensors(broken_copy, lambda t: t.pop(CONV1))
    with pytest.raises(WeightsFormatError, match=r"1 missing key\(s\): matting\.encoder\.conv1\.weight"):
        load_pretrained(broken_copy, device="cpu")


def test_unexpected_key_is_named(broken_copy):
    _rewrite_tensors(broken_copy, lambda t: t.update({"matting.extra_head.weight": torch.zeros(2)}))
    with pytest.raises(WeightsFormatError, match=r"1 unexpected key\(s\): matting\.extra_head\.weight"):
        load_pretrained(broken_copy, device="cpu")


def test_misshaped_key_is_named(broken_copy):
    def narrow_conv1(tensors):
        tensors[CONV1] = tensors[CONV1][:, :8].contiguous()

    _rewrite_tensors(broken_copy, narrow_conv1)
    with pytest.raises(
        WeightsFormatError, match=r"mis-shaped key\(s\): matting\.encoder\.conv1\.weight \(expected \[\d+, 10,"
    ):
        load_pretrained(broken_copy, device="cpu")


def test_non_finite_weights_are_refused(broken_copy):
    def poison(tensors):
        tensors[CONV1][0, 0, 0, 0] = float("nan")

    _rewrite_tensors(broken_copy, poison)
    with pytest.raises(WeightsFormatError, match="NaN or infinite.*matting.encoder.conv1.weight"):
        load_pretrained(broken_copy, device="cpu")


@pytest.mark.parametrize("device", ["no-such-device", "cuda:0"])
def test_unusable_device_is_a_value_error(converted, device):
    if device.startswith("cuda") and torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match="device"):
        load_pretrained(converted, device=device)


# --------------------------------------------------------------------------- reading reference checkpoints


class Boom:
    """Unpickling this object would create a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_objects_are_refused_without_running_them(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.pth"
    torch.save({"model": {"module.w": torch.zeros(1)}, "extra": Boom(marker)}, path)
    with pytest.raises(WeightsFormatError, match="refuses to unpickle") as info:
        read_reference_state_dict(path)
    assert "open" in str(info.value)
    assert not marker.exists()


class TrainingArgs:
    """A custom class, as a careless training script might store with its checkpoint."""

    lr = 1e-5


def test_custom_class_in_checkpoint_is_named(tmp_path):
    path = tmp_path / "custom.pth"
    torch.save({"model": {"module.w": torch.zeros(1)}, "args": TrainingArgs()}, path)
    with pytest.raises(WeightsFormatError, match=r"pickled Python object \(test_weights\.TrainingArgs\)"):
        read_reference_state_dict(path)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.write_text("hello, not a checkpoint"), "not a PyTorch checkpoint"),
        (lambda p: p.write_bytes(b""), "not a PyTorch checkpoint"),
        (lambda p: torch.save(torch.zeros(3), p), "holds a Tensor"),
        (lambda p: torch.save({"state_dict": {}}, p), "no 'model' entry.*'state_dict'"),
        (lambda p: torch.save({"model": [torch.zeros(1)]}, p), "'model' is a list"),
        (lambda p: torch.save({"model": {"module.w": 3}}, p), "not tensors: module.w"),
        (lambda p: torch.save({"model": {"module.w": torch.zeros(1), "w": torch.ones(1)}}, p), "both with and without"),
    ],
)
def test_unusable_checkpoints_are_refused(tmp_path, make, expected):
    path = tmp_path / "bad.pth"
    make(path)
    with pytest.raises(WeightsFormatError, match=expected):
        read_reference_state_dict(path)


def test_legacy_format_checkpoint_with_optimizer_state_is_read(tmp_path):
    """The reference saved with PyTorch 1.2 (pre-zip format) and may keep an
    Adam state next to the model; both must pass the weights-only loader."""
    weight = torch.randn(4, 3)
    parameter = torch.nn.Parameter(weight.clone())
    optimizer = torch.optim.Adam([parameter], lr=1e-5, weight_decay=1e-4)
    parameter.sum().backward()
    optimizer.step()
    path = tmp_path / "legacy.pth"
    torch.save({"n_epoch": 80, "model": {"module.fc.weight": weight}, "optimizer": optimizer.state_dict()},
               path, _use_new_zipfile_serialization=False)
    state = read_reference_state_dict(path)
    assert list(state) == ["fc.weight"] and torch.equal(state["fc.weight"], weight)


def test_missing_checkpoint_file_is_not_found(tmp_path):
    with pytest.raises(WeightsNotFoundError, match="nope.pth"):
        read_reference_state_dict(tmp_path / "nope.pth")


def test_converter_names_key_problems_per_file(model_state, reference_files, tmp_path):
    background = network_state(model_state, "background")
    first, second = list(background)[:2]
    background.pop(first)
    background["made_up.weight"] = torch.zeros(3)
    background[second] = torch.zeros(1, 2, 3)
    bad_bg = write_reference_checkpoint(background, tmp_path / "BGDFV1.pth")
    with pytest.raises(WeightsFormatError) as info:
        convert_reference_checkpoints(bad_bg, reference_files["foreground"], reference_files["matting"], tmp_path / "w")
    message = str(info.value)
    assert "BGDFV1.pth" in message and "background sampler" in message
    assert f"missing key(s): {first}" in message
    assert "unexpected key(s): made_up.weight" in message
    assert f"{second} (expected" in message and "found [1, 2, 3]" in message
    assert not (tmp_path / "w" / WEIGHTS_NAME).exists()


def test_converter_spots_swapped_files(reference_files, tmp_path):
    with pytest.raises(WeightsFormatError, match="wrong order"):
        convert_reference_checkpoints(
            reference_files["matting"], reference_files["foreground"], reference_files["background"], tmp_path / "w"
        )


# --------------------------------------------------------------------------- saving


def test_tensors_sharing_memory_are_stored_separately(tmp_path):
    base = torch.arange(12.0)
    state = {"a": base, "tied": base, "view": base[:6].view(2, 3), "strided": base.view(3, 4).t()}
    prepared = tensors_for_saving(state)
    for key, value in state.items():
        assert torch.equal(prepared[key], value)
    pointers = [t.untyped_storage().data_ptr() for t in prepared.values()]
    assert len(set(pointers)) == len(pointers)
    save_file(prepared, tmp_path / "shared.safetensors")
    assert torch.equal(load_file(tmp_path / "shared.safetensors")["strided"], state["strided"])


def test_save_pretrained_handles_tied_weights(model_state, samplenet_class, tmp_path):
    model = samplenet_class()
    model.load_state_dict(model_state)
    # Tie one parameter of the two samplers (same architecture), so the state dict shares memory.
    key = next(
        k
        for k in network_state(model_state, "background")
        if k.endswith("weight")
        and network_state(model_state, "foreground").get(k) is not None
        and network_state(model_state, "foreground")[k].shape == network_state(model_state, "background")[k].shape
    )
    owner, _, leaf = f"foreground.{key}".rpartition(".")
    source = model.get_parameter(f"background.{key}")
    setattr(model.get_submodule(owner), leaf, source)
    folder = save_pretrained(model, tmp_path / "tied", extra_config={"provenance": {"note": "tied"}})
    loaded = load_pretrained(folder, device="cpu").state_dict()
    assert torch.equal(loaded[f"foreground.{key}"], source.detach())
    assert json.loads((folder / CONFIG_NAME).read_text())["provenance"]["note"] == "tied"


def test_save_pretrained_rejects_reserved_and_unserialisable_config(samplenet_class, tmp_path):
    with torch.device("meta"):  # shapes only: these calls must fail before writing anything
        model = samplenet_class()
    with pytest.raises(ValueError, match="architecture"):
        save_pretrained(model, tmp_path / "a", extra_config={"architecture": "other"})
    with pytest.raises(ValueError, match="JSON"):
        save_pretrained(model, tmp_path / "b", extra_config={"when": object()})
    with pytest.raises(ValueError, match="provenance"):
        save_pretrained(model, tmp_path / "c", extra_config={"provenance": "by hand"})
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_save_pretrained_rejects_a_model_that_is_not_samplenet(tmp_path):
    with pytest.raises(WeightsFormatError, match="missing key"):
        save_pretrained(torch.nn.Linear(2, 2), tmp_path / "x")


def test_save_pretrained_refuses_a_file_as_folder(samplenet_class, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with torch.device("meta"):
        model = samplenet_class()
    with pytest.raises(WeightsFormatError, match="not a folder"):
        save_pretrained(model, target)


# --------------------------------------------------------------------------- the engine on top


def test_samplenet_engine_runs_on_converted_weights(converted, disc_example, monkeypatch):
    import samplenet

    image, trimap, _ = disc_example
    matter = samplenet.load(engine="samplenet", weights=str(converted), device="cpu")
    result = matter(image, trimap)
    assert result.engine == "samplenet"
    assert result.alpha.shape == trimap.shape and result.foreground.shape == image.shape
    assert set(result.alpha[trimap == 255].tolist()) == {1.0} and set(result.alpha[trimap == 0].tolist()) == {0.0}
    unknown = result.alpha[trimap == 128]
    assert np.isfinite(unknown).all() and unknown.min() >= 0 and unknown.max() <= 1
    # the same weights found through the environment variable, by engine="auto"
    monkeypatch.setenv("SAMPLENET_WEIGHTS", str(converted))
    assert samplenet.load(device="cpu").name == "samplenet"


def test_samplenet_engine_without_weights_says_how_to_get_them():
    import samplenet

    with pytest.raises(WeightsNotFoundError, match="samplenet convert"):
        samplenet.load(engine="samplenet")
