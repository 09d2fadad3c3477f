"""Writes SARIF 2.1.0 findings files in the shape `leaklint check --format sarif` produces.

Tests build small files by hand with `write_findings`; a test can instead point at real output of
the static half (`leaklint check --format sarif -o f.sarif`), which has the same shape.
"""
from __future__ import annotations

import json
from pathlib import Path

RULES = {  # id -> (name, text, kind tag), as leaklint's rules/ declare them
    "LL101": ("go-http-body-not-closed", "response body not closed", "http"),
    "LL103": ("go-file-not-closed", "file not closed", "file"),
    "LL201": ("py-socket-not-closed", "socket not closed", "socket"),
    "LL202": ("py-http-response-not-closed", "HTTP response not closed", "http"),
    "LL203": ("py-http-client-not-closed", "HTTP client not closed", "http"),
}


def _rule(rule_id: str) -> dict[str, object]:
    name, text, kind = RULES[rule_id]
    return {
        "id": rule_id, "name": name, "shortDescription": {"text": text},
        "fullDescription": {"text": f"{text} on some path"},
        "help": {"text": f"{text}: close it on every path", "markdown": f"{text}: close it on every path"},
        "helpUri": f"https://example.com/leaklint/rules/{rule_id}",
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["correctness", "resource-leak", kind, "external/cwe/cwe-772"],
                       "precision": "high", "problem.severity": "warning"},
    }


def write_findings(path: Path, root: Path, findings: list[tuple[str, str, int]]) -> Path:
    """Writes findings (rule id, repo-relative uri, line) as a SARIF log and returns path."""
    rule_ids = sorted({f[0] for f in findings})
    results = []
    for rule_id, uri, line in findings:
        text = (root / uri).read_text().splitlines()[line - 1]
        start = len(text) - len(text.lstrip()) + 1
        results.append({
            "ruleId": rule_id, "ruleIndex": rule_ids.index(rule_id), "level": "warning",
            "message": {"text": f"{RULES[rule_id][1]} when returning"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": line, "startColumn": start, "endLine": line, "endColumn": len(text) + 1}}}],
            "partialFingerprints": {"leaklint/v1": f"{uri}:{line}"},
        })
    log = {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "leaklint", "semanticVersion": "0.1.0", "version": "0.1.0",
                                "informationUri": "https://example.com/leaklint",
                                "rules": [_rule(r) for r in rule_ids]}},
            "automationDetails": {"id": "leaklint/test/"},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }],
    }
    path.write_text(json.dumps(log, indent=2))
    return path
