"""Walking `ast` trees without ast.walk's nested generators (the largest part of a walk's cost on
every node of every lowered function). Leaves with nothing inside (a Name's Load context, a
constant) are not visited: a caller reads them from the node that holds them."""
from __future__ import annotations

import ast

LEAVES = frozenset({ast.Load, ast.Store, ast.Del, ast.Constant})


# Fields that hold only names, numbers or contexts in every node kind that has them (Name.id,
# alias.asname, ImportFrom.level, ...): never looked into. (`names`, `value` and, from Python 3.12's
# TypeAlias, `name` hold nodes in some kinds.)
_SCALAR = frozenset({"id", "attr", "arg", "asname", "module", "level", "conversion", "simple", "is_async",
                     "type_comment", "kind", "ctx", "rest", "kwd_attrs", "tag"})
_FIELDS: dict[type, tuple[str, ...]] = {}  # node kind -> its fields that may hold nodes


def children(node: ast.AST) -> list[ast.AST]:
    """Returns the nodes directly inside `node` but the LEAVES, in ast.iter_child_nodes' order."""
    found: list[ast.AST] = []
    fields = _FIELDS.get(node.__class__)
    if fields is None:
        fields = _FIELDS[node.__class__] = tuple(f for f in node._fields if f not in _SCALAR)
    for name in fields:
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
