"""The baseline file: today's findings, recorded so a legacy codebase can adopt leaklint.

Findings are matched by their line-independent `leaklint/v1` fingerprint, so moving code within
a file does not bring a recorded finding back. This module reads and writes the file; gate.py
decides what a match means.
"""
from __future__ import annotations

import json
from pathlib import Path

from leaklint.finding import Finding
from leaklint.report import fingerprint, relative_uri

FORMAT = "leaklint-baseline"
VERSION = 1
_BASELINE_BYTES = 64 * 1024 * 1024


class BaselineError(Exception):
    """A baseline file that cannot be read; the message names the file."""


def dumps(findings: list[Finding], base: str) -> str:
    """Returns the baseline text for `findings`, paths and fingerprints relative to `base` (the
    repository root). Only the fingerprint is matched; the rest is there for reviewers.
    """
    entries = sorted(
        ({"fingerprint": fingerprint(f, base), "rule": f.rule_id, "path": relative_uri(f.span.path, base),
          "line": f.span.line, "message": f.message} for f in findings),
        key=lambda e: (e["path"], e["line"], e["rule"], e["fingerprint"]),
    )
    document = {"format": FORMAT, "version": VERSION, "findings": entries}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(path: Path) -> frozenset[str]:
    """Returns the fingerprints recorded in `path`; raises BaselineError for a bad file."""
    from leaklint.filesystem import Missing, Unreadable, read_text

    try:
        document = json.loads(read_text(path, _BASELINE_BYTES, named=True))
    except Missing:
        raise BaselineError(f"{path}: baseline file not found (create it with `leaklint baseline -o {path}`)") from None
    except (Unreadable, ValueError, RecursionError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {str(exc).removeprefix('cannot read file: ')}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BaselineError(f"{path}: not a leaklint baseline (no \"format\": \"{FORMAT}\")")
    if document.get("version") != VERSION:
        raise BaselineError(f"{path}: baseline version {document.get('version')!r} is not supported")
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                                                for e in entries):
        raise BaselineError(f"{path}: key findings must be a list of objects with a fingerprint")
    return frozenset(e["fingerprint"] for e in entries)
