"""Takes samples of one process tree: fds, socket fds, TCP states, peers, socket memory, sockstat.

A sample is a snapshot; turning many of them into series and verdicts is watch.py's job. What
cannot be read is recorded once as a Problem, never raised.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from leaklint_gopy.runtime import procfs, sockets
from leaklint_gopy.runtime.procfs import Problem, Unreadable


@dataclass(frozen=True, slots=True)
class SocketView:
    """The part of a TCP socket a sample keeps: inode, state, ports, peer and memory (None: unknown)."""

    inode: int
    state: str
    local_port: int
    remote: str
    remote_port: int
    memory: int | None


@dataclass(frozen=True, slots=True)
class Sample:
    """One snapshot of a process tree; `x` is the exercise counter (None when timing by clock)."""

    t: float
    x: float | None
    pids: int
    fds: int
    sockets: int
    states: dict[str, int] = field(default_factory=dict)
    endpoints: dict[str, int] = field(default_factory=dict)
    skmem: int | None = None
    host_tcp_mem: int = 0
    host_tcp_inuse: int = 0

    def as_dict(self) -> dict[str, object]:
        """Returns the sample as plain JSON-ready data."""
        return {
            "t": round(self.t, 4), "x": self.x, "pids": self.pids, "fds": self.fds,
            "sockets": self.sockets, "states": dict(self.states), "endpoints": dict(self.endpoints),
            "skmem": self.skmem, "host_tcp_mem": self.host_tcp_mem,
            "host_tcp_inuse": self.host_tcp_inuse,
        }


def views_from_diag(found: list[sockets.SocketInfo]) -> list[SocketView]:
    """Returns sock_diag sockets as views (TIME_WAIT ones have inode 0)."""
    return [SocketView(s.inode, s.state, s.local_port, s.remote, s.remote_port, s.memory) for s in found]


def views_from_proc(entries: list[procfs.TcpEntry]) -> list[SocketView]:
    """Returns /proc/net/tcp sockets as views (memory unknown)."""
    return [SocketView(e.inode, e.state, e.local_port, e.remote, e.remote_port, None) for e in entries]


def endpoint_counts(views: list[SocketView]) -> Counter[str]:
    """Returns connected sockets per endpoint: `in:PORT` for connections accepted on a port the
    process listens on (a server's clients come from ephemeral ports that name nothing), the
    remote `ADDRESS:PORT` for connections it opened."""
    listening = {v.local_port for v in views if v.state == "LISTEN"}
    return Counter(f"in:{v.local_port}" if v.local_port in listening else f"{v.remote}:{v.remote_port}"
                   for v in views if v.state != "LISTEN")


class TcpSource:
    """Reads the TCP sockets of one process's network namespace by the best means allowed.

    In our own namespace sock_diag; in another one sock_diag after setns when privileged,
    otherwise /proc/PID/net/tcp* (no memory). The choice is made once and recorded in `method`.
    """

    def __init__(self, pid: int, problems: list[Problem]) -> None:
        self.pid = pid
        self.problems = problems
        self.method = self._choose()

    def _choose(self) -> str:
        """Returns the method that works: diag, diag-setns or procfs."""
        try:
            same = procfs.netns_inode(self.pid) == procfs.netns_inode(os.getpid())
        except Unreadable as error:
            self.problems.append(Problem(error.subject, error.reason + "; using /proc/PID/net/tcp"))
            return "procfs"
        for method in (("diag",) if same else ("diag-setns",)):
            try:
                self._read(method, set())
                return method
            except sockets.SockDiagError as error:
                self.problems.append(Problem(f"sock_diag for pid {self.pid}", str(error)))
        return "procfs"

    def _read(self, method: str, wanted: set[int] | None = None) -> list[SocketView]:
        """Returns the namespace's sockets by inode using one method (only `wanted` ones, if given)."""
        match method:
            case "diag":
                return views_from_diag(sockets.dump_tcp(wanted))
            case "diag-setns":
                return views_from_diag(sockets.dump_tcp_in(self.pid, wanted))
            case _:
                return views_from_proc(procfs.read_proc_net_tcp(self.pid))

    def read(self, wanted: set[int] | None = None) -> dict[int, SocketView]:
        """Returns the namespace's TCP sockets that have an inode, by inode; empty if the
        process is gone."""
        try:
            return {v.inode: v for v in self._read(self.method, wanted) if v.inode}
        except (sockets.SockDiagError, Unreadable):
            return {}


class ProcessSampler:
    """Samples a process and its descendants; `counter` returns the exercise count or None."""

    def __init__(self, root: int, counter: Callable[[], float] | None = None) -> None:
        self.root = root
        self.counter = counter
        self.problems: list[Problem] = []
        self.tcp = TcpSource(root, self.problems)
        self.start = time.monotonic()
        self._reported: set[str] = set()

    def _note(self, error: Unreadable) -> None:
        """Records an unreadable entry once per kind of subject."""
        key = error.subject.split("/fd/")[0]
        if key not in self._reported:
            self._reported.add(key)
            self.problems.append(Problem(error.subject, error.reason))

    def _fds_and_inodes(self, pids: list[int]) -> tuple[int, set[int], bool]:
        """Returns total fds, socket inodes, and whether every process's fds could be listed."""
        total, inodes, complete = 0, set(), True
        for pid in pids:
            try:
                total += procfs.fd_count(pid)
                inodes |= procfs.socket_inodes(pid)
            except Unreadable as error:
                complete = False
                if os.path.exists(f"{procfs.PROC}/{pid}"):
                    self._note(error)
        return total, inodes, complete

    def alive(self) -> bool:
        """Reports whether the root process still exists (and is not a zombie)."""
        try:
            return procfs.read_text(f"/proc/{self.root}/stat").split(")")[-1].split()[0] != "Z"
        except Unreadable:
            return False

    def sample(self) -> Sample:
        """Returns a snapshot of the tree now."""
        pids = procfs.tree_of(self.root, procfs.parent_map())
        fds, inodes, _ = self._fds_and_inodes(pids)
        views = [v for inode, v in self.tcp.read(inodes).items() if inode in inodes]
        states = Counter(v.state for v in views)
        endpoints = endpoint_counts(views)
        memory = None if self.tcp.method == "procfs" else sum(v.memory or 0 for v in views)
        host = procfs.read_sockstat()
        x = self.counter() if self.counter else None
        return Sample(time.monotonic() - self.start, x, len(pids), fds, len(inodes),
                      dict(sorted(states.items())), dict(endpoints.most_common(8)), memory,
                      host.tcp_mem_pages * procfs.PAGE_SIZE, host.tcp_inuse)


def file_counter(path: str) -> Callable[[], float]:
    """Returns a callable reading an exercise count from a file: an integer, else its line count.

    A missing file counts as 0, so a workload may create it late.
    """
    def count() -> float:
        """Returns the current count."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return 0.0
        try:
            return float(data.strip() or 0)
        except ValueError:
            return float(data.count(b"\n"))
    return count
