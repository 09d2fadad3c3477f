"""Parsers of /proc text: sockstat, net/tcp[6], and /proc/PID/cgroup for every container runtime."""
from __future__ import annotations

import pytest

from leaklint_gopy.runtime.container import parse_cgroup
from leaklint_gopy.runtime.procfs import parse_proc_net_tcp, parse_sockstat

SOCKSTAT = """sockets: used 1024
TCP: inuse 812 orphan 3 tw 77 alloc 900 mem 4452
UDP: inuse 9 mem 12
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
"""
SOCKSTAT6 = """TCP6: inuse 40
UDP6: inuse 2
UDPLITE6: inuse 0
RAW6: inuse 0
FRAG6: inuse 0 memory 0
"""
TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 51234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:D431 0100007F:1F90 08 00000000:00004000 00:00000000 00000000  1000        0 51240 1 0000000000000000 20 4 30 10 -1
"""
TCP6 = """  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:9C40 0000000000000000FFFF00000100007F:1F90 01 00000010:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 100 0 0 10 0
"""


def test_sockstat_counts_and_memory_pages() -> None:
    stat = parse_sockstat(SOCKSTAT, SOCKSTAT6)
    assert (stat.sockets_used, stat.tcp_inuse, stat.tcp_orphan, stat.tcp_tw, stat.tcp_alloc) == (1024, 812, 3, 77, 900)
    assert (stat.tcp_mem_pages, stat.udp_inuse, stat.udp_mem_pages) == (4452, 9, 12)
    assert (stat.tcp6_inuse, stat.udp6_inuse) == (40, 2)


def test_sockstat_without_ipv6_reads_zero() -> None:
    assert parse_sockstat(SOCKSTAT).tcp6_inuse == 0


def test_proc_net_tcp_ipv4_states_queues_and_inodes() -> None:
    listen, close_wait = parse_proc_net_tcp(TCP)
    assert (listen.local, listen.local_port, listen.state, listen.inode) == ("127.0.0.1", 8080, "LISTEN", 51234)
    assert (close_wait.remote, close_wait.remote_port, close_wait.state) == ("127.0.0.1", 8080, "CLOSE_WAIT")
    assert (close_wait.local_port, close_wait.rx_queue, close_wait.uid) == (54321, 0x4000, 1000)


def test_proc_net_tcp6_loopback_and_mapped_addresses() -> None:
    listen, mapped = parse_proc_net_tcp(TCP6)
    assert (listen.local, listen.state, listen.inode) == ("::1", "LISTEN", 777)
    assert (mapped.local, mapped.remote, mapped.remote_port, mapped.tx_queue) == ("127.0.0.1", "127.0.0.1", 8080, 16)


DOCKER_ID = "3f4e2b8c9d0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0"
POD = "5b1f7e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize(("text", "runtime", "ident", "pod"), [
    (f"0::/system.slice/docker-{DOCKER_ID}.scope\n", "docker", DOCKER_ID[:12], None),
    (f"12:memory:/docker/{DOCKER_ID}\n11:pids:/docker/{DOCKER_ID}\n0::/\n", "docker", DOCKER_ID[:12], None),
    (f"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{POD.replace('-', '_')}.slice/"
     f"cri-containerd-{DOCKER_ID}.scope\n", "containerd", DOCKER_ID[:12], POD),
    (f"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{POD.replace('-', '_')}.slice/"
     f"crio-{DOCKER_ID}.scope\n", "cri-o", DOCKER_ID[:12], POD),
    (f"0::/machine.slice/libpod-{DOCKER_ID}.scope/container\n", "podman", DOCKER_ID[:12], None),
    (f"0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{DOCKER_ID}.scope\n",
     "podman", DOCKER_ID[:12], None),
    (f"11:cpu,cpuacct:/kubepods/burstable/pod{POD}/{DOCKER_ID}\n", "kubernetes", DOCKER_ID[:12], POD),
    (f"0::/default/{DOCKER_ID}\n", "containerd", DOCKER_ID[:12], None),
    ("0::/lxc.payload.web01\n", "lxc", "web01", None),
    ("0::/system.slice/nginx.service\n", "systemd", "nginx.service", None),
    ("0::/user.slice/user-1000.slice/session-3.scope\n", "systemd", "session-3.scope", None),
    ("0::/system.slice/system-getty.slice/getty@tty1.service\n", "systemd", "getty@tty1.service", None),
    ("0::/\n", "host", "", None),
    ("12:memory:/process_api/98c2\n0::/\n", "cgroup", "process_api/98c2", None),
])
def test_cgroup_maps_process_to_container(text: str, runtime: str, ident: str, pod: str | None) -> None:
    container = parse_cgroup(text)
    assert (container.runtime, container.id, container.pod) == (runtime, ident, pod)


def test_container_labels() -> None:
    assert parse_cgroup("0::/\n").label == "host"
    assert parse_cgroup("0::/system.slice/nginx.service\n").label == "systemd:nginx.service"
    assert parse_cgroup(f"0::/system.slice/docker-{DOCKER_ID}.scope\n").label == f"docker:{DOCKER_ID[:12]}"
