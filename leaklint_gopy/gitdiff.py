"""Lines changed since a git revision, read from `git diff -U0`, for the pull-request gate, and the
tracked files that `.gitignore` patterns match, for discovery.

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


def tracked_ignored(directory: str) -> frozenset[str]:
    """Returns the absolute paths of the files git tracks that an ignore pattern matches (git never
    ignores a tracked file), in the work tree holding `directory`; empty outside one or without git."""
    try:
        top = toplevel(directory)
        listed = _git(["ls-files", "-z", "--cached", "--ignored", "--exclude-standard"], top)
    except GitError:
        return frozenset()
    return frozenset(os.path.normpath(os.path.join(top, name)) for name in listed.split("\0") if name)


def merge_base(branch: str, cwd: str) -> str:
    """Returns the commit where HEAD left `branch` (`git merge-base BRANCH HEAD`); raises GitError
    saying what to do when there is none (a shallow clone lacks the history that holds it)."""
    _verify(branch, cwd)
    try:
        return _git(["merge-base", branch, "HEAD"], cwd).strip()
    except GitError:
        pass
    if _git(["rev-parse", "--is-shallow-repository"], cwd).strip() == "true":
        raise GitError(f"no merge base of {branch!r} and HEAD: this is a shallow clone, so the history that "
                       "holds it was not fetched; fetch it (actions/checkout with `fetch-depth: 0`, or "
                       "`git fetch --unshallow`), or give the pull request's diff with --new-from-patch FILE")
    raise GitError(f"no merge base of {branch!r} and HEAD: their histories are unrelated")


_PATCH_BYTES = 256 * 1024 * 1024  # a pipe (`<(gh pr diff)`) is read, never more than this


def changes_in_patch(path: str, cwd: str) -> Changes:
    """Returns the changes a unified diff file records (a pull request's patch, `git diff` output),
    its paths taken relative to the root of the work tree holding `cwd` (else `cwd`); raises
    GitError for a file that cannot be read or holds no file header."""
    from leaklint_gopy.filesystem import Unreadable, read_named

    try:
        text = read_named(path, _PATCH_BYTES).decode("utf-8", errors="surrogateescape")  # names as _git decodes them
    except Unreadable as exc:
        raise GitError(f"{path}: cannot read the patch: {str(exc).removeprefix('cannot read file: ')}") from None
    if not re.search(r"(?m)^\+\+\+ ", text):
        raise GitError(f"{path}: not a unified diff (no +++ file header)")
    try:
        top = toplevel(cwd)
    except GitError:
        top = cwd
    return Changes(parse_diff(text, top))


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
    """Returns the changes in unified-diff text (any context, as `git diff` or a pull request's
    patch writes it), keyed by absolute path below `top`. A file whose old side is /dev/null is new."""
    files: dict[str, FileChanges] = {}
    lines = diff.splitlines()
    index, new_file = 0, False
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.startswith("--- "):
            new_file = _unquote(line[4:]) == "/dev/null"
        elif line.startswith("+++ "):
            name = _unquote(line[4:])
            current = files.setdefault(os.path.normpath(os.path.join(top, name[2:])), FileChanges()) \
                if name.startswith("b/") else None
            if current is not None and new_file:
                current.whole = True
            while current is not None and index < len(lines) and (match := _HUNK.match(lines[index])):
                index = _hunk(current, lines, index + 1, *match.groups())
    return files


def _hunk(changes: FileChanges, lines: list[str], index: int, _old: str, old_count: str | None, new: str,
          new_count: str | None) -> int:
    """Reads the body of one hunk from `lines[index]` on into `changes`; returns the index after it.

    An added line is added; a run of deleted lines marks the added lines of its run, or, when it
    adds none, the two new-side lines around the gap it leaves.
    """
    old_left, new_left = int(old_count or "1"), int(new_count or "1")
    position = int(new) + (new_left == 0)  # Ex) @@ -10,2 +9,0 @@: the gap lies between new lines 9 and 10
    removed, added = False, []
    while index < len(lines) and (old_left or new_left):
        kind = lines[index][:1]
        index += 1
        if kind == "\\":  # \ No newline at end of file
            continue
        if kind in ("-", "+"):
            removed |= kind == "-"
            if kind == "+":
                added.append(position)
                changes.added.add(position)
                position += 1
            old_left -= kind == "-"
            new_left -= kind == "+"
            continue
        _close_run(changes, removed, added, position)
        removed, added = False, []
        position, old_left, new_left = position + 1, old_left - 1, new_left - 1
    _close_run(changes, removed, added, position)
    return index


def _close_run(changes: FileChanges, removed: bool, added: list[int], position: int) -> None:
    if removed:
        changes.removals.update(added or (position - 1, position))


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
