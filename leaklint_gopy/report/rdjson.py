"""The reviewdog reporter (ruff's `rdjson`): one Reviewdog Diagnostic Format document, which
reviewdog turns into review comments on GitHub, GitLab, Gerrit or Bitbucket, and a finding's fix
into suggested changes on a pull request (GitHub code scanning ignores SARIF fixes).

Positions are 1-based; columns count UTF-8 bytes, as reviewdog's Position says; a range's end is
exclusive. Paths are relative to the source root. Suppressed findings are left out.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from leaklint_gopy import docs
from leaklint_gopy.report import ReportOptions, absolute, decodable, relative_uri, source

if TYPE_CHECKING:
    from leaklint_gopy.finding import Finding, RunResult, Span

SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}
SOURCE = {"name": "leaklint", "url": "https://github.com/leaklint/leaklint"}


def _position(path: str, line: int, column: int) -> dict[str, int]:
    """Returns reviewdog's position of a character column: its UTF-8 byte column (past the line's
    end, one byte per column)."""
    text = (source.line(absolute(path), line) or "")[: column - 1]
    return {"line": line, "column": len(text.encode("utf-8", "surrogatepass")) + (column - 1 - len(text)) + 1}


def _range(span: Span) -> dict[str, Any]:
    return {"start": _position(span.path, span.line, span.col),
            "end": _position(span.path, span.end_line, span.end_col)}


class RdjsonReporter:
    """Writes one rdjson document with a diagnostic per active finding."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        from leaklint_gopy.report.sarif import order

        rules = {rule.id: rule for rule in result.rules}
        document = {"source": SOURCE, "severity": "WARNING",
                    "diagnostics": [self.diagnostic(f, rules, options) for f in sorted(result.active, key=order)]}
        out.write(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    def diagnostic(self, finding: Finding, rules: dict, options: ReportOptions) -> dict[str, Any]:
        """Returns one Diagnostic; a finding's fix (safe, or unsafe with --unsafe-fixes) becomes its
        suggestions."""
        code: dict[str, Any] = {"value": finding.rule_id}
        if finding.rule_id in rules:
            code["url"] = docs.help_uri(rules[finding.rule_id])
        out: dict[str, Any] = {
            "message": finding.message, "severity": SEVERITY.get(finding.severity, "WARNING"), "code": code,
            "location": {"path": decodable(relative_uri(finding.span.path, options.source_root)),
                         "range": _range(finding.span)}}
        fix = finding.fix
        if fix is not None and (fix.safe or options.unsafe_fixes):
            out["suggestions"] = [{"range": _range(edit.span), "text": edit.text} for edit in fix.edits]
        return out


REPORTER = RdjsonReporter()
