"""Reporters: one module per output format, chosen by name from REPORTERS.

A reporter turns a finished RunResult into text on a stream; it never analyses, filters or
decides the exit status. Modules are imported only when their format is asked for.
"""
from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from leaklint.finding import Finding, RunResult

# name -> "module:attribute"; the attribute is a Reporter
REPORTERS: dict[str, str] = {
    "text": "leaklint.report.text:REPORTER",
    "sarif": "leaklint.report.sarif:REPORTER",
    "json": "leaklint.report.json:REPORTER",
    "github": "leaklint.report.github:REPORTER",
}


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """How to present a result.

    `cwd` anchors display paths (text); `source_root` anchors URIs (SARIF, JSON, GitHub: the
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


class Reporter(Protocol):
    """Writes one RunResult in one format."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        ...


def get(name: str) -> Reporter:
    """Returns the reporter registered under `name`; raises KeyError for an unknown format."""
    module, attribute = REPORTERS[name].split(":")
    return getattr(importlib.import_module(module), attribute)


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
    return os.path.normpath(os.path.abspath(path))


def relative_uri(path: str, base: str) -> str:
    """Returns `path` relative to `base` with forward slashes, the form SARIF and GitHub want.

    A path outside `base` keeps its absolute form (still with forward slashes).
    """
    full = absolute(path)
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
    return replace(finding, span=replace(finding.span, path=uri), key=key).fingerprint
