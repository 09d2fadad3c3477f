"""Fixtures for the runtime tests: a loopback HTTP server and the Go client.

Everything talks to 127.0.0.1 only, runs bounded loops and is cleaned up by pytest.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from runtime_loopback import LoopbackServer  # noqa: E402
from runtime_support import GOMOD  # noqa: E402


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LoopbackServer]:
    """Returns a running loopback server whose counter file counts requests served."""
    with LoopbackServer(str(tmp_path / "requests")) as running:
        yield running


@pytest.fixture(scope="session")
def go() -> str:
    """Returns the go command, or skips when Go is not installed."""
    found = shutil.which("go")
    if not found:
        pytest.skip("go is not installed (CI installs golang-go); Go variants not run")
    return found


@pytest.fixture(scope="session")
def go_client(go: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Returns the built Go client binary (leaky|tidy URL COUNT DELAY [HOLD])."""
    binary = tmp_path_factory.mktemp("go") / "client"
    subprocess.run([go, "build", "-o", str(binary), "./cmd/client"], cwd=GOMOD, check=True,
                   env={**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod"}, timeout=300)
    return binary
