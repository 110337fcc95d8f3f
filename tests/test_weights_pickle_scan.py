"""Checkpoints that would run code are refused by the callable's name,
found by reading the pickle's opcodes, never by unpickling (issue 12,
defect 3).  Nothing here ever loads the hostile files: the marker file
their payload would create must not appear."""
from __future__ import annotations

import os
import pickle
import pickletools

import pytest
import torch

from samplenet.cli import main
from samplenet.errors import WeightsFormatError
from samplenet.weights.pickle_scan import UnsafePickleError, check_checkpoint_globals, checkpoint_globals
from samplenet.weights.reference import read_reference_state_dict

#: Words of torch's refusal that invite loading the file unrestricted.
UNPICKLE_ADVICE = ("weights_only` set to `False", "weights_only=False", "will likely succeed")


class CallsOsSystem:
    """Unpickling this object would run a shell command (it creates a marker file)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _save(path, obj, how):
    if how == "zip":
        torch.save(obj, path)
    elif how == "zip, protocol 4 (STACK_GLOBAL)":
        torch.save(obj, path, pickle_protocol=4)
    elif how == "legacy":
        torch.save(obj, path, _use_new_zipfile_serialization=False)
    else:
        with open(path, "wb") as handle:
            pickle.dump(obj, handle, protocol=2)
    return path


FORMATS = ["zip", "zip, protocol 4 (STACK_GLOBAL)", "legacy", "plain pickle"]


@pytest.mark.parametrize("how", FORMATS)
def test_convert_refuses_a_checkpoint_calling_os_system_by_name(tmp_path, capsys, how):
    marker = tmp_path / "code-ran"
    evil = _save(tmp_path / "LSM_80.pth", {"model": {"module.w": torch.zeros(1)}, "x": CallsOsSystem(marker)}, how)
    good = _save(tmp_path / "good.pth", {"model": {"module.w": torch.zeros(1)}}, "zip")
    code = main(["convert", "--bg", str(good), "--fg", str(good), "--matting", str(evil), "--out", str(tmp_path / "w")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{os.system.__module__}.system" in err and "pickled Python object" in err  # posix.system on Linux
    assert "LSM_80.pth" in err
    assert not any(advice in err for advice in UNPICKLE_ADVICE), err
    assert not marker.exists()


@pytest.mark.parametrize("how", ["zip", "legacy"])
def test_a_plain_checkpoint_passes_the_scan_and_loads(tmp_path, how):
    path = _save(tmp_path / "ok.pth", {"n_epoch": 80, "model": {"module.w": torch.ones(2, 3)}}, how)
    assert "torch._utils._rebuild_tensor_v2" in checkpoint_globals(path)
    check_checkpoint_globals(path)
    assert read_reference_state_dict(path)["w"].shape == (2, 3)


def _hand_made(ops: bytes) -> bytes:
    return b"\x80\x04" + ops + b"."


def _short_unicode(text: str) -> bytes:
    return b"\x8c" + bytes([len(text)]) + text.encode()


def test_a_global_named_through_the_memo_is_still_found(tmp_path):
    # 'posix' and 'system' pushed, memoised, popped, then fetched back from the memo for STACK_GLOBAL
    ops = (_short_unicode("posix") + b"\x94" + _short_unicode("system") + b"\x94" + b"00"
           + b"h\x00" + b"h\x01" + b"\x93" + _short_unicode("true") + b"\x85R")
    path = tmp_path / "memo.pkl"
    path.write_bytes(_hand_made(ops))
    pickletools.dis(path.read_bytes(), out=open(os.devnull, "w"))  # a well-formed pickle
    with pytest.raises(UnsafePickleError) as caught:
        check_checkpoint_globals(path)
    assert caught.value.name == "posix.system"


def test_a_global_whose_name_is_computed_is_refused(tmp_path):
    # the name on the stack comes from DUP, not from a string the scan can read
    ops = _short_unicode("builtins") + _short_unicode("eval") + b"2" + b"\x93" + b")R"
    path = tmp_path / "computed.pkl"
    path.write_bytes(_hand_made(ops))
    with pytest.raises(WeightsFormatError, match="refuses to unpickle"):
        read_reference_state_dict(path)
