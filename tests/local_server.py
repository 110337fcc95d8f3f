"""Starting things on this machine's loopback for tests: a free port, and the
app on one with the weight-free engine (shared by the API and browser tests)."""
from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch_app(registry):
    """Serve the app for ``registry`` on a free port without blocking;
    returns the Gradio ``Blocks`` (close it when done)."""
    from samplenet.app import LAUNCH_OPTIONS, build_demo

    demo = build_demo(registry)
    demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True, **LAUNCH_OPTIONS)
    return demo


def launch_weight_free_app():
    """The app around the classical engine, as a server without weights
    shows it (the visitors' notice and the operator's note)."""
    from samplenet.app import EngineRegistry
    from samplenet.app.engines import HOW_TO_ENABLE_SAMPLENET, WEIGHT_FREE_NOTICE
    from samplenet.engines.classical import ClassicalMatter

    registry = EngineRegistry({"classical": ClassicalMatter()}, notice=WEIGHT_FREE_NOTICE,
                              operator_note=f"No SampleNet weights are configured (test). {HOW_TO_ENABLE_SAMPLENET}")
    return launch_app(registry)
