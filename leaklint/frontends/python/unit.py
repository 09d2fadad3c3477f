"""What every function of one Python file shares while it is lowered: positions and the module's names."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from leaklint.frontends.python.localscope import LocalScope
from leaklint.frontends.python.names import ModuleScope
from leaklint.ir import Span


class Positions:
    """Converts ast positions (1-based lines, UTF-8 byte columns) to Spans with code-point columns."""

    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        self.lines = source.split(b"\n")

    def _column(self, line: int, offset: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else b""
        prefix = text[:offset]
        return (len(prefix) if prefix.isascii() else len(prefix.decode("utf-8", "replace"))) + 1

    def span(self, node: ast.AST) -> Span:
        line, end_line = node.lineno, node.end_lineno or node.lineno
        return Span(self.path, line, self._column(line, node.col_offset), end_line,
                    self._column(end_line, node.end_col_offset or node.col_offset))

    def end(self, node: ast.AST) -> Span:
        """Returns the span of the last line of `node` (where a function or loop body ends)."""
        line = node.end_lineno or node.lineno
        return Span(self.path, line, 1, line, self._column(line, node.end_col_offset or 0))

    def text(self, node: ast.AST) -> bytes:
        return b"\n".join(self.lines[node.lineno - 1:(node.end_lineno or node.lineno)])


@dataclass(slots=True)
class ModuleUnit:
    """What every function of one file shares while it is lowered."""

    scope: ModuleScope
    positions: Positions
    needles: frozenset[str]
    patterns: frozenset[str] = frozenset()  # the qualified calls that acquire (`socketserver.TCPServer`)
    owners: dict[str, object] = field(default_factory=dict)
    lowered: set[int] = field(default_factory=set)
    scopes: dict[int, LocalScope] = field(default_factory=dict)

    def local_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> LocalScope:
        """Returns the names function `node` binds, computed once per function."""
        found = self.scopes.get(id(node))
        if found is None:
            found = self.scopes[id(node)] = LocalScope.of(node, self.scope.importer)
        return found

