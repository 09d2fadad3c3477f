"""Signals and cleanup: Ctrl-C keeps what was sampled, SIGTERM ends the whole command and removes
the .pth hook and the trace directory, overlapping runs keep their own hooks, a later run removes
the hook of a run that was killed.

Every process is started here, talks to 127.0.0.1 only and is killed at the end of its test.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_loopback import LoopbackServer
from runtime_support import CLIENTS, ROOT, line_of, write_findings

HOLDER = """
import socket, sys, time
held = []
for _ in range(int(sys.argv[2])):
    held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    time.sleep(0.05)
time.sleep(30)
"""


def _port(server: LoopbackServer) -> str:
    return str(server.server_address[1])


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Starts `python -m leaklint_gopy.runtime ARGS` with its output captured."""
    return subprocess.Popen([sys.executable, "-m", "leaklint_gopy.runtime", *args], cwd=ROOT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _descendants(pid: int) -> set[int]:
    """Returns every process below pid."""
    parents = {}
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat") as f:
                parents[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        children = [p for p, parent in parents.items() if parent == current]
        found.update(children)
        todo += children
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_until(condition, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def target(server: LoopbackServer) -> Iterator[subprocess.Popen[str]]:
    """A process that opens 30 loopback connections 50 ms apart and holds them."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, _port(server), "30"], text=True)
    yield process
    process.kill()
    process.wait()


def test_ctrl_c_on_watch_pid_reports_what_was_sampled(target: subprocess.Popen[str], tmp_path: Path) -> None:
    watcher = _start("watch", "--pid", str(target.pid), "--interval", "0.05", "--json", str(tmp_path / "w.json"))
    assert watcher.stderr and watcher.stderr.readline().startswith("[")  # the first sample's progress line
    time.sleep(0.8)
    watcher.send_signal(signal.SIGINT)
    out, err = watcher.communicate(timeout=20)
    assert watcher.returncode in (0, 1), err
    assert "no samples taken" not in out and "Traceback" not in err
    assert out.startswith("interrupted: ")
    data = json.loads((tmp_path / "w.json").read_text())
    assert len(data["samples"]) >= 5
    assert data["metrics"]["sockets"]["samples"] == len(data["samples"])


@pytest.fixture
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """Returns (python, site-packages) of a fresh venv; asserts no leaklint hook is left in it."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=False, symlinks=True)
    site = next((env_dir / "lib").glob("python*/site-packages"))
    yield env_dir / "bin" / "python", site
    assert [p.name for p in site.glob("*leaklint*")] == []


def _hooks(site: Path) -> list[str]:
    return sorted(p.name for p in site.glob("*leaklint*.pth"))


def test_sigterm_ends_the_command_group_and_removes_the_hook(venv_python: tuple[Path, Path], tmp_path: Path,
                                                            server: LoopbackServer) -> None:
    python, site = venv_python
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    sarif = write_findings(tmp_path / "in.sarif", ROOT, [])
    ready = tmp_path / "ready"
    ready.mkdir()
    # Each child says when its interpreter is up: a SIGTERM during a child's start-up makes that child
    # print CPython's own fatal-error traceback, which is not leaklint's to answer for.
    child = "import pathlib, sys, time; pathlib.Path(sys.argv[1]).touch(); time.sleep(60)"
    shell = (f"'{python}' -c '{child}' '{ready / 'a'}' & '{python}' -c '{child}' '{ready / 'b'}'; wait")
    run = _start("validate", "--quiet", "--sarif", str(sarif), "--inject", "pth", "--python", str(python),
                 "--", "sh", "-c", shell, env={"TMPDIR": str(scratch)})
    _wait_until(lambda: len(_descendants(run.pid)) >= 3 and len(os.listdir(ready)) == 2)
    started = _descendants(run.pid)
    assert _hooks(site)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=20)
    assert "Traceback" not in err
    _wait_until(lambda: not any(_alive(pid) for pid in started), 10)
    assert _hooks(site) == []
    assert os.listdir(scratch) == []


def test_overlapping_runs_keep_their_own_hooks(venv_python: tuple[Path, Path], tmp_path: Path,
                                               server: LoopbackServer) -> None:
    python, site = venv_python
    name = "py_socket_leak.py"
    line = line_of(CLIENTS / name, "socket.create_connection")
    sarif = write_findings(tmp_path / "in.sarif", ROOT, [("LL201", f"tests/runtime/clients/{name}", line)])
    late_child = f"sleep 2; '{python}' '{CLIENTS / name}' {server.url} 6 0.002"
    first = _start("validate", "--quiet", "--sarif", str(sarif), "--inject", "pth", "--python", str(python),
                   "--json", str(tmp_path / "first.json"), "--", "sh", "-c", late_child)
    _wait_until(lambda: len(_hooks(site)) == 1)
    second = _start("validate", "--quiet", "--sarif", str(sarif), "--inject", "pth", "--python", str(python),
                    "--", "sh", "-c", f"'{python}' -c pass")
    assert second.wait(timeout=30) == 0, second.communicate()
    assert first.poll() is None and len(_hooks(site)) == 1
    first.communicate(timeout=30)
    assert first.returncode == 1
    report = json.loads((tmp_path / "first.json").read_text())
    assert report["findings"][0]["status"] == "confirmed"


def test_a_later_run_removes_the_hook_of_a_killed_run(venv_python: tuple[Path, Path], tmp_path: Path) -> None:
    python, site = venv_python
    sarif = write_findings(tmp_path / "in.sarif", ROOT, [])
    killed = _start("validate", "--quiet", "--sarif", str(sarif), "--inject", "pth", "--python", str(python),
                    "--", "sh", "-c", f"'{python}' -c 'import time; time.sleep(60)'")
    _wait_until(lambda: len(_hooks(site)) == 1 and len(_descendants(killed.pid)) >= 2)
    stranded = _descendants(killed.pid)
    killed.kill()
    killed.wait()
    for pid in stranded:
        os.kill(pid, signal.SIGKILL)
    assert len(_hooks(site)) == 1
    later = _start("validate", "--quiet", "--sarif", str(sarif), "--inject", "pth", "--python", str(python),
                   "--", "sh", "-c", f"'{python}' -c pass")
    later.communicate(timeout=30)
    assert _hooks(site) == []


def test_the_final_record_is_not_interrupted_by_a_second_sigterm() -> None:
    # A SIGTERM turned into SystemExit inside the atexit callback printed "Exception ignored in atexit
    # callback" with a traceback (the SIGTERM test above failed so about once in a full suite).
    from leaklint_gopy.runtime import tracer

    previous = signal.signal(signal.SIGTERM, tracer._on_term)
    try:
        tracer._final()
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)
