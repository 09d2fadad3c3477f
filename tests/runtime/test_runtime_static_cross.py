"""The issue's bar, on the static half's own output: across every client of these tests, no finding
at a line that leaks (marked `leak:`) ends exercised-no-leak, and no finding in a correct client
or at a correct line (marked `correct` or `released`) is confirmed.

One traced run per language: every Python client as its own process under one shell (the .pth
hook of a scratch venv that sees this environment's packages), every Go package under one
`go test ./...`.
"""
from __future__ import annotations

import json
import shlex
import sys
import sysconfig
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_loopback import LoopbackServer
from runtime_support import CLIENTS, GOMOD, HERE, ROOT, runtime

CORRECT_FILES = {"py_urlopen_closed.py", "py_socket_closed.py", "py_requests_closed.py", "tidy/fetch.go",
                 "healthfixed/check.go"}
PYTHON_RUNS = [("py_urlopen_leak.py", "5 0.001"), ("py_urlopen_closed.py", "5 0.001"),
               ("py_socket_leak.py", "5 0.001"), ("py_socket_closed.py", "5 0.001"),
               ("py_requests_leak.py", "5 0.001"), ("py_requests_closed.py", "5 0.001"),
               ("py_reclaimed.py", "4"), ("py_http_connection.py", "4"), ("py_aiohttp.py", "4")]


@pytest.fixture(scope="module")
def static_sarif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Returns `leaklint check` SARIF for every client of the runtime tests, or skips."""
    import subprocess
    out = tmp_path_factory.mktemp("static") / "static.sarif"
    done = subprocess.run([sys.executable, "-m", "leaklint_gopy", "check", "--no-cache", "--format", "sarif", "-o", str(out),
                           "tests/runtime/clients", "tests/runtime/gomod", "tests/runtime/govendor/app"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode not in (0, 1) or not out.exists():
        pytest.skip(f"the static half cannot write SARIF here: {done.stderr.strip()[-200:]}")
    return out


@pytest.fixture(scope="module")
def scratch_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Returns the python of a scratch venv that imports this environment's packages (requests,
    aiohttp); validate puts its .pth hook there, never into this environment."""
    env_dir = tmp_path_factory.mktemp("crossvenv")
    venv.create(env_dir, with_pip=False, symlinks=True)
    site = next((env_dir / "lib").glob("python*/site-packages"))
    (site / "parent_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield env_dir / "bin" / "python"
    assert [p.name for p in site.glob("*leaklint*")] == []


def _statuses(report: Path) -> list[tuple[Path, int, str, str]]:
    return [((ROOT / f["uri"]).resolve(), f["line"], f["status"], f["reason"])
            for f in json.loads(report.read_text())["findings"]]


def _judge(statuses: list[tuple[Path, int, str, str]], ran: set[str]) -> list[str]:
    """Returns the broken promises among the findings in files that ran: a leak called clean,
    correct code confirmed, or a leak neither confirmed nor explained as untraced or not run."""
    broken = []
    for path, line, status, reason in statuses:
        relative = path.relative_to(HERE).as_posix().removeprefix("clients/").removeprefix("gomod/")
        if relative not in ran:
            continue
        text = path.read_text().splitlines()[line - 1]
        correct = relative in CORRECT_FILES or "correct" in text or "released" in text
        if "leak:" in text and status == "exercised-no-leak":
            broken.append(f"leak called clean: {relative}:{line}")
        if correct and status == "confirmed":
            broken.append(f"correct code confirmed: {relative}:{line}")
        if "leak:" in text and status == "inconclusive" and not reason.startswith("ran"):
            broken.append(f"leak left unexplained: {relative}:{line} ({reason})")
    return broken


def test_no_python_leak_is_called_clean_and_no_correct_client_confirmed(static_sarif: Path, scratch_python: Path,
                                                                        server: LoopbackServer, tmp_path: Path) -> None:
    pytest.importorskip("aiohttp", reason="aiohttp is not installed")
    python = shlex.quote(str(scratch_python))
    shell = "; ".join(f"{python} {shlex.quote(str(CLIENTS / name))} {server.url} {args}" for name, args in PYTHON_RUNS)
    report = tmp_path / "r.json"
    done = runtime("validate", "--quiet", "--sarif", str(static_sarif), "--json", str(report), "--inject", "pth",
                   "--python", str(scratch_python), "--interval", "0.2", "--", "sh", "-c", shell, timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _judge(_statuses(report), {name for name, _ in PYTHON_RUNS}) == [], done.stdout


def test_no_go_leak_is_called_clean_and_no_correct_client_confirmed(go: str, static_sarif: Path, server: LoopbackServer,
                                                                    tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    env = {"LEAKDEMO_URL": server.url, "LEAKDEMO_COUNT": "8", "LEAKDEMO_DELAY": "1ms", "GOPROXY": "off", "GOFLAGS": ""}
    done = runtime("validate", "--quiet", "--sarif", str(static_sarif), "--json", str(report), "--root", str(ROOT),
                   "--", go, "test", "./...", cwd=GOMOD, env=env, timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    ran = {"leaky/fetch.go", "tidy/fetch.go", "health/check.go", "healthfixed/check.go", "testmain/fetch.go",
           "untraced/untraced.go"}
    assert _judge(_statuses(report), ran) == [], done.stdout
