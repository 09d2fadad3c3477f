"""In-source suppressions: finds them in comments and marks the findings they cover.

Forms: Go `//leaklint:ignore LL101 reason` and golangci-lint's `//nolint` (bare or `:leaklint`:
every rule; `:bodyclose`: LL101; `:sqlclosecheck`: LL104; a reason after `//`); Python
`# leaklint: ignore[LL201] reason` and ruff's `# noqa` (bare: every rule; a list keeps its LL
codes, `# noqa: E501, LL201`; a list without one is another tool's). A directive covers its own
line and, when it stands alone on a line, the next line; a `//nolint` on the line of a `func` or
above it (through its doc comment) covers the whole declaration, as golangci-lint does. A
`leaklint:ignore` without a rule code is malformed and suppresses nothing.
"""
from __future__ import annotations

import re
from dataclasses import replace

from leaklint_gopy.finding import Directive, Finding, Span

_CODE = r"[A-Z]{2}\d{3}"
ALL = ("ALL",)  # the codes of a directive that suppresses every rule (bare noqa, bare nolint)
_GO_IGNORE = re.compile(rf"//\s*leaklint:ignore\b\s*((?:{_CODE}\s*,?\s*)*)(.*)$")
_GO_NOLINT = re.compile(r"//\s*nolint(?::([\w-]+(?:\s*,\s*[\w-]+)*))?(?![\w:])(?:\s*//\s*(.*))?")
_PY_IGNORE = re.compile(r"#\s*leaklint:\s*ignore(?:\[([^\]]*)\])?\s*(.*)$")
_PY_NOQA = re.compile(r"#\s*noqa(?::\s*([A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*))?(?![\w:])", re.IGNORECASE)
_NOLINT_NAMES = {"bodyclose": ("LL101",), "sqlclosecheck": ("LL104",), "leaklint": ALL}
_MARKERS = {"go": (b"leaklint:", b"nolint"), "python": (b"leaklint:", b"noqa", b"NOQA", b"NoQA")}


def parse(path: str, language: str, source: bytes) -> list[Directive]:
    """Returns the suppression directives in `source`; cheap when the file has none."""
    if not any(marker in source for marker in _MARKERS.get(language, ())):
        return []
    lines = source.decode("utf-8", errors="replace").split("\n")  # not splitlines(): \f or U+2028 end no line
    found: list[Directive] = []
    for number, line in enumerate(lines, start=1):
        parsed = _go_directive(line) if language == "go" else _python_directive(line)
        if parsed is not None:
            start, codes, reason = parsed
            span = Span(path, number, start + 1, number, len(line) + 1)
            standalone = not line[:start].strip()
            directive = Directive(number + 1 if standalone else number, codes, reason.strip(), span)
            found.append(_declaration(directive, lines) if _GO_NOLINT.match(line, start) else directive)
    return found


def _go_directive(line: str) -> tuple[int, tuple[str, ...], str] | None:
    # Ex) resp, _ := http.Get(u) //leaklint:ignore LL101 closed by the caller's middleware
    if match := _GO_IGNORE.search(line):
        return match.start(), tuple(re.findall(_CODE, match.group(1))), match.group(2)
    # Ex) resp, _ := http.Get(u) //nolint:bodyclose,errcheck // closed by the middleware
    if match := _GO_NOLINT.search(line):
        names = [n.strip() for n in (match.group(1) or "leaklint").split(",")]
        codes = tuple(dict.fromkeys(code for name in names for code in _NOLINT_NAMES.get(name, ())))
        codes = ALL if "ALL" in codes else codes
        return (match.start(), codes, match.group(2) or "nolint") if codes else None
    return None


def _python_directive(line: str) -> tuple[int, tuple[str, ...], str] | None:
    # Ex) s = socket.socket()  # leaklint: ignore[LL201] handed to the event loop
    if match := _PY_IGNORE.search(line):
        return match.start(), tuple(re.findall(_CODE, match.group(1) or "")), match.group(2)
    # Ex) s = socket.socket()  # noqa: E501, LL201
    if match := _PY_NOQA.search(line):
        if match.group(1) is None:
            return match.start(), ALL, "noqa"
        codes = tuple(code for code in re.findall(r"[A-Z]+\d+", match.group(1).upper()) if code.startswith("LL"))
        return (match.start(), codes, "noqa") if codes else None
    return None


def _declaration(directive: Directive, lines: list[str]) -> Directive:
    """Returns a `//nolint` directive widened to the Go function declared on its line or below it
    (through comment lines): to the function's closing brace, the first later line that is `}`
    (gofmt's layout), or its own line for a one-line function."""
    index = directive.span.line - 1
    if directive.line > directive.span.line:  # on a line of its own: skip the doc comment below it
        index += 1
        while index < len(lines) and lines[index].lstrip().startswith("//"):
            index += 1
    if index >= len(lines) or not lines[index].startswith("func"):
        return directive
    end = index
    if not lines[index].rstrip().endswith("}") or lines[index].rstrip().endswith("{}"):
        end = next((k for k in range(index + 1, len(lines)) if lines[k].rstrip() == "}"), index)
    return replace(directive, line=index + 1, last=end + 1)


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
    line = finding.span.line
    for directive in directives:
        if directive.codes != ALL and not finding.covered_by(directive.codes):
            continue
        if line in (directive.line, directive.span.line) or directive.line <= line <= directive.last:
            return directive
    return None
