"""Reads processes, file descriptors and host socket counters from /proc.

Every reader here either returns a value or raises `Unreadable`, so callers can list what they
could not see; it never enters namespaces or talks netlink (that is sockets.py).
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass

PROC = "/proc"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

TCP_STATES = {
    1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
    6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING",
    12: "NEW_SYN_RECV",
}
_SOCKET_LINK = re.compile(r"socket:\[(\d+)\]")


class Unreadable(Exception):
    """A /proc entry that could not be read: permissions, a vanished process, a missing file."""

    def __init__(self, subject: str, reason: str) -> None:
        super().__init__(f"{subject}: {reason}")
        self.subject = subject
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a command could not read, listed instead of a traceback."""

    subject: str
    reason: str


@dataclass(frozen=True, slots=True)
class ProcInfo:
    """The identity of one process: pid, parent, short name, owner and command line."""

    pid: int
    ppid: int
    comm: str
    uid: int
    cmdline: str


@dataclass(frozen=True, slots=True)
class TcpEntry:
    """One line of /proc/PID/net/tcp[6]: endpoints, state, queues and the socket inode."""

    local: str
    local_port: int
    remote: str
    remote_port: int
    state: str
    tx_queue: int
    rx_queue: int
    uid: int
    inode: int


@dataclass(frozen=True, slots=True)
class SockStat:
    """Host counters from /proc/net/sockstat and sockstat6 (`mem` values are pages)."""

    sockets_used: int
    tcp_inuse: int
    tcp_orphan: int
    tcp_tw: int
    tcp_alloc: int
    tcp_mem_pages: int
    udp_inuse: int
    udp_mem_pages: int
    tcp6_inuse: int
    udp6_inuse: int


def reason_of(error: OSError) -> str:
    """Returns a short human reason for an OS error ("permission denied", "no such process")."""
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, (FileNotFoundError, ProcessLookupError)):
        return "process or file vanished"
    return error.strerror or type(error).__name__


def read_text(path: str) -> str:
    """Returns the text of a /proc file, or raises Unreadable naming the path."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as error:
        raise Unreadable(path, reason_of(error)) from None


def list_pids() -> list[int]:
    """Returns the pids visible in /proc, ascending."""
    return sorted(int(name) for name in os.listdir(PROC) if name.isdigit())


def proc_info(pid: int) -> ProcInfo:
    """Returns the identity of a process, or raises Unreadable when it vanished."""
    stat = read_text(f"{PROC}/{pid}/stat")
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    ppid = int(stat[stat.rindex(")") + 2:].split()[1])
    try:
        uid = os.stat(f"{PROC}/{pid}").st_uid
        raw = open(f"{PROC}/{pid}/cmdline", "rb").read()
    except OSError as error:
        raise Unreadable(f"{PROC}/{pid}", reason_of(error)) from None
    cmdline = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
    return ProcInfo(pid, ppid, comm, uid, cmdline or f"[{comm}]")


def descendants(root: int, infos: dict[int, ProcInfo] | None = None) -> list[int]:
    """Returns root and every process below it (children, grandchildren ...), root first."""
    if infos is None:
        return tree_of(root, parent_map())
    return tree_of(root, {info.pid: info.ppid for info in infos.values()})


def all_proc_infos() -> tuple[dict[int, ProcInfo], list[Problem]]:
    """Returns the identity of every process that could be read, and the ones that could not."""
    infos: dict[int, ProcInfo] = {}
    problems: list[Problem] = []
    for pid in list_pids():
        try:
            infos[pid] = proc_info(pid)
        except Unreadable as error:
            problems.append(Problem(error.subject, error.reason))
    return infos, problems


def _sizes_count_fds() -> bool:
    """Reports whether this kernel gives the fd count as st_size of /proc/PID/fd (Linux >= 6.2)."""
    try:
        return os.stat(f"{PROC}/self/fd").st_size > 0
    except OSError:
        return False


SIZE_COUNTS_FDS = _sizes_count_fds()


def fd_count(pid: int) -> int:
    """Returns the number of open fds: O(1) st_size on Linux >= 6.2, else a directory listing.

    st_size needs no privilege even for another user's process (a kernel thread's 0 is its
    count); the listing does.
    """
    path = f"{PROC}/{pid}/fd"
    try:
        size = os.stat(path).st_size
        return size if size > 0 or SIZE_COUNTS_FDS else len(os.listdir(path))
    except OSError as error:
        raise Unreadable(path, reason_of(error)) from None


def socket_inodes(pid: int) -> set[int]:
    """Returns the inodes of the sockets a process holds (readlink of each fd).

    Fds closed while listing are skipped; a process whose fds cannot be listed or read raises.
    """
    path = f"{PROC}/{pid}/fd"
    try:
        names = os.listdir(path)
    except OSError as error:
        raise Unreadable(path, reason_of(error)) from None
    inodes: set[int] = set()
    for name in names:
        try:
            match = _SOCKET_LINK.fullmatch(os.readlink(f"{path}/{name}"))
        except FileNotFoundError:
            continue
        except OSError as error:
            raise Unreadable(f"{path}/{name}", reason_of(error)) from None
        if match:
            inodes.add(int(match.group(1)))
    return inodes


def netns_inode(pid: int) -> int:
    """Returns the inode identifying the network namespace of a process (needs ptrace access)."""
    path = f"{PROC}/{pid}/ns/net"
    try:
        return os.stat(path).st_ino
    except OSError as error:
        raise Unreadable(path, reason_of(error)) from None


def parse_sockstat(text: str, text6: str = "") -> SockStat:
    """Returns the counters of /proc/net/sockstat (and sockstat6) text; absent ones are 0."""
    fields: dict[str, int] = {}
    for line in (text + "\n" + text6).splitlines():
        label, _, rest = line.partition(":")
        words = rest.split()
        for key, value in zip(words[::2], words[1::2]):
            fields[f"{label.strip()}.{key}"] = int(value)
    get = lambda key: fields.get(key, 0)  # noqa: E731
    return SockStat(
        get("sockets.used"), get("TCP.inuse"), get("TCP.orphan"), get("TCP.tw"), get("TCP.alloc"),
        get("TCP.mem"), get("UDP.inuse"), get("UDP.mem"), get("TCP6.inuse"), get("UDP6.inuse"),
    )


def read_sockstat(root: str = PROC) -> SockStat:
    """Returns the host (or, under /proc/PID, that namespace's) socket counters."""
    text = read_text(f"{root}/net/sockstat")
    try:
        text6 = read_text(f"{root}/net/sockstat6")
    except Unreadable:
        text6 = ""
    return parse_sockstat(text, text6)


def read_tcp_mem() -> tuple[int, int, int]:
    """Returns net.ipv4.tcp_mem (min, pressure, max) in pages."""
    low, pressure, high = (int(v) for v in read_text(f"{PROC}/sys/net/ipv4/tcp_mem").split())
    return low, pressure, high


def _address(hex_addr: str) -> str:
    """Returns the printable address of a /proc/net/tcp hex field (host-order 32-bit words)."""
    raw = bytes.fromhex(hex_addr)
    swapped = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(swapped)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def parse_proc_net_tcp(text: str) -> list[TcpEntry]:
    """Returns the sockets listed in /proc/net/tcp or tcp6 text (the header line is skipped)."""
    entries = []
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 10:
            continue
        local, lport = cols[1].split(":")
        remote, rport = cols[2].split(":")
        tx, rx = cols[4].split(":")
        entries.append(TcpEntry(
            _address(local), int(lport, 16), _address(remote), int(rport, 16),
            TCP_STATES.get(int(cols[3], 16), cols[3]), int(tx, 16), int(rx, 16),
            int(cols[7]), int(cols[9]),
        ))
    return entries


def read_proc_net_tcp(pid: int | None = None) -> list[TcpEntry]:
    """Returns the TCP sockets of a process's network namespace (or ours) from /proc/.../net/tcp*.

    Readable by anyone for any namespace, but without socket memory.
    """
    root = f"{PROC}/{pid}" if pid else PROC
    entries = parse_proc_net_tcp(read_text(f"{root}/net/tcp"))
    try:
        entries += parse_proc_net_tcp(read_text(f"{root}/net/tcp6"))
    except Unreadable:
        pass
    return entries


def parent_map() -> dict[int, int]:
    """Returns pid -> parent pid for every process readable now (cheaper than all_proc_infos)."""
    parents: dict[int, int] = {}
    for pid in list_pids():
        try:
            with open(f"{PROC}/{pid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        parents[pid] = int(stat[stat.rindex(b")") + 2:].split()[1])
    return parents


def tree_of(root: int, parents: dict[int, int]) -> list[int]:
    """Returns root and its descendants according to a pid -> parent map, root first."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(sorted(children.get(pid, ()), reverse=True))
    return tree
