"""The rdjson reporter: reviewdog's Diagnostic Result format, whose `suggestions` reviewdog posts
as suggested changes on a pull request (GitHub code scanning ignores SARIF fixes).

Positions are 1-based; columns count UTF-8 bytes, as reviewdog's Position says; a range's end is
exclusive. Paths are relative to the source root. Suppressed findings are left out.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from leaklint import docs
from leaklint.report import ReportOptions, absolute, relative_uri, source

if TYPE_CHECKING:
    from leaklint.finding import Finding, RunResult
    from leaklint.ir import Span

_SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}
SOURCE = {"name": "leaklint", "url": "https://github.com/leaklint/leaklint"}


def _position(path: str, line: int, column: int) -> dict[str, int]:
    text = source.line(absolute(path), line) or ""
    return {"line": line, "column": len(text[: column - 1].encode("utf-8")) + (column - 1 - len(text[: column - 1])) + 1}


def _range(span: Span) -> dict[str, Any]:
    return {"start": _position(span.path, span.line, span.col), "end": _position(span.path, span.end_line, span.end_col)}


def diagnostic(finding: Finding, options: ReportOptions, urls: dict[str, str]) -> dict[str, Any]:
    """Returns one Diagnostic; a finding's fix (safe, or unsafe with --unsafe-fixes) becomes its suggestions."""
    out: dict[str, Any] = {
        "message": finding.message,
        "location": {"path": relative_uri(finding.span.path, options.source_root), "range": _range(finding.span)},
        "severity": _SEVERITY.get(finding.severity, "WARNING"),
        "code": {"value": finding.rule_id, **({"url": urls[finding.rule_id]} if finding.rule_id in urls else {})},
    }
    fix = finding.fix
    if fix is not None and (fix.safe or options.unsafe_fixes):
        out["suggestions"] = [{"range": _range(edit.span), "text": edit.text} for edit in fix.edits]
    return out


class RdjsonReporter:
    """Writes one DiagnosticResult document."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        from leaklint.report.sarif import order

        urls = {rule.id: docs.help_uri(rule) for rule in result.rules}
        document = {"source": SOURCE, "severity": "WARNING",
                    "diagnostics": [diagnostic(f, options, urls) for f in sorted(result.active, key=order)]}
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


REPORTER = RdjsonReporter()
