"""Local flags with a literal value (`done = False`, `err = None`) on every path reaching the
statement being lowered, so that `finally: if not done: sock.close()` keeps only the branch that
can run on each copy of the finally block.

Values are known in lowering order and forgotten wherever paths with other values may join
(branches, loops, handlers); an unknown test lowers both branches as usual. It never emits IR.
"""
from __future__ import annotations

import ast

_UNKNOWN = object()


class Flags:
    """The literal values local names are known to hold at the current lowering point."""

    def __init__(self) -> None:
        self.known: dict[str, object] = {}

    def snapshot(self) -> dict[str, object]:
        return dict(self.known)

    def restore(self, state: dict[str, object]) -> None:
        self.known = dict(state)

    def merge(self, states: list[dict[str, object]]) -> None:
        """Keeps what every joining path agrees on; no path (all returned) keeps nothing."""
        if not states:
            self.known = {}
            return
        first, *rest = states
        self.known = {k: v for k, v in first.items() if all(k in s and s[k] is v for s in rest)}

    def forget(self, names: set[str]) -> None:
        for name in names:
            self.known.pop(name, None)

    def statement(self, node: ast.stmt) -> None:
        """Updates the flags after a simple statement: a literal assignment sets them, any other binding forgets."""
        value = _literal(node.value) if isinstance(node, ast.Assign) else _UNKNOWN
        if value is _UNKNOWN and not self.known:
            return  # nothing to set and nothing to forget
        for name in bound_names(node):
            if value is _UNKNOWN:
                self.known.pop(name, None)
            else:
                self.known[name] = value

    def decide(self, test: ast.expr) -> bool | None:
        """Returns the truth of `test` when the flags decide it, else None."""
        match test:
            case ast.Name(id=name) if name in self.known:
                return bool(self.known[name])
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                inner = self.decide(operand)
                return None if inner is None else not inner
            case ast.Compare(left=ast.Name(id=name), ops=[ast.Is() | ast.IsNot() as op],
                             comparators=[ast.Constant(value=None)]) if name in self.known:
                return (self.known[name] is None) == isinstance(op, ast.Is)
            case ast.BoolOp(op=op, values=values):
                decided = [self.decide(v) for v in values]
                stop = isinstance(op, ast.Or)
                if stop in decided:
                    return stop
                return None if None in decided else not stop
        return None


def bound_names(node: ast.AST) -> set[str]:
    """Returns the names a statement (and everything nested in it, not in nested functions) binds."""
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and isinstance(current.ctx, (ast.Store, ast.Del)):
            names.add(current.id)
        elif isinstance(current, ast.ExceptHandler) and current.name:
            names.add(current.name)
        if current is node or not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                                       ast.Lambda)):
            stack.extend(ast.iter_child_nodes(current))
    return names


def _literal(node: ast.expr) -> object:
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
        return node.value
    return _UNKNOWN



def literal_switches(node: ast.AST) -> frozenset[str]:
    """Returns the names a function binds only by `name = True|False|None`, and at least once to
    True: switches whose every change the lowerer emits as a plain assignment."""
    plain: set[int] = set()  # the Name nodes of literal assignments
    switched: set[str] = set()
    other: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name) \
                and _literal(child.value) is not _UNKNOWN:
            plain.add(id(child.targets[0]))
            if child.value.value is True:
                switched.add(child.targets[0].id)
        elif isinstance(child, (ast.Nonlocal, ast.Global)):
            other.update(child.names)
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)) and id(child) not in plain:
            other.add(child.id)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            other.add(child.name)
    return frozenset(switched - other)
