"""Time of an engine's first call in a fresh Python process.

What a user waits for the first time (interpreter start, imports, JIT
compilation or reading cached machine code, weights, one matte) cannot be
measured inside a process that has already imported everything, so
:func:`measure_first_call` starts a new interpreter that runs this module
on one image and times it from the outside.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def measure_first_call(
    engine: str, image: Path, trimap: Path, options: dict[str, Any] | None = None, timeout: float = 600.0
) -> float:
    """Wall-clock seconds of ``python -m samplenet.benchmarks.first_call``
    building ``engine`` and matting ``image`` once.

    Raises:
        RuntimeError: the child process failed; its last error line is quoted.
    """
    command = [
        sys.executable,
        "-m",
        "samplenet.benchmarks.first_call",
        engine,
        str(image),
        str(trimap),
        json.dumps(options or {}),
    ]
    # The child must import this very copy of samplenet, installed or not.
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the first call of engine {engine!r} took more than {timeout:.0f} s") from None
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise RuntimeError(
            f"measuring the first call of engine {engine!r} failed: {lines[-1] if lines else 'no output'}"
        )
    return seconds


def main(argv: list[str]) -> int:
    """The child's side: ``ENGINE IMAGE TRIMAP OPTIONS_JSON`` -> one matte,
    then a JSON line saying what was computed."""
    engine, image_path, trimap_path, options = argv[0], argv[1], argv[2], json.loads(argv[3])
    from ..evaluation.compared_engines import ENGINE_BUILDERS
    from ..io import prepare_inputs

    image, trimap = prepare_inputs(image_path, trimap_path)
    alpha = ENGINE_BUILDERS[engine](options)(image, trimap)
    print(json.dumps({"engine": engine, "shape": list(getattr(alpha, "shape", ()))}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
