"""Starting things on this machine's loopback for tests: a free port, and the
app on one with the weight-free engine (shared by the API and browser tests)."""
from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch_weight_free_app(notice: str):
    """Build the app around the classical engine and serve it on a free port
    without blocking; returns the Gradio ``Blocks`` (close it when done)."""
    from samplenet.app import EngineRegistry, build_demo
    from samplenet.engines.classical import ClassicalMatter

    demo = build_demo(EngineRegistry({"classical": ClassicalMatter()}, notice=notice))
    demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    return demo
