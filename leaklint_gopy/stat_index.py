"""The stat index: per package, its files' stat signatures and its last result, so an unchanged
tree is answered without reading it, as git's index answers `git status`; and the merged result of
the last whole run, so a tree where nothing changed decodes one result instead of one per package.
Stored beside the result cache, in its format; it never reads source files.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from leaklint_gopy.cache import FORMAT, MALFORMED, PackageResult, decode, encode, mark, write_atomically
from leaklint_gopy.dependency_table import DependencyTable

RACY_SECONDS = 2.0
MAX_INDEXES = 64  # one per scope; pre-commit makes a new scope for each set of changed files
LAYOUT = 4  # signatures in one file, result texts in another (`<name>.texts.json`); outside files once;
# each distinct dependency once, in `deps`, named in entries by its position
TEXTS = ".texts.json"


@dataclass(slots=True)
class StatIndex:
    """For each package, its files' stat signatures (path, size, mtime, inode, ctime) and its result as
    last stored: a package whose files all still match is taken from here without being read,
    as git's index does. A file modified within RACY_SECONDS of the run is never trusted this
    way (a same-tick edit would keep its signature), nor is a package with an unreadable file.

    One index per scope (working directory, paths, settings, rules), valid only for the same set of
    packages, since a package's result depends on which others the tree holds. Written atomically,
    and only when something changed. The results, as JSON text, are kept in a second file, read
    only when a package's result or the merged run is asked for: a warm run whose report is reused
    (see report_cache) parses the signatures alone (on /work/corpus, the results were four fifths
    of a 49 MB index). Each file names the generation of the texts (a random token written with
    them): a texts file of another generation (a concurrent run wrote it, or it is missing) is
    read as empty, so its packages are checked again.

    `run` is the last run's indexed packages (`run_packages`) merged into one result (see
    whole_run), answered while exactly those are unchanged; `run_digest` digests its text.
    """

    path: Path
    tree: str
    entries: dict[str, list[Any]]
    signatures: dict[str, list[Any] | None] = field(default_factory=dict)
    changed: bool = False
    outside: dict[str, list[Any] | None] = field(default_factory=dict)  # signatures of packages not in the run
    # The files each package outside the run was read from, by key, stored once: they were repeated in
    # the entry of every package using it (7 of the 20 MB of /work/corpus's index, for 569 packages)
    outside_files: dict[str, list[str]] = field(default_factory=dict)
    _digests: dict[str, str | None] = field(default_factory=dict)  # of the packages' signatures now, by key
    run_digest: str | None = None  # of the merged result of the last run's indexed packages (see whole_run)
    run_packages: frozenset[str] = frozenset()
    # Returns the files a package outside the run would be read from now (by key), [] when it has
    # none, None when it cannot tell: a dependency without files is signed by having none (see _outside)
    locate: Callable[[str], list[str] | None] | None = None
    generation: str = ""  # of the texts file this index was written with
    # Each distinct dependency [key, digest] (or [key, digest, 1], outside the run) stored once; an
    # entry names its dependencies by position: a 20,241-file tree's 6,369 packages named 66,256 (3,271
    # distinct), 5 of the 8.5 MB parsed on every warm run, and deps_unchanged() compared each
    deps: DependencyTable = field(default_factory=lambda: DependencyTable([]))
    _texts: dict[str, Any] | None = None  # {"results": {key: text}, "run": text}, read on first use
    texts_changed: bool = False

    @classmethod
    def open(cls, directory: Path, scope: str, tree: str) -> StatIndex:
        path = directory / "index" / f"{hashlib.sha256(scope.encode()).hexdigest()[:32]}.json"
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            fresh = data["format"] == FORMAT and data.get("layout") == LAYOUT and data["tree"] == tree
            entries = data["packages"] if fresh and isinstance(data["packages"], dict) else {}
            run, packages = data["run"] if fresh and isinstance(data.get("run"), list) else (None, [])
            run, packages = (run, frozenset(packages)) if isinstance(run, str) else (None, frozenset())
            generation = data["generation"] if fresh and isinstance(data.get("generation"), str) else ""
            outside = data["outside"] if fresh and isinstance(data.get("outside"), dict) else {}
            deps = data["deps"] if fresh and isinstance(data.get("deps"), list) else []
        except MALFORMED:
            entries, fresh, run, packages, generation, outside, deps = {}, False, None, frozenset(), "", {}, []
        return cls(path, tree, entries, changed=not fresh, run_digest=run, run_packages=packages,
                   generation=generation, outside_files=outside, deps=DependencyTable(deps))

    @property
    def texts_path(self) -> Path:
        return self.path.with_suffix(TEXTS)

    def texts(self) -> dict[str, Any]:
        """Returns the stored result texts ({"results": {key: text}, "run": text or None}), read on
        first use; empty when the file is missing, malformed or of another generation."""
        if self._texts is None:
            self._texts = {"results": {}, "run": None}
            try:
                with open(self.texts_path, encoding="utf-8") as handle:
                    data = json.load(handle)
                if self.generation and data["generation"] == self.generation and isinstance(data["results"], dict):
                    self._texts = {"results": data["results"], "run": data["run"]}
            except MALFORMED:
                pass
        return self._texts

    def same(self, package: str, paths: list[str]) -> bool:
        """Reports whether none of `package`'s files changed since its result was stored (without
        decoding it); remembers their signature for record(). An unchanged package's digest, which
        the packages using it compare, is the one stored with it (the digests of a tree's signatures,
        made anew, cost a warm run on /work/corpus 0.1-0.2 s)."""
        signature = _signature(paths)
        self.signatures[package] = signature
        self._digests.pop(package, None)
        self.deps.forget()
        entry = self.entries.get(package)
        unchanged = signature is not None and isinstance(entry, list) and len(entry) == 3 and entry[0] == signature
        if unchanged and isinstance(entry[2], str):
            self._digests[package] = entry[2]
        return unchanged

    def stored(self, package: str) -> PackageResult | None:
        """Returns the stored result of `package`, or None when it has none or it is malformed."""
        try:
            return _decoded(self.texts()["results"][package])
        except MALFORMED:
            return None

    def whole_run(self, kept: set[str]) -> bool:
        """Reports whether the last run's merged result answers for `kept`, the packages found
        unchanged by same() and deps_unchanged(): it merged exactly those (it is then the merge of
        their stored results). It is decoded by whole_run_result()."""
        return self.run_digest is not None and self.run_packages == kept

    def whole_run_result(self) -> PackageResult | None:
        """Returns the last run's merged result, or None when it is missing or malformed."""
        try:
            return _decoded(self.texts()["run"])
        except MALFORMED:
            return None

    def indexed(self, package: str) -> bool:
        """Reports whether `package`'s result is in the index with its files' signatures."""
        return self.signatures.get(package) is not None and package in self.entries

    def remember_run(self, merged: PackageResult, packages: set[str]) -> None:
        """Stores `merged`, the results of the indexed `packages` merged into one, for whole_run()."""
        text = _encoded(merged)
        if text != self.texts()["run"] or packages != self.run_packages:
            self.texts()["run"] = text
            self.run_digest = hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()
            self.run_packages, self.changed, self.texts_changed = frozenset(packages), True, True

    def deps_unchanged(self, package: str) -> bool:
        """Reports whether the other packages whose summaries `package`'s stored result used still
        have the signatures they had then (call after same() saw every package of the run): a
        package of the run as same() saw it, another (a dependency's from vendor/ or the module
        cache, a module the walk skips) by the files recorded with it. A dependency is stored with
        the digest of its signature, not the signature itself: every package using net/http
        repeated its 51 files' signatures, three quarters of the Go standard library's index (an
        entry from before, holding a signature, matches no digest: its package is checked once)."""
        try:
            return self.deps.unchanged(self.entries[package][1], self._dep_unchanged)
        except MALFORMED:
            return False

    def _dep_unchanged(self, dep: list[Any]) -> bool:
        """Reports whether the package of a stored dependency [key, digest] still has that digest."""
        now = self._digests[dep[0]] if dep[0] in self._digests else self._now(dep)
        return dep[1] is not None and now == dep[1]

    def _now(self, dep: list[Any]) -> str | None:
        """Returns the digest of the signature the package of a stored dependency [key, digest] (one
        outside the run: [key, digest, 1], its files in `outside_files`) has now."""
        key = dep[0]
        if key not in self._digests:
            if key in self.signatures:
                self._digests[key] = _digest(self.signatures[key])
            elif len(dep) > 2 and isinstance(self.outside_files.get(key), list):
                self._digests[key] = _digest(self._outside(key, self.outside_files[key]))
            else:
                return None
        return self._digests[key]

    def _outside(self, key: str, paths: list[str]) -> list[Any] | None:
        """Returns the signature of a package outside the run read from `paths`. One read from no
        file (a standard package the main package of the tree imports, a module not downloaded) is
        signed by having none, [], while `locate` still finds none for it: a warm run no longer
        checks every package that watches such a package again (842 of /work/corpus's did), and
        one whose files appear since (vendored, downloaded) is checked again. A package `locate` now
        reads from other files (go.mod requiring another version of its module, a vendor/ copy) is
        signed by those: the old version's files, still in the module cache and unchanged, no
        longer answer for it."""
        if key not in self.outside:
            now = self.locate(key) if self.locate is not None else None
            if paths and (now is None or sorted(now) == sorted(paths)):
                self.outside[key] = _signature(paths)
            elif paths:
                self.outside[key] = _signature(now)  # Ex) go.mod requires dep v1.1.0, not v1.0.0: other files
            else:
                self.outside[key] = [] if now == [] else None
        return self.outside[key]

    def forget(self, packages: set[str]) -> None:
        """Keeps `packages` out of the index (one of their files could not be read)."""
        self.signatures.update((package, None) for package in packages)
        for package in packages:
            self._digests.pop(package, None)
        self.deps.forget()

    def record(self, package: str, result: PackageResult, deps: dict[str, list[str]] | None = None) -> None:
        """Stores `result` with the signatures of `package` and of the packages it used (`deps`: each
        one's files, by which one outside the run is signed)."""
        signature = self.signatures.get(package)
        if signature is None:
            if self.entries.pop(package, None) is not None:
                self.texts()["results"].pop(package, None)
                self.changed = self.texts_changed = True
            return
        self.entries[package] = [signature, [self.deps.position(
            [key, _digest(self.signatures[key])] if key in self.signatures
            else [key, _digest(self._outside(key, paths)), self._files_outside(key, paths)])
            for key, paths in (deps or {}).items()],
            _digest(signature)]
        self.texts()["results"][package] = _encoded(result)
        self.changed = self.texts_changed = True

    def _files_outside(self, key: str, paths: list[str]) -> int:
        """Stores the files of `key`, a package outside the run, for the entries naming it; returns
        the mark of such a dependency in an entry ([key, digest, 1]). A package recorded when they were
        others is checked again (their signature's digest differs)."""
        self.outside_files[key] = paths
        self.deps.forget()  # (a stored dependency on `key` is now asked of these files)
        return 1

    def save(self) -> None:
        """Writes the index when something changed: the texts first, under a new generation, then
        the signatures naming it (a run that stops between the two leaves texts no index names)."""
        if not self.changed:
            return
        mark(self.path.parent.parent)
        if self.texts_changed:
            generation = os.urandom(8).hex()
            texts = self.texts()
            if not write_atomically(self.texts_path, {"generation": generation, "results": texts["results"],
                                                      "run": texts["run"]}):
                return
            self.generation = generation
        entries, deps = self.deps.compacted(self.entries)
        data = {"format": FORMAT, "layout": LAYOUT, "tree": self.tree, "packages": entries,
                "outside": self.outside_files, "deps": deps,
                "run": [self.run_digest, sorted(self.run_packages)], "generation": self.generation}
        if write_atomically(self.path, data):
            _prune(self.path.parent, MAX_INDEXES)


def _encoded(result: PackageResult) -> str:
    return json.dumps(encode(result), separators=(",", ":"))


def _decoded(text: Any) -> PackageResult:
    """Returns the result stored as JSON text; raises one of MALFORMED (a list from an index written
    before results were stored as text is a TypeError: a miss)."""
    return decode(json.loads(text))


def _prune(directory: Path, keep: int) -> None:
    """Removes all but the `keep` most recently written indexes of `directory`, each with its texts
    file, and texts files whose index is gone."""
    try:
        entries = sorted((e for e in os.scandir(directory) if not e.name.endswith(TEXTS)),
                         key=lambda e: e.stat().st_mtime_ns, reverse=True)
        kept = {entry.name.removesuffix(".json") for entry in entries[:keep]}
        for entry in entries[keep:]:
            os.unlink(entry.path)
        for entry in os.scandir(directory):
            if entry.name.endswith(TEXTS) and entry.name.removesuffix(TEXTS) not in kept:
                os.unlink(entry.path)
    except OSError:
        return


def _digest(signature: list[Any] | None) -> str | None:
    """Returns a digest of a package's signature (None stays None: such a package is never trusted)."""
    return None if signature is None else hashlib.blake2b(repr(signature).encode("utf-8", "surrogateescape"),
                                                          digest_size=16).hexdigest()


def _signature(paths: list[str]) -> list[Any] | None:
    """Returns [path, size, mtime_ns, inode, ctime_ns] per file, or None when one is missing or too
    recent to trust. The ctime catches an edit that restores size and mtime (`cp -p`, `touch -r`),
    as git's index does."""
    trusted = time.time_ns() - int(RACY_SECONDS * 1e9)  # modified after this: within the racy window
    signature = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if stat.st_mtime_ns > trusted:
            return None
        signature.append([path, stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns])
    return signature
