"""A CPU-time budget for one unit of work (one package's lowering and analysis): when the process
has spent that much CPU time inside it, OverBudget is raised in the work, wherever it is.

CPU time, not wall time, so a loaded machine does not turn a slow file into a skipped one. It
uses the profiling interval timer (SIGPROF), armed only around the work, and does nothing outside
the main thread or where the platform has no such timer. It knows nothing about what the work is.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class OverBudget(BaseException):
    """The work ran out of CPU time. A BaseException, so that no `except Exception` of a front-end
    or the engine (which turns a crash into an error for one function) swallows it."""


def _expire(signum: int, frame: object) -> None:
    raise OverBudget


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Runs the body with `seconds` of CPU time (0: unbounded); raises OverBudget when they run out."""
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
