"""Writes in-source suppressions for findings (`check --add-noqa`, as ruff's): `# noqa: LL201` at the
end of a Python line (an existing `# noqa: ...` list is extended), `//leaklint:ignore LL101` at
the end of a Go line, on the line where each finding is reported, which is the line a directive
covers. Line endings and everything else in the file are kept byte for byte.

It edits files and nothing else: which findings to suppress is the caller's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from leaklint_gopy.finding import Finding

_NOQA = re.compile(rb"#\s*noqa:\s*[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*", re.IGNORECASE)


@dataclass(slots=True)
class Added:
    """What --add-noqa did: how many suppressions went into how many files, and the lines it left
    (`path:line: reason`)."""

    suppressions: int = 0
    files: int = 0
    skipped: list[str] = field(default_factory=list)


def add(findings: list[Finding]) -> Added:
    """Adds a suppression for each of `findings` (one comment per line, naming each rule once)."""
    by_file: dict[str, dict[int, list[str]]] = {}
    for finding in findings:
        codes = by_file.setdefault(finding.span.path, {}).setdefault(finding.span.line, [])
        if finding.rule_id not in codes:
            codes.append(finding.rule_id)
    added = Added()
    for path, lines in sorted(by_file.items()):
        count = _edit(path, lines, added.skipped)
        added.suppressions += count
        added.files += count > 0
    return added


def _edit(path: str, wanted: dict[int, list[str]], skipped: list[str]) -> int:
    """Writes the suppressions `wanted` (line: codes) into `path`; returns how many it wrote."""
    try:
        with open(path, "rb") as handle:
            lines = handle.read().splitlines(keepends=True)
    except OSError as exc:
        skipped.append(f"{path}: cannot add suppressions: {exc.strerror or exc}")
        return 0
    written = 0
    for number, codes in sorted(wanted.items()):
        if not 0 < number <= len(lines):
            continue
        body = lines[number - 1].rstrip(b"\r\n")
        if path.endswith(".py") and body.endswith(b"\\"):
            skipped.append(f"{path}:{number}: cannot add a suppression: the line continues with a backslash")
            continue
        lines[number - 1] = _suppressed(body, codes, path.endswith(".go")) + lines[number - 1][len(body):]
        written += len(codes)
    if written:
        with open(path, "wb") as handle:
            handle.write(b"".join(lines))
    return written


def _suppressed(body: bytes, codes: list[str], go: bool) -> bytes:
    """Returns the line `body` with a comment suppressing `codes`."""
    listed = ", ".join(codes).encode()
    if go:
        return body + b" //leaklint:ignore " + listed
    if match := _NOQA.search(body):
        return body[:match.end()] + b", " + listed + body[match.end():]
    return body + b"  # noqa: " + listed
