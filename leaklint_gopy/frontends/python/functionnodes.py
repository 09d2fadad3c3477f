"""The nodes of one function, listed once for every pass of its lowering that reads them: its
local names (localscope.py) from the nodes of its own body, and from all of its nodes the names it
reads (lower.py's loop locals), its literal switches (flags.py), its bindings (constant_tests.py)
and where it expects exceptions (flow.Expectations), which each walked the function again. It reads
`ast` only; the lists hold what nodes.walk yields, and nothing else."""
from __future__ import annotations

import ast

from leaklint_gopy.frontends.python.nodes import LEAVES, add_children, walk

# The node kinds whose insides belong to another scope.
NESTED = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})

Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def own_nodes(node: Function) -> list[ast.AST]:
    """Returns the nodes of a function's body outside nested scopes (the nested scopes' own nodes
    included), in the order of nodes.walk from the body's statements (LocalScope notes them so:
    where two bind the same name, that order decides)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(node.body) if isinstance(node.body, list) else [node.body]
    pop, append = stack.pop, found.append
    while stack:
        child = pop()
        append(child)
        if child.__class__ not in NESTED:
            add_children(child, stack)
    return found


class FunctionNodes:
    """A function's own nodes (own_nodes), and on demand all of its nodes, built from those of its
    nested functions, which their own lowering shares (see ModuleUnit.function_nodes)."""

    __slots__ = ("node", "own", "_every")

    def __init__(self, node: Function) -> None:
        self.node = node
        self.own = own_nodes(node)
        self._every: list[ast.AST] | None = None

    def every(self, nested) -> list[ast.AST]:
        """Returns the nodes nodes.walk(node) yields, the function first, in another order;
        `nested(function)` gives the FunctionNodes of a nested function."""
        if self._every is None:
            node = self.node
            header: list[ast.AST] = []
            add_children(node, header)  # Ex) def f(a=g()) -> "T": ...   (its parameters, decorators, annotation)
            body = {id(statement) for statement in node.body} if isinstance(node.body, list) else {id(node.body)}
            found = [node, *(n for part in header if id(part) not in body for n in walk(part))]
            # Ex) lambda: None   (a constant body is in own_nodes, as LocalScope starts from it, but no walk yields it)
            found += self.own if node.body.__class__ not in LEAVES else self.own[1:]
            for child in self.own:
                if child.__class__ in NESTED:
                    inner = nested(child).every(nested) if child.__class__ is not ast.ClassDef else list(walk(child))
                    found += inner[1:]  # (the nested scope's node is among the own nodes already)
            self._every = found
        return self._every

