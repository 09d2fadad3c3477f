"""The text reporter, as ruff prints: `path:line:col: CODE [severity] message`, the source line with
the span underlined, the leaking path as notes, the fix as a `help:` line, and a closing summary.

Paths are relative to the working directory. Colour comes only when the options ask for it (the
CLI decides: a terminal, no NO_COLOR). It never filters findings: suppressed ones are only counted.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import (UNUSED_RULE, ReportOptions, absolute, error_files, helper_locations, is_baselined,
                             printable, source, unused_message)
from leaklint_gopy.report.advice import help_text

if TYPE_CHECKING:
    from leaklint_gopy.finding import Directive, Finding, Location, RunResult

_LONG_LINE, _CONTEXT = 400, 60  # source lines longer than this are shown around the span only
_STYLES = {"path": "1", "code": "1;31", "gutter": "1;34", "caret": "1;31", "note": "1;36", "dim": "2", "help": "1;32",
           "error": "1;31", "warning": "1;33"}
HELPER_NOTES = 6  # helper notes shown per finding


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
    """Returns the one-line summary: `3 leaks in 2 files (1 suppressed, 2 in the baseline)` or `no
    leaks found in N files`, then what was left out or could not be analysed."""
    active = result.active
    if active:
        files = len({f.span.path for f in active})
        text = f"{plural(len(active), 'leak')} in {plural(files, 'file')}"
    else:
        text = f"no leaks found in {plural(result.files_checked, 'file')}"
    baselined = sum(map(is_baselined, result.findings))
    accepted = [f"{len(result.findings) - len(active) - baselined} suppressed", f"{baselined} in the baseline"]
    accepted = [part for part in accepted if not part.startswith("0 ")]
    if accepted:
        text += f" ({', '.join(accepted)})"
    if result.unchanged:
        text += f"; {plural(result.unchanged, 'existing finding')} not shown (no change touches them)"
    failed, partial = error_files(result.errors, "error"), error_files(result.errors, "warning")
    if failed:
        text += f"; {plural(len(failed), 'file')} could not be analysed"
    if partial:
        text += f"; {plural(len(partial), 'file')} with warnings"
    if options.unused_ignores and result.unused_directives:
        text += f"; {plural(len(result.unused_directives), 'unused suppression')}"
    if options.fixed:
        text = f"fixed {plural(options.fixed, 'leak')}; " + text.replace("no leaks found", "no leaks left")
    return text


def _fixable(finding: Finding, options: ReportOptions) -> bool:
    fix = finding.fix
    return fix is not None and (fix.safe or options.unsafe_fixes)


def fixable_line(findings: list[Finding], options: ReportOptions) -> str:
    """Returns `[*] N fixable with --fix`, naming the unsafe fixes `--unsafe-fixes` would add, or ""."""
    fixable = sum(_fixable(f, options) for f in findings)
    hidden = sum(f.fix is not None and not _fixable(f, options) for f in findings)
    more = f"{hidden} more with --fix --unsafe-fixes" if hidden else ""
    if fixable:
        return f"[*] {fixable} fixable with --fix" + (f" ({more})" if more else "")
    return f"{hidden} fixable with --fix --unsafe-fixes" if hidden else ""


class TextReporter:
    """Writes findings for people reading a terminal or a CI log."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        paint = _Paint(options.color)
        rules = {rule.id: rule for rule in result.rules}
        for finding in result.active:
            out.write(self.finding(finding, options, paint, help_text(finding, rules)))
        self.trailer(result, out, options, paint)

    def trailer(self, result: RunResult, out: TextIO, options: ReportOptions, paint: _Paint) -> None:
        """Writes what follows the findings: unused suppressions when asked, the summary and the
        count of fixable findings (shared with the concise format)."""
        if options.unused_ignores:
            for directive in result.unused_directives:
                out.write(self.unused(directive, options, paint))
        if not options.quiet:
            out.write(summary(result, options) + "\n")
            fixable = fixable_line(result.active, options)
            if fixable:
                out.write(fixable + "\n")

    def finding(self, finding: Finding, options: ReportOptions, paint: _Paint, fix: str = "") -> str:
        """Returns the block for one finding, ending with a blank line: the headline, the source
        line, a note per step of the leaking path, and the `help:` line when there is a fix."""
        lines = [self.headline(finding, options, paint)]
        lines += self.snippet(finding, absolute(finding.span.path), paint)
        pad = " " * self.gutter(finding)
        lines += [f"{pad} {paint('gutter', '=')} {paint('note', 'note')}: {text}" for text in self.notes(finding, options)]
        if fix:
            lines.append(f"{pad} {paint('gutter', '=')} {paint('help', 'help')}: {printable(fix)}")
        return "\n".join(lines) + "\n\n"

    def headline(self, finding: Finding, options: ReportOptions, paint: _Paint) -> str:
        """Returns `path:line:col: CODE [severity] message`, `[*]` before the message when --fix would fix it."""
        span = finding.span
        where = f"{display_path(span.path, options.cwd)}:{span.line}:{span.col}:"
        level = paint(finding.severity if finding.severity in _STYLES else "note", f"[{finding.severity}]")
        mark = "[*] " if _fixable(finding, options) else ""
        return f"{paint('path', where)} {paint('code', finding.rule_id)} {level} {mark}{printable(finding.message)}"

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
        """Returns one note per step of the leaking path, then each leaking exit not already named,
        then the first HELPER_NOTES helpers whose summaries decided it (JSON and SARIF list them all:
        a class's every method may decide what its object holds, 92 of them in CPython's idlelib)."""
        seen: list[str] = []
        for location in (*finding.flow, *finding.related):
            if location.span != finding.span and (text := self.note(location, finding.span.path, options)) \
                    and text not in seen:
                seen.append(text)
        helpers = list(dict.fromkeys(text for location in helper_locations(finding) if location.span != finding.span
                                     and (text := self.note(location, finding.span.path, options)) and text not in seen))
        more = len(helpers) - HELPER_NOTES
        return seen + helpers[:HELPER_NOTES] + ([f"and {more} more helpers' summaries used (all of them in JSON and SARIF)"]
                                                if more > 0 else [])

    def note(self, location: Location, home: str, options: ReportOptions) -> str:
        span = location.span
        text = printable(location.note.strip().removesuffix(" here"))
        if span.path != home:
            return f"{text} at {display_path(span.path, options.cwd)}:{span.line}:{span.col}"
        return text if f"line {span.line}" in text else f"{text} at line {span.line}"

    def unused(self, directive: Directive, options: ReportOptions, paint: _Paint) -> str:
        span = directive.span
        where = f"{display_path(span.path, options.cwd)}:{span.line}:{span.col}:"
        return f"{paint('path', where)} {paint('code', UNUSED_RULE[0])} {unused_message(directive)}\n"


def _window(text: str, start: int, end: int) -> tuple[str, int]:
    """Returns a long line cut to the columns around `start`..`end` (1-based) with `…` where it was
    cut, and how many code points come before it: a minified file's single line is megabytes."""
    if len(text) <= _LONG_LINE:
        return text, 0
    first, last = max(0, start - 1 - _CONTEXT), min(len(text), max(end, start) - 1 + _CONTEXT)
    head, tail = ("…", first - 1) if first else ("", 0), "…" if last < len(text) else ""
    return head[0] + text[first:last] + tail, head[1]


REPORTER = TextReporter()
