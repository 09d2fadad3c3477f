"""scan, sock_diag and watch --pid on this host, as root and as an unprivileged user."""
from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from runtime_loopback import LoopbackServer
from runtime_support import ROOT, runtime

from leaklint_gopy.runtime import sockets
from leaklint_gopy.runtime.procfs import fd_count, socket_inodes


def test_sock_diag_reports_a_loopback_connection_with_inode_and_memory() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        with client, accepted:
            accepted.sendall(b"x" * 5000)
            inode = os.fstat(client.fileno()).st_ino
            found = {s.inode: s for s in sockets.dump_tcp()}
            mine = found[inode]
            assert (mine.state, mine.remote, mine.remote_port) == ("ESTABLISHED", "127.0.0.1", listener.getsockname()[1])
            assert len(mine.skmem) >= 8 and mine.memory > 0
            assert inode in socket_inodes(os.getpid())


def test_fd_count_matches_listing() -> None:
    assert abs(fd_count(os.getpid()) - len(os.listdir("/proc/self/fd"))) <= 1


def test_scan_text_json_and_prometheus(tmp_path: Path) -> None:
    text = runtime("scan", "--top", "5")
    assert text.returncode == 0, text.stderr
    for heading in ("== host", "TCP memory", "== top 5 processes by socket fds", "== containers and units",
                    "== network namespaces", "scanned"):
        assert heading in text.stdout
    data = json.loads(runtime("scan", "--json").stdout)
    assert data["tcp_memory"]["level"] in ("normal", "above min", "pressure", "above max")
    assert data["process_count"] > 0 and data["namespaces"][0]["method"]
    prom = runtime("scan", "--prometheus", "--prometheus-file", str(tmp_path / "leaklint.prom")).stdout
    assert "# TYPE leaklint_tcp_memory_bytes gauge" in prom
    assert any(line.startswith("leaklint_netns_tcp_sockets{") for line in prom.splitlines())
    assert (tmp_path / "leaklint.prom").read_text() .startswith("# HELP")
    for line in prom.splitlines():
        assert line.startswith("#") or line.rsplit(" ", 1)[1].replace(".", "").replace("e+", "").isdigit()


def _as_nobody(args: list[str]) -> list[str]:
    """Returns args run as the unprivileged user nobody (or as is when we are not root)."""
    if os.geteuid() != 0:
        return args
    if not shutil.which("setpriv"):
        pytest.skip("setpriv is missing: cannot drop to an unprivileged user")
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", *args]


def _runtime_as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    probe = subprocess.run(_as_nobody([sys.executable, "-c", f"import os; os.listdir({str(ROOT)!r})"]),
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"nobody cannot run {sys.executable} or read the repo: {probe.stderr.strip()[-200:]}")
    return subprocess.run(_as_nobody([sys.executable, "-m", "leaklint_gopy.runtime", *args]), cwd="/",
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)


def test_scan_as_unprivileged_user_lists_what_it_could_not_read() -> None:
    done = _runtime_as_nobody("scan")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    if os.geteuid() == 0:
        assert "== could not read" in done.stdout and "permission denied" in done.stdout


def test_watch_pid_of_another_users_process_as_unprivileged_user() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to own a process that the unprivileged watcher cannot read")
    target = subprocess.Popen([sys.executable, "-c", "import socket, time; s = socket.socket(); time.sleep(8)"])
    try:
        done = _runtime_as_nobody("watch", "--pid", str(target.pid), "--duration", "1.2", "--interval", "0.2", "--quiet")
    finally:
        target.kill()
        target.wait()
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "fds" in done.stdout and "could not read" in done.stdout and "permission denied" in done.stdout


def test_watch_pid_samples_a_running_process(tmp_path: Path) -> None:
    target = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    try:
        done = runtime("watch", "--pid", str(target.pid), "--duration", "1", "--interval", "0.1",
                       "--json", str(tmp_path / "w.json"), "--csv", str(tmp_path / "w.csv"))
    finally:
        target.kill()
        target.wait()
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "w.json").read_text())
    assert data["metrics"]["fds"]["verdict"] == "NO_LEAK" and data["metrics"]["fds"]["unit"] == "fds/s"
    assert len(data["samples"]) >= 8
    assert (tmp_path / "w.csv").read_text().splitlines()[0].startswith("t,x,fds,sockets")


def test_watch_usage_errors_exit_2() -> None:
    assert runtime("watch").returncode == 2
    done = runtime("watch", "--", "/nonexistent/program")
    assert done.returncode == 2 and "cannot start" in done.stderr


def test_png_chart_without_matplotlib_is_a_one_line_error(tmp_path: Path) -> None:
    if importlib.util.find_spec("matplotlib"):
        pytest.skip("matplotlib is installed: PNG output works")
    done = runtime("watch", "--duration", "0.6", "--interval", "0.05", "--chart", str(tmp_path / "c.png"),
                   "--quiet", "--", sys.executable, "-c", "import time; time.sleep(2)")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "leaklint runtime watch: PNG charts need matplotlib (pip install matplotlib); use --chart FILE.svg")


def test_scan_counts_every_time_wait_socket_of_the_namespace() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        for _ in range(6):
            client = socket.create_connection(listener.getsockname())
            accepted, _ = listener.accept()
            client.close()
            accepted.close()
        data = json.loads(runtime("scan", "--json").stdout)
    own = os.stat("/proc/self/ns/net").st_ino
    namespace = next(ns for ns in data["namespaces"] if ns["name"] == f"net:[{own}]")
    assert namespace["states"].get("TIME_WAIT", 0) >= 6
    assert namespace["sockets"] == sum(namespace["states"].values())


def test_scan_as_unprivileged_user_keeps_unknown_values_unknown(server: LoopbackServer) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to own a process that the unprivileged scanner cannot read")
    port = int(server.url.split(":")[2].split("/")[0])
    holder = subprocess.Popen([sys.executable, "-c", HOLD_SOCKETS, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "ready"
        done = _runtime_as_nobody("scan", "--json", "--top", "100000")
        text = _runtime_as_nobody("scan", "--top", "100000").stdout
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    row = next(r for r in data["top_by_fds"] if r["pid"] == holder.pid)
    assert (row["sockets"], row["socket_memory"]) == (None, None)
    assert all(r["sockets"] is not None for r in data["top_by_sockets"])
    group = next(g for g in data["containers"] if g["name"] == row["container"])
    assert group["unreadable"] >= 1
    line = next(x for x in text.splitlines() if x.startswith(row["container"] + " "))
    assert "+?" in line, line
    problems = [(p["subject"], p["reason"]) for p in data["problems"]]
    assert len(problems) == len(set(problems))
    visible = sum(name.isdigit() for name in os.listdir("/proc"))
    assert data["process_count"] >= visible - 20
    assert "== top 100000 processes by socket memory" in text


HOLD_SOCKETS = """
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(3)]
print("ready", flush=True)
time.sleep(20)
"""


def _created_names(directory: Path, action: Callable[[], None]) -> list[str]:
    """Returns the names created in or moved into a directory while action runs (inotify)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    assert fd >= 0 and libc.inotify_add_watch(fd, str(directory).encode(), 0x100 | 0x80) >= 0  # CREATE|MOVED_TO
    try:
        action()
        data = os.read(fd, 65536)
    finally:
        os.close(fd)
    names, offset = [], 0
    while offset < len(data):
        _wd, _mask, _cookie, length = struct.unpack_from("iIII", data, offset)
        names.append(data[offset + 16:offset + 16 + length].rstrip(b"\0").decode())
        offset += 16 + length
    return names


def test_prometheus_textfile_is_never_visible_under_a_prom_name_while_written(tmp_path: Path) -> None:
    # node_exporter's textfile collector reads every *.prom file of the directory, also one
    # that is still being written: the temporary file must not end in .prom.
    target = tmp_path / "leaklint.prom"

    def scan() -> None:
        done = runtime("scan", "--prometheus-file", str(target))
        assert done.returncode == 0, done.stderr

    names = _created_names(tmp_path, scan)
    assert target.read_text().startswith("# HELP")
    assert os.listdir(tmp_path) == ["leaklint.prom"]
    assert len(names) == 2 and [n for n in names if n.endswith(".prom")] == ["leaklint.prom"], names
