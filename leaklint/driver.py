"""The driver: finds files, runs front-ends and the engine per package, and collects a RunResult.

It catches every per-file failure and records it as a FileError, so one bad file never stops a
run or loses another file's findings. Packages are checked independently (in worker processes
when the run is big enough) and their results cached by content. It never formats output.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from leaklint import directives
from leaklint.analysis import LeakAnalysis
from leaklint.budget import OverBudget, cpu_budget
from leaklint.cache import PackageResult
from leaklint.discovery import SourceFile, discover, is_test_file, module_root
from leaklint.frontends.go.modules import Dependencies
from leaklint.finding import Finding, RunResult
from leaklint.function_index import FunctionIndex
from leaklint.ir import PARTIAL, Directive, FileError, LoweredFile
from leaklint.results import grade_unread, with_line_hashes
from leaklint.sources import MAX_FILE_BYTES, read_source, usable_source
from leaklint.spec import RuleSpec
from leaklint.treesources import ModuleSources, TreeSources

_QUOTED = re.compile(rb'"([\w.\-/]+)"')

Package = tuple[str, str, list[tuple[str, bytes]]]  # language, package key, (path, bytes) of its files


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
    fixes: bool = False  # propose, verify and attach automatic fixes (leaklint.fixes)
    stdin: tuple[str, bytes] | None = None  # (path, bytes): source read from stdin, analysed as that file
    max_file_bytes: int = MAX_FILE_BYTES  # larger files are not read (an error says so)
    time_limit: float = 60.0  # CPU seconds per package before its files count as not analysed (0: none)
    generated: bool = False  # report generated Go files too (they always lend their helpers)


def run(paths: list[str], settings: Settings) -> RunResult:
    """Returns the findings (sorted, suppressions marked) and errors for `paths`."""
    given = [p for p in paths if settings.stdin is None or p != settings.stdin[0]]
    files, errors = discover([*given, *settings.context], settings.exclude, settings.force_exclude,
                             settings.respect_gitignore)
    if settings.stdin is not None:
        files = _with_stdin(files, settings.stdin[0])
    if not settings.tests:  # Ex) tests = false   (as golangci-lint's run.tests)
        files = [f for f in files if not _in_tests(f.path, settings.root)]
    if settings.shard is not None:
        files = shard(files, *settings.shard)
    tree_packages = {f.package: f.package for f in files}
    store = _open_cache(settings)
    index = _open_index(store, paths, settings, tree_packages) if store and settings.stdin is None else None
    results, unread = _unchanged(files, index) if index else ([], files)
    packages, read_errors = read_packages(unread, settings.max_file_bytes, settings.stdin)
    errors.extend(grade_unread(read_errors, unread, settings.rules, settings.max_file_bytes))
    if index:  # a package with an unreadable file is never taken from the index: its error must show
        unreadable = {error.path for error in read_errors}
        index.forget({_index_key(f.language, f.package) for f in unread if f.path in unreadable})
    go_paths: dict[str, list[str]] = {}
    for source_file in files:
        if source_file.language == "go" and not source_file.path.endswith("_test.go"):  # never imported
            go_paths.setdefault(source_file.package, []).append(source_file.path)
    results += check(packages, settings, tree_packages, store, index, go_paths)
    if index:
        index.save()
    if store:
        store[0].prune()
    findings: list[Finding] = []
    by_path: dict[str, list[Directive]] = {}
    for result in results:
        findings.extend(result.findings)
        errors.extend(result.errors)
        by_path.update((path, list(items)) for path, items in result.directives if items)
    findings = [replace(f, tags=("test",)) if _in_tests(f.span.path, settings.root) else f for f in findings]
    findings, unused = directives.apply(sorted(findings, key=Finding.sort_key), by_path)
    # Ex) a helper too deeply nested, asked for by two packages: one error
    errors = sorted(set(errors), key=lambda e: (e.path, e.line, e.col, e.message))
    return RunResult(findings, list(settings.rules), errors, len(files), os.path.abspath(settings.root), unused)


def _in_tests(path: str, root: str) -> bool:
    return is_test_file(os.path.relpath(os.path.abspath(path), os.path.abspath(root)))


def shard(files: list[SourceFile], index: int, count: int) -> list[SourceFile]:
    """Returns the files of shard `index` of `count` (1-based), whole package directories at a time."""
    import zlib

    return [f for f in files if zlib.crc32(f.package.encode("utf-8", "surrogateescape")) % count == index - 1]


def _with_stdin(files: list[SourceFile], path: str) -> list[SourceFile]:
    """Returns `files` with the file read from stdin in its place (it may not exist on disk)."""
    from leaklint.discovery import describe

    named = describe(path)
    kept = [f for f in files if f.path != named.path]
    return sorted([*kept, named], key=lambda f: f.path)


def read_packages(files: list[SourceFile], limit: int = MAX_FILE_BYTES,
                  stdin: tuple[str, bytes] | None = None) -> tuple[list[Package], list[FileError]]:
    """Returns the readable files grouped by package, sorted by (language, package); unreadable files
    and files over `limit` bytes become errors; the file read from stdin (`stdin`: its path and
    bytes) is taken from there."""
    from leaklint.discovery import describe

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
    from leaklint.stat_index import StatIndex

    scope = repr((os.getcwd(), sorted(paths), store[1], settings.root, settings.exclude, settings.force_exclude,
                  settings.respect_gitignore, settings.shard, settings.context, settings.tests,
                  settings.max_file_bytes, settings.generated))
    return StatIndex.open(store[0].directory, scope, repr(sorted(tree_packages)))


def _index_key(language: str, package: str) -> str:
    return f"{language}\0{package}"


def _unchanged(files: list[SourceFile], index) -> tuple[list[PackageResult], list[SourceFile]]:
    """Returns the results of the packages whose files did not change, and the files left to read."""
    groups: dict[tuple[str, str], list[SourceFile]] = {}
    for source_file in files:
        groups.setdefault((source_file.language, source_file.package), []).append(source_file)
    stored = {group: index.unchanged(_index_key(*group), [m.path for m in members]) for group, members in groups.items()}
    results, unread = [], []
    for group, members in groups.items():
        if stored[group] is None or not index.deps_unchanged(_index_key(*group)):
            unread.extend(members)  # Ex) a helper of another package changed since
        else:
            results.append(stored[group])
    return results, unread


def check(packages: list[Package], settings: Settings, tree_packages: dict[str, str], store, index,
          go_paths: dict[str, list[str]] | None = None) -> list[PackageResult]:
    """Returns one result per package, in order: candidates from the cache or lowered and analysed
    (in parallel when worth it); packages without a marker only have their directives read.
    `tree_packages` are all the run's packages, read or not (`go_paths`: the files of its Go
    packages); results go to `store` (cache, rules digest) and `index` unless they are None."""
    from leaklint import parallel
    from leaklint.frontends import registry

    rules = list(settings.rules)
    languages = {spec.language for spec in rules}
    prefilters = {language: registry.prefilter(language, rules) for language in languages}
    tree = TreeSources({key: [(path, data) for path, data in members if not path.endswith("_test.go")]
                        for language, key, members in packages if language == "go"}, go_paths or {},
                       max_file_bytes=settings.max_file_bytes, dependencies=_dependencies(go_paths or {}))
    if "go" in prefilters:
        tree.exports = prefilters["go"].learn_exports({key: [data for _, data in members]
                                                       for key, members in tree.members.items()})
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
            results.append(_directives_only(language, members))
    context = frozenset(os.path.abspath(p) for p in settings.context)
    if not settings.generated:  # Ex) api.pb.go: lowered for its helpers like context, never reported
        context |= _generated(packages)
    keys = {i: _cache_key(store, packages[i], tree_packages, context) for i in candidates} if store else {}
    missing = []
    for i in candidates:
        results[i] = store[0].get(keys[i]) if store else None
        deps = results[i].deps if results[i] is not None else ()
        if deps and any(trees[packages[i][0]].digest(dep) != digest for dep, digest in deps):
            results[i] = None  # Ex) a helper of another package changed: the summary it lent may have
        if results[i] is None:
            missing.append(i)
    for language in {packages[i][0] for i in missing}:
        registry.frontend(language)  # imported once here, so forked workers inherit the parser modules
    work = partial(check_package, rules=rules, tree_packages=tree_packages, prefilters=prefilters, context=context,
                   trees=trees, time_limit=settings.time_limit, fixes=settings.fixes)
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


def _generated(packages: list[Package]) -> frozenset[str]:
    """Returns the absolute paths of the generated Go files among `packages`."""
    from leaklint.frontends.go.generated import is_generated

    return frozenset(os.path.abspath(path) for language, _, members in packages if language == "go"
                     for path, data in members if is_generated(data))


def check_package(package: Package, rules: list[RuleSpec], tree_packages: dict[str, str],
                  prefilters: dict, context: frozenset[str] = frozenset(),
                  trees: dict | None = None, time_limit: float = 0, fixes: bool = False) -> PackageResult:
    """Returns the findings, errors and directives of one package; files in `context` only lend
    their helpers and types (lowered lazily, never checked), and so do the other packages of the
    tree of its language (`trees`), whose summaries and names it records as `deps` (package,
    content digest). A package that takes more than `time_limit` seconds of CPU time (0: no limit)
    has an error per file instead of findings, and is not `complete`. With `fixes`, each finding
    that has a verified automatic fix carries it."""
    try:
        with cpu_budget(time_limit):
            return _check_package(package, rules, tree_packages, prefilters, context, (trees or {}).get(package[0]),
                                  fixes)
    except OverBudget:
        language, _, members = package
        message = f"analysis stopped at the time limit ({time_limit:g} s of CPU time, see --file-time-limit)"
        return PackageResult(errors=tuple(FileError(path, message) for path, _ in members
                                          if os.path.abspath(path) not in context),
                             directives=_directives_only(language, members).directives, complete=False)


def _check_package(package: Package, rules: list[RuleSpec], tree_packages: dict[str, str], prefilters: dict,
                   context: frozenset[str], tree: TreeSources | ModuleSources | None, fixes: bool) -> PackageResult:
    language, key, members = package
    if tree is not None:
        tree.consulted()  # what earlier packages read is theirs
    rules = applicable(rules, language, members)
    lower = partial(_lower, rules=rules, tree_packages=tree_packages, prefilters=prefilters, context=context, tree=tree)
    try:
        lowered, index = lower(package)
    except Exception as exc:  # noqa: BLE001 - one broken package must not stop the run
        return PackageResult(errors=tuple(FileError(path, f"internal error while parsing: {type(exc).__name__}: {exc}")
                                          for path, _ in members),
                             directives=_directives_only(language, members).directives)
    findings, errors = analyse(lowered, rules, index)
    errors.extend(replace(error, severity="warning") if error.message.endswith(PARTIAL) else error
                  for item in lowered for error in item.errors)
    errors.extend(index.errors)
    used = index.used | tree.consulted() | {tree.owner(q) for q in index.summarised} if tree is not None else set()
    deps = tuple((dep, tree.digest(dep)) for dep in sorted(used - {key, None})) if tree is not None else ()
    if fixes and findings:
        findings = _with_fixes(package, findings, len(errors), lower, rules)
    findings = with_line_hashes(findings, dict(members))
    return PackageResult(tuple(findings), tuple(errors),
                         tuple((item.path, tuple(item.directives)) for item in lowered), deps)


def _with_fixes(package: Package, findings: list[Finding], problems: int,
                lower: Callable[[Package], tuple[list[LoweredFile], FunctionIndex]],
                rules: list[RuleSpec]) -> list[Finding]:
    """Returns `findings`, each with the automatic fix that re-analysis verified, if any: a fixed
    package that lowers or analyses with more than `problems` errors verifies nothing."""
    from leaklint.fixes import verify

    language, key, members = package

    def reanalyse(fixed: list[tuple[str, bytes]]) -> list[Finding] | None:
        try:
            again, index = lower((language, key, fixed))
        except Exception:  # noqa: BLE001 - a fix that breaks lowering is no fix
            return None
        found, errors = analyse(again, rules, index)
        return None if len(errors) + sum(len(item.errors) for item in again) + len(index.errors) > problems else found

    paths = {f.span.path for f in findings}
    return verify.attach(language, members, findings, reanalyse, _as_on_disk([m for m in members if m[0] in paths]))


def _as_on_disk(members: list[tuple[str, bytes]]) -> frozenset[str]:
    """Returns the paths whose bytes on disk are the analysed ones, a byte order mark aside: fixes
    are placed in those only (the front-end read a Python file's lone CRs and Latin-1 anew; stdin
    is not the file)."""
    out = set()
    for path, data in members:
        try:
            with open(path, "rb") as handle:
                if handle.read(len(data) + 4).removeprefix(b"\xef\xbb\xbf") == data:
                    out.add(path)
        except OSError:
            continue
    return frozenset(out)


def _lower(package: Package, rules: list[RuleSpec], tree_packages: dict[str, str], prefilters: dict,
           context: frozenset[str], tree: TreeSources | ModuleSources | None) -> tuple[list[LoweredFile], FunctionIndex]:
    """Returns the package lowered by its front-end and the index of the tree's functions it sees."""
    from leaklint.frontends import registry

    language, key, members = package
    focus = frozenset(path for path, _ in members if os.path.abspath(path) not in context)
    needles = prefilters[language].needles(key, [data for _, data in members])
    lowered = registry.frontend(language).lower_package(key, members, tree_packages, needles,
                                                        focus if len(focus) < len(members) else None)
    return lowered, FunctionIndex(lowered, tree, key, tree_packages)


def applicable(rules: list[RuleSpec], language: str, members: list[tuple[str, bytes]]) -> list[RuleSpec]:
    """Returns the rules that apply to a package: a Go rule that holds only before some Go version
    (tickers are collected from Go 1.23) is dropped for a module whose go.mod says that version or later.
    Rules of another language never apply (a Go closure was once analysed for every Python rule)."""
    rules = [rule for rule in rules if rule.language == language]
    if language != "go" or not any(rule.before_go for rule in rules):
        return rules
    from leaklint.discovery import go_version

    version = go_version(os.path.dirname(members[0][0]) or ".")
    return [rule for rule in rules if rule.before_go is None or version is None or version < rule.before_go]


def _directives_only(language: str, members: list[tuple[str, bytes]]) -> PackageResult:
    return PackageResult(directives=tuple((path, tuple(directives.parse(path, language, data)))
                                          for path, data in members))


def _open_cache(settings: Settings):
    """Returns (cache, rules digest), or None when the run does not use the cache."""
    if not settings.use_cache:
        return None
    from leaklint.cache import ResultCache, default_directory, rules_digest

    return ResultCache(default_directory()), rules_digest(list(settings.rules)) + ("+fixes" if settings.fixes else "")


def _cache_key(store, package: Package, tree_packages: dict[str, str], context: frozenset[str]) -> str:
    """Returns the package's content address; the context is every tree package a quoted string in it
    could import, since that changes how the front-end resolves names."""
    from leaklint.cache import package_key

    from leaklint.frontends.go.prefilter import import_section

    language, key, members = package
    imported = set()
    for _, data in members:
        header = import_section(data) if language == "go" else data
        for match in set(_QUOTED.findall(header)):
            parts = match.decode().split("/")
            imported.update(s for s in ("/".join(parts[i:]) for i in range(len(parts))) if s in tree_packages)
    local = sorted(path for path, _ in members if os.path.abspath(path) in context)
    version = []
    if language == "go":
        from leaklint.discovery import go_version

        version = [f"go:{go_version(os.path.dirname(members[0][0]) or '.')}"]
    return package_key(store[1], language, key, members, "\0".join(sorted(imported) + ["context:"] + local + version))


def analyse(lowered: list[LoweredFile], rules: list[RuleSpec],
            functions: FunctionIndex | None = None) -> tuple[list[Finding], list[FileError]]:
    """Returns the findings of every lowered function; a function that crashes the engine becomes an error."""
    functions = functions or FunctionIndex(lowered)
    engine = LeakAnalysis(rules, functions, functions.shared)
    engine.summarised = functions.summarised  # the index keeps what the checks relied on (see check_package)
    findings: list[Finding] = []
    errors: list[FileError] = []
    for item in lowered:
        for function in item.functions:
            try:
                findings.extend(engine.check(function))
            except RecursionError:
                errors.append(FileError(item.path, f"function {function.display} too deeply nested to analyse",
                                        function.span.line))
            except Exception as exc:  # noqa: BLE001 - recorded, and the run goes on
                errors.append(FileError(item.path, f"internal error in {function.display}: "
                                        f"{type(exc).__name__}: {exc}", function.span.line))
    return findings, errors


def _dependencies(go_paths: dict[str, list[str]]) -> Dependencies | None:
    """Returns where the run's Go modules find the packages they import from elsewhere."""
    roots = {module_root(os.path.dirname(paths[0])) for paths in go_paths.values() if paths}
    roots.discard(None)
    return Dependencies(roots) if roots else None  # type: ignore[arg-type]


def default_rule_dirs() -> list[Path]:
    """Returns the rule directories shipped with leaklint."""
    bundled = Path(__file__).resolve().parent / "rules"
    if bundled.is_dir():
        return [bundled]
    return [Path(__file__).resolve().parent.parent / "rules"]
