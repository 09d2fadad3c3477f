"""The concise reporter (ruff's `concise`): one line per finding, `path:line:col: CODE [severity]
message` (`[*]` before a fixable one's message), then the summary and what --fix would fix. For
editors and terminals too small for source snippets."""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import ReportOptions
from leaklint_gopy.report.text import TextReporter, _Paint

if TYPE_CHECKING:
    from leaklint_gopy.finding import RunResult


class ConciseReporter:
    """Writes one line per active finding (and per unused suppression when asked)."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        text, paint = TextReporter(), _Paint(options.color)
        for finding in result.active:
            out.write(text.headline(finding, options, paint) + "\n")
        text.trailer(result, out, options, paint)


REPORTER = ConciseReporter()
