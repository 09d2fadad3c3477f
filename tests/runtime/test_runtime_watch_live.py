"""watch on real processes: slow leaks, interruption, charts and peer grouping.

Every process is started here, talks to 127.0.0.1 only and ends within a few seconds.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from runtime_loopback import LoopbackServer
from runtime_support import CLIENTS, runtime


def _metrics(out: Path) -> dict[str, dict[str, object]]:
    return json.loads(out.read_text())["metrics"]


def test_slow_leak_with_small_growth_is_not_called_clean(tmp_path: Path, server: LoopbackServer) -> None:
    # The brief's cadence, compressed: 4 connections leaked 0.25 s apart, timed by the clock. The
    # total growth stays under --min-growth, but the slope lies far above --min-slope.
    out = tmp_path / "w.json"
    done = runtime("watch", "--quiet", "--interval", "0.02", "--duration", "1.05", "--json", str(out), "--",
                   sys.executable, str(CLIENTS / "py_socket_leak.py"), server.url, "4", "0.25")
    assert done.returncode in (0, 1), done.stderr
    sockets = _metrics(out)["sockets"]
    assert sockets["interval"][0] >= 0.02, sockets
    assert sockets["verdict"] in ("LEAK", "INCONCLUSIVE"), sockets
    assert sockets["verdict"] == "LEAK" or "run longer" in sockets["reason"]
