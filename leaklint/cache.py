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
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from leaklint import __version__
from leaklint.finding import Finding, Location
from leaklint.ir import Directive, FileError, Span

FORMAT = 4
# What reading a damaged entry can raise: bad types, `1e999` (int(inf)), nesting deeper than the parser.
MALFORMED = (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError, RecursionError)
_ENGINE_SOURCES = ("analysis.py", "dataflow.py", "facts.py", "ownership.py", "directives.py", "driver.py", "finding.py",
                   "ir.py", "spec.py", "frontends")


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
        """Returns the stored result for `key`, or None when absent, unreadable or malformed."""
        try:
            with open(self._path(key), encoding="utf-8") as handle:
                result = decode(json.load(handle))
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


def write_atomically(path: Path, data: Any) -> bool:
    """Writes `data` as JSON through a temporary file and os.replace; False when it cannot be written.
    The folder above `path.parent` must exist: a cache root removed by `leaklint clean` meanwhile is
    never made again without its marker (see mark)."""
    try:
        path.parent.mkdir(exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return False
    return True


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
    """Returns a digest of the analysing modules' source, so a changed engine never reads stale entries."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _ENGINE_SOURCES:
        paths = sorted((root / name).rglob("*.py")) if (root / name).is_dir() else [root / name]
        for path in paths:
            try:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
            except OSError:
                continue
    return digest.hexdigest()


def package_key(rules: str, language: str, package: str, members: list[tuple[str, bytes]], context: str = "") -> str:
    """Returns the content address of one package: rules digest, files' paths and bytes, and `context`
    (whatever outside the files changes how they are lowered)."""
    digest = hashlib.sha256(f"{rules}\0{language}\0{package}\0{context}\0".encode())
    for path, data in members:
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def encode(result: PackageResult) -> dict[str, Any]:
    """Returns `result` as JSON-ready data."""
    return {
        "format": FORMAT,
        "findings": [_finding(f) for f in result.findings],
        "errors": [[e.path, e.message, e.line, e.col] for e in result.errors],
        "directives": [[path, [[d.line, list(d.codes), d.reason, _span(d.span)] for d in items]]
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
                             tuple(str(t) for t in f["tags"]), tuple(_unspan(s) for s in f["uses"]))
                     for f in data["findings"])
    errors = tuple(FileError(str(p), str(m), int(line), int(col)) for p, m, line, col in data["errors"])
    directives = tuple((str(path), tuple(Directive(int(line), tuple(codes), str(reason), _unspan(span))
                                         for line, codes, reason, span in items))
                       for path, items in data["directives"])
    deps = tuple((str(package), str(digest)) for package, digest in data["deps"])
    return PackageResult(findings, errors, directives, deps)


def _finding(f: Finding) -> dict[str, Any]:
    return {"rule_id": f.rule_id, "message": f.message, "span": _span(f.span), "severity": f.severity,
            "related": [[_span(x.span), x.note] for x in f.related], "flow": [[_span(x.span), x.note] for x in f.flow],
            "key": f.key, "suppressed": f.suppressed, "suppression_reason": f.suppression_reason,
            "extra": [list(pair) for pair in f.extra], "origin": f.origin, "tags": list(f.tags),
            "uses": [_span(s) for s in f.uses]}


def _span(span: Span) -> list[Any]:
    return [span.path, span.line, span.col, span.end_line, span.end_col]


def _unspan(data: list[Any]) -> Span:
    path, line, col, end_line, end_col = data
    return Span(str(path), int(line), int(col), int(end_line), int(end_col))


def _unlocation(data: list[Any]) -> Location:
    span, note = data
    return Location(_unspan(span), str(note))


RACY_SECONDS = 2.0
MAX_INDEXES = 64  # one per scope; pre-commit makes a new scope for each set of changed files


@dataclass(slots=True)
class StatIndex:
    """For each package, its files' stat signatures (path, size, mtime, inode, ctime) and its result as
    last stored: a package whose files all still match is taken from here without being read,
    as git's index does. A file modified within RACY_SECONDS of the run is never trusted this
    way (a same-tick edit would keep its signature), nor is a package with an unreadable file.

    One index per scope (working directory, paths, settings, rules), valid only for the same set of
    packages, since a package's result depends on which others the tree holds. Written atomically,
    and only when something changed.
    """

    path: Path
    tree: str
    entries: dict[str, list[Any]]
    signatures: dict[str, list[Any] | None] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def open(cls, directory: Path, scope: str, tree: str) -> StatIndex:
        path = directory / "index" / f"{hashlib.sha256(scope.encode()).hexdigest()[:32]}.json"
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            fresh = data["format"] == FORMAT and data["tree"] == tree
            entries = data["packages"] if fresh and isinstance(data["packages"], dict) else {}
        except MALFORMED:
            entries, fresh = {}, False
        return cls(path, tree, entries, changed=not fresh)

    def unchanged(self, package: str, paths: list[str]) -> PackageResult | None:
        """Returns the stored result of `package` if none of its files changed; remembers their
        signature for record()."""
        signature = _signature(paths)
        self.signatures[package] = signature
        entry = self.entries.get(package)
        if signature is None or not isinstance(entry, list) or len(entry) != 3 or entry[0] != signature:
            return None
        try:
            return decode(entry[1])
        except MALFORMED:
            return None

    def deps_unchanged(self, package: str) -> bool:
        """Reports whether the other packages whose summaries `package`'s stored result used still
        have the signatures they had then (call after unchanged() saw every package of the run)."""
        entry = self.entries.get(package)
        try:
            return all(signature is not None and self.signatures.get(key) == signature for key, signature in entry[2])
        except MALFORMED:
            return False

    def forget(self, packages: set[str]) -> None:
        """Keeps `packages` out of the index (one of their files could not be read)."""
        self.signatures.update((package, None) for package in packages)

    def record(self, package: str, result: PackageResult, dep_keys: list[str] = ()) -> None:
        """Stores `result` with the signatures of `package` and of the packages `dep_keys` it used."""
        signature = self.signatures.get(package)
        if signature is None:
            if self.entries.pop(package, None) is not None:
                self.changed = True
            return
        self.entries[package] = [signature, encode(result), [[key, self.signatures.get(key)] for key in dep_keys]]
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        mark(self.path.parent.parent)
        if write_atomically(self.path, {"format": FORMAT, "tree": self.tree, "packages": self.entries}):
            _prune(self.path.parent, MAX_INDEXES)


def _prune(directory: Path, keep: int) -> None:
    """Removes all but the `keep` most recently written files of `directory`."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.stat().st_mtime_ns, reverse=True)
        for entry in entries[keep:]:
            os.unlink(entry.path)
    except OSError:
        return


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
    return name == "index" or name.startswith(".tmp-") or (len(name) == 2 and all(c in "0123456789abcdef" for c in name))


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


def _signature(paths: list[str]) -> list[Any] | None:
    """Returns [path, size, mtime_ns, inode, ctime_ns] per file, or None when one is missing or too
    recent to trust. The ctime catches an edit that restores size and mtime (`cp -p`, `touch -r`),
    as git's index does."""
    now = time.time_ns()
    signature = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if now - stat.st_mtime_ns < RACY_SECONDS * 1e9:
            return None
        signature.append([path, stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns])
    return signature
