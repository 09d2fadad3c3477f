"""Fixtures for the runtime tests: a loopback HTTP server, the client programs, SARIF files.

Everything talks to 127.0.0.1 only, runs bounded loops and is cleaned up by pytest.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from loopback import LoopbackServer  # noqa: E402
from sarifdoc import write_findings  # noqa: E402,F401 - re-exported for tests

ROOT = HERE.parents[1]
CLIENTS = HERE / "clients"
GOMOD = HERE / "gomod"
REQUESTS = 80
DELAY = 0.012


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LoopbackServer]:
    """Returns a running loopback server whose counter file counts requests served."""
    with LoopbackServer(str(tmp_path / "requests")) as running:
        yield running


def runtime(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Runs `python -m leaklint.runtime ARGS` and returns the finished process."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "leaklint.runtime", *args], cwd=cwd or ROOT,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


def line_of(path: Path, marker: str) -> int:
    """Returns the 1-based line of the first line containing marker."""
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


@pytest.fixture(scope="session")
def go() -> str:
    """Returns the go command, or skips when Go is not installed."""
    found = shutil.which("go")
    if not found:
        pytest.skip("go is not installed (CI installs golang-go); Go variants not run")
    return found


@pytest.fixture(scope="session")
def go_client(go: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Returns the built Go client binary (leaky|tidy URL COUNT DELAY)."""
    binary = tmp_path_factory.mktemp("go") / "client"
    subprocess.run([go, "build", "-o", str(binary), "./cmd/client"], cwd=GOMOD, check=True,
                   env={**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod"}, timeout=300)
    return binary


@pytest.fixture
def requests_installed() -> None:
    """Skips unless `requests` is importable by the test interpreter."""
    pytest.importorskip("requests", reason="requests is not installed; its variants are skipped")


ClientCommand = Callable[[str, LoopbackServer], list[str]]
