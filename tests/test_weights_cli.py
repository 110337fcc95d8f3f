"""``samplenet convert`` and ``samplenet push`` (the Hub mocked), and push_to_hub."""
from __future__ import annotations

import re

import pytest
import torch
from weights_helpers import reference_like_state, write_reference_checkpoints

from samplenet.cli import build_parser, main
from samplenet.errors import WeightsFormatError, WeightsNotFoundError, WeightsUploadError
from samplenet.weights import CONFIG_NAME, WEIGHTS_NAME, load_pretrained, push_to_hub


@pytest.fixture(scope="module")
def reference_files(tmp_path_factory):
    state = reference_like_state(seed=1)
    return write_reference_checkpoints(state, tmp_path_factory.mktemp("reference"), conv1_channels=8)


@pytest.fixture(scope="module")
def converted_by_cli(reference_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "weights"
    code = main(
        ["convert", "--bg", str(reference_files["background"]), "--fg", str(reference_files["foreground"]),
         "--matting", str(reference_files["matting"]), "--out", str(out)]
    )
    assert code == 0
    return out


class FakeHub:
    """Records what samplenet asks of huggingface_hub.HfApi instead of uploading."""

    def __init__(self, monkeypatch, fail_with: Exception | None = None):
        self.calls = []
        self.tokens = []
        self.fail_with = fail_with
        from huggingface_hub import HfApi

        for name in ("create_repo", "create_branch", "upload_folder"):
            monkeypatch.setattr(HfApi, name, self._recorder(name))

    def _recorder(self, name):
        def record(api, *args, **kwargs):
            self.calls.append((name, args, kwargs))
            self.tokens.append(api.token)
            if self.fail_with is not None:
                raise self.fail_with
            if name == "upload_folder":
                return type("Commit", (), {"commit_url": f"https://huggingface.co/{kwargs['repo_id']}/commit/abc"})()
            return None

        return record

    def named(self, name):
        return [call for call in self.calls if call[0] == name]


@pytest.fixture
def online(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


# --------------------------------------------------------------------------- convert


def test_cli_convert_writes_a_loadable_folder(converted_by_cli, reference_files, capsys):
    model = load_pretrained(converted_by_cli, device="cpu")
    conv1 = model.state_dict()["matting.encoder.conv1.weight"]
    assert conv1.shape[1] == 10 and torch.count_nonzero(conv1[:, 8:]) == 0
    assert (converted_by_cli / "README.md").is_file()


def test_cli_convert_reports_a_bad_checkpoint_and_exits_2(reference_files, tmp_path, capsys):
    bad = tmp_path / "LSM_80.pth"
    bad.write_text("not a checkpoint")
    code = main(["convert", "--bg", str(reference_files["background"]), "--fg", str(reference_files["foreground"]),
                 "--matting", str(bad), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "samplenet convert: error:" in err and "LSM_80.pth" in err and "not a PyTorch checkpoint" in err
    assert not (tmp_path / "out" / WEIGHTS_NAME).exists()


def test_cli_convert_requires_all_three_files(capsys):
    with pytest.raises(SystemExit) as info:
        main(["convert", "--bg", "a.pth", "--out", "x"])
    assert info.value.code == 2
    assert "--fg" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command, options",
    [
        ("convert", ["--bg", "--fg", "--matting", "--out"]),
        ("push", ["DIR", "REPO_ID", "--private", "--revision", "--branch", "--token", "--message"]),
    ],
)
def test_help_documents_every_option(command, options):
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    text = subparsers.choices[command].format_help()
    for option in options:
        # each option appears in the listing followed by its help text
        assert re.search(rf"{re.escape(option)}\b[^\n]*\S", text), option
    for action in subparsers.choices[command]._actions:
        assert action.help, f"{command} {action.dest} has no help text"


# --------------------------------------------------------------------------- push


def test_push_uploads_the_folder(converted_by_cli, monkeypatch, online):
    hub = FakeHub(monkeypatch)
    url = push_to_hub(converted_by_cli, "someone/samplenet", private=True, revision="v1", token="hf_x")
    assert url.endswith("/commit/abc")
    assert set(hub.tokens) == {"hf_x"}
    (_, args, kwargs), = hub.named("create_repo")
    assert args == ("someone/samplenet",) and kwargs["private"] is True and kwargs["exist_ok"] is True
    (_, args, kwargs), = hub.named("create_branch")
    assert kwargs["branch"] == "v1"
    (_, _, kwargs), = hub.named("upload_folder")
    assert kwargs["repo_id"] == "someone/samplenet" and kwargs["revision"] == "v1"
    assert kwargs["folder_path"] == str(converted_by_cli)
    assert set(kwargs["allow_patterns"]) == {WEIGHTS_NAME, CONFIG_NAME, "README.md"}


def test_cli_push_to_main_branch(converted_by_cli, monkeypatch, online, capsys):
    hub = FakeHub(monkeypatch)
    assert main(["push", str(converted_by_cli), "someone/samplenet", "--message", "first"]) == 0
    assert not hub.named("create_branch")
    (_, _, kwargs), = hub.named("upload_folder")
    assert kwargs["revision"] is None and kwargs["commit_message"] == "first"
    assert "someone/samplenet" in capsys.readouterr().out


def test_push_offline_fails_clearly_before_any_request(converted_by_cli, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub = FakeHub(monkeypatch)
    with pytest.raises(WeightsUploadError, match="HF_HUB_OFFLINE"):
        push_to_hub(converted_by_cli, "someone/samplenet")
    assert main(["push", str(converted_by_cli), "someone/samplenet"]) == 2
    assert "samplenet push: error:" in capsys.readouterr().err
    assert hub.calls == []


def test_push_network_failure_is_reported(converted_by_cli, monkeypatch, online):
    FakeHub(monkeypatch, fail_with=ConnectionError("Name or service not known"))
    with pytest.raises(WeightsUploadError, match="Name or service not known.*logged in"):
        push_to_hub(converted_by_cli, "someone/samplenet")


def test_push_checks_the_folder_first(converted_by_cli, tmp_path, monkeypatch, online):
    hub = FakeHub(monkeypatch)
    with pytest.raises(WeightsNotFoundError):
        push_to_hub(tmp_path / "missing", "someone/samplenet")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / CONFIG_NAME).write_bytes((converted_by_cli / CONFIG_NAME).read_bytes())
    from safetensors.torch import save_file

    save_file({"matting.encoder.conv1.weight": torch.zeros(1)}, broken / WEIGHTS_NAME)
    with pytest.raises(WeightsFormatError, match="missing key"):
        push_to_hub(broken, "someone/samplenet")
    assert main(["push", str(broken), "someone/samplenet"]) == 2
    assert hub.calls == []
