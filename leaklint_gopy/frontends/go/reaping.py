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

import re

from leaklint_gopy.frontends.go.foreign import file_imports

_REAP_ANY = re.compile(rb"\bWait4\(\s*-1\s*,")
_SIGCHLD = re.compile(rb"\bSIGCHLD\b")
_MAIN = re.compile(rb"(?m)^package main\b")


def reaping_programs(tree, resolve, package_name) -> dict[str, frozenset[str]]:
    """Returns each main package of the tree (`tree`, a TreeSources) whose process reaps every child,
    with the packages that make it so (for the cache's dependencies); `resolve` maps an import path
    to its tree package, `package_name` names an unaliased import."""
    keys = sorted(set(tree.members) | set(tree.paths))
    sources = {key: tree.sources(key) for key in keys}
    # (`in` first: a byte search is ten times faster than the regex over a whole tree's sources)
    reapers = {key for key in keys if any(b"Wait4(" in data and _REAP_ANY.search(data) for _, data in sources[key])}
    if not reapers:
        return {}
    imported = {key: {resolve(path) for _, data in sources[key] for path in file_imports(data, package_name).values()}
                for key in keys}
    loops = {key: {key} | (imported[key] & reapers) for key in keys
             if any(_SIGCHLD.search(data) for _, data in sources[key]) and (key in reapers or imported[key] & reapers)}
    programs = {}
    for key in keys:
        if any(_MAIN.search(data) for _, data in sources[key]):
            chain = {dep for loop in ({key} | imported[key]) & set(loops) for dep in loops[loop]}
            if chain:
                programs[key] = frozenset(chain | {key})
    return programs


def program_of(key: str, programs: dict[str, frozenset[str]]) -> str | None:
    """Returns the reaping program whose directory holds package `key` (itself or below), if any."""
    return next((program for program in sorted(programs) if key == program or key.startswith(program + "/")), None)
