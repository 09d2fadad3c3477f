"""Lists TCP sockets with state, peer, queues, memory and cgroup id over NETLINK_SOCK_DIAG.

Uses only the standard library `socket` module. Dumping another network namespace enters it on a
short-lived thread (setns needs CAP_SYS_ADMIN); callers fall back to /proc/PID/net/tcp* when
`SockDiagError` is raised.
"""
from __future__ import annotations

import ctypes
import os
import socket
import struct
import threading
from collections.abc import Container
from dataclasses import dataclass

from leaklint_gopy.runtime.procfs import TCP_STATES

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
INET_DIAG_SKMEMINFO, INET_DIAG_CGROUP_ID = 7, 21
CLONE_NEWNET = 0x40000000
_HEADER = struct.Struct("=IHHII")
_REQUEST = struct.Struct("=BBBxI48s")
_MESSAGE = struct.Struct("=BBBB2s2s16s16sI8sIIIII")
_ATTR = struct.Struct("=HH")


class SockDiagError(Exception):
    """sock_diag could not be used: no netlink support, or no privilege to enter a namespace."""


@dataclass(frozen=True, slots=True)
class SocketInfo:
    """One TCP socket as sock_diag reports it.

    `skmem` holds the kernel's SK_MEMINFO values in order (rmem_alloc, rcvbuf, wmem_alloc,
    sndbuf, fwd_alloc, wmem_queued, optmem, backlog, drops), empty if the kernel sent none.
    """

    family: int
    state: str
    local: str
    local_port: int
    remote: str
    remote_port: int
    rqueue: int
    wqueue: int
    uid: int
    inode: int
    skmem: tuple[int, ...]
    cgroup_id: int | None

    @property
    def memory(self) -> int:
        """Returns the bytes the socket holds, as ss sums them: r + t + f + w + o + bl."""
        if len(self.skmem) < 8:
            return 0
        r, _, t, _, f, w, o, bl = self.skmem[:8]
        return r + t + f + w + o + bl


def _request(family: int, seq: int) -> bytes:
    """Returns a dump request for every TCP socket of one address family, with memory."""
    body = _REQUEST.pack(family, socket.IPPROTO_TCP, 1 << (INET_DIAG_SKMEMINFO - 1),
                         0xFFFFFFFF, b"\0" * 48)
    return _HEADER.pack(_HEADER.size + len(body), SOCK_DIAG_BY_FAMILY,
                        NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body


def _attributes(data: bytes) -> dict[int, bytes]:
    """Returns the rtattr payloads of a message tail, by attribute type."""
    attrs, offset = {}, 0
    while offset + _ATTR.size <= len(data):
        length, kind = _ATTR.unpack_from(data, offset)
        if length < _ATTR.size:
            break
        attrs[kind] = data[offset + _ATTR.size:offset + length]
        offset += (length + 3) & ~3
    return attrs


def _ip(family: int, raw: bytes) -> str:
    """Returns the printable address of an inet_diag_sockid address field."""
    if family == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, raw[:4])
    text = socket.inet_ntop(socket.AF_INET6, raw)
    return text[7:] if text.startswith("::ffff:") and "." in text else text


def _parse_message(payload: bytes, wanted: Container[int] | None) -> SocketInfo | None:
    """Returns the socket described by one inet_diag_msg, or None when its inode is not wanted."""
    (family, state, _timer, _retrans, sport, dport, src, dst, _ifindex, _cookie,
     _expires, rqueue, wqueue, uid, inode) = _MESSAGE.unpack_from(payload)
    if wanted is not None and inode not in wanted:
        return None
    attrs = _attributes(payload[_MESSAGE.size:])
    mem = attrs.get(INET_DIAG_SKMEMINFO, b"")
    skmem = struct.unpack(f"={len(mem) // 4}I", mem[:len(mem) // 4 * 4]) if mem else ()
    cgroup = attrs.get(INET_DIAG_CGROUP_ID)
    return SocketInfo(
        family, TCP_STATES.get(state, str(state)), _ip(family, src),
        int.from_bytes(sport, "big"), _ip(family, dst), int.from_bytes(dport, "big"),
        rqueue, wqueue, uid, inode, skmem,
        struct.unpack("=Q", cgroup[:8])[0] if cgroup and len(cgroup) >= 8 else None,
    )


def _messages(sock: socket.socket) -> list[bytes]:
    """Returns the payloads of one dump's replies, until NLMSG_DONE."""
    payloads = []
    while True:
        data = sock.recv(1 << 20)
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, kind, _flags, _seq, _pid = _HEADER.unpack_from(data, offset)
            if kind == NLMSG_DONE:
                return payloads
            if kind == NLMSG_ERROR:
                code = struct.unpack_from("=i", data, offset + _HEADER.size)[0]
                raise SockDiagError(f"sock_diag error: {os.strerror(-code)}")
            payloads.append(data[offset + _HEADER.size:offset + length])
            offset += (length + 3) & ~3
        if not data:
            return payloads


def dump_tcp(wanted: Container[int] | None = None) -> list[SocketInfo]:
    """Returns the TCP sockets (IPv4 and IPv6) of the caller's network namespace.

    With `wanted`, only sockets whose inode it contains are decoded (the rest cost a lookup).
    """
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
    except OSError as error:
        raise SockDiagError(f"netlink sock_diag unavailable: {error.strerror}") from None
    with sock:
        found = []
        for seq, family in enumerate((socket.AF_INET, socket.AF_INET6), start=1):
            sock.sendall(_request(family, seq))
            found += [info for p in _messages(sock) if (info := _parse_message(p, wanted))]
        return found


def _setns(fd: int) -> None:
    """Moves the calling thread into the network namespace open on fd."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise SockDiagError(f"setns: {os.strerror(ctypes.get_errno())}")


def dump_tcp_in(pid: int, wanted: Container[int] | None = None) -> list[SocketInfo]:
    """Returns every TCP socket of the network namespace of pid.

    Enters it on a fresh thread that ends afterwards, so the caller's namespace never changes.
    """
    try:
        fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    except OSError as error:
        raise SockDiagError(f"/proc/{pid}/ns/net: {error.strerror}") from None
    outcome: list[list[SocketInfo] | BaseException] = []

    def worker() -> None:
        """Enters the namespace (this thread only) and dumps it."""
        try:
            _setns(fd)
            outcome.append(dump_tcp(wanted))
        except (SockDiagError, OSError) as error:
            outcome.append(error)

    thread = threading.Thread(target=worker, name="leaklint-netns", daemon=True)
    try:
        thread.start()
        thread.join()
    finally:
        os.close(fd)
    result = outcome[0] if outcome else SockDiagError("namespace thread failed")
    if isinstance(result, BaseException):
        raise SockDiagError(str(result))
    return result
