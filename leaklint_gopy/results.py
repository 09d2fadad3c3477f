"""What the driver adds to the raw results of a run: how much an unreadable file matters (an error
when it may acquire, a warning when the prefilter would not have analysed it anyway), and each
finding's `primaryLocationLineHash` and what reporters read from source files for it, computed
where the file's bytes are at hand and cached with the package's result. It reads files and rule
specs; it never parses or analyses.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leaklint_gopy.cache import PackageResult
    from leaklint_gopy.discovery import SourceFile
    from leaklint_gopy.finding import FileError, Finding
    from leaklint_gopy.spec import RuleSpec


def grade_unread(errors: list[FileError], files: list[SourceFile], rules: tuple[RuleSpec, ...],
                 limit: int) -> list[FileError]:
    """Returns `errors` of unreadable files, each a warning when its bytes (up to 4 times `limit`)
    call no acquisition the prefilter knows (nothing was missed), an error when they do or cannot
    be read at all."""
    from leaklint_gopy.frontends import registry

    by_path = {f.path: f for f in files}
    prefilters: dict[str, object] = {}
    graded = []
    for error in errors:
        source = by_path.get(error.path)
        data = _raw(error.path, 4 * limit) if source is not None else None
        if source is None or data is None:
            graded.append(error)
            continue
        if source.language not in prefilters:
            prefilters[source.language] = registry.prefilter(source.language, list(rules))
        selected = prefilters[source.language].candidate([_readable(data)], source.package)
        graded.append(error if selected else replace(error, severity="warning"))
    return graded


def _raw(path: str, limit: int) -> bytes | None:
    """Returns up to `limit` bytes of the file, or None when it cannot be read or is no regular file
    (a FIFO is never opened)."""
    from leaklint_gopy.filesystem import Unreadable, read_head

    try:
        return read_head(path, limit)
    except Unreadable:
        return None


def _readable(data: bytes) -> bytes:
    """Returns UTF-16 text (it starts with a byte order mark) as UTF-8, so the prefilter sees the
    calls it makes; other bytes as they are."""
    import codecs

    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    return data


LINE_HASH = "primaryLocationLineHash"


def with_line_hashes(findings: list[Finding], sources: dict[str, bytes]) -> list[Finding]:
    """Returns `findings` with the upload action's line hash of their primary line in `extra`
    (LINE_HASH), computed once here from the bytes at hand and cached with the package's result,
    so a warm SARIF run hashes nothing."""
    from leaklint_gopy.line_hash import LineHasher

    hashers: dict[str, LineHasher] = {}
    out = []
    for finding in findings:
        path = finding.span.path
        if path not in sources:
            out.append(finding)
            continue
        if path not in hashers:
            hashers[path] = LineHasher(sources[path].decode("utf-8", errors="replace"))
        value = hashers[path].at(finding.span.line)
        out.append(replace(finding, extra=(*finding.extra, (LINE_HASH, value))) if value else finding)
    return out


def with_report_facts(result: PackageResult) -> PackageResult:
    """Returns `result` with, in each finding's `extra`, what reporters would read from source files
    for it (report.source.facts: whether its columns need converting to UTF-16, its helpers'
    names), so a warm run's SARIF report reads no file. A result whose findings have them (a cache
    entry written since) is returned as it is; one from an older entry gets them now."""
    from leaklint_gopy.report import source

    if all(any(key == source.SAME_COLUMNS for key, _ in f.extra) for f in result.findings):
        return result
    findings = tuple(f if any(key == source.SAME_COLUMNS for key, _ in f.extra)
                     else replace(f, extra=(*f.extra, *source.facts(f))) for f in result.findings)
    return replace(result, findings=findings)
