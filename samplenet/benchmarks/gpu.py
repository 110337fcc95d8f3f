"""``samplenet bench gpu``: what a CUDA machine must confirm before SampleNet
is trusted on it, in one run.

No GPU has run this code in our CI, so the command checks, on the GPU at
hand:

1. **fp32 against the CPU** on the fidelity fixture's photo and trimap
   (``tests/data/fidelity/``): the same seeded weights on both devices,
   with TF32 off (strict) and with PyTorch's default (cuDNN convolutions
   may use TF32, which rounds more).
2. **bf16 and fp16 against fp32** on the GPU: how far reduced precision
   moves alpha and the sampled colours (sanity bounds only: NaN, overflow,
   garbage; the figures go to README).
3. **ZeroGPU's decorator path**: the engine called through a function
   decorated with ``spaces.GPU`` as a Space does, and its result pickled
   and unpickled (ZeroGPU hands results across processes).
4. **Speed**: :mod:`samplenet.benchmarks.speed` on the GPU for 0.25-4 MP,
   with the app's cost model (:mod:`samplenet.budget.cost_model`, calibrated by
   one small run on the GPU) predicting each fp32 row beside its measured
   time: the check that the working sizes the app chooses there are right.

Every comparison takes the device as an argument, so the tests run them on
the CPU; only the command insists on CUDA.
"""
from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import MattingInputError
from ..tables import format_table

#: The fidelity fixture of a source checkout (not installed with the package).
FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "data" / "fidelity" / "reference_outputs.npz"

GPU_SIZES = (0.25, 0.5, 1.0, 2.0, 4.0)
GPU_MODES = ("dense", "exact", "reduced", "exact-bf16", "exact-fp16")

#: Largest accepted difference (values in [0, 1]) per comparison. fp32
#: without TF32 must match the CPU as closely as the fidelity test matches
#: the reference; the others are sanity bounds, their figures are reported.
TOLERANCES = {
    "fp32 vs CPU (TF32 off)": 1e-4,
    "fp32 vs CPU (PyTorch default)": 2e-2,
    "bf16 vs fp32": 0.25,
    "fp16 vs fp32": 0.1,
    "ZeroGPU decorator vs direct": 1e-5,  # the same engine twice; cuDNN may pick other kernels
}

#: Comparisons whose failure makes the command exit with status 1.
STRICT_CHECKS = ("fp32 vs CPU (TF32 off)", "ZeroGPU decorator vs direct")


class CudaUnavailableError(ValueError):
    """``samplenet bench gpu`` on a machine without CUDA (exit status 2)."""


def require_cuda(device: str = "cuda") -> torch.device:
    """The CUDA device to benchmark, or :class:`CudaUnavailableError` saying
    why not and where to run the command instead."""
    if not torch.cuda.is_available():
        raise CudaUnavailableError(
            f"samplenet bench gpu needs a CUDA GPU, and torch {torch.__version__} sees none here "
            "(torch.cuda.is_available() is False). Run it on a machine with an NVIDIA GPU and a CUDA "
            "build of torch; the CPU speed table comes from 'samplenet bench speed'."
        )
    resolved = torch.device(device)
    if resolved.type != "cuda":
        raise CudaUnavailableError(f"samplenet bench gpu runs on CUDA devices only, got {device!r}")
    return resolved


def load_fixture(path: str | Path = FIXTURE) -> tuple[np.ndarray, np.ndarray]:
    """The fidelity fixture's RGB photo and trimap."""
    path = Path(path)
    if not path.is_file():
        raise MattingInputError(
            f"fidelity fixture {path} not found: run from a source checkout of samplenet, or pass "
            "--fixture PATH to tests/data/fidelity/reference_outputs.npz"
        )
    with np.load(path) as data:
        return data["image_rgb"], data["trimap"]


@contextlib.contextmanager
def strict_fp32() -> Iterator[None]:
    """Float32 convolutions and matrix products without TF32, restored after."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    saved_conv = getattr(conv, "fp32_precision", None)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    if saved_conv is not None:
        conv.fp32_precision = "ieee"
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved
        if saved_conv is not None:
            conv.fp32_precision = saved_conv


def _row(check: str, device: Any, result: Any = None, baseline: Any = None, note: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {
        "check": check, "device": str(device), "alpha": None, "foreground": None, "background": None,
        "tolerance": TOLERANCES[check], "passed": None, "note": note,
    }
    if result is not None and baseline is not None:
        for key in ("alpha", "foreground", "background"):
            ours, theirs = getattr(result, key), getattr(baseline, key)
            row[key] = float(np.abs(ours - theirs).max()) if np.all(np.isfinite(ours)) else float("nan")
        worst = max(row["alpha"], row["foreground"], row["background"])
        row["passed"] = bool(worst <= row["tolerance"])  # NaN fails
    return row


def compare_devices(
    device: str | torch.device,
    image: np.ndarray,
    trimap: np.ndarray,
    model_factory: Callable[[], Any] | None = None,
) -> list[dict[str, Any]]:
    """fp32 on ``device`` against fp32 on the CPU, then bf16/fp16 on
    ``device`` against its fp32; one row per comparison (a precision the
    device cannot run is a row with a note, not an error)."""
    from ..engines.samplenet_engine import SampleNetMatter
    from .speed import seeded_random_samplenet

    make_model = model_factory or seeded_random_samplenet
    cpu_fp32 = SampleNetMatter(make_model(), device="cpu")(image, trimap)
    matter = SampleNetMatter(make_model(), device=device)
    with strict_fp32():
        strict = matter(image, trimap)
    rows = [_row("fp32 vs CPU (TF32 off)", device, strict, cpu_fp32)]
    if torch.device(device).type == "cuda":
        rows.append(_row("fp32 vs CPU (PyTorch default)", device, matter(image, trimap), cpu_fp32))
    for precision in ("bf16", "fp16"):
        check = f"{precision} vs fp32"
        try:
            reduced = matter(image, trimap, precision=precision)
        except MattingInputError as exc:
            rows.append(_row(check, device, note=f"not run: {exc}"))
            continue
        rows.append(_row(check, device, reduced, strict))
    return rows


def zerogpu_check(
    device: str | torch.device,
    image: np.ndarray,
    trimap: np.ndarray,
    model_factory: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """The engine called through a ``@spaces.GPU`` function, as on a
    ZeroGPU Space, against a direct call; the result must also survive
    pickling. Without the ``spaces`` package the row says so."""
    check = "ZeroGPU decorator vs direct"
    try:
        import spaces  # type: ignore[import-not-found]
    except ImportError:
        return _row(check, device, note="not run: the spaces package is not installed (pip install spaces)")
    from ..engines.samplenet_engine import SampleNetMatter
    from .speed import seeded_random_samplenet

    matter = SampleNetMatter((model_factory or seeded_random_samplenet)(), device=device)

    @spaces.GPU(duration=120)
    def matte_on_gpu(photo: np.ndarray, tri: np.ndarray):
        return matter(photo, tri)

    direct = matter(image, trimap)
    try:
        through = pickle.loads(pickle.dumps(matte_on_gpu(image, trimap)))
    except Exception as exc:  # any failure here is the finding this check exists for
        row = _row(check, device, note=f"failed: {type(exc).__name__}: {str(exc)[:200]}")
        row["passed"] = False
        return row
    return _row(check, device, through, direct, note=f"spaces {getattr(spaces, '__version__', '?')}")


def checks_table(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    """The comparison rows as a table: max |difference| per output."""
    headers = ["check", "device", "max |Δα|", "max |ΔF|", "max |ΔB|", "tolerance", "result", "note"]
    lines = []
    for row in rows:
        verdict = "-" if row["passed"] is None else ("ok" if row["passed"] else "FAILED")
        lines.append([row["check"], row["device"], row["alpha"], row["foreground"], row["background"],
                      row["tolerance"], verdict, row["note"]])
    return format_table(headers, lines, markdown=markdown)


def strict_failures(rows: list[dict[str, Any]]) -> list[str]:
    """Names of the strict checks that failed."""
    return [row["check"] for row in rows if row["check"] in STRICT_CHECKS and row["passed"] is False]


#: Speed-table modes the cost model predicts: fp32, exact attention, with
#: the samplers at full size or capped at the benchmark's sampling side.
PREDICTED_MODES = ("exact", "reduced")


def calibrated_model(device: str | torch.device, model_factory: Callable[[], Any] | None = None):
    """SampleNet's cost model with its speed measured on ``device`` (one small run)."""
    from ..budget.cost_model import CostModel, device_words
    from ..engines.samplenet_engine import SampleNetMatter
    from .speed import seeded_random_samplenet

    matter = SampleNetMatter((model_factory or seeded_random_samplenet)(), device=device)
    model = CostModel("samplenet", device_words(device))
    model.calibrate(matter)
    return model


def add_predictions(rows: list[dict[str, Any]], model: Any, sampling_max_side: int) -> list[dict[str, Any]]:
    """``predicted_s`` and ``predicted_over_measured`` on each measured row of
    :data:`PREDICTED_MODES` (the benchmark's synthetic portrait, its own
    unknown share); other rows get ``None``."""
    from ..budget.cost_model import RunShape
    from .speed import synthetic_portrait

    shares: dict[int, float] = {}
    for row in rows:
        row["predicted_s"] = row["predicted_over_measured"] = None
        if row["mode"] not in PREDICTED_MODES or not row.get("median_s"):
            continue
        side = int(row["size"].split("x")[0])
        if side not in shares:
            shares[side] = float(np.mean(synthetic_portrait(side)[1] == 128))
        cap = sampling_max_side if row["mode"] == "reduced" else None
        row["predicted_s"] = model.predict(RunShape.of(side, side, shares[side], cap))
        row["predicted_over_measured"] = row["predicted_s"] / row["median_s"]
    return rows


def predictions_table(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    """Measured against predicted seconds for the rows the cost model predicts."""
    headers = ["MP", "size", "mode", "measured s", "predicted s", "predicted / measured"]
    lines = [[r["megapixels"], r["size"], r["mode"], r["median_s"], r["predicted_s"], r["predicted_over_measured"]]
             for r in rows if r.get("predicted_s") is not None]
    return format_table(headers, lines, markdown=markdown)
