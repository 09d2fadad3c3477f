"""In-source suppressions: finds them in comments and marks the findings they cover.

Forms: Go `//leaklint:ignore LL101 reason` and `//nolint:bodyclose` (LL101 only); Python
`# leaklint: ignore[LL201] reason` and `# noqa: LL201`. A directive covers its own line and,
when it stands alone on a line, the next line. A directive without a rule code is malformed and
suppresses nothing.
"""
from __future__ import annotations

import re
from dataclasses import replace

from leaklint.finding import Finding
from leaklint.ir import Directive, Span

_CODE = r"[A-Z]{2}\d{3}"
_GO_IGNORE = re.compile(rf"//\s*leaklint:ignore\b\s*((?:{_CODE}\s*,?\s*)*)(.*)$")
_GO_NOLINT = re.compile(r"//\s*nolint:([\w,\s-]+)")
_PY_IGNORE = re.compile(r"#\s*leaklint:\s*ignore(?:\[([^\]]*)\])?\s*(.*)$")
_PY_NOQA = re.compile(rf"#\s*noqa:\s*((?:{_CODE}[\s,]*)+)", re.IGNORECASE)
_NOLINT_NAMES = {"bodyclose": ("LL101",)}
_MARKERS = {"go": (b"leaklint:", b"nolint:"), "python": (b"leaklint:", b"noqa")}


def parse(path: str, language: str, source: bytes) -> list[Directive]:
    """Returns the suppression directives in `source`; cheap when the file has none."""
    if not any(marker in source for marker in _MARKERS.get(language, ())):
        return []
    text = source.decode("utf-8", errors="replace")
    found: list[Directive] = []
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): \f or U+2028 end no line
        directive = _parse_line(path, language, number, line)
        if directive is not None:
            found.append(directive)
    return found


def _parse_line(path: str, language: str, number: int, line: str) -> Directive | None:
    parsers = (_go_directive,) if language == "go" else (_python_directive,)
    for parser in parsers:
        parsed = parser(line)
        if parsed is not None:
            start, codes, reason = parsed
            span = Span(path, number, start + 1, number, len(line) + 1)
            standalone = not line[:start].strip()
            return Directive(number + 1 if standalone else number, codes, reason.strip(), span)
    return None


def _go_directive(line: str) -> tuple[int, tuple[str, ...], str] | None:
    # Ex) resp, _ := http.Get(u) //leaklint:ignore LL101 closed by the caller's middleware
    if match := _GO_IGNORE.search(line):
        return match.start(), tuple(re.findall(_CODE, match.group(1))), match.group(2)
    # Ex) resp, _ := http.Get(u) //nolint:bodyclose // reason
    if match := _GO_NOLINT.search(line):
        names = [n.strip() for n in match.group(1).split(",")]
        codes = tuple(code for name in names for code in _NOLINT_NAMES.get(name, ()))
        return (match.start(), codes, "nolint") if codes else None
    return None


def _python_directive(line: str) -> tuple[int, tuple[str, ...], str] | None:
    # Ex) s = socket.socket()  # leaklint: ignore[LL201] handed to the event loop
    if match := _PY_IGNORE.search(line):
        return match.start(), tuple(re.findall(_CODE, match.group(1) or "")), match.group(2)
    # Ex) s = socket.socket()  # noqa: LL201
    if match := _PY_NOQA.search(line):
        return match.start(), tuple(re.findall(_CODE, match.group(1).upper())), "noqa"
    return None


def apply(findings: list[Finding], directives: dict[str, list[Directive]]) -> tuple[list[Finding], list[Directive]]:
    """Returns the findings with covered ones marked suppressed, and the directives that matched nothing."""
    used: set[tuple[str, int, int]] = set()
    out: list[Finding] = []
    for finding in findings:
        match = _covering(finding, directives.get(finding.span.path, ()))
        if match is None:
            out.append(finding)
            continue
        used.add((match.span.path, match.span.line, match.span.col))
        out.append(replace(finding, suppressed=True, suppression_reason=match.reason))
    unused = [d for ds in directives.values() for d in ds if (d.span.path, d.span.line, d.span.col) not in used]
    return out, unused


def _covering(finding: Finding, directives) -> Directive | None:
    lines = {finding.span.line}
    for directive in directives:
        if finding.covered_by(directive.codes) and (directive.line in lines or directive.span.line in lines):
            return directive
    return None
