"""A slow run on a shared server: it is cut short at the page's time budget
and answered by the weight-free engine (saying so), and a caller waiting
behind it sees its queue position.

The server's "samplenet" slot holds a stand-in engine that blocks until the
test releases it, so no test depends on how fast this machine is.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")
from gradio_client import Client, handle_file
from local_server import launch_app

from samplenet.app import EngineRegistry
from samplenet.engines.base import Matter
from samplenet.engines.classical import ClassicalMatter

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PHOTO, TRIMAP = handle_file(str(EXAMPLES / "chelsea.jpg")), handle_file(str(EXAMPLES / "chelsea_trimap.png"))
BUDGET_S = 3


class HeldMatter(Matter):
    """Returns the weight-free engine's result once :attr:`release` is set."""

    name = "samplenet"

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.started = threading.Event()

    def predict_arrays(self, image, trimap, **options):
        self.started.set()
        self.release.wait(60)
        return ClassicalMatter()(image, trimap)


@pytest.fixture(scope="module")
def server():
    held = HeldMatter()
    previous = os.environ.get("SAMPLENET_APP_RUN_SECONDS")
    os.environ["SAMPLENET_APP_RUN_SECONDS"] = str(BUDGET_S)
    demo = launch_app(EngineRegistry({"samplenet": held, "classical": ClassicalMatter()}))
    try:
        yield Client(demo.local_url, verbose=False), held
    finally:
        held.release.set()
        demo.close()
        if previous is None:
            os.environ.pop("SAMPLENET_APP_RUN_SECONDS", None)
        else:
            os.environ["SAMPLENET_APP_RUN_SECONDS"] = previous


def test_a_run_past_the_budget_gets_the_weight_free_matte_and_says_so(server):
    client, held = server
    held.release.clear()
    try:
        *_, details = client.predict(PHOTO, TRIMAP, "samplenet", api_name="/matte")
    finally:
        held.release.set()
    assert details["engine"] == "classical"  # never nothing (issue 30); the cut-short error is for no fallback
    assert any(f"did not finish within the {BUDGET_S} s budget" in note for note in details["notes"])
    # the slot is free again: the next caller is served
    *_, details = client.predict(PHOTO, TRIMAP, "classical", api_name="/matte")
    assert details["engine"] == "classical"


def test_a_caller_behind_a_running_job_sees_its_queue_position(server):
    client, held = server
    held.release.clear()
    held.started.clear()
    first = client.submit(PHOTO, TRIMAP, "samplenet", api_name="/matte")
    assert held.started.wait(30)
    second = client.submit(PHOTO, TRIMAP, "classical", api_name="/matte")
    seen = None
    for _ in range(100):
        status = second.status()
        if status.code.name == "IN_QUEUE" and status.rank is not None:
            seen = (status.rank, status.queue_size)
            break
        time.sleep(0.05)
    held.release.set()
    assert seen is not None and seen[0] == 0 and seen[1] >= 1  # first in line behind the running job
    first.result(timeout=60)
    assert second.result(timeout=60)[4]["engine"] == "classical"
