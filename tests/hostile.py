"""Helpers for the robustness tests: run leaklint as a user would (a subprocess with a timeout, so a
hang fails the test instead of the suite) and sources with a known finding to prove none is lost."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PYTHON = sys.executable
PY_LEAK = "import socket\n\n\ndef f():\n    s = socket.socket()\n"
PY_LEAK_AT = ":5:9: LL201"
GO_LEAK = 'package a\n\nimport "net/http"\n\nfunc F(u string) {\n\tresp, _ := http.Get(u)\n\t_ = resp\n}\n'
GO_LEAK_AT = ":6:13: LL101"


def leaklint(args: list[str], cwd: Path, timeout: float = 120, env: dict[str, str] | None = None,
             prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Returns the finished `python -m leaklint ARGS` in `cwd`; raises TimeoutExpired if it hangs."""
    environment = dict(os.environ if env is None else env)
    return subprocess.run([*prefix, PYTHON, "-m", "leaklint", *args], cwd=cwd, capture_output=True, text=True,
                          errors="replace", timeout=timeout, env=environment, stdin=subprocess.DEVNULL)


def without_root_powers() -> tuple[str, ...]:
    """Returns a command prefix under which permission bits apply even to root (setpriv drops the
    capabilities that bypass them), or () when not root."""
    if os.geteuid() != 0:
        return ()
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
