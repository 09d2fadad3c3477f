"""Maps a process to its container or systemd unit from the text of /proc/PID/cgroup.

Only parsing lives here: docker, containerd, CRI-O, podman, LXC, Kubernetes pods and systemd
units. Inside a cgroup namespace a process shows `0::/` and is reported as the host.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_ID = r"([0-9a-f]{12,64})"
_POD = re.compile(r"(?:^|[/-])pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_RUNTIMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cri-o", re.compile(rf"crio-(?:conmon-)?{_ID}(?:\.scope)?")),
    ("containerd", re.compile(rf"cri-containerd-{_ID}(?:\.scope)?")),
    ("docker", re.compile(rf"docker-{_ID}\.scope|/docker/{_ID}")),
    ("podman", re.compile(rf"libpod-(?:conmon-)?{_ID}(?:\.scope)?")),
    ("containerd", re.compile(rf"/containerd/{_ID}|/default/{_ID}$")),
    ("lxc", re.compile(r"/lxc(?:\.payload)?[./]([\w.-]+)")),
)
_KUBE_CGROUPFS = re.compile(rf"/kubepods/(?:[a-z]+/)?pod[0-9a-f_-]{{36}}/{_ID}")
_SYSTEMD_UNIT = re.compile(r"([\w@:.\\-]+\.(?:service|scope))$")


@dataclass(frozen=True, slots=True)
class Container:
    """Where a process runs: runtime (docker, containerd, cri-o, podman, lxc, systemd, host,
    cgroup), a short id or unit name, the Kubernetes pod uid if any, and the cgroup path."""

    runtime: str
    id: str
    pod: str | None
    path: str

    @property
    def label(self) -> str:
        """Returns the short name used in tables: `docker:0123456789ab`, `systemd:nginx.service`."""
        if self.runtime == "host":
            return "host"
        pod = f" pod:{self.pod[:8]}" if self.pod else ""
        return f"{self.runtime}:{self.id}{pod}"


def _cgroup_paths(text: str) -> list[str]:
    """Returns the cgroup paths of the file, the unified (0::) one first."""
    unified, legacy = [], []
    for line in text.splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if not path:
            continue
        (unified if hierarchy == "0" and not controllers else legacy).append(path)
    return unified + legacy


def _match_runtime(path: str) -> Container | None:
    """Returns the container a cgroup path names, if a known runtime pattern matches."""
    pod_match = _POD.search(path.replace("_", "-"))
    pod = pod_match.group(1) if pod_match else None
    for runtime, pattern in _RUNTIMES:
        match = pattern.search(path)
        if match:
            ident = next(g for g in match.groups() if g)
            return Container(runtime, ident[:12] if runtime != "lxc" else ident, pod, path)
    match = _KUBE_CGROUPFS.search(path)
    if match:
        return Container("kubernetes", match.group(1)[:12], pod, path)
    return None


def _match_systemd(path: str) -> Container | None:
    """Returns the systemd unit (service or scope) a cgroup path ends in, if any."""
    match = _SYSTEMD_UNIT.search(path)
    if not match:
        return None
    return Container("systemd", match.group(1).replace("\\x2d", "-"), None, path)


def parse_cgroup(text: str) -> Container:
    """Returns where a process runs, from the text of its /proc/PID/cgroup."""
    paths = _cgroup_paths(text)
    for path in paths:
        found = _match_runtime(path)
        if found:
            return found
    for path in paths:
        found = _match_systemd(path)
        if found:
            return found
    other = max((p for p in paths if p != "/"), key=len, default=None)
    if other is None:
        return Container("host", "", None, "/")
    return Container("cgroup", other.strip("/"), None, other)
