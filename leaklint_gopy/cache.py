"""The result cache: one JSON entry per package, keyed by the package's bytes and paths, the rule
specs and the leaklint build, under the user cache directory.

Entries are written atomically (temporary file, then os.replace), so concurrent runs and
interrupted writes never leave a half entry; an entry that cannot be read is a miss. It knows
nothing about parsing or analysis.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from leaklint_gopy import __version__
from leaklint_gopy.filesystem import temporary_file
from leaklint_gopy.finding import Directive, Edit, FileError, Finding, Fix, Location, Span

FORMAT = 6
# What reading a damaged entry can raise: bad types, `1e999` (int(inf)), nesting deeper than the parser.
MALFORMED = (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError, RecursionError)


@dataclass(frozen=True, slots=True)
class PackageResult:
    """What checking one package produced: plain values, picklable and JSON-serialisable."""

    findings: tuple[Finding, ...] = ()
    errors: tuple[FileError, ...] = ()
    directives: tuple[tuple[str, tuple[Directive, ...]], ...] = ()
    deps: tuple[tuple[str, str], ...] = ()  # (package, content digest) of other packages whose summaries it used
    complete: bool = True  # False: stopped at the time limit, never stored


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0


@dataclass(slots=True)
class ResultCache:
    """Package results on disk under `directory`; `stats` counts hits, misses and writes."""

    directory: Path
    stats: CacheStats = field(default_factory=CacheStats)

    def get(self, key: str) -> PackageResult | None:
        """Returns the stored result for `key`, or None when absent, unreadable or malformed. A hit
        on an entry last marked used more than a day ago marks it used now (its mtime), for prune()."""
        try:
            with open(self._path(key), encoding="utf-8") as handle:
                result = decode(json.load(handle))
                if time.time() - os.fstat(handle.fileno()).st_mtime > DAY:
                    os.utime(self._path(key))
        except MALFORMED:
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return result

    def put(self, key: str, result: PackageResult) -> None:
        """Stores `result` under `key`; a cache that cannot be written is silently skipped."""
        mark(self.directory)
        if write_atomically(self._path(key), encode(result)):
            self.stats.writes += 1

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.json"

    def prune(self) -> bool:
        """Removes, at most once a day (the PRUNED stamp says when it last ran), the entries not used
        for MAX_AGE_DAYS, then the least recently used ones while the rest exceed MAX_BYTES, and
        temporary files left by interrupted writes. Only a directory with leaklint's marker is
        touched. Reports whether it ran."""
        stamp = self.directory / PRUNED
        try:
            if time.time() - stamp.stat().st_mtime < DAY:
                return False
        except OSError:
            pass
        if not _is_marked(self.directory):
            return False
        entries = _entries(self.directory)
        now, kept, total = time.time(), [], 0
        for mtime, size, path in sorted(entries, reverse=True):
            stale = path.name.startswith(".tmp-") and now - mtime > 3600
            if stale or now - mtime > MAX_AGE_DAYS * DAY or total + size > MAX_BYTES:
                _unlink(path)
                continue
            kept.append(path)
            total += size
        for folder in {path.parent for _, _, path in entries} - {path.parent for path in kept}:
            try:
                folder.rmdir()
            except OSError:
                pass
        stamp.touch()
        return True


def write_atomically(path: Path, data: Any) -> bool:
    """Writes `data` as JSON through a temporary file and os.replace; False when it cannot be written.
    The folder above `path.parent` must exist: a cache root removed by `leaklint clean` meanwhile is
    never made again without its marker (see mark)."""
    # dumps: the C encoder, json.dump has none
    return write_bytes_atomically(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))


def write_bytes_atomically(path: Path, data: bytes) -> bool:
    """Writes `data` through a temporary file and os.replace; False when it cannot be written (see
    write_atomically)."""
    try:
        path.parent.mkdir(exist_ok=True)
        fd, temporary = temporary_file(str(path.parent), ".tmp-", ".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return False
    return True


def keep_newest(directory: Path, keep: int) -> None:
    """Removes all but the `keep` files of `directory` used last (by modification time: a reader
    counts as a use by touching the file it read)."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.stat().st_mtime_ns, reverse=True)
        for entry in entries[keep:]:
            os.unlink(entry.path)
    except OSError:
        return


def default_directory() -> Path:
    """Returns $LEAKLINT_CACHE_DIR, else the platform's user cache directory for leaklint."""
    override = os.environ.get("LEAKLINT_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("leaklint"))


def rules_digest(rules: list) -> str:
    """Returns a digest of the rule specs' content (every field, so any edit changes it)."""
    text = "\n".join(sorted(repr(spec) for spec in rules))
    return hashlib.sha256(f"{FORMAT}\0{__version__}\0{engine_digest()}\0{text}".encode()).hexdigest()


@cache
def engine_digest() -> str:
    """Returns a digest of leaklint's own source, every module of it: a changed engine never reads
    stale entries (a hand-kept list of the analysing modules missed two that a merge moved code to)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        try:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()


def package_key(rules: str, language: str, package: str, members: list[tuple[str, bytes]], context: str = "") -> str:
    """Returns the content address of one package: rules digest, files' paths and bytes, and `context`
    (whatever outside the files changes how they are lowered)."""
    digest = hashlib.sha256(f"{rules}\0{language}\0{package}\0{context}\0".encode("utf-8", "surrogateescape"))
    for path, data in members:
        digest.update(f"{path}\0{len(data)}\0".encode("utf-8", "surrogateescape"))  # names need not be UTF-8
        digest.update(data)
    return digest.hexdigest()


def encode(result: PackageResult) -> dict[str, Any]:
    """Returns `result` as JSON-ready data."""
    return {
        "format": FORMAT,
        "findings": [_finding(f) for f in result.findings],
        "errors": [[e.path, e.message, e.line, e.col, e.severity] for e in result.errors],
        "directives": [[path, [[d.line, list(d.codes), d.reason, _span(d.span), d.last] for d in items]]
                       for path, items in result.directives],
        "deps": [list(pair) for pair in result.deps],
    }


def decode(data: dict[str, Any]) -> PackageResult:
    """Returns the PackageResult `data` encodes; raises KeyError/TypeError/ValueError when malformed."""
    if data["format"] != FORMAT:
        raise ValueError("unknown cache format")
    findings = tuple(Finding(f["rule_id"], f["message"], _unspan(f["span"]), f["severity"],
                             tuple(_unlocation(x) for x in f["related"]), tuple(_unlocation(x) for x in f["flow"]),
                             f["key"], f["suppressed"], f["suppression_reason"],
                             tuple((str(a), str(b)) for a, b in f["extra"]), str(f["origin"]),
                             tuple(str(t) for t in f["tags"]), tuple(_unspan(s) for s in f["uses"]),
                             str(f["variable"]), tuple(str(k) for k in f["exits"]), str(f["release"]),
                             str(f["context"]), _unfix(f["fix"]))
                     for f in data["findings"])
    errors = tuple(FileError(str(p), str(m), int(line), int(col), str(severity))
                   for p, m, line, col, severity in data["errors"])
    directives = tuple((str(path), tuple(Directive(int(line), tuple(codes), str(reason), _unspan(span), int(last))
                                         for line, codes, reason, span, last in items))
                       for path, items in data["directives"])
    deps = tuple((str(package), str(digest)) for package, digest in data["deps"])
    return PackageResult(findings, errors, directives, deps)


def _finding(f: Finding) -> dict[str, Any]:
    return {"rule_id": f.rule_id, "message": f.message, "span": _span(f.span), "severity": f.severity,
            "related": [[_span(x.span), x.note] for x in f.related], "flow": [[_span(x.span), x.note] for x in f.flow],
            "key": f.key, "suppressed": f.suppressed, "suppression_reason": f.suppression_reason,
            "extra": [list(pair) for pair in f.extra], "origin": f.origin, "tags": list(f.tags),
            "uses": [_span(s) for s in f.uses], "variable": f.variable, "exits": list(f.exits),
            "release": f.release, "context": f.context, "fix": _fix(f.fix)}


def _fix(fix: Fix | None) -> list[Any] | None:
    if fix is None:
        return None
    return [fix.message, fix.applicability, [[_span(e.span), e.text] for e in fix.edits]]


def _unfix(data: list[Any] | None) -> Fix | None:
    if data is None:
        return None
    message, applicability, edits = data
    return Fix(str(message), str(applicability), tuple(Edit(_unspan(span), str(text)) for span, text in edits))


def _span(span: Span) -> list[Any]:
    return [span.path, span.line, span.col, span.end_line, span.end_col]


def _unspan(data: list[Any]) -> Span:
    path, line, col, end_line, end_col = data
    return Span(str(path), int(line), int(col), int(end_line), int(end_col))


def _unlocation(data: list[Any]) -> Location:
    span, note = data
    return Location(_unspan(span), str(note))


DAY = 86400.0
MAX_AGE_DAYS = 30
MAX_BYTES = 512 * 1024 * 1024
PRUNED = "pruned"


def _entries(directory: Path) -> list[tuple[float, int, Path]]:
    """Returns (mtime, size, path) of the result entries and temporary files under `directory`."""
    found = []
    try:
        folders = [entry for entry in os.scandir(directory) if len(entry.name) == 2 and entry.is_dir()]
        for folder in folders:
            for entry in os.scandir(folder.path):
                if entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    found.append((stat.st_mtime, stat.st_size, Path(entry.path)))
    except OSError:
        pass
    return found


class CacheError(Exception):
    """A cache directory leaklint will not touch; printed as one line."""


def clear(directory: Path) -> int | None:
    """Removes what leaklint wrote under `directory` (the marker proves it wrote there): its entry
    folders, stat indexes, temporary files and the marker itself, and the directory once empty.
    Returns how many other entries it left in place, or None when there was no cache. Raises
    CacheError for a path that is not a directory, or a non-empty one without leaklint's marker:
    `LEAKLINT_CACHE_DIR=.` must never delete a project. Runs writing the cache meanwhile are fine:
    what vanishes is skipped, what appears is left."""
    import shutil

    if not os.path.lexists(directory):
        return None
    if os.path.islink(directory) or not directory.is_dir():
        raise CacheError(f"{directory} is not a directory, so it is not a leaklint cache; not removing it")
    entries = os.listdir(directory)
    if not entries:
        return None
    if not _is_marked(directory):
        raise CacheError(f"{directory} is not a leaklint cache (it has no {MARKER} written by leaklint); "
                         "not removing it: check LEAKLINT_CACHE_DIR")
    kept = 0
    for name in entries:
        path = directory / name
        if name == MARKER:
            continue
        if _is_own_entry(name) and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else _unlink(path)
        else:
            kept += 1
    _unlink(directory / MARKER)
    try:
        directory.rmdir()
    except OSError:
        _remark(directory)
    return kept


def _remark(directory: Path) -> None:
    """Marks `directory` again when a run wrote an entry while it was being cleaned: it stays a cache
    that the next clean removes (a directory holding only others' files stays unmarked)."""
    try:
        if any(_is_own_entry(name) for name in os.listdir(directory)):
            mark(directory)
    except OSError:
        return


def _is_own_entry(name: str) -> bool:
    """Reports whether `name`, directly under the cache root, is a name leaklint writes there."""
    return name in ("index", "report", "discovery", "located", "specs", PRUNED, "rules.json") or name.startswith(".tmp-") or (len(name) == 2 and all(c in "0123456789abcdef" for c in name))


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


MARKER = "CACHEDIR.TAG"
_MARKER_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by leaklint.\n"
                "# For information about cache directory tags see https://bford.info/cachedir/\n")


def mark(directory: Path) -> None:
    """Makes `directory` and writes the marker (a standard cache directory tag naming leaklint) into
    it unless it is there: backup tools skip the directory, and `leaklint clean` removes only a
    marked one. Called before each write (one stat), since a concurrent clean may remove both."""
    try:
        if os.path.exists(directory / MARKER):
            return
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / MARKER, "x", encoding="utf-8") as handle:
            handle.write(_MARKER_TEXT)
    except OSError:
        return


def _is_marked(directory: Path) -> bool:
    try:
        with open(directory / MARKER, encoding="utf-8", errors="replace") as handle:
            return handle.read(len(_MARKER_TEXT)) == _MARKER_TEXT
    except OSError:
        return False
