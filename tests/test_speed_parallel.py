"""Parallel checking: worker processes give the same findings, errors and directives as one process."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaklint_gopy import driver, parallel
from leaklint_gopy.spec import load_rules

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "go"


def _run(jobs: int, monkeypatch: pytest.MonkeyPatch) -> driver.RunResult:
    rules = tuple(load_rules(driver.default_rule_dirs()))
    return driver.run([str(FIXTURES)], driver.Settings(rules, root=str(REPO), jobs=jobs, use_cache=False))


def _force_pool(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Makes even the tiny fixture tree use the pool; returns a list that records pool sizes."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_UNITS", 1)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    used: list[int] = []
    real = parallel._in_pool

    def spy(units, batches, count):
        used.append(count)
        return real(units, batches, count)

    monkeypatch.setattr(parallel, "_in_pool", spy)
    return used


def test_two_workers_find_what_one_process_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    serial = _run(1, monkeypatch)
    used = _force_pool(monkeypatch)
    pooled = _run(2, monkeypatch)
    assert used == [2]
    assert serial.findings and pooled.findings == serial.findings
    assert pooled.errors == serial.errors
    assert pooled.unused_directives == serial.unused_directives
    assert pooled.files_checked == serial.files_checked


def test_small_run_stays_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[int] = []
    monkeypatch.setattr(parallel, "_in_pool", lambda *a: used.append(1))
    _run(2, monkeypatch)
    assert used == []


def test_results_keep_input_order_whatever_the_schedule() -> None:
    parallel.MIN_PARALLEL_UNITS, saved = 1, parallel.MIN_PARALLEL_UNITS
    try:
        squares = parallel.run(lambda n: n * n, list(range(40)), [1 << 20] * 40, jobs=2)
    finally:
        parallel.MIN_PARALLEL_UNITS = saved
    assert squares == [n * n for n in range(40)]


def test_largest_units_are_handed_out_first_and_small_ones_together(monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[list[list[int]]] = []
    monkeypatch.setattr(parallel, "_in_pool", lambda units, tasks, count: handed.append(tasks) or list(units))
    monkeypatch.setattr(parallel, "MIN_PARALLEL_UNITS", 1)
    parallel.run(lambda n: n, [0, 1, 2, 3, 4, 5], [10, 1 << 20, 9, 2, 1 << 21, 5], jobs=2)
    assert handed == [[[4], [1], [0, 2, 5, 3]]]


def test_batches_hold_at_most_their_bytes_or_units(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "BATCH_BYTES", 100)
    monkeypatch.setattr(parallel, "BATCH_UNITS", 3)
    sizes = [500, 100, 60, 50, 30, 5, 4, 3, 2]
    assert parallel.batches(list(range(len(sizes))), sizes) == [[0], [1], [2], [3, 4, 5], [6, 7, 8]]


def test_batched_pool_returns_every_result_in_input_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_UNITS", 1)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    sizes = [(n * 7919) % 5000 for n in range(300)]
    assert parallel.run(lambda n: -n, list(range(300)), sizes, jobs=2) == [-n for n in range(300)]


def test_jobs_zero_means_every_usable_core() -> None:
    assert parallel.workers(0) >= 1
    assert parallel.workers(1) == 1 and parallel.workers(3) == min(3, parallel.workers(0))  # capped at the cores
