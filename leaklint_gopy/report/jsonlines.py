"""The JSON Lines reporter (ruff's `json-lines`): one finding per line, each the object
docs/json.md describes, active findings only; nothing else, so a stream can be piped."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import ReportOptions
from leaklint_gopy.report.json import JsonReporter

if TYPE_CHECKING:
    from leaklint_gopy.finding import RunResult


class JsonLinesReporter:
    """Writes one compact JSON object per active finding."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        for finding in JsonReporter().document(result, options)["findings"]:
            if not finding["suppressed"]:
                out.write(json.dumps(finding, sort_keys=True, ensure_ascii=False) + "\n")


REPORTER = JsonLinesReporter()
