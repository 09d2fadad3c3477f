"""Where the Go packages outside a run were found (vendor/, the module cache, the tree's own modules),
kept with the stat of everything the look-ups read: each directory listed or found missing, each
go.mod, each vendor/. A warm run where none of those changed takes the stored answers instead of
listing the module cache again (a warm run on a 20,000-file tree located 500 packages: 0.1 s of CPU).

A name added to, removed from or renamed in a directory changes the directory's mtime, which is why a
listing can be trusted by its directory's stat; a go.mod is trusted by its own stat, as the stat index
trusts every source file. Look-ups that met a symbolic link to a .go name, or read something
modified within the racy window, are not stored. It reads no source file and decides no finding.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from leaklint_gopy.cache import MALFORMED, keep_newest, mark, write_atomically
from leaklint_gopy.discovery_cache import signature
from leaklint_gopy.frontends.go.modules import Dependencies, module_cache

MAX_STORED = 16  # one per set of module roots
RACY_SECONDS = 2.0


class WatchedDependencies(Dependencies):
    """Dependencies that record the signature of everything they read, and may start from the answers
    of an earlier run whose reads all still have their signatures."""

    def __init__(self, roots: set[str], directories: str | None = None) -> None:
        super().__init__(roots, module_cache(), directories)
        self.watched: dict[str, list[Any] | None] = {}
        self.volatile = False  # a symbolic link met: not stored
        self.loaded = 0  # answers taken from the store

    def _go_files(self, directory: str) -> list[str]:
        if directory not in self._listed:
            self._watch(directory)
            super()._go_files(directory)
            self.volatile = self.volatile or _links(directory)
        return self._listed[directory]

    def _vendors(self, root: str) -> bool:
        self._watch(os.path.join(root, "vendor"))
        return super()._vendors(root)

    def _read_mod(self, root: str) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]], str]:
        self._watch(os.path.join(root, "go.mod"))
        return super()._read_mod(root)

    def _watch(self, name: str) -> None:
        if name not in self.watched:
            self.watched[name] = signature(name)


def dependencies(directory: Path | None, roots: set[str], directories: str | None) -> WatchedDependencies:
    """Returns the Dependencies of `roots`, answering from the store below `directory` (the cache
    root; None for none) when nothing its look-ups read has changed."""
    found = WatchedDependencies(roots, directories)
    path = _path(directory, found) if directory is not None else None
    stored = _load(path) if path is not None else None
    if stored is not None:
        found.watched.update(stored[0])
        found._found.update(stored[1])
        found.loaded = len(stored[1])
    return found


def save(directory: Path | None, found: WatchedDependencies) -> None:
    """Stores the answers of `found` with what they read, unless nothing new was asked, a link was
    met, or something read is too recent to trust (or vanished since it was listed)."""
    if directory is None or found.volatile or len(found._found) == found.loaded:
        return
    now = time.time_ns()
    if any(sig is not None and now - sig[1] < RACY_SECONDS * 1e9 for sig in found.watched.values()):
        return
    mark(directory)
    path = _path(directory, found)
    if write_atomically(path, {"watch": sorted(found.watched.items()), "found": found._found}):
        keep_newest(path.parent, MAX_STORED)


def _path(directory: Path, found: WatchedDependencies) -> Path:
    scope = repr((os.getcwd(), found._roots, found._directories, found._cache))
    return directory / "located" / f"{hashlib.sha256(scope.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}.json"


def _load(path: Path) -> tuple[dict[str, Any], dict[str, list[str]]] | None:
    """Returns the stored (watched signatures, answers) when every watched name has its signature still."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        watched = {name: sig for name, sig in data["watch"]}
        if any(signature(name) != sig for name, sig in watched.items()):
            return None
        return watched, {key: list(files) for key, files in data["found"].items()}
    except MALFORMED:
        return None


def _links(directory: str) -> bool:
    """Reports whether `directory` holds a symbolic link named like a Go file (its target may change
    kind without the directory's mtime changing)."""
    try:
        return any(entry.name.endswith(".go") and entry.is_symlink() for entry in os.scandir(directory))
    except OSError:
        return False
