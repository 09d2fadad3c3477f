"""Runs per-package work across worker processes: forked workers inherit the inputs and get back
only indices, and return plain results in input order, so output never depends on scheduling.

Small runs stay in-process, where a pool would cost more start-up than it saves. It knows nothing
about what the work is.
"""
from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Unit = TypeVar("Unit")
Result = TypeVar("Result")

MIN_PARALLEL_UNITS = 4
MIN_PARALLEL_BYTES = 512 * 1024
# Units smaller than BATCH_BYTES travel to a worker together, up to BATCH_BYTES or BATCH_UNITS a
# task: a task's round trip (pickling, pipes, locks) cost a worker 1.5 ms of CPU time and the parent
# 0.5 ms, more than most of the standard library's 1,620 candidate modules take to check (a tenth
# of a cold run's CPU time). Batches of the smallest units keep the end of a run balanced.
BATCH_BYTES = 64 * 1024
BATCH_UNITS = 32


class _Job(Generic[Unit, Result]):
    def __init__(self, work: Callable[[Unit], Result], units: Sequence[Unit]) -> None:
        self.work = work
        self.units = units


_job: _Job | None = None  # set before forking; workers read it instead of unpickling inputs


def workers(jobs: int) -> int:
    """Returns the number of worker processes `jobs` asks for (0: one per usable core), never more
    than the usable cores: the work is CPU-bound, and `--jobs 100000` must not fork 100,000 processes."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        cores = os.cpu_count() or 1
    return min(jobs, cores) if jobs > 0 else cores


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
        return _in_pool(units, batches(sorted(range(len(units)), key=lambda i: -sizes[i]), sizes), count)
    finally:
        _job = None


def batches(order: list[int], sizes: Sequence[int]) -> list[list[int]]:
    """Returns `order` (largest first) cut into tasks: a unit of BATCH_BYTES or more alone, the
    smaller ones that follow it in groups of BATCH_BYTES or BATCH_UNITS at most."""
    tasks: list[list[int]] = []
    group: list[int] = []
    total = 0
    for index in order:
        if sizes[index] >= BATCH_BYTES:
            tasks.append([index])
            continue
        if group and (total + sizes[index] > BATCH_BYTES or len(group) == BATCH_UNITS):
            tasks.append(group)
            group, total = [], 0
        group.append(index)
        total += sizes[index]
    return tasks + [group] if group else tasks


def _in_pool(units: Sequence[Unit], tasks: list[list[int]], count: int) -> list[Result]:
    """Runs the units task by task, in the order of `tasks` (largest first): an idle worker takes the
    next, so one slow package never waits behind a batch that happened to be assigned with it. Ctrl-C
    reaches only this process (workers ignore it, and are forked with it blocked): the workers are
    killed and KeyboardInterrupt raised, so nothing waits on a worker blocked writing its result."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results: dict[int, Result] = {}
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"),
                               initializer=_ignore_interrupts)
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            futures = [(task, pool.submit(_run_task, task)) for task in tasks]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for task, future in futures:
            results.update(zip(task, future.result()))
    except BrokenProcessPool:
        pass  # a worker died (out of memory, a crash in a parser): finish the rest in-process
    except BaseException:
        for worker in set(multiprocessing.active_children()) - before:
            worker.kill()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    assert _job is not None
    return [results[i] if i in results else _job.work(units[i]) for i in range(len(units))]


def _ignore_interrupts() -> None:
    """Makes a worker ignore Ctrl-C (the parent alone handles it), then lets signals in."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run_task(task: list[int]) -> list:
    assert _job is not None
    return [_job.work(_job.units[index]) for index in task]
