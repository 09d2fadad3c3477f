"""Reads static findings from SARIF 2.1.0 and writes them back annotated with runtime evidence.

Each result gets properties["leaklint/runtime"] = {"status", "open", "created"}; leaks seen only
at run time become results of rule LL900 (runtime-leak), declared in the run's driver rules so
the file stays valid. It knows SARIF's shape, not how the evidence was gathered.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass
from urllib.parse import unquote

RUNTIME_KEY = "leaklint/runtime"
RUNTIME_RULE = {
    "id": "LL900",
    "name": "runtime-leak",
    "shortDescription": {"text": "resource still open when the traced run ended"},
    "fullDescription": {"text": "leaklint runtime validate saw sockets or HTTP responses created at this line "
                                "still open when the exercising command ended, and no static finding covers the line."},
    "help": {"text": "Close the resource on every path (with-statement, defer resp.Body.Close()), "
                     "or hand it to an owner that closes it.",
             "markdown": "Close the resource on every path (`with` statement, `defer resp.Body.Close()`), "
                         "or hand it to an owner that closes it."},
    "defaultConfiguration": {"level": "warning"},
    "properties": {"tags": ["reliability", "resource-leak", "runtime", "external/cwe/cwe-772"],
                   "precision": "high", "problem.severity": "warning"},
}


class SarifError(Exception):
    """The file is not SARIF this module can read."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One static result: where it is in the log, its rule, file and line range, message."""

    run: int
    index: int
    rule_id: str
    uri: str
    start_line: int
    end_line: int
    message: str

    def covers(self, path: str, line: int) -> bool:
        """Reports whether a repo-relative path and line fall inside the finding's region."""
        return path == self.uri and self.start_line <= line <= self.end_line


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the run showed for one finding."""

    status: str
    open: int
    created: int

    def as_property(self) -> dict[str, object]:
        """Returns the value stored under properties["leaklint/runtime"]."""
        return {"status": self.status, "open": self.open, "created": self.created}


@dataclass(frozen=True, slots=True)
class NewLeak:
    """A runtime leak at a line no static finding covers."""

    uri: str
    line: int
    open: int
    created: int
    kinds: tuple[str, ...]


def load(path: str) -> dict[str, object]:
    """Returns the parsed SARIF log, or raises SarifError."""
    try:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
    except (OSError, ValueError) as error:
        raise SarifError(f"{path}: {error}") from None
    if not isinstance(log, dict) or not isinstance(log.get("runs"), list):
        raise SarifError(f"{path}: not a SARIF log (no runs)")
    return log


def _location(result: dict[str, object]) -> tuple[str, int, int] | None:
    """Returns (uri, startLine, endLine) of a result's primary location."""
    try:
        physical = result["locations"][0]["physicalLocation"]  # type: ignore[index]
        uri = physical["artifactLocation"]["uri"]
        region = physical.get("region", {})
        start = int(region["startLine"])
        return uri, start, int(region.get("endLine", start))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def findings(log: dict[str, object]) -> list[Finding]:
    """Returns every result with a file location, in log order."""
    found = []
    for r, run in enumerate(log["runs"]):  # type: ignore[arg-type]
        for i, result in enumerate(run.get("results") or []):
            where = _location(result)
            if where is None:
                continue
            uri = unquote(where[0].removeprefix("file://").removeprefix("./"))
            found.append(Finding(r, i, str(result.get("ruleId", "")), uri, where[1], where[2],
                                 str(result.get("message", {}).get("text", ""))))
    return found


def relative_path(path: str, root: str) -> str:
    """Returns path relative to root with forward slashes (a SARIF artifact uri)."""
    return os.path.relpath(os.path.realpath(path), os.path.realpath(root)).replace(os.sep, "/")


def _region(root: str, uri: str, line: int) -> dict[str, int]:
    """Returns a region for a whole source line, columns from the file when readable."""
    try:
        with open(os.path.join(root, uri), encoding="utf-8", errors="replace") as f:
            text = f.read().splitlines()[line - 1]
        start = len(text) - len(text.lstrip()) + 1
        return {"startLine": line, "startColumn": start, "endLine": line, "endColumn": max(len(text) + 1, start + 1)}
    except (OSError, IndexError):
        return {"startLine": line, "startColumn": 1, "endLine": line, "endColumn": 2}


def _rule_index(run: dict[str, object]) -> int:
    """Returns the index of LL900 in the run's driver rules, adding it when absent."""
    driver = run.setdefault("tool", {}).setdefault("driver", {"name": "leaklint"})  # type: ignore[union-attr]
    rules = driver.setdefault("rules", [])
    for i, rule in enumerate(rules):
        if rule.get("id") == RUNTIME_RULE["id"]:
            return i
    rules.append(copy.deepcopy(RUNTIME_RULE))
    return len(rules) - 1


def _new_result(leak: NewLeak, index: int, root: str) -> dict[str, object]:
    """Returns the SARIF result of a runtime-only leak."""
    what = " and ".join(leak.kinds)
    digest = hashlib.sha256(f"{leak.uri}:{leak.line}:{what}".encode()).hexdigest()[:16]
    return {
        "ruleId": RUNTIME_RULE["id"], "ruleIndex": index, "level": "warning",
        "message": {"text": f"{what} created here still open when the run ended: {leak.open} open of "
                            f"{leak.created} created (seen at run time, no static finding)"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": leak.uri, "uriBaseId": "%SRCROOT%"},
            "region": _region(root, leak.uri, leak.line)}}],
        "partialFingerprints": {"leaklint/runtime/v1": digest},
        "properties": {RUNTIME_KEY: {"status": "runtime-only", "open": leak.open, "created": leak.created}},
    }


def annotate(log: dict[str, object], evidence: dict[tuple[int, int], Evidence], leaks: list[NewLeak],
             root: str, run_properties: dict[str, object]) -> dict[str, object]:
    """Returns a copy of the log with evidence on each result and runtime-only leaks added."""
    out = copy.deepcopy(log)
    runs = out["runs"]  # type: ignore[index]
    if not runs:
        runs.append({"tool": {"driver": {"name": "leaklint", "rules": []}}, "results": []})
    for (r, i), found in evidence.items():
        result = runs[r]["results"][i]
        result.setdefault("properties", {})[RUNTIME_KEY] = found.as_property()
    first = runs[0]
    if leaks:
        index = _rule_index(first)
        first.setdefault("results", []).extend(_new_result(leak, index, root) for leak in leaks)
        bases = first.setdefault("originalUriBaseIds", {})
        bases.setdefault("%SRCROOT%", {"uri": "file://" + os.path.join(os.path.realpath(root), "")})
        first.setdefault("columnKind", "unicodeCodePoints")
    first.setdefault("properties", {})[RUNTIME_KEY] = run_properties
    return out


def write(log: dict[str, object], path: str) -> None:
    """Writes the log as indented JSON."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(log, f, indent=2)
        f.write("\n")
