"""Merging shard SARIF: one run, rules united and re-indexed, results deduplicated and ordered."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from leaklint_gopy.report.merge import MergeError, merge, merge_files


def result(uri: str, line: int, rule: str, index: int, fingerprint: str) -> dict:
    region = {"startLine": line, "startColumn": 2, "endLine": line, "endColumn": 9}
    return {"ruleId": rule, "ruleIndex": index, "level": "error", "message": {"text": "m"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                                                "region": region}}],
            "partialFingerprints": {"leaklint/v1": fingerprint}}


def log(rules: list[str], results: list[dict], notes=(), ok=True, version="0.1.0") -> dict:
    invocation = {"executionSuccessful": ok}
    if notes:
        invocation["toolExecutionNotifications"] = list(notes)
    run = {"tool": {"driver": {"name": "leaklint", "semanticVersion": version, "version": version,
                               "rules": [{"id": r, "name": r.lower()} for r in rules]}},
           "columnKind": "utf16CodeUnits", "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "root"}}},
           "invocations": [invocation], "results": results}
    return {"$schema": "s", "version": "2.1.0", "runs": [run]}


def test_rules_are_united_and_results_reindexed_and_sorted():
    a = log(["LL102"], [result("b.go", 5, "LL102", 0, "f2")])
    b = log(["LL101", "LL102"], [result("a.go", 9, "LL101", 0, "f1"), result("b.go", 5, "LL102", 1, "f2")])
    [run] = merge([a, b])["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["LL101", "LL102"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleIndex"]) for r in run["results"]] == [
        ("a.go", 0), ("b.go", 1)]


def test_merge_does_not_depend_on_input_order_or_mutate_inputs():
    a = log(["LL101"], [result("x.go", 1, "LL101", 0, "f1")], notes=[{"level": "error", "message": {"text": "n1"}}])
    b = log(["LL101"], [result("w.go", 3, "LL101", 0, "f3")], notes=[{"level": "error", "message": {"text": "n0"}}],
            ok=False)
    before = copy.deepcopy(a)
    assert merge([a, b]) == merge([b, a])
    assert a == before
    [invocation] = merge([a, b])["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == ["n0", "n1"]


def test_conflicting_or_foreign_inputs_are_refused(tmp_path: Path):
    with pytest.raises(MergeError, match="different leaklint versions"):
        merge([log([], []), log([], [], version="0.2.0")])
    foreign = log([], [])
    foreign["runs"][0]["tool"]["driver"]["name"] = "other"
    (tmp_path / "other.sarif").write_text(json.dumps(foreign))
    with pytest.raises(MergeError, match="not produced by leaklint"):
        merge_files([tmp_path / "other.sarif"])
    (tmp_path / "bad.sarif").write_text("{")
    with pytest.raises(MergeError, match="cannot read SARIF"):
        merge_files([tmp_path / "bad.sarif"])


def test_uris_are_compared_decoded_and_written_encoded():
    old = log(["LL101"], [result("sp ace/a.go", 3, "LL101", 0, "f1")])
    new = log(["LL101"], [result("sp%20ace/a.go", 3, "LL101", 0, "f1"), result("z%C3%A9.go", 1, "LL101", 0, "f2"),
                          result("caf%E9.go", 1, "LL101", 0, "f3")])  # a file name that is not UTF-8 keeps its byte
    for order in ([old, new], [new, old]):
        [run] = merge(copy.deepcopy(order))["runs"]
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
        assert uris == ["caf%E9.go", "sp%20ace/a.go", "z%C3%A9.go"]


def test_the_source_root_uri_is_kept_whatever_the_order():
    a, b = log(["LL101"], []), log(["LL101"], [])
    b["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///w/repo/"
    for order in ([a, b], [b, a]):
        assert merge(copy.deepcopy(order))["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///w/repo/"
