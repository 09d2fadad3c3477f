"""The SARIF 2.1.0 reporter, shaped for GitHub code scanning.

One run with every known rule in the driver, results with UTF-16 columns, related locations
for the leaking exits, a code flow for the leaking path, and both the upload action's line hash
and leaklint's own fingerprint. Output is byte-identical for identical input: keys sorted, no
timestamps, no absolute paths. It never filters beyond leaving out suppressed findings.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote
from typing import TYPE_CHECKING, Any, TextIO

from leaklint import docs
from leaklint.report import ReportOptions, absolute, fingerprint, relative_uri, source

if TYPE_CHECKING:
    from leaklint.finding import Finding, Location, RunResult
    from leaklint.ir import FileError, Span
    from leaklint.spec import RuleSpec

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/leaklint/leaklint"
SRCROOT = "%SRCROOT%"
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
_DESCRIPTION_LIMIT = 1024


def dumps(document: dict[str, Any]) -> str:
    """Returns the canonical text of a SARIF document (the form every leaklint SARIF file has)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rule_descriptor(rule: RuleSpec) -> dict[str, Any]:
    """Returns the reportingDescriptor for one rule, its help generated from the spec's docs."""
    tags = list(dict.fromkeys([*rule.tags, *(f"external/cwe/cwe-{n}" for n in rule.cwe)]))
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": _clip(" ".join(rule.docs["what"].split()), _DESCRIPTION_LIMIT)},
        "help": {"text": docs.text(rule), "markdown": docs.help_markdown(rule)},
        "helpUri": docs.help_uri(rule),
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": tags[:20], "precision": rule.precision,
                       "problem.severity": _PROBLEM_SEVERITY[rule.severity]},
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Builder:
    """Builds locations for one run, with URIs relative to the source root."""

    def __init__(self, options: ReportOptions) -> None:
        self.base = options.source_root

    def artifact(self, path: str) -> dict[str, Any]:
        """Returns the artifactLocation of `path`: percent-encoded (RFC 3986), so that names with
        spaces, escapes or bytes that are not UTF-8 make valid URIs."""
        uri = relative_uri(path, self.base)
        if uri.startswith("/"):
            return {"uri": Path(uri).as_uri()}
        return {"uri": quote(os.fsencode(uri), safe="/"), "uriBaseId": SRCROOT}

    def region(self, span: Span) -> dict[str, Any]:
        path = absolute(span.path)
        start = source.utf16_column(source.line(path, span.line), span.col)
        end = source.utf16_column(source.line(path, span.end_line), span.end_col)
        return {"startLine": span.line, "startColumn": start, "endLine": span.end_line, "endColumn": end}

    def physical(self, span: Span) -> dict[str, Any]:
        return {"artifactLocation": self.artifact(span.path), "region": self.region(span)}

    def location(self, location: Location, **extra: Any) -> dict[str, Any]:
        return {**extra, "physicalLocation": self.physical(location.span), "message": {"text": location.note}}

    def notification(self, error: FileError) -> dict[str, Any]:
        path, line = absolute(error.path), max(1, error.line)
        region = {"startLine": line, "startColumn": max(1, source.utf16_column(source.line(path, line), error.col))}
        return {
            "level": "error",
            "message": {"text": f"{error.message}; this file was not analysed"},
            "locations": [{"physicalLocation": {"artifactLocation": self.artifact(error.path), "region": region}}],
        }

    def result(self, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "level": finding.severity,
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": self.physical(finding.span)}],
            "partialFingerprints": {"leaklint/v1": fingerprint(finding, self.base)},
        }
        if finding.rule_id in index:
            out["ruleIndex"] = index[finding.rule_id]
        line_hash = source.line_hash(absolute(finding.span.path), finding.span.line)
        if line_hash is not None:
            out["partialFingerprints"]["primaryLocationLineHash"] = line_hash
        if finding.related:
            out["relatedLocations"] = [self.location(loc, id=i) for i, loc in enumerate(finding.related, 1)]
        if finding.flow:
            steps = [{"location": self.location(loc)} for loc in finding.flow]
            out["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
        if finding.suppressed:
            out["suppressions"] = [_suppression(finding)]
        if finding.tags:
            out["properties"] = {"tags": list(finding.tags)}
        return out


def _suppression(finding: Finding) -> dict[str, Any]:
    from leaklint.gate import is_external

    entry: dict[str, Any] = {"kind": "external" if is_external(finding) else "inSource", "status": "accepted"}
    if finding.suppression_reason:
        entry["justification"] = finding.suppression_reason
    return entry


def order(finding: Finding) -> tuple:
    """Returns the total order of results: position, rule, then fingerprint to break ties."""
    return (*finding.sort_key(), finding.fingerprint)


def document(result: RunResult, options: ReportOptions) -> dict[str, Any]:
    """Returns the SARIF log for `result` as plain data."""
    rules = sorted(result.rules, key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(rules)}
    build = _Builder(options)
    findings = result.findings if options.include_suppressed else result.active
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if result.errors:
        errors = sorted(result.errors, key=lambda e: (e.path, e.line, e.col, e.message))
        invocation["toolExecutionNotifications"] = [build.notification(e) for e in errors]
    run = {
        "tool": {"driver": {
            "name": "leaklint",
            "semanticVersion": options.version,
            "version": options.version,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(rule) for rule in rules],
        }},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the analysed repository."}}},
        "columnKind": "utf16CodeUnits",
        "invocations": [invocation],
        "results": [build.result(f, index) for f in sorted(findings, key=order)],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


class SarifReporter:
    """Writes one SARIF log."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        out.write(dumps(document(result, options)))


REPORTER = SarifReporter()
