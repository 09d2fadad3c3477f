"""The statistics reporter (`--statistics`, as ruff's): how many active findings each rule has,
most first, one `count<TAB>code<TAB>name` line per rule; nothing when there is none."""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import ReportOptions

if TYPE_CHECKING:
    from leaklint_gopy.finding import RunResult


class StatisticsReporter:
    """Writes the count of active findings per rule."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        names = {rule.id: rule.name for rule in result.rules}
        counts = Counter(f.rule_id for f in result.active)
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            out.write(f"{count}\t{code}\t{names.get(code, '')}\n")


REPORTER = StatisticsReporter()
