"""`leaklint server` driven over stdio by pygls' language client: diagnostics on open and save,
a quick fix whose edit removes the leak, hover with the rule's explain text."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient
from pygls.uris import from_fs_path

from leaklint_gopy.fixes.source import apply
from leaklint_gopy.finding import Edit
from leaklint_gopy.ir import Span

REPO = Path(__file__).resolve().parent.parent
LEAK = """package svc

import "net/http"

func Status(c *http.Client, u string) (int, error) {
\tresp, err := c.Get(u)
\tif err != nil {
\t\treturn 0, err
\t}
\treturn resp.StatusCode, nil
}
"""
TIMEOUT = int(os.environ.get("LEAKLINT_LSP_TIMEOUT", "60"))


class Client(BaseLanguageClient):
    def __init__(self) -> None:
        super().__init__("leaklint-test", "0")
        self.published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()


async def session(tree: Path, body) -> None:
    client = Client()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        client.published.put_nowait(params)

    env = {**os.environ, "PYTHONPATH": str(REPO), "LEAKLINT_CACHE_DIR": str(tree / ".cache")}
    await client.start_io(sys.executable, "-m", "leaklint_gopy", "server", env=env, cwd=str(tree))
    try:
        await asyncio.wait_for(client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(tree)))), TIMEOUT)
        client.initialized(types.InitializedParams())
        await body(client)
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
    finally:  # a failed test must not leave the server behind
        server = client._server
        if server is not None and server.returncode is None:
            try:
                await asyncio.wait_for(server.wait(), 5)
            except asyncio.TimeoutError:
                server.kill()
        await asyncio.wait_for(client.stop(), TIMEOUT)


def run(tree: Path, body) -> None:
    asyncio.run(asyncio.wait_for(session(tree, body), 4 * TIMEOUT))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "probe.go").write_text(LEAK)
    return tmp_path


def test_open_publishes_diagnostics_and_code_action_fixes_the_leak(tree):
    path = tree / "svc" / "probe.go"
    uri = from_fs_path(str(path))

    async def body(client: Client) -> None:
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="go", version=1, text=LEAK)))
        params = await asyncio.wait_for(client.published.get(), TIMEOUT)
        assert params.uri == uri
        (diagnostic,) = params.diagnostics
        assert (diagnostic.code, diagnostic.source) == ("LL101", "leaklint")
        assert diagnostic.range == types.Range(types.Position(5, 14), types.Position(5, 22))
        assert diagnostic.message.startswith("response body of `resp` from (*http.Client).Get is not closed")
        assert diagnostic.severity == types.DiagnosticSeverity.Error
        actions = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic]))), TIMEOUT)
        (action,) = actions
        assert action.title == "Add `defer resp.Body.Close()` after the error check"
        assert action.kind == types.CodeActionKind.QuickFix and action.is_preferred
        (edit,) = action.edit.changes[uri]
        assert edit.range == types.Range(types.Position(8, 2), types.Position(8, 2))
        assert edit.new_text == "\n\tdefer resp.Body.Close()"
        # The client applies the edit and saves: the leak is gone.
        fixed = apply(LEAK, [Edit(Span(str(path), 9, 3, 9, 3), edit.new_text)])
        path.write_text(fixed)
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
        params = await asyncio.wait_for(client.published.get(), TIMEOUT)
        assert list(params.diagnostics) == []

    run(tree, body)


def test_hover_shows_the_rules_explain_text(tree):
    uri = from_fs_path(str(tree / "svc" / "probe.go"))

    async def body(client: Client) -> None:
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="go", version=1, text=LEAK)))
        await asyncio.wait_for(client.published.get(), TIMEOUT)
        hover = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(5, 16))), TIMEOUT)
        assert hover.contents.kind == types.MarkupKind.Markdown
        assert hover.contents.value.startswith("**LL101** response body of `resp`")
        assert "go-http-body-not-closed" in hover.contents.value
        nothing = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(0, 0))), TIMEOUT)
        assert nothing is None

    run(tree, body)


def test_no_code_action_once_the_buffer_differs_from_the_checked_file(tree):
    uri = from_fs_path(str(tree / "svc" / "probe.go"))

    async def body(client: Client) -> None:
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="go", version=1, text=LEAK)))
        (diagnostic,) = (await asyncio.wait_for(client.published.get(), TIMEOUT)).diagnostics
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangeWholeDocument(text="// edited\n" + LEAK)]))
        actions = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic]))), TIMEOUT)
        assert not actions

    run(tree, body)
