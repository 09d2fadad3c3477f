"""Merges the SARIF logs of sharded runs (`leaklint check --shard K/N`) into one valid run.

Rules are united by id and re-indexed, results deduplicated by rule and `leaklint/v1`
fingerprint and put in a stable order, invocations folded into one. The output is the same
whatever the order of the inputs. It reads only SARIF that leaklint wrote.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from leaklint.report.sarif import SRCROOT, dumps


class MergeError(Exception):
    """An input that is not a leaklint SARIF log, or logs that cannot be one run."""


def load(path: Path) -> dict[str, Any]:
    """Returns the SARIF log in `path`; raises MergeError when it is not one."""
    try:
        log = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MergeError(f"{path}: cannot read SARIF: {exc}") from None
    if not isinstance(log, dict) or log.get("version") != "2.1.0" or not isinstance(log.get("runs"), list):
        raise MergeError(f"{path}: not a SARIF 2.1.0 log")
    for run in log["runs"]:
        if (run.get("tool") or {}).get("driver", {}).get("name") != "leaklint":
            raise MergeError(f"{path}: a run was not produced by leaklint")
    return log


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _result_key(result: dict[str, Any]) -> tuple:
    """Returns what identifies a result across shards: its decoded URI (leaklint before 0.2 wrote
    them unencoded), position, rule and fingerprint. Sets the URI to its encoded form."""
    loc = (result.get("locations") or [{}])[0].get("physicalLocation", {})
    region = loc.get("region", {})
    artifact = loc.get("artifactLocation", {})
    uri = unquote(artifact.get("uri", ""))
    if artifact.get("uriBaseId") == SRCROOT:
        artifact["uri"] = quote(uri, safe="/")
    fingerprint = result.get("partialFingerprints", {}).get("leaklint/v1") or _key(result)
    return (uri, region.get("startLine", 0), region.get("startColumn", 0), result.get("ruleId", ""), fingerprint)


def merge(logs: list[dict[str, Any]]) -> dict[str, Any]:
    """Returns one log with one run holding every run of `logs`; raises MergeError on a conflict."""
    runs = [run for log in logs for run in log["runs"]]
    if not runs:
        raise MergeError("no runs to merge")
    first = runs[0]
    driver = dict(first["tool"]["driver"])
    for run in runs[1:]:
        other = run["tool"]["driver"]
        if other.get("semanticVersion") != driver.get("semanticVersion"):
            raise MergeError(f"runs come from different leaklint versions ({driver.get('semanticVersion')} "
                             f"and {other.get('semanticVersion')})")
        if run.get("columnKind") != first.get("columnKind"):
            raise MergeError("runs use different columnKind values")
    rules: dict[str, dict[str, Any]] = {}
    for run in runs:
        for rule in run["tool"]["driver"].get("rules", []):
            if rule["id"] not in rules or _key(rule) < _key(rules[rule["id"]]):
                rules[rule["id"]] = rule
    driver["rules"] = [rules[key] for key in sorted(rules)]
    index = {key: i for i, key in enumerate(sorted(rules))}
    results: dict[tuple, dict[str, Any]] = {}
    for run in runs:
        for result in run.get("results", []):
            results.setdefault(_result_key(result), result)
    merged_results = []
    for key in sorted(results):
        result = dict(results[key])
        if result.get("ruleId") in index:
            result["ruleIndex"] = index[result["ruleId"]]
        merged_results.append(result)
    bases: dict[str, Any] = {}
    for run in runs:  # the fullest description of each base (one with a uri), whatever the input order
        for name, base in (run.get("originalUriBaseIds") or {}).items():
            if name not in bases or (len(base), _key(base)) > (len(bases[name]), _key(bases[name])):
                bases[name] = base
    merged = {**first, "tool": {**first["tool"], "driver": driver}, "results": merged_results,
              "invocations": [_invocation(runs)], "originalUriBaseIds": bases}
    if not bases:
        del merged["originalUriBaseIds"]
    return {"$schema": logs[0].get("$schema"), "version": "2.1.0", "runs": [merged]}


def _invocation(runs: list[dict[str, Any]]) -> dict[str, Any]:
    invocations = [inv for run in runs for inv in run.get("invocations", [])]
    notes = {_key(n): n for inv in invocations for n in inv.get("toolExecutionNotifications", [])}
    out: dict[str, Any] = {"executionSuccessful": all(inv.get("executionSuccessful", True) for inv in invocations)}
    if notes:
        out["toolExecutionNotifications"] = [notes[key] for key in sorted(notes)]
    return out


def merge_files(paths: list[Path]) -> str:
    """Returns the canonical text of the merged log of the SARIF files at `paths`."""
    return dumps(merge([load(path) for path in paths]))
