"""A time budget for each matting run, so one slow run cannot hold the
single queue slot for everyone.

``SAMPLENET_APP_RUN_SECONDS`` (default :data:`DEFAULT_RUN_SECONDS`) bounds
how long a request waits for the engine.  Past it the request ends with
:class:`RunCutShort`, which says so, and the queue moves on.  Python cannot
stop a thread, so the abandoned computation finishes in the background and
its result is dropped; engines that take their own time budget stop sooner,
and a torch model run under :func:`stop_when_abandoned` stops at its next
layer. The next run waits for it (one engine run at a time per process)
rather than overlapping it on the same model.
"""
from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ..errors import MattingInputError
from ..io import positive_int_from_env

T = TypeVar("T")

DEFAULT_RUN_SECONDS = 60


class RunCutShort(MattingInputError):
    """The run went past its time budget and was cut short; ``started`` says
    whether it ran at all (else it waited for the slot the whole time)."""

    def __init__(self, message: str, started: bool = True) -> None:
        super().__init__(message)
        self.started = started


def run_seconds_from_env() -> int:
    """The budget in force, in seconds (``SAMPLENET_APP_RUN_SECONDS``)."""
    return positive_int_from_env("SAMPLENET_APP_RUN_SECONDS", DEFAULT_RUN_SECONDS)


#: One engine run at a time per process.  The queue admits the next request
#: when a run is cut short, but the abandoned computation goes on; without
#: this slot the next run would overlap it on the same model (twice the
#: memory, progress reports crossed).
_ENGINE_SLOT = threading.Lock()


class RunAbandoned(RuntimeError):
    """Raised inside a run whose caller stopped waiting, to end it early."""


#: The event a run's caller sets when it stops waiting (in the run's context only).
_ABANDONED: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("abandoned", default=None)


@contextlib.contextmanager
def stop_when_abandoned(model: Any) -> Iterator[None]:
    """While active, every layer of the torch ``model`` checks before it
    runs whether the caller of :func:`call_within` has stopped waiting, and
    if so raises :class:`RunAbandoned`: a run cut short frees the engine
    (and the CPU) within a layer instead of computing a result nobody reads.
    Outside :func:`call_within`, or for a model that is not a torch module,
    it does nothing."""
    event = _ABANDONED.get()
    modules = getattr(model, "modules", None)
    if event is None or modules is None:
        yield
        return

    def check(module: Any, inputs: Any) -> None:
        if event.is_set():
            raise RunAbandoned("the caller stopped waiting for this run")

    handles = [module.register_forward_pre_hook(check) for module in modules()]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def engine_slot() -> threading.Lock:
    """The lock every engine run holds, for other work on the engines (timing
    them at start-up) that must not overlap a visitor's run."""
    return _ENGINE_SLOT


def call_within(seconds: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, or :class:`RunCutShort` after ``seconds``.

    ``fn`` runs in a daemon thread with the caller's context variables, so
    Gradio's progress reports from inside it still reach the page.  It
    starts only once the engine slot is free, i.e. once an earlier run that
    was cut short has really finished; a request whose budget ends while it
    waits for the slot is told so and never starts."""
    outcome: dict[str, Any] = {}
    finished, started, abandoned = threading.Event(), threading.Event(), threading.Event()
    context = contextvars.copy_context()
    context.run(_ABANDONED.set, abandoned)

    def target() -> None:
        with _ENGINE_SLOT:
            if abandoned.is_set():  # the caller stopped waiting before the slot was free
                return
            started.set()
            try:
                outcome["value"] = context.run(fn, *args, **kwargs)
            except BaseException as exc:  # handed back to the caller below
                outcome["error"] = exc
            finally:
                finished.set()

    threading.Thread(target=target, name="samplenet-run", daemon=True).start()
    if not finished.wait(seconds):
        abandoned.set()
        if not started.is_set():
            raise RunCutShort(
                f"Cut short: the server was still finishing an earlier run that went past its budget, and "
                f"this run could not start within {seconds:g} s (SAMPLENET_APP_RUN_SECONDS). "
                "Please try again in a minute.",
                started=False,
            )
        raise RunCutShort(
            f"Cut short: the run took longer than this server's budget of {seconds:g} s per run "
            "(SAMPLENET_APP_RUN_SECONDS), so the page stopped waiting to keep the queue moving. "
            "A narrower grey band or a smaller photo runs faster."
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
