"""Runs per-package work across worker processes: forked workers inherit the inputs and get back
only indices, and return plain results in input order, so output never depends on scheduling.

Small runs stay in-process, where a pool would cost more start-up than it saves. It knows nothing
about what the work is.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Unit = TypeVar("Unit")
Result = TypeVar("Result")

MIN_PARALLEL_UNITS = 4
MIN_PARALLEL_BYTES = 512 * 1024


class _Job(Generic[Unit, Result]):
    def __init__(self, work: Callable[[Unit], Result], units: Sequence[Unit]) -> None:
        self.work = work
        self.units = units


_job: _Job | None = None  # set before forking; workers read it instead of unpickling inputs


def workers(jobs: int) -> int:
    """Returns the number of worker processes `jobs` asks for (0: one per usable core)."""
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def run(work: Callable[[Unit], Result], units: Sequence[Unit], sizes: Sequence[int], jobs: int) -> list[Result]:
    """Returns `work(unit)` for every unit, in order; in worker processes when the run is big enough."""
    count = min(workers(jobs), len(units))
    if count <= 1 or len(units) < MIN_PARALLEL_UNITS or sum(sizes) < MIN_PARALLEL_BYTES:
        return [work(unit) for unit in units]
    import multiprocessing  # only here: a small run never pays for importing the pool

    if "fork" not in multiprocessing.get_all_start_methods():
        return [work(unit) for unit in units]
    global _job
    _job = _Job(work, units)
    try:
        return _in_pool(units, sorted(range(len(units)), key=lambda i: -sizes[i]), count)
    finally:
        _job = None


def _in_pool(units: Sequence[Unit], order: list[int], count: int) -> list[Result]:
    """Runs one task per unit, in `order` (largest first): an idle worker takes the next, so one
    slow package never waits behind a batch that happened to be assigned with it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results: dict[int, Result] = {}
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            for index, future in [(index, pool.submit(_run_one, index)) for index in order]:
                results[index] = future.result()
    except BrokenProcessPool:
        pass  # a worker died (out of memory, a crash in a parser): finish the rest in-process
    assert _job is not None
    return [results[i] if i in results else _job.work(units[i]) for i in range(len(units))]


def _run_one(index: int):
    assert _job is not None
    return _job.work(_job.units[index])
