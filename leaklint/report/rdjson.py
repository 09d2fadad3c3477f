"""The reviewdog reporter (ruff's `rdjson`): one Reviewdog Diagnostic Format document, which
reviewdog turns into review comments on GitHub, GitLab, Gerrit or Bitbucket."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from leaklint import docs
from leaklint.report import ReportOptions, decodable, relative_uri

if TYPE_CHECKING:
    from leaklint.finding import Finding, RunResult

SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}


class RdjsonReporter:
    """Writes one rdjson document with a diagnostic per active finding."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        rules = {rule.id: rule for rule in result.rules}
        document = {"source": {"name": "leaklint", "url": "https://github.com/leaklint/leaklint"},
                    "diagnostics": [self.diagnostic(f, rules, options) for f in result.active]}
        out.write(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    def diagnostic(self, finding: Finding, rules: dict, options: ReportOptions) -> dict[str, Any]:
        span = finding.span
        code: dict[str, Any] = {"value": finding.rule_id}
        if finding.rule_id in rules:
            code["url"] = docs.help_uri(rules[finding.rule_id])
        return {"message": finding.message, "severity": SEVERITY.get(finding.severity, "WARNING"), "code": code,
                "location": {"path": decodable(relative_uri(span.path, options.source_root)),
                             "range": {"start": {"line": span.line, "column": span.col},
                                       "end": {"line": span.end_line, "column": span.end_col}}}}


REPORTER = RdjsonReporter()
