"""The discovery cache: the files a walk found, kept with the stat of everything the walk read (the
directories it listed, the .gitignore and go.mod files in them, the go.mod files above each walked
path, or their absence), so a run where none of those changed finds its files without listing
directories or compiling ignore patterns, and the module of each Go directory without opening a
go.mod. Stored beside the result cache; it reads no source file.

A name added to, removed from or renamed in a directory changes the directory's mtime; an edit of
a .gitignore or go.mod changes its signature; what git said about tracked files an ignore pattern
matches is asked again (one `git ls-files`) when the walk asked it. A walk that met a symbolic link
to a source file, reported an error, or read something modified within the racy window is not
stored.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from leaklint_gopy.cache import MALFORMED, keep_newest, mark, write_atomically
from leaklint_gopy import discovery
from leaklint_gopy.discovery import SourceFile, Watch, discover
from leaklint_gopy.finding import FileError

MAX_WALKS = 16  # one per set of paths and options
RACY_SECONDS = 2.0


def discover_cached(directory: Path | None, paths: list[str], exclude: tuple[str, ...], force_exclude: bool,
                    respect_gitignore: bool, version: str) -> tuple[list[SourceFile], list[FileError]]:
    """Returns discover()'s answer for these arguments: the stored one when nothing it read changed
    (`directory`: the cache root, None for no cache; `version`: leaklint's, whose walk may differ)."""
    if directory is None or not paths or not all(os.path.isdir(p) for p in paths):
        return discover(paths, exclude, force_exclude, respect_gitignore)
    scope = repr((os.getcwd(), paths, exclude, force_exclude, respect_gitignore, version))
    path = directory / "discovery" / f"{hashlib.sha256(scope.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}.json"
    stored = _load(path)
    if stored is not None:
        return stored, []
    watch = Watch()
    files, errors = discover(paths, exclude, force_exclude, respect_gitignore, watch)
    if not errors and not watch.volatile:
        _save(directory, path, files, watch, paths)
    return files, errors


def _load(path: Path) -> list[SourceFile] | None:
    """Returns the files stored at `path` when everything their walk read has its signature still."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        if any(signature(name) != stored for name, stored in data["watch"]):
            return None
        if data["tracked"]:  # Ex) a directory an ignore pattern matches: git is asked again
            from leaklint_gopy.gitdiff import tracked_ignored

            if any(sorted(tracked_ignored(top)) != files for top, files in data["tracked"].items()):
                return None
        files = [SourceFile(name, language, package) for name, language, package in data["files"]]
        discovery.remember_modules({directory: (str(answer[0]), str(answer[1])) if answer else None
                                    for directory, answer in data["modules"].items()})
        return files
    except MALFORMED:
        return None


def _save(directory: Path, path: Path, files: list[SourceFile], watch: Watch, paths: list[str]) -> None:
    """Stores `files` with the signatures of what `watch` saw and of the go.mod files (or their
    absence) in `paths` and the directories above them; nothing when one of them is missing or too
    recent to trust. The directories above are not signed themselves: a go.mod made or removed there
    changes its own signature, and the walk reads nothing else above a path (/tmp or a home directory,
    where other programs add files all day, made a warm run walk again, and often not store its walk)."""
    above = {parent for given in paths for parent in _ancestors(os.path.abspath(given))}
    names = [*watch.directories, *watch.files, *(os.path.join(p, "go.mod") for p in sorted(above))]
    signatures = [[name, signature(name)] for name in names]
    now = time.time_ns()
    if any(sig is not None and now - sig[1] < RACY_SECONDS * 1e9 for _, sig in signatures):
        return
    if any(sig is None for _, sig in signatures[:len(watch.directories) + len(watch.files)]):
        return  # Ex) it vanished meanwhile
    mark(directory)
    if write_atomically(path, {"watch": signatures, "tracked": watch.tracked,
                               "files": [[f.path, f.language, f.package] for f in files],
                               "modules": discovery.modules_of(files)}):
        keep_newest(path.parent, MAX_WALKS)


def _ancestors(path: str):
    """Yields `path` and each directory above it."""
    while True:
        yield path
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def signature(name: str) -> list[Any] | None:
    """Returns [mode, mtime_ns, size, inode, ctime_ns] of `name`, None when it does not exist."""
    try:
        stat = os.stat(name)
    except OSError:
        return None
    return [stat.st_mode, stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns]
