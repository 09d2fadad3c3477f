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
    """Returns the finished `python -m leaklint_gopy ARGS` in `cwd`; raises TimeoutExpired if it hangs."""
    environment = dict(os.environ if env is None else env)
    return subprocess.run([*prefix, PYTHON, "-m", "leaklint_gopy", *args], cwd=cwd, capture_output=True, text=True,
                          errors="replace", timeout=timeout, env=environment, stdin=subprocess.DEVNULL)


def without_root_powers() -> tuple[str, ...]:
    """Returns a command prefix under which permission bits apply even to root (setpriv drops the
    capabilities that bypass them), or () when not root."""
    if os.geteuid() != 0:
        return ()
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


REPO = Path(__file__).resolve().parent.parent
_CHECKS = [Path(os.environ["LEAKLINT_SARIF_CHECK"])] if os.environ.get("LEAKLINT_SARIF_CHECK") else []
SARIF_CHECK = next((p for p in [*_CHECKS, REPO.parent / "shared" / "sarif" / "check.sh",
                                Path("/work/shared/sarif/check.sh")] if p.is_file()), None)


def strict_sarif_problems(path: Path) -> str:
    """Returns what shared/sarif/check.sh --strict says is wrong with the SARIF file, '' when it
    passes (or when the checker is not beside the checkout: then only JSON validity is checked)."""
    import json
    import shutil

    json.loads(path.read_text(encoding="utf-8"))
    if SARIF_CHECK is None or not shutil.which("node"):
        return ""
    done = subprocess.run(["bash", str(SARIF_CHECK), "--strict", str(path)], capture_output=True, text=True,
                          timeout=300)
    return "" if done.returncode == 0 else done.stdout + done.stderr
