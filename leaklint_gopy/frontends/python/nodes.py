"""Walking `ast` trees without ast.walk's nested generators (the largest part of a walk's cost on
every node of every lowered function). Leaves with nothing inside (a Name's Load context, a
constant) are not visited: a caller reads them from the node that holds them."""
from __future__ import annotations

import ast

LEAVES = frozenset({ast.Load, ast.Store, ast.Del, ast.Constant})


def children(node: ast.AST) -> list[ast.AST]:
    """Returns the nodes directly inside `node` but the LEAVES, in ast.iter_child_nodes' order."""
    found: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            found.extend([item for item in value if isinstance(item, ast.AST) and item.__class__ not in LEAVES])
        elif isinstance(value, ast.AST) and value.__class__ not in LEAVES:
            found.append(value)
    return found


def walk(node: ast.AST):
    """Yields `node` and the nodes inside it but the LEAVES, like ast.walk in another order."""
    stack = [node]
    pop, extend = stack.pop, stack.extend
    while stack:
        current = pop()
        yield current
        extend(children(current))
