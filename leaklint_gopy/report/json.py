"""The JSON reporter: one object per finding in a stable, documented schema (docs/json.md).

Paths are relative to the source root with forward slashes; columns are 1-based code points.
Suppressed findings are included and flagged, so a consumer sees everything leaklint saw.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from leaklint_gopy.report import (ReportOptions, decodable, error_files, fingerprint, helper_locations, is_baselined,
                             relative_uri)
from leaklint_gopy.report.advice import help_text

if TYPE_CHECKING:
    from leaklint_gopy.finding import Finding, Fix, Location, RunResult, Span

SCHEMA_VERSION = 1


class JsonReporter:
    """Writes one JSON document describing the run."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        out.write(json.dumps(self.document(result, options), indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    def document(self, result: RunResult, options: ReportOptions) -> dict[str, Any]:
        """Returns the document as plain data."""
        from leaklint_gopy.gate import is_external
        from leaklint_gopy.report.sarif import order

        names = {rule.id: rule.name for rule in result.rules}
        rules = {rule.id: rule for rule in result.rules}

        def path(p: str) -> str:
            return decodable(relative_uri(p, options.source_root))

        def span(s: Span) -> dict[str, Any]:
            return {"path": path(s.path), "line": s.line, "column": s.col, "end_line": s.end_line, "end_column": s.end_col}

        def location(loc: Location) -> dict[str, Any]:
            return {**span(loc.span), "note": loc.note}

        def finding(f: Finding) -> dict[str, Any]:
            suppression = None
            if f.suppressed:
                suppression = {"kind": "external" if is_external(f) else "in_source", "reason": f.suppression_reason}
            return {"rule": f.rule_id, "name": names.get(f.rule_id, ""), "severity": f.severity,
                    "message": f.message, **span(f.span), "related": [location(x) for x in f.related],
                    "flow": [location(x) for x in f.flow], "uses": [location(x) for x in helper_locations(f)],
                    "fingerprint": fingerprint(f, options.source_root),
                    "suppressed": f.suppressed, "suppression": suppression, "tags": list(f.tags),
                    "help": help_text(f, rules), "fix": fix(f.fix)}

        def fix(value: Fix | None) -> dict[str, Any] | None:
            if value is None:
                return None
            return {"applicability": value.applicability, "message": value.message,
                    "edits": [{**span(e.span), "content": e.text} for e in value.edits]}

        active = result.active
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "leaklint", "version": options.version},
            "findings": [finding(f) for f in sorted(result.findings, key=order)],
            "errors": [{"path": path(e.path), "line": e.line, "column": e.col, "message": e.message, "severity": e.severity}
                       for e in sorted(result.errors, key=lambda e: (e.path, e.line, e.col))],
            "summary": {"files_checked": result.files_checked, "findings": len(active),
                        "suppressed": len(result.findings) - len(active),
                        "baselined": sum(map(is_baselined, result.findings)), "unchanged": result.unchanged,
                        "files_with_findings": len({f.span.path for f in active}),
                        "errors": len(error_files(result.errors, "error")),
                        "warnings": len(error_files(result.errors, "warning"))},
        }
        if options.unused_ignores:
            doc["unused_ignores"] = [{**span(d.span), "codes": list(d.codes), "reason": d.reason}
                                     for d in result.unused_directives]
        return doc


REPORTER = JsonReporter()
