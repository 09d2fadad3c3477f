"""Ctrl-C and worker counts: an interrupted run ends at once with status 130, one line and no
worker traceback, and leaves no worker behind; --jobs never starts more workers than it can use."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hostile import PYTHON

GO_TREE = Path("/usr/lib/go-1.19/src/net")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _interrupt_in_parallel_phase(delay: float) -> tuple[int, str, list[int]] | None:
    """Starts a parallel run, sends Ctrl-C to its process group `delay` seconds after its workers
    appear, and returns its status, stderr and the workers' pids; None when the workers were gone
    by then, or the run ended as an uninterrupted one (on a loaded machine the sleep can outlast the
    parallel phase: the signal would test nothing)."""
    proc = subprocess.Popen([PYTHON, "-m", "leaklint_gopy", "check", "--no-cache", "--jobs", "2", str(GO_TREE)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (workers := _children(proc.pid)) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert workers, "the run never started its workers"
        time.sleep(delay)
        if not _children(proc.pid):
            return None
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        if proc.returncode in (0, 1) and not err:
            # The workers were reaped and the report written between the look and the signal: the
            # run ended as an uninterrupted one does (a run that ignored the signal ends so every time,
            # and fails the test's count of conclusive tries)
            return None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stderr.close()
    return proc.returncode, err, workers


@pytest.mark.skipif(not GO_TREE.is_dir(), reason="needs the Go standard library sources")
def test_ctrl_c_in_the_parallel_phase_exits_130_without_tracebacks() -> None:
    randomness = random.Random(15)
    tried = 0
    for _ in range(12):
        outcome = _interrupt_in_parallel_phase(randomness.uniform(0, 0.4))
        if outcome is None:
            continue
        status, err, workers = outcome
        tried += 1
        assert (status, err) == (130, "leaklint: interrupted\n")
        time.sleep(0.1)
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()
                    and "zombie" not in Path(f"/proc/{pid}/status").read_text()], "a worker outlived the run"
        if tried == 6:
            break
    assert tried >= 3, "the run's parallel phase ended before the signal in most tries"


def test_jobs_are_capped_at_the_usable_cores() -> None:
    from leaklint_gopy import parallel

    cores = len(os.sched_getaffinity(0))
    assert parallel.workers(10_000) == cores
    assert parallel.workers(1) == 1 and parallel.workers(0) == cores
