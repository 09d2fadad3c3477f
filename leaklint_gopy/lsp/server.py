"""The pygls language server: diagnostics on didOpen/didSave, quick fixes, hover.

A check runs the same project logic as `leaklint check FILE` (configuration, rules, a Go file's
package siblings as context) with the result cache, so a save re-analyses only what changed.
Fixes are offered only while the buffer equals the file they were computed on.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from leaklint_gopy import __version__
from leaklint_gopy.finding import Finding
from leaklint_gopy.lsp import convert

_LANGUAGES = (".go", ".py", ".pyi")


@dataclass(slots=True)
class _Checked:
    """The last check of one document: its text on disk, findings and their diagnostics."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[types.Diagnostic] = field(default_factory=list)


class LeaklintServer(LanguageServer):
    """Holds the last check per document and the rules by id."""

    def __init__(self) -> None:
        super().__init__("leaklint", __version__)
        self.checked: dict[str, _Checked] = {}
        self.rules: dict = {}

    def check(self, uri: str) -> None:
        """Checks the file behind `uri` and publishes its diagnostics."""
        path = to_fs_path(uri)
        if path is None or not path.endswith(_LANGUAGES) or not os.path.isfile(path):
            return
        try:
            findings, rules, text = analyse(path)
        except Exception as exc:  # noqa: BLE001 - an editor must keep its server
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"leaklint: {exc}"))
            return
        self.rules.update((rule.id, rule) for rule in rules)
        lines = text.split("\n")
        diagnostics = [convert.diagnostic(f, lines, uri, self.rules.get(f.rule_id)) for f in findings]
        self.checked[uri] = _Checked(text, findings, diagnostics)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))


def analyse(path: str) -> tuple[list[Finding], list, str]:
    """Returns the active findings of one file (with fixes), every rule, and the text they are for."""
    from leaklint_gopy.cli import build_parser
    from leaklint_gopy.project import Project

    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    project = Project.from_args(build_parser().parse_args(["check", "--show-fixes", "--jobs", "1", path]))
    result = project.run()
    findings = [f for f in project.accepted(result.findings, baseline=None) if not f.suppressed
                and os.path.abspath(f.span.path) == os.path.abspath(path)]
    return findings, result.rules, text


def build() -> LeaklintServer:
    """Returns the server with its features registered."""
    server = LeaklintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LeaklintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LeaklintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LeaklintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.checked.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: LeaklintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        checked = ls.checked.get(uri)
        if checked is None or ls.workspace.get_text_document(uri).source != checked.text:
            return []  # edited since: the fixes' positions no longer hold
        lines = checked.text.split("\n")
        start = convert.code_points(lines, params.range.start)
        end = convert.code_points(lines, params.range.end)
        actions = []
        for finding, diagnostic in zip(checked.findings, checked.diagnostics):
            span = finding.span
            touches = (span.line, span.col) <= end and start <= (span.end_line, span.end_col)
            if finding.fix is not None and touches:
                actions.append(convert.code_action(finding.fix, lines, uri, diagnostic))
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LeaklintServer, params: types.HoverParams) -> types.Hover | None:
        checked = ls.checked.get(params.text_document.uri)
        if checked is None:
            return None
        lines = checked.text.split("\n")
        line, col = convert.code_points(lines, params.position)
        finding = next((f for f in checked.findings if convert.contains(f, line, col)), None)
        return convert.hover(finding, ls.rules.get(finding.rule_id), lines) if finding is not None else None

    return server


def main(argv: list[str] | None = None) -> int:
    """Runs the server on stdio until the client exits."""
    import argparse

    parser = argparse.ArgumentParser(prog="leaklint server", description="The leaklint language server (stdio).")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only transport)")
    parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    build().start_io()
    return 0
