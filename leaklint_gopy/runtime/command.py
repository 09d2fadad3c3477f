"""Runs the commands `watch` and `validate` were given, each in a process group of its own, and
ends the whole group on every exit path; turns SIGTERM, SIGHUP and SIGINT of leaklint itself into
one KeyboardInterrupt so that every cleanup runs; finds what runs killed with SIGKILL left behind.

It signals only process groups it started, and removes only files named after a dead run.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
_OWNER = re.compile(r"leaklint[-_a-z]*?[-_](\d+)")


def start(command: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> subprocess.Popen[bytes]:
    """Starts a command in a new process group (Ctrl-C reaches leaklint, which ends the group).

    Raises OSError when the command cannot start.
    """
    return subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=cwd, process_group=0)


def _signal_group(group: int, signum: int) -> bool:
    """Sends a signal to a process group; reports whether the group still had members."""
    try:
        os.killpg(group, signum)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _wait_group(group: int, seconds: float) -> bool:
    """Waits until a process group is empty; reports whether it is."""
    deadline = time.monotonic() + seconds
    while _signal_group(group, 0):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def stop(process: subprocess.Popen[bytes], grace: float = 3.0) -> int:
    """Ends a started command and everything left in its process group: SIGTERM, then SIGKILL
    after `grace` s. Returns the command's exit status (negative: the signal that ended it)."""
    group = process.pid
    if process.poll() is None:
        _signal_group(group, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            _signal_group(group, signal.SIGKILL)
    code = process.wait()
    if _signal_group(group, signal.SIGTERM) and not _wait_group(group, grace):
        _signal_group(group, signal.SIGKILL)
    return code


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block the first SIGTERM, SIGHUP or SIGINT raises KeyboardInterrupt; later ones
    are ignored, so that the cleanup it starts is not cut short."""
    def handler(signum: int, frame: object) -> None:
        """Ignores every stop signal from now on and interrupts the main thread once."""
        for each in STOP_SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = {each: signal.signal(each, handler) for each in STOP_SIGNALS}
    try:
        yield
    finally:
        for each, old in previous.items():
            signal.signal(each, old)


def owner_running(pid: int) -> bool:
    """Reports whether pid is a running leaklint process (not a dead run's reused pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"leaklint" in f.read()
    except OSError:
        return False


def stale(names: list[str]) -> list[str]:
    """Returns the names (of .pth hooks, trace directories) made by a leaklint run that is no
    longer running: a pid in the name that is not a live leaklint process, or no pid at all."""
    found = []
    for name in names:
        match = _OWNER.search(os.path.basename(name))
        if match is None or not owner_running(int(match.group(1))):
            found.append(name)
    return found
