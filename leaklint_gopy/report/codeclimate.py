"""The GitLab code quality reporter: a CodeClimate JSON array, which GitLab reads from a job's
`artifacts:reports:codequality` (GitLab does not read SARIF). Active findings only; the
fingerprint is leaklint's line-independent one, so GitLab tracks an issue across line moves."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from leaklint_gopy.report import ReportOptions, decodable, fingerprint, relative_uri

if TYPE_CHECKING:
    from leaklint_gopy.finding import Finding, RunResult

SEVERITY = {"error": "critical", "warning": "major", "note": "minor"}


class CodeClimateReporter:
    """Writes the code quality report."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        issues = [self.issue(finding, options) for finding in result.active]
        out.write(json.dumps(issues, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    def issue(self, finding: Finding, options: ReportOptions) -> dict[str, Any]:
        """Returns one CodeClimate issue."""
        return {
            "type": "issue",
            "check_name": finding.rule_id,
            "description": f"{finding.rule_id}: {finding.message}",
            "categories": ["Bug Risk"],
            "severity": SEVERITY.get(finding.severity, "major"),
            "fingerprint": fingerprint(finding, options.source_root),
            "location": {"path": decodable(relative_uri(finding.span.path, options.source_root)),
                         "lines": {"begin": finding.span.line, "end": finding.span.end_line}},
        }


REPORTER = CodeClimateReporter()
