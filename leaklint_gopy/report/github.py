"""The GitHub Actions reporter: one workflow command per finding, shown as a pull-request annotation.

`::error file=F,line=L,endLine=L,col=C,endColumn=C,title=T::message`, with the escaping the
runner requires (%, CR and LF everywhere; also : and , in properties). Paths are relative to the
source root, which is the workspace in a checkout. Suppressed findings are not printed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import UNUSED_RULE, ReportOptions, printable, relative_uri
from leaklint_gopy.report.advice import help_text
from leaklint_gopy.report.text import TextReporter

if TYPE_CHECKING:
    from leaklint_gopy.finding import Finding, RunResult

LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """Returns `text` escaped for the message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Returns `text` escaped for a property value of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, properties: list[tuple[str, str | int]], message: str) -> str:
    """Returns one workflow command line; control characters in property values are escaped, the
    message's own line breaks kept (callers pass its parts through printable())."""
    props = ",".join(f"{key}={escape_property(printable(str(value)))}" for key, value in properties)
    return f"::{level} {props}::{escape_data(message)}\n"


class GithubReporter:
    """Writes workflow commands for findings, unanalysed files and (when asked) unused suppressions."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        names = {rule.id: rule.name for rule in result.rules}
        for finding in result.active:
            out.write(self.finding(finding, names.get(finding.rule_id, ""), result, options))
        for error in result.errors:
            title = "leaklint could not analyse this file" if error.severity == "error" else "leaklint warning"
            where = [("file", relative_uri(error.path, options.source_root)),
                     ("line", error.line), ("col", error.col), ("title", title)]
            out.write(command(LEVELS[error.severity], where, printable(error.message)))
        if options.unused_ignores:
            for directive in result.unused_directives:
                where = [("file", relative_uri(directive.span.path, options.source_root)), ("line", directive.span.line),
                         ("col", directive.span.col), ("title", f"{UNUSED_RULE[0]} {UNUSED_RULE[1]}")]
                codes = ", ".join(directive.codes) or "no rule code"
                out.write(command("warning", where, f"this suppression ({codes}) suppresses nothing"))

    def finding(self, finding: Finding, name: str, result: RunResult, options: ReportOptions) -> str:
        span = finding.span
        properties: list[tuple[str, str | int]] = [
            ("file", relative_uri(span.path, options.source_root)),
            ("line", span.line), ("endLine", span.end_line), ("col", span.col), ("endColumn", span.end_col),
            ("title", f"{finding.rule_id} {name}".strip()),
        ]
        notes = TextReporter().notes(finding, options)
        fix = help_text(finding, {rule.id: rule for rule in result.rules})
        message = printable(finding.message) + "".join(f"\n  = note: {note}" for note in notes) + \
            (f"\n  = help: {printable(fix)}" if fix else "")
        return command(LEVELS.get(finding.severity, "error"), properties, message)


REPORTER = GithubReporter()
