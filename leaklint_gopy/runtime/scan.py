"""Host-wide leak triage (the `scan` command): TCP memory against tcp_mem, the processes with
the most fds and sockets, totals per container and per network namespace.

Collects data into a ScanReport; rendering is scan_text.py's and prometheus.py's. Whatever it cannot
read becomes a Problem, never an exception.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from leaklint_gopy.runtime import procfs, sockets
from leaklint_gopy.runtime.container import parse_cgroup
from leaklint_gopy.runtime.procfs import Problem, Unreadable
from leaklint_gopy.runtime.sample import SocketView, views_from_diag, views_from_proc


@dataclass(frozen=True, slots=True)
class TcpMemory:
    """Host TCP memory in bytes against net.ipv4.tcp_mem (min, pressure, max), and the level."""

    used: int
    min: int
    pressure: int
    max: int
    level: str
    fraction_of_max: float


@dataclass(frozen=True, slots=True)
class ProcRow:
    """One process: fds, socket fds (None: unreadable), socket memory, container, netns."""

    pid: int
    comm: str
    uid: int
    fds: int
    sockets: int | None
    socket_memory: int | None
    container: str
    netns: int | None


@dataclass(frozen=True, slots=True)
class Group:
    """Totals for a container (or unit) or a network namespace. `sockets` and `socket_memory`
    sum what could be read (None: nothing); `unreadable` counts members whose sockets could not."""

    name: str
    processes: int
    fds: int
    sockets: int | None
    socket_memory: int | None
    states: dict[str, int] = field(default_factory=dict)
    method: str = ""
    unreadable: int = 0


@dataclass(frozen=True, slots=True)
class ScanReport:
    """Everything `scan` found, plus what it could not read and how long it took."""

    sockstat: procfs.SockStat
    tcp_memory: TcpMemory | None
    processes: tuple[ProcRow, ...]
    containers: tuple[Group, ...]
    namespaces: tuple[Group, ...]
    problems: tuple[Problem, ...]
    seconds: float

    def top(self, key: str, count: int) -> list[ProcRow]:
        """Returns the `count` processes with the most `fds`, `sockets` or `socket_memory`;
        processes where it is zero or unknown are not ranked."""
        rows = [r for r in self.processes if getattr(r, key)]
        return sorted(rows, key=lambda r: (-getattr(r, key), r.pid))[:count]

    def as_dict(self, top: int) -> dict[str, object]:
        """Returns the JSON form, with the top processes by sockets, socket memory and fds."""
        data = asdict(self)
        del data["processes"]
        for key in ("sockets", "socket_memory", "fds"):
            data[f"top_by_{key}"] = [asdict(r) for r in self.top(key, top)]
        data["process_count"] = len(self.processes)
        data["unranked_sockets"] = sum(r.sockets is None for r in self.processes)
        return data


def tcp_memory(stat: procfs.SockStat) -> TcpMemory | None:
    """Returns host TCP memory against tcp_mem, or None when tcp_mem is unreadable."""
    try:
        low, pressure, high = (v * procfs.PAGE_SIZE for v in procfs.read_tcp_mem())
    except Unreadable:
        return None
    used = (stat.tcp_mem_pages) * procfs.PAGE_SIZE
    level = ("above max" if used >= high else "pressure" if used > pressure
             else "above min" if used > low else "normal")
    return TcpMemory(used, low, pressure, high, level, used / high if high else 0.0)


def _namespace_sockets(pid: int, ours: bool) -> tuple[list[SocketView], str]:
    """Returns one namespace's TCP sockets and the method that read them."""
    try:
        found = sockets.dump_tcp() if ours else sockets.dump_tcp_in(pid)
        return views_from_diag(found), "sock_diag" if ours else "sock_diag+setns"
    except sockets.SockDiagError as error:
        views = views_from_proc(procfs.read_proc_net_tcp(pid))
        return views, f"/proc/{pid}/net/tcp ({error})"


class _Collector:
    """Walks /proc once and gathers rows, groups and problems."""

    def __init__(self) -> None:
        self.found: dict[Problem, None] = {}
        self.own_netns = self._netns(os.getpid())
        self.rows: list[ProcRow] = []
        self.inodes: dict[int, set[int]] = {}

    def _netns(self, pid: int) -> int | None:
        """Returns the network namespace inode of pid, or None (recorded as a problem)."""
        try:
            return procfs.netns_inode(pid)
        except Unreadable as error:
            self.note(error)
            return None

    @property
    def problems(self) -> list[Problem]:
        """Returns what could not be read, each entry once."""
        return list(self.found)

    def note(self, error: Unreadable) -> None:
        """Records an unreadable entry (once, however many readers ran into it)."""
        self.found.setdefault(Problem(error.subject, error.reason), None)

    def _row(self, info: procfs.ProcInfo) -> ProcRow:
        """Returns one process's row; raises Unreadable when the process vanished."""
        pid = info.pid
        try:
            container = parse_cgroup(procfs.read_text(f"/proc/{pid}/cgroup")).label
        except Unreadable as error:
            self.note(error)
            container = "unknown"
        try:
            self.inodes[pid] = procfs.socket_inodes(pid)
        except Unreadable as error:
            self.note(error)
        fds = procfs.fd_count(pid)
        count = len(self.inodes[pid]) if pid in self.inodes else None
        return ProcRow(pid, info.comm, info.uid, fds, count, None, container, self._netns(pid))

    def collect(self) -> None:
        """Reads every process into rows, keeping their socket inodes."""
        infos, problems = procfs.all_proc_infos()
        self.found.update(dict.fromkeys(problems))
        for info in infos.values():
            try:
                self.rows.append(self._row(info))
            except Unreadable as error:
                self.note(error)

    def namespaces(self) -> tuple[list[Group], dict[int, int]]:
        """Returns a group per network namespace and the memory of every socket inode seen."""
        groups, memory = [], {}
        by_ns: dict[int, list[ProcRow]] = {}
        for row in self.rows:
            if row.netns is not None:
                by_ns.setdefault(row.netns, []).append(row)
        for ns, rows in sorted(by_ns.items()):
            try:
                views, method = _namespace_sockets(rows[0].pid, ns == self.own_netns)
            except Unreadable as error:
                self.note(error)
                continue
            known = None if method.startswith("/proc") else sum(v.memory or 0 for v in views)
            memory.update({v.inode: v.memory for v in views if v.memory is not None and v.inode})
            states = Counter(v.state for v in views)
            groups.append(Group(f"net:[{ns}]", len(rows), sum(r.fds for r in rows), len(views),
                                known, dict(sorted(states.items())), method))
        return groups, memory


def _with_memory(rows: list[ProcRow], inodes: dict[int, set[int]], memory: dict[int, int]) -> list[ProcRow]:
    """Returns the rows with the summed memory of each process's sockets, where known."""
    out = []
    for r in rows:
        known = [memory[i] for i in inodes.get(r.pid, ()) if i in memory]
        mem = sum(known) if known or r.sockets == 0 else None
        out.append(ProcRow(r.pid, r.comm, r.uid, r.fds, r.sockets, mem, r.container, r.netns))
    return out


def _containers(rows: list[ProcRow]) -> list[Group]:
    """Returns totals per container or unit, most sockets first."""
    by: dict[str, list[ProcRow]] = {}
    for row in rows:
        by.setdefault(row.container, []).append(row)
    groups = []
    for name, members in by.items():
        counts = [r.sockets for r in members if r.sockets is not None]
        memory = [r.socket_memory for r in members if r.socket_memory is not None]
        groups.append(Group(name, len(members), sum(r.fds for r in members), sum(counts) if counts else None,
                            sum(memory) if memory else None, unreadable=len(members) - len(counts)))
    return sorted(groups, key=lambda g: (-(g.sockets or 0), -g.fds, g.name))


def scan() -> ScanReport:
    """Returns a triage of the whole host as far as this user can see it."""
    started = time.monotonic()
    collector = _Collector()
    collector.collect()
    namespaces, memory = collector.namespaces()
    rows = _with_memory(collector.rows, collector.inodes, memory)
    stat = procfs.read_sockstat()
    return ScanReport(stat, tcp_memory(stat), tuple(rows), tuple(_containers(rows)),
                      tuple(namespaces), tuple(collector.problems), time.monotonic() - started)
