"""Reporters: one module per output format, chosen by name from REPORTERS.

A reporter turns a finished RunResult into text on a stream; it never analyses, filters or
decides the exit status. Modules are imported only when their format is asked for.
"""
from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from leaklint_gopy.finding import Directive, FileError, Finding, Location, RunResult

# name -> "module:attribute"; the attribute is a Reporter
REPORTERS: dict[str, str] = {
    "text": "leaklint_gopy.report.text:REPORTER",
    "concise": "leaklint_gopy.report.concise:REPORTER",
    "grouped": "leaklint_gopy.report.grouped:REPORTER",
    "sarif": "leaklint_gopy.report.sarif:REPORTER",
    "json": "leaklint_gopy.report.json:REPORTER",
    "json-lines": "leaklint_gopy.report.jsonlines:REPORTER",
    "github": "leaklint_gopy.report.github:REPORTER",
    "codeclimate": "leaklint_gopy.report.codeclimate:REPORTER",
    "junit": "leaklint_gopy.report.junit:REPORTER",
    "pylint": "leaklint_gopy.report.pylint:REPORTER",
    "azure": "leaklint_gopy.report.azure:REPORTER",
    "rdjson": "leaklint_gopy.report.rdjson:REPORTER",
    "statistics": "leaklint_gopy.report.statistics:REPORTER",
}
# ruff's --output-format names for the same formats
ALIASES: dict[str, str] = {"full": "text", "gitlab": "codeclimate"}


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """How to present a result.

    `unsafe_fixes` and `fixed` come from `--unsafe-fixes` and `--fix`. `cwd` anchors display paths (text); `source_root` anchors URIs (SARIF, JSON, GitHub: the
    repository root); `include_suppressed` asks SARIF to emit suppressed findings with
    `suppressions`; `unused_ignores` asks for directives that suppressed nothing.
    """

    cwd: str
    source_root: str
    version: str
    color: bool = False
    include_suppressed: bool = False
    unused_ignores: bool = False
    quiet: bool = False
    unsafe_fixes: bool = False  # unsafe fixes count as fixable (`[*]`)
    fixed: int = 0  # findings `--fix` fixed before this report


class Reporter(Protocol):
    """Writes one RunResult in one format."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        ...


def get(name: str) -> Reporter:
    """Returns the reporter registered under `name` or its ruff alias; raises KeyError for an unknown format."""
    module, attribute = REPORTERS[ALIASES.get(name, name)].split(":")
    return getattr(importlib.import_module(module), attribute)


def helper_locations(finding: Finding) -> tuple[Location, ...]:
    """Returns a location per function of the tree whose summary decided `finding` (its `uses`), at
    the function's first line, noted `summary of NAME() used here`: a change there can make or
    unmake the leak, so readers must see it."""
    from leaklint_gopy.finding import Location
    from leaklint_gopy.report import source

    if not finding.uses:
        return ()
    return tuple(Location(type(span)(span.path, span.line, span.col, span.line, span.col + 1), f"summary of {name} used here")
                 for span, name in zip(finding.uses, source.helper_names(finding)))


UNUSED_RULE = ("LL001", "unused-suppression")  # reported with --report-unused-ignores, as ruff's RUF100


def unused_message(directive: Directive) -> str:
    """Returns the message for a suppression that suppressed nothing."""
    if directive.codes:
        return f"unused suppression: no {', '.join(directive.codes)} finding here"
    return "suppression without a rule code suppresses nothing"


def identity(finding: Finding) -> tuple[str, str, str]:
    """Returns the (function, variable, callee) of a finding, from its key `qualname:var:callee:n`;
    the function is the last part of its qualified name (`Probe`; a method's name). Empty parts
    when the key has another shape."""
    parts = finding.key.rsplit(":", 3)
    if len(parts) != 4:
        return "", "", ""
    qualname, variable, callee, _ = parts
    return qualname.rsplit("/", 1)[-1].rsplit(".", 1)[-1], variable, callee


def is_baselined(finding: Finding) -> bool:
    """Reports whether the baseline accepted `finding` (gate.BASELINED marks it)."""
    return ("accepted_by", "baseline") in finding.extra


def error_files(errors: list[FileError], severity: str) -> list[str]:
    """Returns the sorted paths of the files with an error of `severity` (`error`: not analysed,
    `warning`: analysed, with a warning)."""
    return sorted({error.path for error in errors if error.severity == severity})


_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def decodable(text: str) -> str:
    """Returns `text` with the bytes of a file name that are not UTF-8 (held as surrogate escapes)
    written as `\\xe9`, so every encoder accepts it; other text is returned as it is."""
    if text.isascii() or not any("\ud800" <= char <= "\udfff" for char in text):
        return text
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def printable(text: str) -> str:
    """Returns `text` safe for a terminal: control characters (ESC, CR, LF, BEL; tabs stay), C1
    controls and bidirectional overrides as `\\x1b`-style escapes, bytes that are not UTF-8 as
    `\\xe9`, so no file name or source line can move the cursor, recolour or retitle a terminal."""
    if text.isprintable():
        return text
    return _UNSAFE.sub(lambda match: _escape(match.group()), decodable(text))


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def absolute(path: str) -> str:
    """Returns a finding's path (as the driver reports it: absolute, or relative to the working
    directory) as a normalised absolute path."""
    return _absolute(path, "" if path.startswith(os.sep) else os.getcwd())


@lru_cache(maxsize=16384)
def _absolute(path: str, cwd: str) -> str:
    return os.path.normpath(os.path.join(cwd, path))


def relative_uri(path: str, base: str) -> str:
    """Returns `path` relative to `base` with forward slashes, the form SARIF and GitHub want.

    A path outside `base` keeps its absolute form (still with forward slashes).
    """
    return _relative_uri(absolute(path), base)


@lru_cache(maxsize=8192)
def _relative_uri(full: str, base: str) -> str:
    rel = os.path.relpath(full, base)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = full
    return rel.replace(os.sep, "/")


def fingerprint(finding: Finding, base: str) -> str:
    """Returns the `leaklint/v1` fingerprint of `finding` computed on its path relative to `base`
    (the repository root), so it does not depend on how the path was typed or where leaklint ran."""
    typed = finding.span.path.replace(os.sep, "/")
    uri = relative_uri(finding.span.path, base)
    key = finding.key
    # The driver names packages as the path was typed (`svc`, `/abs/svc`, `.`) and the key starts
    # with that name: rewrite it relative to `base` as well.
    for prefix, canonical in ((os.path.dirname(typed) or ".", uri.rpartition("/")[0] or "."), (typed, uri)):
        if key.startswith(prefix + "."):
            key = canonical + key[len(prefix):]
            break
    from leaklint_gopy.finding import fingerprint_of

    return fingerprint_of(finding.rule_id, uri, key)
