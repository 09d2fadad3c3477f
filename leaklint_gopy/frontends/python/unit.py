"""What every function of one Python file shares while it is lowered: positions and the module's names."""
from __future__ import annotations

import ast
import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from leaklint_gopy.frontends.python.constant_tests import module_bindings
from leaklint_gopy.frontends.python.infer import swapped_by
from leaklint_gopy.frontends.python.functionnodes import FunctionNodes
from leaklint_gopy.frontends.python.localscope import LocalScope
from leaklint_gopy.frontends.python.nodes import walk
from leaklint_gopy.frontends.python.names import ModuleScope
from leaklint_gopy.finding import Span


# `name = True` at the start of a line or after `;` (literal_switches' candidates; a conservative test)
_SWITCH_LINE = re.compile(rb"(?:^|;)\s*[A-Za-z_]\w*\s*=\s*True\b")
_CONTINUATION = re.compile(rb"[\x80-\xbf]")  # UTF-8 bytes that continue a code point: no column of their own


class Positions:
    """Converts ast positions (1-based lines, UTF-8 byte columns) to Spans with code-point columns."""

    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        self.source = source
        self.lines = source.split(b"\n")
        self._known: dict[int, int | list[int]] = {}  # line -> its length if ASCII, else see _learn

    def _column(self, line: int, offset: int) -> int:
        """Returns the 1-based code-point column of byte `offset` in `line`, in time independent of
        the line's length (a 7 MB one-line file has a million nodes on it)."""
        known = self._known.get(line)
        if known is None:
            known = self._learn(line)
        if known.__class__ is int:
            return (offset if offset < known else known) + 1  # type: ignore[operator]
        offset = min(offset, known[-1])  # type: ignore[index]
        return offset - bisect.bisect_left(known, offset, hi=len(known) - 1) + 1  # type: ignore[arg-type]

    def _learn(self, line: int) -> int | list[int]:
        """Records a line's length when it is ASCII, else the offsets of its UTF-8 continuation
        bytes followed by its length."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else b""
        known = len(text) if text.isascii() else [m.start() for m in _CONTINUATION.finditer(text)] + [len(text)]
        self._known[line] = known
        return known

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


_GREEN = frozenset({"gevent", "eventlet", "greenlet"})


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
    listed: dict[int, FunctionNodes] = field(default_factory=dict)  # function node id -> its nodes
    switch_lines: list[int] | None = None  # lines that may bind a name to True (see may_switch)
    swapped: dict[int, tuple[ast.AST, frozenset[str]]] = field(default_factory=dict)  # node id -> (node, swaps)
    green_threads: bool | None = None  # whether the module runs on green threads (see green)
    tree: ast.Module | None = None  # the parsed module
    top_bindings: Counter[str] | None = None  # see module_bindings
    idle_fields: frozenset[int] | None = None  # see idle_executors.never_read

    def green(self) -> bool:
        """Reports whether the module runs on green threads: it imports gevent, eventlet or
        greenlet, or belongs to one of them. There a blocking call is where the hub switches away
        and where a timeout (gevent.Timeout, eventlet.Timeout) or a kill (GreenletExit) is raised,
        all BaseExceptions, not the OSError the call's own failure is."""
        if self.green_threads is None:
            targets = [self.scope.name, *(target for name, target in self.scope.bindings.items()
                                          if self.scope.kinds.get(name) == "import")]
            self.green_threads = any(not _GREEN.isdisjoint(target.split(".")) for target in targets)
        return self.green_threads

    def module_bindings(self) -> Counter[str]:
        """Returns how often the module binds each name (constant_tests.module_bindings), computed once."""
        if self.top_bindings is None:
            self.top_bindings = module_bindings(self.tree) if self.tree is not None else Counter()
        return self.top_bindings

    def swaps(self, node: ast.AST) -> frozenset[str]:
        """Returns the calls a tree function's `http.client.HTTPConnection = ...` makes inert
        (infer.swapped_by), computed once per function rather than at each call of it."""
        found = self.swapped.get(id(node))
        if found is None:
            found = self.swapped[id(node)] = (node, frozenset(swapped_by(node)))  # the node kept: its id stays its own
        return found[1]

    def may_switch(self, node: ast.AST) -> bool:
        """Reports whether a line of `node` may bind a name to True (`ok = True`): where none does,
        the function has no switch (flags.literal_switches) and its walk is skipped."""
        if self.switch_lines is None:
            self.switch_lines = _switch_lines(self.positions.source)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return bool(self.switch_lines)
        first = bisect.bisect_left(self.switch_lines, node.lineno)
        return first < len(self.switch_lines) and self.switch_lines[first] <= (node.end_lineno or node.lineno)

    def local_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> LocalScope:
        """Returns the names function `node` binds, computed once per function."""
        found = self.scopes.get(id(node))
        if found is None:
            found = self.scopes[id(node)] = LocalScope.of(node, self.scope.importer, self.function_nodes(node).own)
        return found

    def function_nodes(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> FunctionNodes:
        """Returns the listed nodes of function `node`, listed once per function."""
        found = self.listed.get(id(node))
        if found is None:
            found = self.listed[id(node)] = FunctionNodes(node)  # (it keeps the node: its id stays its own)
        return found

    def every(self, node: ast.AST) -> list[ast.AST]:
        """Returns the nodes nodes.walk(node) yields, in another order: for a function, listed once
        (FunctionNodes.every), shared by the passes that read them all."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return self.function_nodes(node).every(self.function_nodes)
        return list(walk(node))


def _switch_lines(source: bytes) -> list[int]:
    """Returns the numbers of the lines that may bind a name to True (_SWITCH_LINE), read only on
    the lines that say True (a loop over every line of every file cost more than the search)."""
    found: list[int] = []
    number, counted = 1, 0
    position = source.find(b"True")
    while position != -1:
        number += source.count(b"\n", counted, position)
        counted = position
        end = source.find(b"\n", position)
        end = len(source) if end == -1 else end
        if _SWITCH_LINE.search(source[source.rfind(b"\n", 0, position) + 1:end]):
            found.append(number)
        position = source.find(b"True", end)
    return found
