"""Reads static findings from SARIF 2.1.0 and writes them back annotated with runtime evidence.

Each result gets properties["leaklint_gopy/runtime"] = {"status", "open_at_exit", "reclaimed_unclosed",
"created", "peak", "reason"}; leaks seen only at run time become results of rule LL900
(runtime-leak), declared in the run's driver rules so the file stays valid. It knows SARIF's
shape, not how the evidence was gathered; uris.py says where URIs point on disk.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, replace
from urllib.parse import unquote

from leaklint_gopy.runtime import uris

RUNTIME_KEY = "leaklint_gopy/runtime"
_SARIF_BYTES = 256 * 1024 * 1024
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
    """One static result: where it is in the log, its rule (and the rule's tags), its decoded
    URI and base id as written, the absolute path that resolves to, line range and message."""

    run: int
    index: int
    rule_id: str
    uri: str
    start_line: int
    end_line: int
    message: str
    base_id: str | None = None
    path: str = ""
    tags: tuple[str, ...] = ()

    def covers(self, path: str, line: int) -> bool:
        """Reports whether an absolute (real) path and line fall inside the finding's region."""
        return path == self.path and self.start_line <= line <= self.end_line


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the run showed for one finding: its status and the counts behind it."""

    status: str
    open: int
    created: int
    reclaimed: int = 0
    peak: int = 0
    reason: str = ""

    def as_property(self) -> dict[str, object]:
        """Returns the value stored under properties["leaklint_gopy/runtime"]."""
        return {"status": self.status, "open_at_exit": self.open, "reclaimed_unclosed": self.reclaimed,
                "created": self.created, "peak": self.peak, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class NewLeak:
    """A runtime leak no static finding covers: where its innermost user frame is (absolute
    path), the outer user frames that led there, and its counts."""

    path: str
    line: int
    open: int
    created: int
    kinds: tuple[str, ...]
    reclaimed: int = 0
    flow: tuple[tuple[str, int], ...] = ()


def load(path: str) -> dict[str, object]:
    """Returns the parsed SARIF log, or raises SarifError with a one-line reason."""
    from leaklint_gopy.filesystem import Unreadable, read_text

    try:
        log = json.loads(read_text(path, _SARIF_BYTES, named=True), parse_float=_finite, parse_constant=_finite)
    except Unreadable as error:
        raise SarifError(f"{path}: {str(error).removeprefix('cannot read file: ')}") from None
    except (ValueError, RecursionError) as error:
        raise SarifError(f"{path}: not JSON ({getattr(error, 'msg', error)})") from None
    if not isinstance(log, dict) or not isinstance(log.get("runs"), list):
        raise SarifError(f"{path}: not a SARIF log (no list of runs)")
    for r, run in enumerate(log["runs"]):
        if not isinstance(run, dict) or not isinstance(run.get("results", []), list):
            raise SarifError(f"{path}: run {r} is not a SARIF run")
    return log


def _finite(text: str) -> float:
    """Returns the JSON number `text`; raises ValueError for one a float cannot hold (1e400, NaN)."""
    value = float(text)
    if value != value or abs(value) == float("inf"):
        raise ValueError(f"number out of range: {text}")
    return value


def _location(result: object, where: str) -> tuple[str, str | None, int, int] | None:
    """Returns (uri, base id, startLine, endLine) of a result's primary location, None when it
    has no physical location; raises SarifError for a malformed one."""
    try:
        locations = result.get("locations") or []  # type: ignore[union-attr]
        physical = locations[0]["physicalLocation"] if locations else None
        if physical is None:
            return None
        artifact = physical["artifactLocation"]
        start = int(physical["region"]["startLine"])
        end = int(physical["region"].get("endLine", start))
        base = artifact.get("uriBaseId")
        if not isinstance(artifact["uri"], str) or not isinstance(base, (str, type(None))):
            raise TypeError("uri and uriBaseId are strings")
        return artifact["uri"], base, start, end
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError):
        raise SarifError(f"{where}: malformed location") from None


def _rule_tags(run: dict[str, object]) -> dict[str, tuple[str, ...]]:
    """Returns the tags of every rule the run's driver declares, by rule id."""
    try:
        rules = run["tool"]["driver"].get("rules") or []  # type: ignore[index,union-attr]
        return {str(rule["id"]): tuple(rule.get("properties", {}).get("tags", ())) for rule in rules}
    except (KeyError, TypeError, AttributeError):
        return {}


def findings(log: dict[str, object]) -> list[Finding]:
    """Returns every result with a file location, in log order (paths not resolved yet).

    Raises SarifError naming the result when one is malformed.
    """
    found = []
    for r, run in enumerate(log["runs"]):  # type: ignore[arg-type]
        tags = _rule_tags(run)
        for i, result in enumerate(run.get("results") or []):
            where = _location(result, f"result {i} of run {r}")
            if where is None:
                continue
            rule = str(result.get("ruleId", ""))
            message = result.get("message") or {}
            found.append(Finding(r, i, rule, unquote(where[0]), where[2], where[3],
                                 str(message.get("text", "") if isinstance(message, dict) else ""),
                                 where[1], tags=tags.get(rule, ())))
    return found


def place(found: list[Finding], log: dict[str, object], root: str | None, sarif_path: str,
          cwd: str) -> tuple[list[Finding], dict[int, str]]:
    """Returns the findings with absolute paths, and the source root chosen for each run.

    A run's root is `root` when given, else its %SRCROOT% when that has a file URI, else the
    candidate (git roots, cwd) under which most of its relative URIs exist.
    """
    roots, placed = {}, []
    for r, run in enumerate(log["runs"]):  # type: ignore[arg-type]
        bases = uris.base_roots(run.get("originalUriBaseIds"))
        relative = [f.uri for f in found if f.run == r and uris.file_path(f.uri) is None]
        roots[r] = os.path.realpath(root or bases.get(uris.SRCROOT)
                                    or uris.best_root(relative, uris.candidate_roots(sarif_path, cwd)))
        for f in (f for f in found if f.run == r):
            absolute = uris.file_path(f.uri) or os.path.join(bases.get(f.base_id or "", roots[r]), f.uri)
            placed.append(replace(f, path=os.path.realpath(absolute)))
    return placed, roots


def _region(path: str, line: int) -> dict[str, int]:
    """Returns a region for a whole source line, columns from the file when readable."""
    from leaklint_gopy.filesystem import Unreadable, read_regular

    try:
        text = read_regular(path, _SARIF_BYTES).decode("utf-8", "replace").split("\n")[line - 1].removesuffix("\r")
        start = len(text) - len(text.lstrip()) + 1
        return {"startLine": line, "startColumn": start, "endLine": line, "endColumn": max(len(text) + 1, start + 1)}
    except (Unreadable, IndexError):
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


def _artifact(path: str, root: str) -> dict[str, str]:
    """Returns the artifactLocation of a path: relative to %SRCROOT% inside root, else absolute."""
    relative = uris.relative_uri(path, root)
    if relative is None:
        return {"uri": uris.file_uri(path)}
    return {"uri": relative, "uriBaseId": uris.SRCROOT}


def _physical(path: str, line: int, root: str) -> dict[str, object]:
    """Returns the physicalLocation of a source line."""
    return {"artifactLocation": _artifact(path, root), "region": _region(path, line)}


def _flow(leak: NewLeak, root: str) -> list[dict[str, object]]:
    """Returns the codeFlows of a runtime-only leak: its user frames, outermost first."""
    steps = [*leak.flow, (leak.path, leak.line)]
    locations = [{"location": {"physicalLocation": _physical(path, line, root),
                               "message": {"text": "created here" if n == len(steps) - 1 else "called from here"}}}
                 for n, (path, line) in enumerate(steps)]
    return [{"threadFlows": [{"locations": locations}]}]


def _new_result(leak: NewLeak, index: int, root: str) -> dict[str, object]:
    """Returns the SARIF result of a runtime-only leak, at its innermost user frame."""
    what = " and ".join(leak.kinds)
    where = uris.relative_uri(leak.path, root) or leak.path
    digest = hashlib.sha256(f"{where}:{leak.line}:{what}".encode()).hexdigest()[:16]
    result: dict[str, object] = {
        "ruleId": RUNTIME_RULE["id"], "ruleIndex": index, "level": "warning",
        "message": {"text": f"{what} created here not closed: {leak.open} open when the run ended and "
                            f"{leak.reclaimed} reclaimed unclosed, of {leak.created} created "
                            "(seen at run time, no static finding)"},
        "locations": [{"physicalLocation": _physical(leak.path, leak.line, root)}],
        "partialFingerprints": {"leaklint_gopy/runtime/v1": digest},
        "properties": {RUNTIME_KEY: {"status": "runtime-only", "open_at_exit": leak.open,
                                     "reclaimed_unclosed": leak.reclaimed, "created": leak.created}},
    }
    if leak.flow:
        result["codeFlows"] = _flow(leak, root)
    return result


def _set_root(run: dict[str, object], root: str) -> None:
    """Gives the run's %SRCROOT% the absolute directory URI its relative URIs were resolved with."""
    bases = run.setdefault("originalUriBaseIds", {})
    entry = bases.setdefault(uris.SRCROOT, {})  # type: ignore[union-attr]
    if isinstance(entry, dict) and not entry.get("uri"):
        entry["uri"] = uris.directory_uri(root)


def annotate(log: dict[str, object], evidence: dict[tuple[int, int], Evidence], leaks: list[NewLeak],
             roots: dict[int, str], run_properties: dict[str, object]) -> dict[str, object]:
    """Returns a copy of the log with evidence on each result, runtime-only leaks added to the
    first run, and every run's %SRCROOT% set to the root its URIs were resolved against."""
    out = copy.deepcopy(log)
    runs = out["runs"]  # type: ignore[index]
    if not runs:
        runs.append({"tool": {"driver": {"name": "leaklint", "rules": []}}, "results": []})
    for (r, i), found in evidence.items():
        runs[r]["results"][i].setdefault("properties", {})[RUNTIME_KEY] = found.as_property()
    for r, run in enumerate(runs):
        if run.get("results") or (r == 0 and leaks):
            _set_root(run, roots.get(r, roots.get(0, os.getcwd())))
    first = runs[0]
    if leaks:
        index = _rule_index(first)
        root = roots.get(0, os.getcwd())
        first.setdefault("results", []).extend(_new_result(leak, index, root) for leak in leaks)
        first.setdefault("columnKind", "unicodeCodePoints")
    first.setdefault("properties", {})[RUNTIME_KEY] = run_properties
    return out


def write(log: dict[str, object], path: str) -> None:
    """Writes the log as indented JSON; raises SarifError when the file cannot be written."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(log, f, indent=2)
            f.write("\n")
    except OSError as error:
        raise SarifError(f"cannot write {path}: {error.strerror}") from None
