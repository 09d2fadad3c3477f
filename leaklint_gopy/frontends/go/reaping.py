"""Which packages of the tree run only inside a program that reaps every child of its process: a
main package importing (or being) one whose SIGCHLD handling waits for any child (`wait4(-1, ...)`
there or in a package it imports: containerd's shim with pkg/sys/reaper), and the packages under
that main package's directory (`cmd/shim/...`), which by Go's convention only that program links.
A child started there and never waited for is reaped by the program's loop when it exits: no
zombie is left. (The pipes of a command whose output goes to a Go writer are still Wait's to close:
a known gap, not seen in the programs read so far.)

It reads the tree's sources (never lowers them) and never reports.
"""
from __future__ import annotations

import functools
import re
from typing import Callable

from leaklint_gopy.frontends.go.foreign import file_imports

_REAP_ANY = re.compile(rb"\bWait4\(\s*-1\s*,")
_SIGCHLD = re.compile(rb"\bSIGCHLD\b")
_MAIN = re.compile(rb"(?m)^package main\b")


def reaping_programs(tree, resolve, package_name) -> tuple[dict[str, frozenset[str]], dict[str, Callable]]:
    """Returns each main package of the tree (`tree`, a TreeSources) whose process reaps every child,
    with the packages that make it so, and every main package with a function returning the packages
    whose sources could make it so (itself, its imports and theirs): a package under a main that does
    not reap today is checked again when one of those changes (the cache's dependencies). `resolve`
    maps an import path to its tree package, `package_name` names an unaliased import."""
    keys = sorted(set(tree.members) | set(tree.paths))
    sources = {key: tree.sources(key) for key in keys}
    mains = [key for key in keys if any(b"package main" in data and _MAIN.search(data) for _, data in sources[key])]
    if not mains:
        return {}, {}
    imported: dict[str, set[str]] = {}

    def imports(key: str) -> set[str]:
        if key not in imported:
            imported[key] = {resolve(path) for _, data in sources.get(key, ())
                             for path in file_imports(data, package_name).values()} - {None}
        return imported[key]

    def watched(key: str) -> frozenset[str]:
        return frozenset({key} | imports(key) | {dep for each in imports(key) for dep in imports(each)})

    # (`in` first: a byte search is ten times faster than the regex over a whole tree's sources)
    reapers = {key for key in keys if any(b"Wait4(" in data and _REAP_ANY.search(data) for _, data in sources[key])}
    loops = {key: {key} | (imports(key) & reapers) for key in keys if reapers
             and any(_SIGCHLD.search(data) for _, data in sources[key]) and (key in reapers or imports(key) & reapers)}
    programs = {}
    for key in mains:
        chain = {dep for loop in ({key} | imports(key)) & set(loops) for dep in loops[loop]}
        if chain:
            programs[key] = frozenset(chain | {key})
    return programs, {key: functools.partial(watched, key) for key in mains}


def program_of(key: str, programs: dict[str, frozenset[str]]) -> str | None:
    """Returns the reaping program whose directory holds package `key` (itself or below), if any."""
    return next(iter(programs_of(key, programs)), None)


def programs_of(key: str, programs: dict[str, frozenset[str]]) -> list[str]:
    """Returns the programs (of `programs`) whose directory holds package `key` (itself or below)."""
    return [program for program in sorted(programs) if key == program or key.startswith(program + "/")]
