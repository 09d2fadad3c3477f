"""The Go file variant kept for a function declared per platform is the one built for linux/amd64."""
from __future__ import annotations

from leaklint_gopy.frontends.go.platforms import builds_here


def test_file_names_for_other_platforms_are_not_built_here() -> None:
    assert not builds_here("os/dir_darwin.go", b"package os\n")
    assert not builds_here("runtime/os_linux_arm64.go", b"package runtime\n")
    assert not builds_here("net/fd_windows_test.go", b"package net\n")
    assert builds_here("os/dir_linux_amd64.go", b"package os\n")
    assert builds_here("os/file.go", b"package os\n")


def test_build_constraints_are_evaluated_for_linux_amd64() -> None:
    assert builds_here("mmap_unix.go", b"//go:build unix && !solaris\n\npackage mmap\n")
    assert not builds_here("mmap_other.go", b"//go:build plan9 || solaris\n\npackage mmap\n")
    assert not builds_here("pipe_unix.go", b"//go:build aix || darwin || (js && wasm) || (solaris && !illumos)\n")
    assert builds_here("pipe2_unix.go", b"//go:build dragonfly || freebsd || hurd || illumos || linux || netbsd\n")
    assert not builds_here("x.go", b"//go:build ignore\n")
    assert builds_here("y.go", b"//go:build go1.18 && (amd64 || arm64)\n")
