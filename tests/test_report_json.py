"""The JSON reporter: the documented schema (docs/json.md), on hand-built findings."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

from leaklint_gopy.config import builtin_rule_dirs
from leaklint_gopy.finding import Finding, Location, RunResult
from leaklint_gopy.gate import accept
from leaklint_gopy.ir import Directive, FileError, Span
from leaklint_gopy.report import ReportOptions, get
from leaklint_gopy.spec import load_rules

REPO = Path(__file__).resolve().parent.parent
RULES = load_rules(builtin_rule_dirs())


def document(root: Path, findings, unused_ignores=False) -> dict:
    path = str(root / "a.go")
    result = RunResult(list(findings), RULES, [FileError(path, "bad", 2, 3)], 4, str(root),
                       [Directive(5, ("LL101",), "why", Span(path, 4, 3, 4, 20))])
    out = io.StringIO()
    get("json").write(result, out, ReportOptions(str(root), str(root), "9.9", unused_ignores=unused_ignores))
    return json.loads(out.getvalue())


def finding(root: Path, line: int, **extra) -> Finding:
    path = str(root / "pkg" / "a.go")
    return Finding("LL101", "m", Span(path, line, 2, line, 9), "error",
                   related=(Location(Span(path, 9, 1, 9, 7), "returns here"),), key=f"k{line}", **extra)


def test_every_finding_is_one_object_with_documented_fields(tmp_path):
    doc = document(tmp_path, [finding(tmp_path, 7), finding(tmp_path, 3, suppressed=True, suppression_reason="ok"),
                              accept(finding(tmp_path, 5), "baseline")])
    assert doc["schema_version"] == 1 and doc["tool"] == {"name": "leaklint", "version": "9.9"}
    first = doc["findings"][0]
    assert first == {
        "rule": "LL101", "name": "go-http-body-not-closed", "severity": "error", "message": "m",
        "path": "pkg/a.go", "line": 3, "column": 2, "end_line": 3, "end_column": 9,
        "related": [{"path": "pkg/a.go", "line": 9, "column": 1, "end_line": 9, "end_column": 7, "note": "returns here"}],
        "flow": [], "uses": [], "fingerprint": first["fingerprint"], "suppressed": True,
        "suppression": {"kind": "in_source", "reason": "ok"}, "tags": [],
        "help": "defer its Close() right after the error check, so it is closed on every path", "fix": None}
    assert [f["line"] for f in doc["findings"]] == [3, 5, 7]
    assert doc["findings"][1]["suppression"] == {"kind": "external", "reason": "baseline"}
    assert doc["findings"][2]["suppression"] is None
    assert doc["errors"] == [{"path": "a.go", "line": 2, "column": 3, "message": "bad", "severity": "error"}]
    assert doc["summary"] == {"files_checked": 4, "findings": 1, "suppressed": 2, "baselined": 0, "unchanged": 0,
                              "files_with_findings": 1, "errors": 1, "warnings": 0}
    assert "unused_ignores" not in doc


def test_unused_ignores_only_when_asked(tmp_path):
    doc = document(tmp_path, [], unused_ignores=True)
    assert doc["unused_ignores"] == [{"path": "a.go", "line": 4, "column": 3, "end_line": 4, "end_column": 20,
                                      "codes": ["LL101"], "reason": "why"}]


def test_docs_name_every_field_the_reporter_writes(tmp_path):
    doc = document(tmp_path, [finding(tmp_path, 3, suppressed=True, suppression_reason="ok")], unused_ignores=True)

    def keys(value) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    text = (REPO / "docs" / "json.md").read_text()
    documented = set(re.findall(r"`([a-z_]+)`", text)) | set(re.findall(r'"([a-z_]+)":', text))
    assert keys(doc) - documented == set()
