"""Where the URIs of a SARIF log point on disk, and how to write paths back as URIs.

A result's URI is absolute (`file:///...`), or relative to a base id (`%SRCROOT%`) that the run's
`originalUriBaseIds` may or may not resolve. Unresolved, the static side's rule applies: URIs are
relative to the git root (the nearest directory holding `.git`) of where `check` ran; among the
candidate roots the one where the findings' files exist wins. Pure path logic, no SARIF shape.
"""
from __future__ import annotations

import os
from urllib.parse import quote, unquote, urlsplit

SRCROOT = "%SRCROOT%"


def git_root(path: str) -> str | None:
    """Returns the nearest directory at or above `path` holding `.git` (a worktree's `.git` is a
    file), the root `leaklint check` makes its URIs relative to; None outside a repository."""
    folder = os.path.abspath(path)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def file_uri(path: str) -> str:
    """Returns the absolute, percent-encoded `file:///...` URI of a path."""
    return "file://" + quote(os.path.realpath(path), safe="/")


def directory_uri(path: str) -> str:
    """Returns the absolute `file:///.../` URI of a directory, ending in a slash."""
    return file_uri(path).rstrip("/") + "/"


def file_path(uri: str) -> str | None:
    """Returns the local path of an absolute `file:` URI, None for a relative or other URI."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return unquote(parts.path)


def relative_uri(path: str, root: str) -> str | None:
    """Returns path as a percent-encoded URI relative to root, None when it lies outside root."""
    relative = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return quote(relative.replace(os.sep, "/"), safe="/")


def base_roots(bases: object) -> dict[str, str]:
    """Returns the directories that a run's `originalUriBaseIds` give, by base id (entries that
    are relative to another base are resolved through it; the rest are left out)."""
    if not isinstance(bases, dict):
        return {}
    resolved: dict[str, str] = {}
    for _ in range(len(bases)):
        for name, entry in bases.items():
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if name in resolved or not isinstance(uri, str):
                continue
            parent = entry.get("uriBaseId")
            if (path := file_path(uri)) is not None:
                resolved[name] = path
            elif isinstance(parent, str) and parent in resolved:
                resolved[name] = os.path.join(resolved[parent], unquote(uri))
    return resolved


def candidate_roots(sarif_path: str, cwd: str) -> list[str]:
    """Returns where relative URIs may start, most likely first: the git root of the working
    directory and of the SARIF file, then the working directory itself."""
    found = [git_root(cwd), git_root(os.path.dirname(os.path.abspath(sarif_path))), cwd]
    return list(dict.fromkeys(os.path.realpath(p) for p in found if p))


def best_root(relative: list[str], candidates: list[str]) -> str:
    """Returns the candidate under which most of the (decoded) relative paths exist as files;
    the first candidate wins ties."""
    def hits(root: str) -> int:
        """Returns how many of the paths exist under root."""
        return sum(os.path.isfile(os.path.join(root, path)) for path in relative)
    return max(candidates, key=lambda root: (hits(root), -candidates.index(root)))
