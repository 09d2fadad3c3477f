"""The text reporter, as ruff prints: `path:line:col: CODE message`, the source line with the span
underlined, the leaking path as notes, and a closing summary.

Paths are relative to the working directory. Colour comes only when the options ask for it (the
CLI decides: a terminal, no NO_COLOR). It never filters findings: suppressed ones are only counted.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

from leaklint.report import ReportOptions, absolute, printable, source

if TYPE_CHECKING:
    from leaklint.finding import Finding, Location, RunResult
    from leaklint.ir import Directive

_LONG_LINE, _CONTEXT = 400, 60  # source lines longer than this are shown around the span only
_STYLES = {"path": "1", "code": "1;31", "gutter": "1;34", "caret": "1;31", "note": "1;36", "dim": "2"}


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if self.enabled and text else text


def display_path(path: str, cwd: str) -> str:
    """Returns `path` relative to `cwd` when it lies below it, else absolute, safe to print (see printable)."""
    full = absolute(path)
    rel = os.path.relpath(full, cwd)
    return printable(full if rel.startswith(os.pardir) else rel)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(result: RunResult, options: ReportOptions) -> str:
    """Returns the one-line summary: `3 leaks in 2 files (1 suppressed)` or `no leaks found in N files`."""
    active = result.active
    suppressed = len(result.findings) - len(active)
    if active:
        files = len({f.span.path for f in active})
        text = f"{plural(len(active), 'leak')} in {plural(files, 'file')}"
    else:
        text = f"no leaks found in {plural(result.files_checked, 'file')}"
    if suppressed:
        text += f" ({suppressed} suppressed)"
    if result.errors:
        text += f"; {plural(len(result.errors), 'file')} could not be analysed"
    if options.unused_ignores and result.unused_directives:
        text += f"; {plural(len(result.unused_directives), 'unused suppression')}"
    return text


class TextReporter:
    """Writes findings for people reading a terminal or a CI log."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        paint = _Paint(options.color)
        for finding in result.active:
            out.write(self.finding(finding, options, paint))
        if options.unused_ignores:
            for directive in result.unused_directives:
                out.write(self.unused(directive, options, paint))
        if not options.quiet:
            out.write(summary(result, options) + "\n")

    def finding(self, finding: Finding, options: ReportOptions, paint: _Paint) -> str:
        """Returns the block for one finding, ending with a blank line."""
        span = finding.span
        where = f"{display_path(span.path, options.cwd)}:{span.line}:{span.col}:"
        lines = [f"{paint('path', where)} {paint('code', finding.rule_id)} {printable(finding.message)}"]
        lines += self.snippet(finding, absolute(span.path), paint)
        lines += [f"{' ' * self.gutter(finding)} {paint('gutter', '=')} {paint('note', 'note')}: {text}"
                  for text in self.notes(finding, options)]
        return "\n".join(lines) + "\n\n"

    def gutter(self, finding: Finding) -> int:
        return len(str(finding.span.line))

    def snippet(self, finding: Finding, path: str, paint: _Paint) -> list[str]:
        """Returns the source line with the span underlined, or nothing when the file is gone."""
        span = finding.span
        text = source.line(path, span.line)
        if text is None:
            return []
        end = span.end_col if span.end_line == span.line else len(text) + 1
        text, cut = _window(text, span.col, end)
        start = source.cells(printable(text[: span.col - 1 - cut]))
        width = max(1, source.cells(printable(text[: max(end, span.col) - 1 - cut])) - start)
        text = printable(text)
        pad = " " * self.gutter(finding)
        bar = paint("gutter", "|")
        underline = paint("caret", "^" * width + " " + finding.rule_id)
        return [f"{pad} {bar}", f"{paint('gutter', str(span.line))} {bar} {text.expandtabs(4).rstrip()}",
                f"{pad} {bar} {' ' * start}{underline}", f"{pad} {bar}"]

    def notes(self, finding: Finding, options: ReportOptions) -> list[str]:
        """Returns one note per step of the leaking path, then each leaking exit not already named."""
        seen: list[str] = []
        for location in (*finding.flow, *finding.related):
            if location.span == finding.span:
                continue
            text = self.note(location, finding.span.path, options)
            if text and text not in seen:
                seen.append(text)
        return seen

    def note(self, location: Location, home: str, options: ReportOptions) -> str:
        span = location.span
        text = printable(location.note.strip().removesuffix(" here"))
        if span.path != home:
            return f"{text} at {display_path(span.path, options.cwd)}:{span.line}:{span.col}"
        return text if f"line {span.line}" in text else f"{text} at line {span.line}"

    def unused(self, directive: Directive, options: ReportOptions, paint: _Paint) -> str:
        span = directive.span
        where = f"{display_path(span.path, options.cwd)}:{span.line}:{span.col}:"
        if directive.codes:
            text = f"unused suppression: no {', '.join(directive.codes)} finding here"
        else:
            text = "suppression without a rule code suppresses nothing"
        return f"{paint('path', where)} {paint('code', 'unused-ignore')} {text}\n"


def _window(text: str, start: int, end: int) -> tuple[str, int]:
    """Returns a long line cut to the columns around `start`..`end` (1-based) with `…` where it was
    cut, and how many code points come before it: a minified file's single line is megabytes."""
    if len(text) <= _LONG_LINE:
        return text, 0
    first, last = max(0, start - 1 - _CONTEXT), min(len(text), max(end, start) - 1 + _CONTEXT)
    head, tail = ("…", first - 1) if first else ("", 0), "…" if last < len(text) else ""
    return head[0] + text[first:last] + tail, head[1]


REPORTER = TextReporter()
