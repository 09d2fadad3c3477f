"""Whether a Go file is built for the reference platform the analysis reads code for (linux/amd64
with cgo, the platform of the hand-read samples): by its name (`dir_darwin.go`, `zero_arm64.s`)
and its `//go:build` line. Where a function has a variant per platform, the one built there is the
variant kept. It answers from the file's name and first bytes only; it never parses Go.
"""
from __future__ import annotations

import os
import re

GOOS = frozenset({"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
                   "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"})
_GOARCH = frozenset({"386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc64",
                     "ppc64le", "riscv64", "s390x", "wasm"})
_TAGS = frozenset({"linux", "unix", "amd64", "gc", "cgo"})  # what `//go:build` terms are true there
BUILD_CONSTRAINT = re.compile(rb"^//go:build +(.+)$", re.MULTILINE)
_TOKEN = re.compile(r"\(|\)|!|&&|\|\||[\w.]+")


def builds_here(path: str, source: bytes) -> bool:
    """Reports whether the file at `path` is built for linux/amd64 (an unreadable constraint: yes)."""
    parts = os.path.basename(path).removesuffix(".go").removesuffix("_test").split("_")[1:]
    if parts and parts[-1] in _GOARCH and parts[-1] != "amd64":
        return False  # Ex) zero_arm64.go
    if any(part in GOOS and part != "linux" for part in parts[-2:]):
        return False  # Ex) dir_darwin.go, sys_windows_amd64.go
    match = BUILD_CONSTRAINT.search(source[:4096])
    if match is None:
        return True
    tokens = _TOKEN.findall(match.group(1).decode(errors="replace"))
    try:
        value, rest = _disjunction(tokens)
    except IndexError:
        return True
    return value if not rest else True


def _disjunction(tokens: list[str]) -> tuple[bool, list[str]]:
    value, tokens = _conjunction(tokens)
    while tokens and tokens[0] == "||":
        right, tokens = _conjunction(tokens[1:])
        value = value or right
    return value, tokens


def _conjunction(tokens: list[str]) -> tuple[bool, list[str]]:
    value, tokens = _term(tokens)
    while tokens and tokens[0] == "&&":
        right, tokens = _term(tokens[1:])
        value = value and right
    return value, tokens


def _term(tokens: list[str]) -> tuple[bool, list[str]]:
    if tokens[0] == "!":
        value, rest = _term(tokens[1:])
        return not value, rest
    if tokens[0] == "(":
        value, rest = _disjunction(tokens[1:])
        return value, rest[1:] if rest and rest[0] == ")" else rest
    tag = tokens[0]
    return tag in _TAGS or tag.startswith("go1."), tokens[1:]
