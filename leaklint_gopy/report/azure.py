"""The Azure Pipelines reporter (ruff's `azure`): one `##vso[task.logissue ...]` logging command per
finding, which the pipeline shows as an error or warning on the build."""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import ReportOptions, printable, relative_uri

if TYPE_CHECKING:
    from leaklint_gopy.finding import RunResult


def escape(text: str) -> str:
    """Returns `text` escaped for a logging command (%, CR, LF, `;` and `]`)."""
    for raw, coded in (("%", "%AZP25"), ("\r", "%0D"), ("\n", "%0A"), (";", "%3B"), ("]", "%5D")):
        text = text.replace(raw, coded)
    return text


class AzureReporter:
    """Writes one logging command per active finding (a note becomes a warning)."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        for f in result.active:
            kind = "error" if f.severity == "error" else "warning"
            where = printable(relative_uri(f.span.path, options.source_root))
            out.write(f"##vso[task.logissue type={kind};sourcepath={escape(where)};linenumber={f.span.line};"
                      f"columnnumber={f.span.col};code={f.rule_id};]{escape(printable(f.message))}\n")


REPORTER = AzureReporter()
