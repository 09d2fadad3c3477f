"""Writes a ScanReport in the Prometheus text exposition format (stdout or a textfile-collector
file written atomically), so existing Prometheus servers scrape fleets; it collects nothing itself.
"""
from __future__ import annotations

import os
import tempfile

from leaklint_gopy.runtime.scan import ScanReport

_HELP = {
    "leaklint_sockets_used": ("gauge", "sockets in use on the host (/proc/net/sockstat)"),
    "leaklint_tcp_sockets": ("gauge", "TCP sockets by kind from /proc/net/sockstat"),
    "leaklint_tcp_memory_bytes": ("gauge", "TCP socket memory of the host in bytes"),
    "leaklint_tcp_mem_limit_bytes": ("gauge", "net.ipv4.tcp_mem thresholds in bytes"),
    "leaklint_tcp_memory_pressure": ("gauge", "0 normal, 1 above min, 2 pressure, 3 above max"),
    "leaklint_process_fds": ("gauge", "open fds of the top processes"),
    "leaklint_process_socket_fds": ("gauge", "socket fds of the top processes"),
    "leaklint_container_fds": ("gauge", "open fds per container or systemd unit"),
    "leaklint_container_socket_fds": ("gauge", "socket fds per container or systemd unit (readable processes)"),
    "leaklint_container_unreadable_processes": ("gauge", "processes of the container whose sockets could not be read"),
    "leaklint_netns_tcp_sockets": ("gauge", "TCP sockets per network namespace and state"),
    "leaklint_netns_socket_memory_bytes": ("gauge", "summed skmem (r+t+f+w+o+bl) per network namespace"),
    "leaklint_scan_unreadable": ("gauge", "entries the scan could not read"),
    "leaklint_scan_duration_seconds": ("gauge", "time the scan took"),
}
_LEVELS = {"normal": 0, "above min": 1, "pressure": 2, "above max": 3}


def _escape(value: object) -> str:
    """Returns a label value escaped for the exposition format."""
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name: str, value: float, **labels: object) -> str:
    """Returns one sample line."""
    text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    number = str(int(value)) if float(value).is_integer() else repr(float(value))
    return f"{name}{{{text}}} {number}" if text else f"{name} {number}"


def _host(report: ScanReport) -> list[str]:
    """Returns the host-wide samples."""
    s, m = report.sockstat, report.tcp_memory
    lines = [_sample("leaklint_sockets_used", s.sockets_used)]
    for kind, value in (("inuse", s.tcp_inuse), ("orphan", s.tcp_orphan), ("tw", s.tcp_tw),
                        ("alloc", s.tcp_alloc), ("inuse6", s.tcp6_inuse)):
        lines.append(_sample("leaklint_tcp_sockets", value, kind=kind))
    if m:
        lines.append(_sample("leaklint_tcp_memory_bytes", m.used))
        for level, value in (("min", m.min), ("pressure", m.pressure), ("max", m.max)):
            lines.append(_sample("leaklint_tcp_mem_limit_bytes", value, level=level))
        lines.append(_sample("leaklint_tcp_memory_pressure", _LEVELS[m.level]))
    return lines


def _groups(report: ScanReport, top: int) -> list[str]:
    """Returns the per-process, per-container and per-namespace samples."""
    lines = []
    for row in {r.pid: r for r in report.top("sockets", top) + report.top("fds", top)}.values():
        labels = {"pid": row.pid, "comm": row.comm, "container": row.container}
        lines.append(_sample("leaklint_process_fds", row.fds, **labels))
        if row.sockets is not None:
            lines.append(_sample("leaklint_process_socket_fds", row.sockets, **labels))
    for group in report.containers:
        lines.append(_sample("leaklint_container_fds", group.fds, container=group.name))
        if group.sockets is not None:
            lines.append(_sample("leaklint_container_socket_fds", group.sockets, container=group.name))
        lines.append(_sample("leaklint_container_unreadable_processes", group.unreadable, container=group.name))
    for ns in report.namespaces:
        for state, count in ns.states.items():
            lines.append(_sample("leaklint_netns_tcp_sockets", count, netns=ns.name, state=state))
        if ns.socket_memory is not None:
            lines.append(_sample("leaklint_netns_socket_memory_bytes", ns.socket_memory, netns=ns.name))
    lines.append(_sample("leaklint_scan_unreadable", len(report.problems)))
    lines.append(_sample("leaklint_scan_duration_seconds", round(report.seconds, 4)))
    return lines


def exposition(report: ScanReport, top: int = 10) -> str:
    """Returns the report as Prometheus text format, HELP and TYPE before each metric family."""
    by_family: dict[str, list[str]] = {}
    for line in _host(report) + _groups(report, top):
        by_family.setdefault(line.split("{")[0].split(" ")[0], []).append(line)
    out = []
    for name, lines in by_family.items():
        kind, text = _HELP[name]
        out += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", *lines]
    return "\n".join(out) + "\n"


def write_textfile(report: ScanReport, path: str, top: int = 10) -> None:
    """Writes the exposition to path atomically: a temporary file (not named *.prom, which
    node_exporter would read half written) renamed over it."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".leaklint-", suffix=".tmp", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(exposition(report, top))
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
