"""Renders a ScanReport as the terminal report of `leaklint runtime scan`."""
from __future__ import annotations

import pwd

from leaklint_gopy.runtime.scan import Group, ProcRow, ScanReport
from leaklint_gopy.runtime.table import grouped_problems, size, table


def _user(uid: int) -> str:
    """Returns the login name of a uid, or the number."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _host(report: ScanReport) -> list[str]:
    """Returns the host sockstat and TCP memory lines."""
    s = report.sockstat
    lines = [f"sockets used {s.sockets_used}; TCP inuse {s.tcp_inuse} (TCP6 {s.tcp6_inuse}) "
             f"orphan {s.tcp_orphan} time-wait {s.tcp_tw} alloc {s.tcp_alloc}; UDP inuse {s.udp_inuse}"]
    m = report.tcp_memory
    if m:
        lines.append(f"TCP memory {size(m.used)} = {m.fraction_of_max:.2%} of tcp_mem max {size(m.max)} "
                     f"(min {size(m.min)}, pressure {size(m.pressure)}): {m.level}")
    return lines


def _proc_table(rows: list[ProcRow]) -> str:
    """Returns the table of the top processes."""
    return table(["pid", "user", "command", "fds", "sockets", "sock mem", "container", "netns"],
                 [(r.pid, _user(r.uid), r.comm, r.fds, r.sockets, size(r.socket_memory), r.container,
                   r.netns) for r in rows])


def _partial(value: object, group: Group) -> str:
    """Returns a summed value, marked `+?` when some members could not be read."""
    if value is None or value == "-":
        return "-"
    return f"{value}+?" if group.unreadable else str(value)


def render(report: ScanReport, top: int) -> str:
    """Returns the whole text report."""
    unranked = sum(r.sockets is None for r in report.processes)
    note = [f"({unranked} processes whose sockets could not be read are not ranked)"] if unranked else []
    out = ["== host", *_host(report), "",
           f"== top {top} processes by socket fds", _proc_table(report.top("sockets", top)), *note, "",
           f"== top {top} processes by socket memory", _proc_table(report.top("socket_memory", top)), "",
           f"== top {top} processes by fds", _proc_table(report.top("fds", top)), "",
           "== containers and units (sockets and memory of the readable processes; unread: the others)",
           table(["container", "procs", "fds", "sockets", "sock mem", "unread"],
                 [(g.name, g.processes, g.fds, _partial(g.sockets, g), _partial(size(g.socket_memory), g),
                   g.unreadable) for g in report.containers[:top * 2]]),
           "", "== network namespaces",
           table(["netns", "procs", "fds", "tcp sockets", "sock mem", "states", "read with"],
                 [(g.name, g.processes, g.fds, g.sockets, size(g.socket_memory),
                   " ".join(f"{k}={v}" for k, v in g.states.items()) or "-", g.method)
                  for g in report.namespaces])]
    if report.problems:
        out += ["", f"== could not read ({len(report.problems)} entries)", *grouped_problems(report.problems)]
    out += ["", f"scanned {len(report.processes)} processes in {report.seconds * 1000:.0f} ms"]
    return "\n".join(out) + "\n"
