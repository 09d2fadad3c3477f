"""The driver: finds files, runs front-ends and the engine per package, and collects a RunResult.

It catches every per-file failure and records it as a FileError, so one bad file never stops a
run or loses another file's findings. It never formats output.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from leaklint import directives
from leaklint.analysis import LeakAnalysis
from leaklint.discovery import SourceFile, discover
from leaklint.finding import Finding, RunResult
from leaklint.ir import Directive, FileError, FunctionIR, LoweredFile
from leaklint.spec import RuleSpec

MAX_FILE_BYTES = 8 * 1024 * 1024


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


def run(paths: list[str], settings: Settings) -> RunResult:
    """Returns the findings (sorted, suppressions marked) and errors for `paths`."""
    files, errors = discover(paths, settings.exclude, settings.force_exclude, settings.respect_gitignore)
    if settings.shard is not None:
        files = shard(files, *settings.shard)
    lowered, read_errors = lower(files, list(settings.rules))
    errors.extend(read_errors)
    findings, analysis_errors = analyse(lowered, list(settings.rules))
    errors.extend(analysis_errors)
    by_path: dict[str, list[Directive]] = {}
    for item in lowered:
        errors.extend(item.errors)
        if item.directives:
            by_path[item.path] = item.directives
    findings, unused = directives.apply(sorted(findings, key=Finding.sort_key), by_path)
    errors.sort(key=lambda e: (e.path, e.line))
    return RunResult(findings, list(settings.rules), errors, len(files), os.path.abspath(settings.root), unused)


def shard(files: list[SourceFile], index: int, count: int) -> list[SourceFile]:
    """Returns the files of shard `index` of `count` (1-based), whole package directories at a time."""
    import zlib

    return [f for f in files if zlib.crc32(f.package.encode()) % count == index - 1]


def lower(files: list[SourceFile], rules: list[RuleSpec]) -> tuple[list[LoweredFile], list[FileError]]:
    """Reads candidate files and lowers them, a package at a time; unreadable files become errors."""
    from leaklint.frontends import registry

    errors: list[FileError] = []
    packages: dict[tuple[str, str], list[tuple[str, bytes]]] = {}
    for source_file in files:
        data, error = read_source(source_file.path)
        if error is not None:
            errors.append(error)
            continue
        packages.setdefault((source_file.language, source_file.package), []).append((source_file.path, data))
    lowered: list[LoweredFile] = []
    tree_packages = {key: key for (_, key) in packages}
    languages = {spec.language for spec in rules}
    for (language, key), members in sorted(packages.items()):
        markers = registry.markers(language, rules)
        if language not in languages or not any(marker in data for _, data in members for marker in markers):
            lowered.extend(LoweredFile(path, language, [], directives.parse(path, language, data))
                           for path, data in members)
            continue
        frontend = registry.frontend(language)
        try:
            lowered.extend(frontend.lower_package(key, members, tree_packages, registry.needles(language, rules)))
        except Exception as exc:  # noqa: BLE001 - one broken package must not stop the run
            errors.extend(FileError(path, f"internal error while parsing: {type(exc).__name__}: {exc}")
                          for path, _ in members)
    return lowered, errors


def read_source(path: str) -> tuple[bytes, FileError | None]:
    """Returns the bytes of a source file, or a FileError saying in one line why it cannot be used."""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return b"", FileError(path, f"file too large to analyse ({size} bytes, limit {MAX_FILE_BYTES})")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return b"", FileError(path, f"cannot read file: {exc.strerror or exc}")
    if b"\0" in data[:8192]:
        return b"", FileError(path, "binary file, not source code")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return b"", FileError(path, f"invalid UTF-8 at byte {exc.start}", line)
    return data, None


def analyse(lowered: list[LoweredFile], rules: list[RuleSpec]) -> tuple[list[Finding], list[FileError]]:
    """Returns the findings of every lowered function; a function that crashes the engine becomes an error."""
    functions = FunctionIndex(lowered)
    engine = LeakAnalysis(rules, functions)
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


class FunctionIndex:
    """Every function of the analysed tree by qualname; helpers are lowered on first use."""

    def __init__(self, lowered: list[LoweredFile]) -> None:
        self._known: dict[str, FunctionIR] = {}
        self._lazy: dict[str, object] = {}
        for item in lowered:
            for function in item.functions:
                self._known.setdefault(function.qualname, function)
            for qualname, thunk in item.lazy.items():
                self._lazy.setdefault(qualname, thunk)

    def __contains__(self, qualname: object) -> bool:
        return qualname in self._known or qualname in self._lazy

    def __getitem__(self, qualname: str) -> FunctionIR:
        if qualname not in self._known:
            for function in self._lazy.pop(qualname)():
                self._known.setdefault(function.qualname, function)
        return self._known[qualname]


def default_rule_dirs() -> list[Path]:
    """Returns the rule directories shipped with leaklint."""
    bundled = Path(__file__).resolve().parent / "rules"
    if bundled.is_dir():
        return [bundled]
    return [Path(__file__).resolve().parent.parent / "rules"]
