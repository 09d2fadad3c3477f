"""watch on real processes: slow leaks, interruption, charts and peer grouping.

Every process is started here, talks to 127.0.0.1 only and ends within a few seconds.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runtime_loopback import LoopbackServer
from runtime_support import CLIENTS, ROOT, runtime


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


def _wait_for(path: Path, seconds: float = 10.0) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)
    return path.read_text()


def test_server_peers_are_grouped_by_listening_port(tmp_path: Path) -> None:
    port_file, out = tmp_path / "port", tmp_path / "w.json"
    watcher = subprocess.Popen(
        [sys.executable, "-m", "leaklint_gopy.runtime", "watch", "--quiet", "--interval", "0.05", "--json", str(out),
         "--", sys.executable, str(CLIENTS / "py_server.py"), str(port_file), "1.5"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
    try:
        port = int(_wait_for(port_file))
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
        assert watcher.wait(timeout=20) in (0, 1)
    finally:
        watcher.kill()
    for client in clients:
        client.close()
    peers = {name: m for name, m in _metrics(out).items() if name.startswith("peer.")}
    assert list(peers) == [f"peer.in:{port}"], list(peers)


def _svg_numbers(svg: str, attribute: str) -> list[float]:
    return [float(v) for v in re.findall(rf'{attribute}="([-0-9.]+)"', svg)]


def test_chart_axes_cover_the_data_and_the_plot_is_clipped(tmp_path: Path, server: LoopbackServer) -> None:
    chart, out = tmp_path / "c.svg", tmp_path / "w.json"
    done = runtime("watch", "--quiet", "--interval", "0.02", "--x-file", server.counter_path, "--json", str(out),
                   "--chart", str(chart), "--", sys.executable, str(CLIENTS / "py_socket_leak.py"),
                   server.url, "60", "0.02")
    assert done.returncode == 1, done.stdout + done.stderr
    svg = chart.read_text()
    ticks = [float(t) for t in re.findall(r'text-anchor="end">([-0-9.e+]+)</text>', svg)]
    most = max(s["fds"] for s in json.loads(out.read_text())["samples"])
    assert max(ticks) >= most, (ticks, most)
    assert "<clipPath" in svg and 'clip-path="url(#plot' in svg
    assert "socket memory" in svg
    assert 'stroke-dasharray="6 4"' in svg


def test_no_trend_line_through_a_bounded_plateau(tmp_path: Path, server: LoopbackServer) -> None:
    chart, out = tmp_path / "c.svg", tmp_path / "w.json"
    done = runtime("watch", "--quiet", "--interval", "0.02", "--json", str(out), "--chart", str(chart), "--",
                   sys.executable, str(CLIENTS / "py_socket_leak.py"), server.url, "12", "0.003")
    assert done.returncode in (0, 1), done.stderr
    assert _metrics(out)["fds"]["verdict"] == "BOUNDED"
    assert 'stroke-dasharray="6 4"' not in chart.read_text()


def test_png_without_matplotlib_fails_before_sampling(tmp_path: Path) -> None:
    if importlib.util.find_spec("matplotlib"):
        pytest.skip("matplotlib is installed: PNG output works")
    started = time.monotonic()
    done = runtime("watch", "--quiet", "--interval", "0.05", "--chart", str(tmp_path / "c.png"), "--",
                   sys.executable, "-c", "import time; time.sleep(3)")
    assert done.returncode == 2 and time.monotonic() - started < 2.5
    assert done.stderr.strip().splitlines() == [
        "leaklint runtime watch: PNG charts need matplotlib (pip install matplotlib); use --chart FILE.svg"]


def test_a_chart_that_cannot_be_written_keeps_the_leak_status(tmp_path: Path, server: LoopbackServer) -> None:
    target = tmp_path / "chart.svg"
    target.mkdir()
    done = runtime("watch", "--quiet", "--interval", "0.02", "--x-file", server.counter_path, "--chart", str(target),
                   "--", sys.executable, str(CLIENTS / "py_socket_leak.py"), server.url, "60", "0.01")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "cannot write" in done.stderr and "Traceback" not in done.stderr
