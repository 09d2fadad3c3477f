"""The SARIF reporter, on Finding values built by hand: columns, rules, fingerprints, suppressions."""
from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from leaklint_gopy.config import builtin_rule_dirs
from leaklint_gopy.finding import Finding, Location, RunResult
from leaklint_gopy.gate import accept
from leaklint_gopy.ir import FileError, Span
from leaklint_gopy.report import ReportOptions, get
from leaklint_gopy.line_hash import line_hashes
from leaklint_gopy.report.sarif import document, dumps
from leaklint_gopy.spec import load_rules

SOURCE = 'package p\n\nfunc f() {\n\tlabel := "😀😀"; resp, err := http.Get(u)\n\treturn\n}\n'
RULES = load_rules(builtin_rule_dirs())


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.go").write_text(SOURCE, encoding="utf-8")
    return tmp_path


def finding(root: Path, line: int = 4, rule: str = "LL101", key: str = "p.f:resp:net/http.Get:1", **extra) -> Finding:
    path = str(root / "pkg" / "a.go")
    call = Span(path, line, 30, line, 41)
    exit_ = Span(path, 5, 2, 5, 8)
    return Finding(rule, "response body of `resp` from http.Get is not closed when returning at line 5", call,
                   "error", related=(Location(exit_, "returns here"),),
                   flow=(Location(call, "response body acquired here"), Location(exit_, "returns here")), key=key, **extra)


def sarif(root: Path, findings: list[Finding], errors=(), include_suppressed: bool = False) -> dict:
    result = RunResult(findings, RULES, list(errors), 1, str(root))
    options = ReportOptions(cwd=str(root), source_root=str(root), version="0.1.0", include_suppressed=include_suppressed)
    out = io.StringIO()
    get("sarif").write(result, out, options)
    return json.loads(out.getvalue())


def test_driver_lists_every_rule_and_results_point_at_them(root):
    log = sarif(root, [finding(root, rule="LL102")])
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (log["version"], driver["name"], driver["semanticVersion"]) == ("2.1.0", "leaklint", "0.1.0")
    assert [r["id"] for r in driver["rules"]] == [r.id for r in RULES]
    assert (run["results"][0]["ruleId"], run["results"][0]["ruleIndex"]) == ("LL102", 1)
    assert run["columnKind"] == "utf16CodeUnits"


def test_rule_descriptor_carries_docs_tags_and_levels():
    rule = document(RunResult([], RULES, [], 0, "."), ReportOptions(".", ".", "0.1.0"))["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["name"] == "go-http-body-not-closed"
    assert rule["shortDescription"]["text"] == "HTTP response body is not closed on every path"
    assert rule["fullDescription"]["text"].startswith("Reports an HTTP response whose `Body`")
    assert rule["helpUri"] == "https://github.com/leaklint/leaklint/blob/main/docs/rules/go-http-body-not-closed.md"
    for heading in ("## Why is this bad?", "## Example", "## Use instead", "```go\n"):
        assert heading in rule["help"]["markdown"]
    assert "Use instead" in rule["help"]["text"]
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"]["precision"] == "high" and rule["properties"]["problem.severity"] == "error"
    assert {"external/cwe/cwe-772", "external/cwe/cwe-404"} <= set(rule["properties"]["tags"])


def test_region_columns_count_utf16_code_units(root):
    region = sarif(root, [finding(root)])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    # code points 30..41 on a line with two astral emoji before the span: one more unit each in UTF-16
    assert region == {"startLine": 4, "startColumn": 32, "endLine": 4, "endColumn": 43}
    units = SOURCE.splitlines()[3].encode("utf-16-le")
    assert units[(32 - 1) * 2:(43 - 1) * 2].decode("utf-16-le") == "http.Get(u)"


def test_location_is_repo_relative_with_srcroot(root):
    result = sarif(root, [finding(root)])["runs"][0]
    artifact = result["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "pkg/a.go", "uriBaseId": "%SRCROOT%"}
    assert result["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.as_uri() + "/"
    assert str(root) not in json.dumps(result["results"])


def test_uris_are_percent_encoded(root):
    (root / "sp ace é").mkdir()
    (root / "sp ace é" / "a#1.go").write_text(SOURCE, encoding="utf-8")
    moved = finding(root)
    moved = replace(moved, span=replace(moved.span, path=str(root / "sp ace é" / "a#1.go")))
    artifact = sarif(root, [moved])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"] == "sp%20ace%20%C3%A9/a%231.go"


def test_related_locations_and_code_flow_show_the_leaking_path(root):
    result = sarif(root, [finding(root)])["runs"][0]["results"][0]
    assert [(r["id"], r["message"]["text"], r["physicalLocation"]["region"]["startLine"])
            for r in result["relatedLocations"]] == [(1, "returns here", 5)]
    steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [(s["location"]["message"]["text"], s["location"]["physicalLocation"]["region"]["startLine"])
            for s in steps] == [("response body acquired here", 4), ("returns here", 5)]


def test_fingerprints_line_hash_and_stable_id(root):
    result = sarif(root, [finding(root)])["runs"][0]["results"][0]
    prints = result["partialFingerprints"]
    assert prints["primaryLocationLineHash"] == line_hashes(SOURCE)[3]
    relative = replace(finding(root), span=Span("pkg/a.go", 4, 29, 4, 40))
    assert prints["leaklint/v1"] == relative.fingerprint
    moved = sarif(root, [finding(root, line=3)])["runs"][0]["results"][0]["partialFingerprints"]
    assert moved["leaklint/v1"] == prints["leaklint/v1"]
    assert moved["primaryLocationLineHash"] != prints["primaryLocationLineHash"]


def test_suppressed_findings_are_left_out_unless_asked(root):
    in_source = finding(root, suppressed=True, suppression_reason="closed by middleware")
    baselined = accept(finding(root, key="other"), "baseline")
    assert sarif(root, [in_source, baselined])["runs"][0]["results"] == []
    results = sarif(root, [in_source, baselined], include_suppressed=True)["runs"][0]["results"]
    assert sorted((r["suppressions"] for r in results), key=str) == [
        [{"justification": "baseline", "kind": "external", "status": "accepted"}],
        [{"justification": "closed by middleware", "kind": "inSource", "status": "accepted"}],
    ]


def test_file_errors_become_tool_execution_notifications(root):
    error = FileError(str(root / "pkg" / "a.go"), "invalid UTF-8 at byte 3", 4, 29)
    invocation = sarif(root, [], errors=[error])["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == "invalid UTF-8 at byte 3; this file was not analysed"
    location = note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "pkg/a.go"
    assert location["region"] == {"startLine": 4, "startColumn": 31}  # code point 29 + 2


def test_output_is_byte_identical_whatever_the_input_order(root):
    first, second = finding(root, key="a"), finding(root, line=3, key="b")
    options = ReportOptions(cwd=str(root), source_root=str(root), version="0.1.0")
    texts = {dumps(document(RunResult(order, list(reversed(RULES)) if flip else RULES, [], 1, str(root)), options))
             for order in ([first, second], [second, first]) for flip in (False, True)}
    assert len(texts) == 1
    [text] = texts
    assert text.endswith("}\n") and "timestamp" not in text.lower()


def test_file_outside_the_source_root_gets_a_file_uri(root, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "b.go").write_text(SOURCE)
    outside = Finding("LL101", "m", Span(str(elsewhere / "b.go"), 4, 30, 4, 41), "error")
    artifact = sarif(root, [outside])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (elsewhere / "b.go").as_uri()}
