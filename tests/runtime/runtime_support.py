"""Helpers shared by the runtime tests: paths, running `python -m leaklint_gopy.runtime`, line lookup.

Named runtime_support (not conftest) so that importing it never picks up another directory's
conftest module.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runtime_sarif import write_findings

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CLIENTS = HERE / "clients"
GOMOD = HERE / "gomod"
REQUESTS = 80
DELAY = 0.012

__all__ = ["CLIENTS", "DELAY", "GOMOD", "HERE", "REQUESTS", "ROOT", "findings_at", "line_of", "runtime",
           "write_findings"]


def runtime(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Runs `python -m leaklint_gopy.runtime ARGS` and returns the finished process."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "leaklint_gopy.runtime", *args], cwd=cwd or ROOT,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


def line_of(path: Path, marker: str) -> int:
    """Returns the 1-based line of the first line containing marker."""
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


def findings_at(path: Path, root: Path, markers: dict[str, str]) -> list[tuple[str, str, int]]:
    """Returns (rule, uri relative to root, line) for each marker -> rule, in marker order."""
    uri = path.resolve().relative_to(root.resolve()).as_posix()
    return [(rule, uri, line_of(path, marker)) for marker, rule in markers.items()]
