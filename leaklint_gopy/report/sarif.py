"""The SARIF 2.1.0 reporter, shaped for GitHub code scanning.

One run with every known rule in the driver, results with UTF-16 columns, related locations
for the leaking exits, a code flow for the leaking path, and both the upload action's line hash
and leaklint's own fingerprint. URIs are percent-encoded and relative to %SRCROOT%, whose own URI
(the repository root) is the only absolute path. Output is byte-identical for identical input and
root: keys sorted, no timestamps. It never filters beyond leaving out suppressed findings.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote
from typing import TYPE_CHECKING, Any, TextIO

from leaklint_gopy import docs
from leaklint_gopy.report import (UNUSED_RULE, ReportOptions, absolute, fingerprint, helper_locations, relative_uri, source,
                             unused_message)

if TYPE_CHECKING:
    from leaklint_gopy.finding import Directive, FileError, Finding, Fix, Location, RunResult, Span
    from leaklint_gopy.spec import RuleSpec

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/leaklint/leaklint"
SRCROOT = "%SRCROOT%"
LINE_HASH = "primaryLocationLineHash"  # the driver stores it in Finding.extra under this name
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
_DESCRIPTION_LIMIT = 1024


def dumps(document: dict[str, Any]) -> str:
    """Returns the canonical text of a SARIF document (the form every leaklint SARIF file has):
    sorted keys, no indentation (json's C encoder runs only without it: indenting cost a warm run
    on the Go standard library more than the analysis did)."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


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


@lru_cache(maxsize=8192)
def _artifact(uri: str) -> tuple[tuple[str, str], ...]:
    if uri.startswith("/"):
        return (("uri", Path(uri).as_uri()),)
    return (("uri", quote(os.fsencode(uri), safe="/")), ("uriBaseId", SRCROOT))


class _Builder:
    """Builds locations for one run, with URIs relative to the source root."""

    def __init__(self, options: ReportOptions) -> None:
        self.base = options.source_root
        self._artifacts: dict[str, tuple[tuple[str, str], ...]] = {}  # by path as reported, for this run's cwd

    def artifact(self, path: str) -> dict[str, Any]:
        """Returns the artifactLocation of `path`: percent-encoded (RFC 3986: `sp%20ace/a.go`, a byte
        that is not UTF-8 as `%E9`), relative to %SRCROOT% when below the source root, else a `file:` URI.
        Made once per path in a report (each made one getcwd call, 158,000 on /work/corpus)."""
        if path not in self._artifacts:
            self._artifacts[path] = _artifact(relative_uri(path, self.base))
        return dict(self._artifacts[path])

    def region(self, span: Span, same: bool = False) -> dict[str, Any]:
        """Returns the region of `span` in UTF-16 columns; `same`: known equal to its columns
        (source.same_columns), so no file is read."""
        start, end = span.col, span.end_col
        if not same and not source.one_unit_per_character(path := absolute(span.path)):
            start = source.utf16_column(source.line(path, span.line), span.col)
            end = source.utf16_column(source.line(path, span.end_line), span.end_col)
        return {"startLine": span.line, "startColumn": start, "endLine": span.end_line, "endColumn": end}

    def physical(self, span: Span, same: bool = False) -> dict[str, Any]:
        return {"artifactLocation": self.artifact(span.path), "region": self.region(span, same)}

    def location(self, location: Location, same: bool = False, **extra: Any) -> dict[str, Any]:
        return {**extra, "physicalLocation": self.physical(location.span, same), "message": {"text": location.note}}

    def fix(self, fix: Fix, same: bool = False) -> dict[str, Any]:
        """Returns the SARIF fix: one artifactChange per file, its replacements in UTF-16 columns."""
        changes: dict[str, list[dict[str, Any]]] = {}
        for edit in fix.edits:
            changes.setdefault(edit.span.path, []).append(
                {"deletedRegion": self.region(edit.span, same), "insertedContent": {"text": edit.text}})
        return {"description": {"text": fix.message + ("" if fix.safe else " (unsafe)")},
                "artifactChanges": [{"artifactLocation": self.artifact(path), "replacements": replacements}
                                    for path, replacements in changes.items()]}

    def notification(self, errors: list[FileError]) -> dict[str, Any]:
        """Returns one notification for the errors of one file: level `error` when the file was not
        analysed, `warning` when only part of it (or nothing that acquires) was missed."""
        first = errors[0]
        path, line = absolute(first.path), max(1, first.line)
        region = {"startLine": line, "startColumn": max(1, source.utf16_column(source.line(path, line), first.col))}
        failed = any(error.severity == "error" for error in errors)
        text = "; ".join(dict.fromkeys(error.message for error in errors))
        return {
            "level": "error" if failed else "warning",
            "message": {"text": f"{text}; this file was not analysed" if failed else text},
            "locations": [{"physicalLocation": {"artifactLocation": self.artifact(first.path), "region": region}}],
        }

    def unused(self, directive: Directive, rule_index: int) -> dict[str, Any]:
        """Returns the LL001 result for a suppression that suppressed nothing."""
        uri = relative_uri(directive.span.path, self.base)
        identity = f"{UNUSED_RULE[0]}\0{uri}\0{','.join(directive.codes)}\0{source.line(absolute(directive.span.path), directive.span.line)}"
        out = {"ruleId": UNUSED_RULE[0], "ruleIndex": rule_index, "level": "warning",
               "message": {"text": unused_message(directive)},
               "locations": [{"physicalLocation": self.physical(directive.span)}],
               "partialFingerprints": {"leaklint/v1": _digest(identity)}}
        line_hash = source.line_hash(absolute(directive.span.path), directive.span.line)
        if line_hash is not None:
            out["partialFingerprints"]["primaryLocationLineHash"] = line_hash
        return out

    def result(self, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
        same = source.same_columns(finding)
        out: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "level": finding.severity,
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": self.physical(finding.span, same)}],
            "partialFingerprints": {"leaklint/v1": fingerprint(finding, self.base)},
        }
        if finding.rule_id in index:
            out["ruleIndex"] = index[finding.rule_id]
        line_hash = dict(finding.extra).get(LINE_HASH) or source.line_hash(absolute(finding.span.path), finding.span.line)
        if line_hash is not None:
            out["partialFingerprints"][LINE_HASH] = line_hash
        related = (*finding.related, *helper_locations(finding))
        if related:
            out["relatedLocations"] = [self.location(loc, same, id=i) for i, loc in enumerate(related, 1)]
        if finding.flow:
            steps = [{"location": self.location(loc, same)} for loc in finding.flow]
            out["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
        if finding.fix is not None:
            out["fixes"] = [self.fix(finding.fix, same)]
        if finding.suppressed:
            out["suppressions"] = [_suppression(finding)]
        if finding.tags:
            out["properties"] = {"tags": list(finding.tags)}
        return out


def _digest(text: str) -> str:
    """Returns the `leaklint/v1` digest of `text`; a file name's bytes that are not UTF-8 kept as bytes."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _suppression(finding: Finding) -> dict[str, Any]:
    from leaklint_gopy.gate import is_external

    entry: dict[str, Any] = {"kind": "external" if is_external(finding) else "inSource", "status": "accepted"}
    if finding.suppression_reason:
        entry["justification"] = finding.suppression_reason
    return entry


def unused_descriptor() -> dict[str, Any]:
    """Returns the reportingDescriptor of LL001, the suppressions that suppressed nothing."""
    text = ("Reports an in-source suppression (`# noqa: LL201`, `//leaklint:ignore LL101`, `//nolint:bodyclose`) "
            "that suppresses no finding: the leak it silenced is gone, or it names the wrong rule or line.")
    return {"id": UNUSED_RULE[0], "name": UNUSED_RULE[1], "shortDescription": {"text": "suppression suppresses nothing"},
            "fullDescription": {"text": text}, "help": {"text": text + " Remove it.", "markdown": text + " Remove it."},
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": ["maintainability"], "precision": "very-high", "problem.severity": "warning"}}


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
        by_file: dict[str, list[FileError]] = {}
        for error in sorted(result.errors, key=lambda e: (e.path, e.line, e.col, e.message)):
            by_file.setdefault(error.path, []).append(error)
        invocation["toolExecutionNotifications"] = [build.notification(errors) for errors in by_file.values()]
    run = {
        "tool": {"driver": {
            "name": "leaklint",
            "semanticVersion": options.version,
            "version": options.version,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(rule) for rule in rules],
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": Path(absolute(options.source_root)).as_uri().rstrip("/") + "/",
                                         "description": {"text": "The root of the analysed repository."}}},
        "columnKind": "utf16CodeUnits",
        "invocations": [invocation],
        "results": [build.result(f, index) for f in sorted(findings, key=order)],
    }
    if options.unused_ignores and result.unused_directives:
        run["tool"]["driver"]["rules"].append(unused_descriptor())
        unused = sorted(result.unused_directives, key=lambda d: (d.span.path, d.span.line, d.span.col))
        run["results"] += [build.unused(directive, len(rules)) for directive in unused]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


class SarifReporter:
    """Writes one SARIF log."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        out.write(dumps(document(result, options)))


REPORTER = SarifReporter()
