"""Merges the SARIF logs of sharded runs (`leaklint check --shard K/N`) into one valid run.

Rules are united by id and re-indexed, results deduplicated by rule and `leaklint/v1`
fingerprint and put in a stable order, invocations folded into one. The output is the same
whatever the order of the inputs. It reads only SARIF that leaklint wrote.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from leaklint_gopy.report.sarif import SRCROOT, dumps


_SARIF_BYTES = 256 * 1024 * 1024


class MergeError(Exception):
    """An input that is not a leaklint SARIF log, or logs that cannot be one run."""


def load(path: Path) -> dict[str, Any]:
    """Returns the SARIF log in `path`; raises MergeError when it is not one."""
    from leaklint_gopy.filesystem import Unreadable, read_text

    try:
        log = json.loads(read_text(path, _SARIF_BYTES, named=True), parse_float=_finite, parse_constant=_finite)
    except (Unreadable, ValueError, RecursionError) as exc:
        raise MergeError(f"{path}: cannot read SARIF: {str(exc).removeprefix('cannot read file: ')}") from None
    if not isinstance(log, dict) or log.get("version") != "2.1.0" or not isinstance(log.get("runs"), list):
        raise MergeError(f"{path}: not a SARIF 2.1.0 log")
    try:
        for r, run in enumerate(log["runs"]):
            _check_run(run, f"runs[{r}]")
    except _Shape as exc:
        raise MergeError(f"{path}: not a SARIF log leaklint wrote: {exc}") from None
    return log


def _finite(text: str) -> float:
    """Returns the JSON number `text`; raises ValueError for one a float cannot hold (1e400, NaN)."""
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text}")
    return value


class _Shape(Exception):
    """A value of the wrong type where merge reads one; the message says where and what it must be."""


def _field(container: dict[str, Any], key: str, kind: type, where: str, required: bool = False) -> Any:
    """Returns `container[key]` (a new `kind` when absent and not `required`); raises _Shape when
    it is not a `kind`."""
    value = container.get(key)
    if value is None and key not in container and not required:
        return kind()
    if not isinstance(value, kind):
        raise _Shape(f"{where}.{key} must be {'an' if kind.__name__[0] in 'aeiou' else 'a'} {kind.__name__}")
    return value


def _check_run(run: Any, where: str) -> None:
    """Raises _Shape unless every part of `run` that merge reads has its SARIF type, or MergeError
    when another tool wrote it."""
    if not isinstance(run, dict):
        raise _Shape(f"{where} must be an object")
    driver = _field(_field(run, "tool", dict, where), "driver", dict, f"{where}.tool")
    if driver.get("name") != "leaklint":
        raise MergeError(f"{where}: a run was not produced by leaklint")
    _field(driver, "semanticVersion", str, f"{where}.tool.driver")
    for i, rule in enumerate(_field(driver, "rules", list, f"{where}.tool.driver")):
        _field(_dict(rule, f"{where}.tool.driver.rules[{i}]"), "id", str, f"{where}.tool.driver.rules[{i}]", True)
    for i, result in enumerate(_field(run, "results", list, where)):
        _check_result(_dict(result, f"{where}.results[{i}]"), f"{where}.results[{i}]")
    for i, invocation in enumerate(_field(run, "invocations", list, where)):
        _field(_dict(invocation, f"{where}.invocations[{i}]"), "toolExecutionNotifications", list,
               f"{where}.invocations[{i}]")
    for name, base in _field(run, "originalUriBaseIds", dict, where).items():
        _dict(base, f"{where}.originalUriBaseIds.{name}")
    _field(run, "columnKind", str, where)


def _check_result(result: dict[str, Any], where: str) -> None:
    _field(result, "ruleId", str, where)
    for name, value in _field(result, "partialFingerprints", dict, where).items():
        if not isinstance(value, str):
            raise _Shape(f"{where}.partialFingerprints.{name} must be a str")
    for j, location in enumerate(_field(result, "locations", list, where)):
        at = f"{where}.locations[{j}]"
        physical = _field(_dict(location, at), "physicalLocation", dict, at)
        _field(_field(physical, "artifactLocation", dict, f"{at}.physicalLocation"), "uri", str,
               f"{at}.physicalLocation.artifactLocation")
        region = _field(physical, "region", dict, f"{at}.physicalLocation")
        for key in ("startLine", "startColumn"):
            _field(region, key, int, f"{at}.physicalLocation.region")


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Shape(f"{where} must be an object")
    return value


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _result_key(result: dict[str, Any]) -> tuple:
    """Returns what identifies a result across shards: its decoded URI (leaklint before 0.2 wrote
    them unencoded), position, rule and fingerprint. Sets the URI to its encoded form."""
    loc = (result.get("locations") or [{}])[0].get("physicalLocation", {})
    region = loc.get("region", {})
    artifact = loc.get("artifactLocation", {})
    uri = unquote(artifact.get("uri", ""), errors="surrogateescape")  # a byte that is not UTF-8 stays that byte
    if artifact.get("uriBaseId") == SRCROOT:
        artifact["uri"] = quote(os.fsencode(uri), safe="/")
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
    merged = merge([load(path) for path in paths])
    try:
        return dumps(merged)
    except RecursionError:
        raise MergeError("the merged log nests a value too deeply to write it") from None
