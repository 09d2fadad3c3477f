"""The baseline file: today's findings, recorded so a legacy codebase can adopt leaklint.

A finding is matched by its line-independent `leaklint/v1` fingerprint, else by what survives a
refactoring that keeps the leak: rule, callee and package directory, and two of file, function and
variable (renaming the variable or the function, or moving the function to a sibling file, changes
only one). Each entry accepts one finding. A SARIF log leaklint wrote serves as a baseline too (by
fingerprint, its URIs decoded). This module reads, writes and matches entries; gate.py marks the
findings they accept.
"""
from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from leaklint_gopy.finding import Finding
from leaklint_gopy.report import fingerprint, identity, relative_uri

FORMAT = "leaklint-baseline"
VERSION = 1
_BASELINE_BYTES = 64 * 1024 * 1024


class BaselineError(Exception):
    """A baseline file that cannot be read; the message names the file."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One recorded finding: its fingerprint, and the parts of its identity fuzzy matching compares
    (empty in baselines written before they were recorded, and in SARIF)."""

    fingerprint: str
    rule: str = ""
    path: str = ""
    function: str = ""
    variable: str = ""
    callee: str = ""


def dumps(findings: list[Finding], base: str) -> str:
    """Returns the baseline text for `findings`, paths and fingerprints relative to `base` (the
    repository root). The message and line are there for reviewers."""
    entries = []
    for f in findings:
        function, variable, callee = identity(f)
        entries.append({"fingerprint": fingerprint(f, base), "rule": f.rule_id, "path": relative_uri(f.span.path, base),
                        "line": f.span.line, "message": f.message, "function": function, "variable": variable,
                        "callee": callee})
    entries.sort(key=lambda e: (e["path"], e["line"], e["rule"], e["fingerprint"]))
    document = {"format": FORMAT, "version": VERSION, "findings": entries}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def matches(findings: list[Finding], entries: list[Entry], base: str) -> set[int]:
    """Returns the indexes of `findings` the baseline accepts: first by fingerprint, then the rest by
    identity (see the module docstring), each entry used once, findings taken in order."""
    by_print: dict[str, list[Entry]] = {}
    for entry in entries:
        by_print.setdefault(entry.fingerprint, []).append(entry)
    accepted, left = set(), []
    for index, finding in enumerate(findings):
        prints = [fingerprint(finding, base)]
        if finding.origin:  # a baseline written when LL105's findings were LL101's still covers them
            prints.append(fingerprint(Finding(finding.origin, "", finding.span, "", key=finding.key), base))
        hit = next((p for p in prints if by_print.get(p)), None)
        if hit is None:
            left.append(index)
            continue
        by_print[hit].pop()
        accepted.add(index)
    unused = [entry for group in by_print.values() for entry in group if entry.rule]
    for index in left:
        entry = next((e for e in unused if _same_leak(findings[index], e, base)), None)
        if entry is not None:
            unused.remove(entry)
            accepted.add(index)
    return accepted


def _same_leak(finding: Finding, entry: Entry, base: str) -> bool:
    function, variable, callee = identity(finding)
    path = relative_uri(finding.span.path, base)
    if (finding.rule_id, callee, posixpath.dirname(path)) != (entry.rule, entry.callee, posixpath.dirname(entry.path)):
        return False
    return (path == entry.path) + (function == entry.function) + (variable == entry.variable) >= 2


def load(path: Path) -> list[Entry]:
    """Returns the entries recorded in `path` (a leaklint baseline, or a SARIF log leaklint wrote);
    raises BaselineError for a bad file."""
    from leaklint_gopy.filesystem import Missing, Unreadable, read_text

    try:
        document = json.loads(read_text(path, _BASELINE_BYTES, named=True))
    except Missing:
        raise BaselineError(f"{path}: baseline file not found (create it with `leaklint baseline -o {path}`)") from None
    except (Unreadable, ValueError, RecursionError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {str(exc).removeprefix('cannot read file: ')}") from None
    if isinstance(document, dict) and document.get("version") == "2.1.0" and "runs" in document:
        return _sarif_entries(path, document)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BaselineError(f"{path}: not a leaklint baseline (no \"format\": \"{FORMAT}\") nor a SARIF log")
    if document.get("version") != VERSION:
        raise BaselineError(f"{path}: baseline version {document.get('version')!r} is not supported")
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                                                for e in entries):
        raise BaselineError(f"{path}: key findings must be a list of objects with a fingerprint")
    keys = ("rule", "path", "function", "variable", "callee")
    return [Entry(e["fingerprint"], *(e.get(k) if isinstance(e.get(k), str) else "" for k in keys)) for e in entries]


def _sarif_entries(path: Path, document: dict) -> list[Entry]:
    """Returns an entry per leaklint result of a SARIF log (fingerprint, rule, decoded URI)."""
    entries = []
    try:
        for run in document["runs"]:
            for result in run.get("results") or []:
                found = (result.get("partialFingerprints") or {}).get("leaklint/v1")
                location = ((result.get("locations") or [{}])[0].get("physicalLocation") or {})
                uri = (location.get("artifactLocation") or {}).get("uri", "")
                if isinstance(found, str) and not result.get("suppressions"):
                    entries.append(Entry(found, str(result.get("ruleId", "")), unquote(str(uri), errors="surrogateescape")))
    except (TypeError, AttributeError) as exc:
        raise BaselineError(f"{path}: not a SARIF log leaklint can read ({exc})") from None
    return entries
