"""Library manners: loading and calling an engine leave the host process's
settings alone; the opt-in (samplenet.tune_process, used by the app and the
CLI) sets them, within bounds; one engine serves concurrent calls with
different per-call options as it would serve them one by one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import make_disc_example
from glibc_probe import MALLINFO2_PRELUDE, glibc_only
from models_helpers import seeded_samplenet

import samplenet
from samplenet import allocator, process
from samplenet.cli import main
from samplenet.engines.samplenet_engine import SampleNetMatter
from samplenet.errors import MattingInputError

REPO = Path(__file__).resolve().parents[1]

#: In a fresh interpreter: optionally opt in, build and call a SampleNet
#: engine on CPU, then report the thread count and how much of a new 64 MB
#: tensor glibc mapped apart from its heap (all of it with glibc's defaults,
#: whose mmap threshold stops at 32 MB; none once mallopt raised it).
PROBE = MALLINFO2_PRELUDE + """
import json, sys
import numpy as np, torch
import samplenet
from samplenet.engines.samplenet_engine import SampleNetMatter
from samplenet.models.samplenet import SampleNet
threads_before = torch.get_num_threads()
if sys.argv[1] == "opt-in":
    samplenet.tune_process(threads=1)
matter = SampleNetMatter(SampleNet(), device="cpu")
image = np.full((48, 64, 3), 120, np.uint8)
trimap = np.zeros((48, 64), np.uint8); trimap[16:32, 16:48] = 128; trimap[20:28, 24:40] = 255
matter(image, trimap, attention="dense")
matter(image, trimap)
before = libc.mallinfo2().hblkhd
tensor = torch.ones(16 * 1024 * 1024)
mapped_apart = (libc.mallinfo2().hblkhd - before) / 2**20
print(json.dumps({"threads_before": threads_before, "threads_after": torch.get_num_threads(),
                  "mapped_apart_mb": mapped_apart}))
"""


def run_probe(mode: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for name in (allocator.ENV_SWITCH, process.THREADS_ENV):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@glibc_only
def test_loading_and_calling_an_engine_leaves_threads_and_allocator_alone():
    left_alone = run_probe("library")
    assert left_alone["threads_after"] == left_alone["threads_before"]
    assert left_alone["mapped_apart_mb"] >= 64  # glibc's defaults: mapped apart, returned when freed
    opted_in = run_probe("opt-in")  # the same probe notices the settings when they are made
    assert opted_in["threads_after"] == 1
    assert opted_in["mapped_apart_mb"] < 1


def test_thread_counts_beyond_a_small_multiple_of_the_cpus_are_refused(monkeypatch):
    monkeypatch.setattr(process, "cpu_count", lambda: 2)
    assert process.max_threads() == 8
    for bad in (0, -1, 9, 100000, 10**6, 1.5, "2", True):
        with pytest.raises(MattingInputError, match=r"threads must be a whole number from 1 to 8"):
            process.check_threads(bad)
    with pytest.raises(MattingInputError, match=r"threads must be a whole number from 1 to 8"):
        samplenet.tune_process(threads=10**6)
    monkeypatch.setenv(process.THREADS_ENV, "100000")
    with pytest.raises(MattingInputError, match=process.THREADS_ENV):
        samplenet.tune_process()
    monkeypatch.setenv(process.THREADS_ENV, "many")
    with pytest.raises(MattingInputError, match=process.THREADS_ENV):
        samplenet.tune_process()


def test_load_refuses_threads_by_name_and_points_to_the_opt_in():
    for engine in ("classical", "auto", "samplenet"):
        with pytest.raises(MattingInputError, match=r"threads.*samplenet\.tune_process"):
            samplenet.load(engine, threads=10**6)


def test_cli_refuses_an_absurd_thread_count(tmp_path, capsys):
    image, trimap, _ = make_disc_example(height=16, width=16)
    from PIL import Image

    Image.fromarray(image).save(tmp_path / "photo.png")
    Image.fromarray(trimap).save(tmp_path / "trimap.png")
    code = main(["predict", str(tmp_path / "photo.png"), str(tmp_path / "trimap.png"),
                 "--out", str(tmp_path / "out"), "--engine", "classical", "--threads", "100000"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--threads must be a whole number from 1 to" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.fixture(scope="module")
def matter():
    return SampleNetMatter(seeded_samplenet(), device="cpu")


def test_every_documented_option_is_accepted_per_call_or_refused_by_name(matter):
    image, trimap, _ = make_disc_example(height=80, width=96)
    result = matter(image, trimap, attention="dense", sampling_max_side=64, max_attention_bytes=10**9,
                    precision="fp32", half=False)
    assert result.info["attention"] == "dense" and result.info["sampling_size"] == (64, 48)
    assert matter(image, trimap).info["attention"] == "exact"  # the call changed nothing on the engine
    for option, value in [("device", "cpu"), ("threads", 2), ("max_pixels", 10**6), ("weights", "x"),
                          ("revision", "main"), ("turbo", True)]:
        with pytest.raises(MattingInputError, match=option):
            matter(image, trimap, **{option: value})
    with pytest.raises(MattingInputError, match="attention"):
        matter(image, trimap, attention="quantum")
    with pytest.raises(MattingInputError, match="sampling_max_side"):
        matter(image, trimap, sampling_max_side=3)
    with pytest.raises(MattingInputError, match="CUDA"):
        matter(image, trimap, precision="fp16")
    with pytest.raises(MattingInputError, match="max_attention_bytes"):
        matter(image, trimap, max_attention_bytes=0)
    with pytest.raises(MattingInputError, match="size=") as refused:
        matter(image, trimap, attention="dense", max_attention_bytes=1000)
    assert "GiB" in str(refused.value)
    known = trimap.copy()
    known[known == 128] = 255  # nothing to matte: still, a bad option is named, not ignored
    with pytest.raises(MattingInputError, match="turbo"):
        matter(image, known, turbo=True)


def test_one_matter_called_from_two_threads_gives_the_serial_results(matter):
    image, trimap, _ = make_disc_example(height=80, width=96)
    choices = [{"attention": "dense"}, {"attention": "exact", "sampling_max_side": 64}]
    serial = [matter(image, trimap, **options) for options in choices]
    assert serial[0].info["sampling_size"] != serial[1].info["sampling_size"]
    assert np.abs(serial[0].alpha - serial[1].alpha).max() > 1e-3  # the options make a visible difference

    rounds = 3
    results: dict[int, list] = {0: [], 1: []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(which: int) -> None:
        try:
            start.wait()
            for _ in range(rounds):
                results[which].append(matter(image, trimap, **choices[which]))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for which in (0, 1):
        assert len(results[which]) == rounds
        for got in results[which]:
            assert got.info["attention"] == serial[which].info["attention"]
            assert got.info["sampling_size"] == serial[which].info["sampling_size"]
            np.testing.assert_allclose(got.alpha, serial[which].alpha, atol=1e-5)
            np.testing.assert_allclose(got.foreground, serial[which].foreground, atol=1e-5)
