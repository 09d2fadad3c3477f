"""The pylint reporter (ruff's `pylint`): `path:line: [CODE] message`, one line per finding, the
form pylint-aware tools (and Jenkins' warnings plugin) parse."""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import ReportOptions, printable
from leaklint_gopy.report.text import display_path

if TYPE_CHECKING:
    from leaklint_gopy.finding import RunResult


class PylintReporter:
    """Writes one line per active finding."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        for f in result.active:
            out.write(f"{display_path(f.span.path, options.cwd)}:{f.span.line}: [{f.rule_id}] {printable(f.message)}\n")


REPORTER = PylintReporter()
