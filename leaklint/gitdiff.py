"""Lines changed since a git revision, read from `git diff -U0`, for the pull-request gate.

It owns the git plumbing and the diff parsing; deciding which findings are new is gate.py's.
Every git failure becomes a one-line GitError.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class GitError(Exception):
    """git is missing, the path is not in a work tree, or the revision does not exist."""


@dataclass(slots=True)
class FileChanges:
    """What changed in one file: `added` new-side lines, and `removals`, the new-side lines
    around which old lines were deleted or replaced. `whole` marks a file new since the revision."""

    added: set[int] = field(default_factory=set)
    removals: set[int] = field(default_factory=set)
    whole: bool = False


@dataclass(slots=True)
class Changes:
    """Changed files by absolute path."""

    files: dict[str, FileChanges]

    def get(self, path: str) -> FileChanges | None:
        return self.files.get(os.path.normpath(os.path.abspath(path)))


def _git(args: list[str], cwd: str) -> str:
    try:
        # Ex) a file name that is not UTF-8 decodes as os.fsdecode decodes it, so it matches the file's path
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              encoding="utf-8", errors="surrogateescape", check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise GitError(f"git {args[0]}: {detail}")
    return done.stdout


def toplevel(cwd: str) -> str:
    """Returns the root of the work tree containing `cwd`; raises GitError outside one."""
    return _git(["rev-parse", "--show-toplevel"], cwd).strip()


def merge_base(branch: str, cwd: str) -> str:
    """Returns the commit where HEAD left `branch` (`git merge-base BRANCH HEAD`)."""
    _verify(branch, cwd)
    return _git(["merge-base", branch, "HEAD"], cwd).strip()


def _verify(rev: str, cwd: str) -> None:
    try:
        _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd)
    except GitError:
        raise GitError(f"unknown git revision {rev!r}") from None


def changed_since(rev: str, cwd: str) -> Changes:
    """Returns the lines of the work tree (staged and unstaged) that differ from `rev`, plus
    untracked files as wholly new."""
    _verify(rev, cwd)
    top = toplevel(cwd)
    diff = _git(["-c", "core.quotepath=off", "diff", "--no-color", "--no-ext-diff", "-U0", "-M",
                 "--src-prefix=a/", "--dst-prefix=b/", rev, "--"], top)
    files = parse_diff(diff, top)
    untracked = _git(["ls-files", "-z", "--others", "--exclude-standard"], top)
    for name in filter(None, untracked.split("\0")):
        files[os.path.normpath(os.path.join(top, name))] = FileChanges(whole=True)
    return Changes(files)


def parse_diff(diff: str, top: str) -> dict[str, FileChanges]:
    """Returns the changes in unified-diff text with zero context, keyed by absolute path."""
    files: dict[str, FileChanges] = {}
    current: FileChanges | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = _unquote(line[4:])
            current = None
            if name.startswith("b/"):
                current = files.setdefault(os.path.normpath(os.path.join(top, name[2:])), FileChanges())
        elif line.startswith("@@") and current is not None and (match := _HUNK.match(line)):
            _hunk(current, *match.groups())
    return files


def _hunk(changes: FileChanges, _old: str, old_count: str | None, new: str, new_count: str | None) -> None:
    start, removed = int(new), int(old_count or "1")
    count = int(new_count or "1")
    changes.added.update(range(start, start + count))
    if removed:
        # Ex) @@ -10,2 +9,0 @@: lines deleted after new line 9; the gap lies between 9 and 10
        changes.removals.update(range(start, start + count) if count else (start, start + 1))


_ESCAPES = {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "a": b"\a", "b": b"\b", "f": b"\f",
            "r": b"\r", "v": b"\v"}


def _unquote(name: str) -> str:
    """Returns a diff header path without git's C-style quoting (used for odd characters)."""
    name = name.removesuffix("\t")
    if not (len(name) >= 2 and name.startswith('"') and name.endswith('"')):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            if body[i + 1] in "01234567":
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out += _ESCAPES.get(body[i + 1], body[i + 1].encode())
            i += 2
            continue
        out += body[i].encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", errors="surrogateescape")
