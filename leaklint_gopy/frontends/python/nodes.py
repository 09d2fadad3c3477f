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
_STATEMENTS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})  # lists of statements, handlers, cases
_ADDERS: dict[type, object] = {}  # node kind -> the function appending its children to a list (see _adder)


def children(node: ast.AST) -> list[ast.AST]:
    """Returns the nodes directly inside `node` but the LEAVES, in ast.iter_child_nodes' order."""
    found: list[ast.AST] = []
    add_children(node, found)
    return found


def add_children(node: ast.AST, found: list[ast.AST]) -> None:
    """Appends children(node) to `found` (a walk's stack: no list built per node)."""
    adder = _ADDERS.get(node.__class__)
    if adder is None:
        adder = _ADDERS[node.__class__] = _adder(node)
    adder(node, found)


def _adder(node: ast.AST):
    """Returns the function appending the children of `node`'s kind to a list, written out field by
    field (a loop over the fields with getattr per node cost a third more). A list field of
    statements, handlers or cases holds nothing else (the grammar says so) and is taken whole; other
    fields are tested as children() promises. Which fields are lists is read from `node`: a field is
    a list in every node of its kind or in none."""
    lines = ["def add(node, found):", " pass"]
    for name in node._fields:
        value = getattr(node, name, None)
        if name in _SCALAR:
            continue
        if value.__class__ is list and name in _STATEMENTS:
            lines.append(f" found += node.{name}")
        elif value.__class__ is list:
            lines += [f" for item in node.{name}:",
                      "  if item.__class__ not in LEAVES and isinstance(item, AST): found.append(item)"]
        else:
            lines += [f" value = getattr(node, {name!r}, None)",
                      " if value.__class__ not in LEAVES and isinstance(value, AST): found.append(value)"]
    namespace = {"LEAVES": LEAVES, "AST": ast.AST}
    exec("\n".join(lines), namespace)  # noqa: S102 (source written above from the kind's field names)
    return namespace["add"]


def walk(node: ast.AST):
    """Yields `node` and the nodes inside it but the LEAVES, like ast.walk in another order."""
    stack = [node]
    pop, adders = stack.pop, _ADDERS
    while stack:
        current = pop()
        yield current
        adder = adders.get(current.__class__)
        if adder is None:
            adder = adders[current.__class__] = _adder(current)
        adder(current, stack)
