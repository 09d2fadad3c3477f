"""The grouped reporter (ruff's `grouped`): findings under their file's name, one indented line
each (`line:col CODE [severity] message`), a blank line between files, then the summary."""
from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import ReportOptions, printable
from leaklint_gopy.report.text import _Paint, display_path, summary

if TYPE_CHECKING:
    from leaklint_gopy.finding import RunResult


class GroupedReporter:
    """Writes the active findings grouped by file."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        paint = _Paint(options.color)
        for path, findings in groupby(result.active, key=lambda f: f.span.path):
            out.write(paint("path", display_path(path, options.cwd) + ":") + "\n")
            for f in findings:
                out.write(f"  {f.span.line}:{f.span.col} {paint('code', f.rule_id)} [{f.severity}] {printable(f.message)}\n")
            out.write("\n")
        if not options.quiet:
            out.write(summary(result, options) + "\n")


REPORTER = GroupedReporter()
