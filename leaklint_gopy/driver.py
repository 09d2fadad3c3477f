"""The driver: finds files, groups them into packages, answers unchanged ones from the stat index
and the result cache, hands the others to checker.check_package, and collects a RunResult.

It catches every per-file failure and records it as a FileError, so one bad file never stops a
run or loses another file's findings. Packages are checked independently (in worker processes
when the run is big enough) and their results cached by content. It never formats output.
"""
from __future__ import annotations

import gc
import hashlib
import os
import re
import sys
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from leaklint_gopy import directives
from leaklint_gopy.cache import PackageResult
from leaklint_gopy.discovery import SourceFile, discover, is_test_file, module_root
from leaklint_gopy.finding import FileError, Finding, RunResult
from leaklint_gopy.results import grade_unread, with_report_facts
from leaklint_gopy.sources import MAX_FILE_BYTES, read_source, usable_source
from leaklint_gopy.spec import RuleSpec

if TYPE_CHECKING:  # (the checker, and the engine it imports, load only when a package is checked)
    from leaklint_gopy.checker import Package
    from leaklint_gopy.frontends.go.modules import Dependencies
    from leaklint_gopy.treesources import TreeSources

_QUOTED = re.compile(rb'"([\w.\-/]+)"')


@dataclass(frozen=True, slots=True)
class Settings:
    """What one run analyses and how. `rules` are already selected (select/ignore applied)."""

    rules: tuple[RuleSpec, ...]
    root: str = "."
    exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    jobs: int = 0
    use_cache: bool = True
    shard: tuple[int, int] | None = None
    context: tuple[str, ...] = ()  # files read only as package context (helpers, types): never reported
    tests: bool = True  # analyse test files (their findings are tagged `test`)
    fixes: bool = False  # propose, verify and attach automatic fixes (leaklint_gopy.fixes)
    stdin: tuple[str, bytes] | None = None  # (path, bytes): source read from stdin, analysed as that file
    max_file_bytes: int = MAX_FILE_BYTES  # larger files are not read (an error says so)
    time_limit: float = 60.0  # CPU seconds per package before its files count as not analysed (0: none)
    generated: bool = False  # report generated Go files too (they always lend their helpers)
    # Go files of which only these functions are checked (absolute path, `Name` or `Type.Name`); their
    # others lend their helpers like context (a pre-commit run's callers: dependents.named_callers)
    selected: tuple[tuple[str, tuple[str, ...]], ...] = ()


def run(paths: list[str], settings: Settings) -> RunResult:
    """Returns the findings (sorted, suppressions marked) and errors for `paths`."""
    return plan(paths, settings).finish()


@dataclass(slots=True)
class Plan:
    """A run up to reading its packages: the files found, and what the stat index answered without
    reading them (`results` by index key; `whole`: the last run's merged result answers all the
    others, not decoded yet); `unread` are the files left to read and check. finish() does the rest."""

    settings: Settings
    files: list[SourceFile]
    errors: list[FileError]
    store: tuple | None
    index: object | None  # stat_index.StatIndex
    go_paths: dict[str, list[str]]
    tree_packages: dict[str, str]
    results: dict[str, PackageResult]
    unread: list[SourceFile]
    whole: bool
    settled: bool = False  # finish() left every package of the run in the index's merged result

    @property
    def digest(self) -> str | None:
        """Returns a digest of everything finish()'s result is a function of when it is the stat
        index's merged result: before finish(), when that answers the whole run (nothing to read,
        check or decode package by package); after, when finish() stored every package of the run
        in it. It digests the index's scope (working directory, paths, settings, rule specs and
        leaklint's own source), the merged result, the files found and discovery's errors. None
        otherwise."""
        if self.index is None or self.index.run_digest is None:
            return None
        if not (self.settled or (self.whole and not self.unread and not self.results)):
            return None
        text = repr((self.index.path.name, self.index.run_digest, len(self.files),
                     [(e.path, e.line, e.col, e.message, e.severity) for e in self.errors]))
        return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()

    def replayed(self) -> None:
        """Ends a run whose output was taken from the report cache: nothing is read or stored but
        the result cache's daily pruning."""
        if self.store:
            self.store[0].prune()

    def finish(self) -> RunResult:
        """Returns the run's findings (sorted, suppressions marked) and errors: reads and checks the
        packages left, merges every result and stores the index."""
        settings, index, errors = self.settings, self.index, list(self.errors)
        whole = index.whole_run_result() if index is not None and self.whole else None
        if self.whole and whole is None:  # Ex) its text was removed meanwhile: the packages one by one
            self.results, self.unread, self.whole = _unchanged(self.files, index, merged=False)
        results = self.results
        packages, read_errors = read_packages(self.unread, settings.max_file_bytes, settings.stdin)
        errors.extend(grade_unread(read_errors, self.unread, settings.rules, settings.max_file_bytes))
        if index:  # a package with an unreadable file is never taken from the index: its error must show
            unreadable = {error.path for error in read_errors}
            index.forget({_index_key(f.language, f.package) for f in self.unread if f.path in unreadable})
        if packages:
            checked = check(packages, settings, self.tree_packages, self.store, index, self.go_paths)
            results.update(zip((_index_key(language, key) for language, key, _ in packages), checked))
        merged = _merged([whole, *results.values()] if whole else list(results.values()))
        if index:
            _remember_run(index, whole, results)
            index.save()
            self.settled = index.run_packages == {_index_key(f.language, f.package) for f in self.files}
        if self.store:
            self.store[0].prune()
        errors.extend(merged.errors)
        by_path = {path: list(items) for path, items in merged.directives}
        tests = {path: _in_tests(path, settings.root) for path in {f.span.path for f in merged.findings}}  # once a file
        findings = [replace(f, tags=("test",)) if tests[f.span.path] else f for f in merged.findings]
        findings, unused = directives.apply(findings, by_path)
        # Ex) a helper too deeply nested, asked for by two packages: one error
        errors = sorted(set(errors), key=lambda e: (e.path, e.line, e.col, e.message))
        return RunResult(findings, list(settings.rules), errors, len(self.files), os.path.abspath(settings.root), unused)


def plan(paths: list[str], settings: Settings) -> Plan:
    """Returns the run of `paths` up to reading its packages (see Plan): finds the files and asks
    the stat index which packages are unchanged."""
    source = sys.modules.get("leaklint_gopy.report.source")  # (a replayed run never imports it)
    if source is not None:
        source.forget()  # the report facts stored with results are read afresh (see results.with_report_facts)
    # What an earlier run's checks froze in this process (a language server's) is collectable again;
    # this run's stays frozen to its end: a full collection at exit would scan it (1.4 s of CPU
    # after a --jobs 1 run over the standard library, were it unfrozen there).
    gc.unfreeze()
    given = [p for p in paths if settings.stdin is None or p != settings.stdin[0]]
    store = _open_cache(settings)
    if store:  # Ex) a warm run on 25,000 files: no directory listed when none changed
        from leaklint_gopy.discovery_cache import discover_cached

        files, errors = discover_cached(store[0].directory, [*given, *settings.context], settings.exclude,
                                        settings.force_exclude, settings.respect_gitignore, store[1])
    else:
        files, errors = discover([*given, *settings.context], settings.exclude, settings.force_exclude,
                                 settings.respect_gitignore)
    if settings.stdin is not None:
        files = _with_stdin(files, settings.stdin[0])
    if not settings.tests:  # Ex) tests = false   (as golangci-lint's run.tests)
        files = [f for f in files if not _in_tests(f.path, settings.root)]
    if settings.shard is not None:
        files = shard(files, *settings.shard)
    tree_packages = {f.package: f.package for f in files}
    go_paths: dict[str, list[str]] = {}
    for source_file in files:
        if source_file.language == "go" and not source_file.path.endswith("_test.go"):  # never imported
            go_paths.setdefault(source_file.package, []).append(source_file.path)
    index = _open_index(store, paths, settings, tree_packages) if store and settings.stdin is None else None
    if index:
        index.locate = _locator(go_paths, store[0].directory)
    results, unread, whole = _unchanged(files, index) if index else ({}, files, False)
    if index and index.locate.found and index.locate.found[0] is not None:
        from leaklint_gopy.located_cache import save

        save(store[0].directory, index.locate.found[0])
    return Plan(settings, files, errors, store, index, go_paths, tree_packages, results, unread, whole)


def _in_tests(path: str, root: str) -> bool:
    return is_test_file(os.path.relpath(os.path.abspath(path), os.path.abspath(root)))


def shard(files: list[SourceFile], index: int, count: int) -> list[SourceFile]:
    """Returns the files of shard `index` of `count` (1-based), whole package directories at a time."""
    import zlib

    return [f for f in files if zlib.crc32(f.package.encode("utf-8", "surrogateescape")) % count == index - 1]


def _with_stdin(files: list[SourceFile], path: str) -> list[SourceFile]:
    """Returns `files` with the file read from stdin in its place (it may not exist on disk)."""
    from leaklint_gopy.discovery import describe

    named = describe(path)
    kept = [f for f in files if f.path != named.path]
    return sorted([*kept, named], key=lambda f: f.path)


def read_packages(files: list[SourceFile], limit: int = MAX_FILE_BYTES,
                  stdin: tuple[str, bytes] | None = None) -> tuple[list[Package], list[FileError]]:
    """Returns the readable files grouped by package, sorted by (language, package); unreadable files
    and files over `limit` bytes become errors; the file read from stdin (`stdin`: its path and
    bytes) is taken from there."""
    from leaklint_gopy.discovery import describe

    errors: list[FileError] = []
    packages: dict[tuple[str, str], list[tuple[str, bytes]]] = {}
    piped = describe(stdin[0]).path if stdin else None
    for source_file in files:
        if source_file.path == piped:
            data, error = usable_source(source_file.path, stdin[1], source_file.language)
        else:
            data, error = read_source(source_file.path, limit, source_file.language)
        if error is not None:
            errors.append(error)
            continue
        packages.setdefault((source_file.language, source_file.package), []).append((source_file.path, data))
    return [(language, key, members) for (language, key), members in sorted(packages.items())], errors


def _open_index(store, paths: list[str], settings: Settings, tree_packages: dict[str, str]):
    """Returns the stat index of this run's scope (see stat_index.StatIndex)."""
    from leaklint_gopy.stat_index import StatIndex

    scope = repr((os.getcwd(), sorted(paths), store[1], settings.root, settings.exclude, settings.force_exclude,
                  settings.respect_gitignore, settings.shard, settings.context, settings.tests,
                  settings.max_file_bytes, settings.generated, *((settings.selected,) if settings.selected else ())))
    return StatIndex.open(store[0].directory, scope, repr(sorted(tree_packages)))


def _index_key(language: str, package: str) -> str:
    return f"{language}\0{package}"


def _locator(go_paths: dict[str, list[str]], directory: Path | None = None):
    """Returns a function giving the files the Go package of an index key would be read from now
    outside the run (vendor/, the module cache, the tree's own modules, as TreeSources finds them),
    or None for another language's, whose files the index cannot look up. The run's modules are
    found on the first call only, and the answers of the last run taken when nothing they read
    changed (located_cache.py: `directory`, the cache root); `locate.found` holds them once made."""
    found: list[Dependencies | None] = []

    def locate(key: str) -> list[str] | None:
        language, _, package = key.partition("\0")
        if language != "go":
            return None
        if not found:
            from leaklint_gopy.located_cache import dependencies

            roots = _roots(go_paths)
            found.append(dependencies(directory, *roots) if roots is not None else None)
        return found[0].files(package) if found[0] is not None else []

    locate.found = found  # type: ignore[attr-defined]
    return locate


def _unchanged(files: list[SourceFile], index, merged: bool = True) -> tuple[dict[str, PackageResult], list[SourceFile], bool]:
    """Returns the results of the packages whose files did not change (by index key), the files
    left to read, and whether the last run's merged result answers for all the unchanged packages
    at once (see StatIndex.whole_run; their results are then not decoded one by one; not asked
    unless `merged`)."""
    groups: dict[str, list[SourceFile]] = {}
    for source_file in files:
        groups.setdefault(_index_key(source_file.language, source_file.package), []).append(source_file)
    same = {key: index.same(key, [m.path for m in members]) for key, members in groups.items()}
    kept = {key for key in groups if same[key] and index.deps_unchanged(key)}
    whole = merged and index.whole_run(kept)
    results, unread = {}, []
    for key, members in groups.items():
        if whole and key in kept:
            continue
        stored = index.stored(key) if key in kept else None
        if stored is None:
            unread.extend(members)  # Ex) a helper of another package changed since
        else:
            results[key] = stored
    return results, unread, whole


def _remember_run(index, whole: PackageResult | None, results: dict[str, PackageResult]) -> None:
    """Stores the merged result of this run's indexed packages in `index`, unless it is `whole`
    (the stored one) and no package checked now joined the index. A package whose dependencies
    are never unchanged (one used a package with an unreadable file) is checked on every run and
    stays out of it."""
    fresh = {key: result for key, result in results.items() if index.indexed(key) and index.deps_unchanged(key)}
    if whole is None:
        index.remember_run(_merged(list(fresh.values())), set(fresh))
    elif fresh:  # Ex) a file edited within the racy window last time, indexed now
        index.remember_run(_merged([whole, *fresh.values()]), index.run_packages | set(fresh))


def _merged(results: list[PackageResult]) -> PackageResult:
    """Returns the findings (sorted), errors and directives (with any) of `results` as one result."""
    findings = [finding for result in results for finding in result.findings]
    return PackageResult(tuple(sorted(findings, key=Finding.sort_key)),
                         tuple(error for result in results for error in result.errors),
                         tuple((path, items) for result in results for path, items in result.directives if items))


def check(packages: list[Package], settings: Settings, tree_packages: dict[str, str], store, index,
          go_paths: dict[str, list[str]] | None = None) -> list[PackageResult]:
    """Returns one result per package, in order: candidates from the cache or lowered and analysed
    (in parallel when worth it); packages without a marker only have their directives read.
    `tree_packages` are all the run's packages, read or not (`go_paths`: the files of its Go
    packages); results go to `store` (cache, rules digest) and `index` unless they are None."""
    from leaklint_gopy import parallel
    from leaklint_gopy.checker import directives_only
    from leaklint_gopy.frontends import registry
    from leaklint_gopy.treesources import ModuleSources, TreeSources

    rules = list(settings.rules)
    # (a language without a package here is never imported: a Go-only run loads no Python front-end)
    languages = {spec.language for spec in rules} & {language for language, _, _ in packages}
    prefilters = {language: registry.prefilter(language, rules) for language in languages}
    tree = TreeSources({key: [(path, data) for path, data in members if not path.endswith("_test.go")]
                        for language, key, members in packages if language == "go"}, go_paths or {},
                       max_file_bytes=settings.max_file_bytes, dependencies=_dependencies(go_paths or {}))
    if "go" in prefilters:
        tree.exports = prefilters["go"].learn_exports({key: [data for _, data in members]
                                                       for key, members in tree.members.items()})
        # Ex) publisher calling only helpers.OpenFileForWriting, with helpers/ outside the checked paths
        tree.exports.update(prefilters["go"].learn_exports(_siblings(packages, tree)))
    trees = {"go": tree}
    if "python" in prefilters:  # Ex) from .net import dial   (another module's helper, summarised)
        trees["python"] = ModuleSources(registry.frontend("python").modules(tree_packages))
        prefilters["python"].learn_tree(trees["python"].modules)
    results: list[PackageResult | None] = []
    candidates: list[int] = []
    for language, key, members in packages:
        if language in prefilters and prefilters[language].candidate([data for _, data in members], key):
            candidates.append(len(results))
            results.append(None)
        else:
            results.append(directives_only(language, members))
    context = frozenset(os.path.abspath(p) for p in settings.context)
    if not settings.generated:  # Ex) api.pb.go: lowered for its helpers like context, never reported
        context |= _generated(packages)
    selected = dict(settings.selected)
    keys = {i: _cache_key(store, packages[i], tree_packages, context, selected) for i in candidates} if store else {}
    missing = []
    for i in candidates:
        results[i] = store[0].get(keys[i]) if store else None
        deps = results[i].deps if results[i] is not None else ()
        if deps and any(trees[packages[i][0]].digest(dep) != digest for dep, digest in deps):
            results[i] = None  # Ex) a helper of another package changed: the summary it lent may have
        if results[i] is None:
            missing.append(i)
        else:  # Ex) an entry written before findings carried their report facts
            results[i] = with_report_facts(results[i])
    for language in {packages[i][0] for i in missing}:
        front = registry.frontend(language)  # imported once here, so forked workers inherit the parser modules
        if hasattr(front, "prepare"):
            front.prepare(trees[language], tree_packages)  # and what every package reads of the tree
    work = partial(_checked, rules=rules, tree_packages=tree_packages, prefilters=prefilters, context=context,
                   trees=trees, time_limit=settings.time_limit, fixes=settings.fixes, selected=selected)
    sizes = [sum(len(data) for _, data in packages[i][2]) for i in missing]
    for i, result in zip(missing, parallel.run(work, [packages[i] for i in missing], sizes, settings.jobs)):
        results[i] = result
        if store and result.complete:  # Ex) over the time limit: tried again next run
            store[0].put(keys[i], result)
    if index is not None:
        index.forget({_index_key(language, key) for (language, key, _), result in zip(packages, results)
                      if result is not None and not result.complete})
        for (language, key, _), result in zip(packages, results):
            index.record(_index_key(language, key), result,
                         {_index_key(language, dep): trees[language].files(dep) if language in trees else []
                          for dep, _ in result.deps})
    return [result for result in results if result is not None]


def _checked(package: Package, **options) -> PackageResult:
    """Returns check_package's result with its report facts (results.with_report_facts), read
    where the package was checked: in the worker, in parallel, rather than by the parent after
    all workers are done (a twentieth of a cold run's time with two workers, all of it serial)."""
    from leaklint_gopy.checker import check_package

    return with_report_facts(check_package(package, **options))


def _generated(packages: list[Package]) -> frozenset[str]:
    """Returns the absolute paths of the generated Go files among `packages`."""
    if not any(language == "go" for language, _, _ in packages):
        return frozenset()
    from leaklint_gopy.frontends.go.generated import is_generated

    return frozenset(os.path.abspath(path) for language, _, members in packages if language == "go"
                     for path, data in members if is_generated(data))


def _open_cache(settings: Settings):
    """Returns (cache, rules digest), or None when the run does not use the cache."""
    if not settings.use_cache:
        return None
    from leaklint_gopy.cache import ResultCache, default_directory, rules_digest

    return ResultCache(default_directory()), rules_digest(list(settings.rules)) + ("+fixes" if settings.fixes else "")


def _cache_key(store, package: Package, tree_packages: dict[str, str], context: frozenset[str],
               selected: dict[str, tuple[str, ...]]) -> str:
    """Returns the package's content address; the context is every tree package a quoted string in it
    could import, since that changes how the front-end resolves names, its context files and the
    functions selected in its files."""
    from leaklint_gopy.cache import package_key

    language, key, members = package
    if language == "go":
        from leaklint_gopy.frontends.go.prefilter import import_section
    imported = set()
    for _, data in members:
        header = import_section(data) if language == "go" else data
        for match in set(_QUOTED.findall(header)):
            parts = match.decode().split("/")
            imported.update(s for s in ("/".join(parts[i:]) for i in range(len(parts))) if s in tree_packages)
    local = sorted(path for path, _ in members if os.path.abspath(path) in context)
    local += [f"selected:{path}:{','.join(selected[os.path.abspath(path)])}" for path, _ in members
              if os.path.abspath(path) in selected]
    version = []
    if language == "go":
        from leaklint_gopy.discovery import go_version

        version = [f"go:{go_version(os.path.dirname(members[0][0]) or '.')}"]
    return package_key(store[1], language, key, members, "\0".join(sorted(imported) + ["context:"] + local + version))


def _siblings(packages: list[Package], tree: TreeSources) -> dict[str, list[bytes]]:
    """Returns the sources of the packages of the tree that the run's Go packages import from outside
    the analysed paths (see Dependencies.sibling), by import path."""
    from leaklint_gopy.frontends.go.prefilter import import_section

    if tree.dependencies is None:
        return {}
    imported = {match.decode() for language, _, members in packages if language == "go" for _, data in members
                for match in _QUOTED.findall(import_section(data))}
    return {path: [data for _, data in tree.sources(path)] for path in sorted(imported)
            if path not in tree.members and tree.dependencies.sibling(path)}


def _dependencies(go_paths: dict[str, list[str]]) -> Dependencies | None:
    """Returns where the run's Go modules find the packages they import from elsewhere (and, when a
    package is in no module, where its directory-named siblings are: below the working directory,
    which names them)."""
    roots = _roots(go_paths)
    if roots is None:
        return None
    from leaklint_gopy.frontends.go.modules import Dependencies  # (a Python-only run loads nothing of Go)

    return Dependencies(roots[0], directories=roots[1])


def _roots(go_paths: dict[str, list[str]]) -> tuple[set[str], str | None] | None:
    """Returns the module roots of the run's Go packages, and "." when a package is in no module
    (see _dependencies); None for neither."""
    roots = {module_root(os.path.dirname(paths[0])) for paths in go_paths.values() if paths}
    unclaimed = None in roots
    roots.discard(None)
    return (roots, "." if unclaimed else None) if roots or unclaimed else None  # type: ignore[return-value]


def default_rule_dirs() -> list[Path]:
    """Returns the rule directories shipped with leaklint."""
    bundled = Path(__file__).resolve().parent / "rules"
    if bundled.is_dir():
        return [bundled]
    return [Path(__file__).resolve().parent.parent / "rules"]
