"""Findings, fixes and rule docs as LSP values: 0-based lines, UTF-16 columns (the default
position encoding), diagnostics with a rule code and a link to its docs, quick-fix code actions
with a workspace edit. It reads source lines to count columns; it never analyses."""
from __future__ import annotations

from lsprotocol import types

from leaklint_gopy import docs
from leaklint_gopy.finding import Finding, Fix, Span
from leaklint_gopy.spec import RuleSpec

_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
             "note": types.DiagnosticSeverity.Information}


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def position(lines: list[str], line: int, col: int) -> types.Position:
    """Returns the LSP position of a 1-based line and code-point column."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return types.Position(line=line - 1, character=utf16(text[: col - 1]) + max(0, col - 1 - len(text)))


def span_range(lines: list[str], span: Span) -> types.Range:
    return types.Range(start=position(lines, span.line, span.col), end=position(lines, span.end_line, span.end_col))


def code_points(lines: list[str], pos: types.Position) -> tuple[int, int]:
    """Returns the 1-based (line, code-point column) of an LSP position."""
    text = lines[pos.line] if 0 <= pos.line < len(lines) else ""
    units, col = 0, 0
    while col < len(text) and units < pos.character:
        units += utf16(text[col])
        col += 1
    return pos.line + 1, col + 1


def diagnostic(finding: Finding, lines: list[str], uri: str, rule: RuleSpec | None) -> types.Diagnostic:
    """Returns the diagnostic of one finding; its exits become related information."""
    related = [types.DiagnosticRelatedInformation(
        location=types.Location(uri=uri, range=span_range(lines, loc.span)), message=loc.note)
        for loc in finding.related if loc.span.path == finding.span.path]
    href = types.CodeDescription(href=docs.help_uri(rule)) if rule is not None else None
    return types.Diagnostic(range=span_range(lines, finding.span), message=finding.message,
                            severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
                            code=finding.rule_id, code_description=href, source="leaklint",
                            related_information=related or None, data={"fingerprint": finding.fingerprint})


def code_action(fix: Fix, lines: list[str], uri: str, diagnostic_: types.Diagnostic) -> types.CodeAction:
    """Returns a quick fix applying `fix` to the document at `uri`; safe fixes are preferred."""
    edits = [types.TextEdit(range=span_range(lines, edit.span), new_text=edit.text) for edit in fix.edits]
    title = fix.message[:1].upper() + fix.message[1:] + ("" if fix.safe else " (unsafe)")
    return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic_],
                            edit=types.WorkspaceEdit(changes={uri: edits}), is_preferred=fix.safe)


def hover(finding: Finding, rule: RuleSpec | None, lines: list[str]) -> types.Hover:
    """Returns the hover for a finding: its message, then the rule's explain text."""
    text = f"**{finding.rule_id}** {finding.message}\n\n"
    text += docs.text(rule) if rule is not None else ""
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                       range=span_range(lines, finding.span))


def contains(finding: Finding, line: int, col: int) -> bool:
    """Reports whether 1-based (line, col) lies in the finding's span (its end included)."""
    span = finding.span
    return (span.line, span.col) <= (line, col) <= (span.end_line, span.end_col)
