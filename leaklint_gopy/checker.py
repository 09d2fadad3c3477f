"""The check of one package, what a worker process runs: lowers the package with its front-end,
runs the engine over its functions, and returns its findings (with line hashes and, when asked,
verified fixes), errors, directives and the other packages whose summaries it used. One broken
package or function becomes errors, never a stopped run. It knows nothing of files on disk
beyond the package's bytes, of caches or of other packages' results (driver.py).
"""
from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from leaklint_gopy import directives
from leaklint_gopy.analysis import LeakAnalysis
from leaklint_gopy.budget import OverBudget, cpu_budget
from leaklint_gopy.cache import PackageResult
from leaklint_gopy.finding import Finding
from leaklint_gopy.function_index import FunctionIndex
from leaklint_gopy.ir import PARTIAL, FileError, LoweredFile
from leaklint_gopy.results import with_line_hashes
from leaklint_gopy.spec import RuleSpec
from leaklint_gopy.treesources import ModuleSources, TreeSources

Package = tuple[str, str, list[tuple[str, bytes]]]  # language, package key, (path, bytes) of its files


def check_package(package: Package, rules: list[RuleSpec], tree_packages: dict[str, str],
                  prefilters: dict, context: frozenset[str] = frozenset(),
                  trees: dict | None = None, time_limit: float = 0, fixes: bool = False,
                  selected: dict[str, tuple[str, ...]] | None = None) -> PackageResult:
    """Returns the findings, errors and directives of one package; files in `context` only lend
    their helpers and types (lowered lazily, never checked), and so do the other packages of the
    tree of its language (`trees`), whose summaries and names it records as `deps` (package,
    content digest), and the functions of a Go file in `selected` (by absolute path) other than
    those it names. A package that takes more than `time_limit` seconds of CPU time (0: no limit)
    has an error per file instead of findings, and is not `complete`. With `fixes`, each finding
    that has a verified automatic fix carries it."""
    collecting = gc.isenabled()
    gc.disable()  # see the finally clause
    try:
        with cpu_budget(time_limit):
            return _check_package(package, rules, tree_packages, prefilters, context, (trees or {}).get(package[0]),
                                  fixes, selected or {})
    except OverBudget:
        language, _, members = package
        message = f"analysis stopped at the time limit ({time_limit:g} s of CPU time, see --file-time-limit)"
        return PackageResult(errors=tuple(FileError(path, message) for path, _ in members
                                          if os.path.abspath(path) not in context),
                             directives=directives_only(language, members).directives, complete=False)
    finally:
        # The package's trees, IR and facts are freed by reference counting when its check returns;
        # collecting while they are alive only scans them, again and again (a tenth of a cold run's
        # CPU time). What outlives the check is the process's caches for the run (other modules'
        # trees, scopes and summaries) and the few cycles of the package: frozen, the collector never
        # scans them again (it did twice each, 2% of a cold run's CPU time), at the price of those
        # cycles staying until the next run of the process unfreezes them (driver.run).
        if collecting:
            gc.freeze()
            gc.enable()


def _check_package(package: Package, rules: list[RuleSpec], tree_packages: dict[str, str], prefilters: dict,
                   context: frozenset[str], tree: TreeSources | ModuleSources | None, fixes: bool,
                   selected: dict[str, tuple[str, ...]]) -> PackageResult:
    language, key, members = package
    if tree is not None:
        tree.consulted()  # what earlier packages read is theirs
    rules = applicable(rules, language, members)
    lower = partial(_lower, rules=rules, tree_packages=tree_packages, prefilters=prefilters, context=context, tree=tree,
                    selected=selected)
    try:
        lowered, index = lower(package)
    except Exception as exc:  # noqa: BLE001 - one broken package must not stop the run
        return PackageResult(errors=tuple(FileError(path, f"internal error while parsing: {type(exc).__name__}: {exc}")
                                          for path, _ in members),
                             directives=directives_only(language, members).directives)
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
    from leaklint_gopy.fixes import verify

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
           context: frozenset[str], tree: TreeSources | ModuleSources | None,
           selected: dict[str, tuple[str, ...]]) -> tuple[list[LoweredFile], FunctionIndex]:
    """Returns the package lowered by its front-end and the index of the tree's functions it sees."""
    from leaklint_gopy.frontends import registry

    language, key, members = package
    focus = frozenset(path for path, _ in members if os.path.abspath(path) not in context)
    needles = prefilters[language].needles(key, [data for _, data in members])
    only = {path: frozenset(selected[os.path.abspath(path)]) for path in focus if os.path.abspath(path) in selected}
    lowered = registry.frontend(language).lower_package(key, members, tree_packages, needles,
                                                        focus if len(focus) < len(members) else None, tree, only or None)
    return lowered, FunctionIndex(lowered, tree, key, tree_packages)


def applicable(rules: list[RuleSpec], language: str, members: list[tuple[str, bytes]]) -> list[RuleSpec]:
    """Returns the rules that apply to a package: a Go rule that holds only before some Go version
    (tickers are collected from Go 1.23) is dropped for a module whose go.mod says that version or later.
    Rules of another language never apply (a Go closure was once analysed for every Python rule)."""
    rules = [rule for rule in rules if rule.language == language]
    if language != "go" or not any(rule.before_go for rule in rules):
        return rules
    from leaklint_gopy.discovery import go_version

    version = go_version(os.path.dirname(members[0][0]) or ".")
    return [rule for rule in rules if rule.before_go is None or version is None or version < rule.before_go]


def directives_only(language: str, members: list[tuple[str, bytes]]) -> PackageResult:
    return PackageResult(directives=tuple((path, tuple(directives.parse(path, language, data)))
                                          for path, data in members))


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
                if os.environ.get("LEAKLINT_DEBUG") == "1":
                    traceback.print_exception(exc, file=sys.stderr)
                errors.append(FileError(item.path, f"internal error in {function.display}: "
                                        f"{type(exc).__name__}: {exc}", function.span.line))
    return findings, errors
