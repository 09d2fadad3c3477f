"""Local flags with a literal value (`done = False`, `err = None`) on every path reaching the
statement being lowered, so that `finally: if not done: sock.close()` keeps only the branch that
can run on each copy of the finally block; and a method's once-guard flags (`self._closed`, see
once_guards), known unset on entry.

Values are known in lowering order and forgotten wherever paths with other values may join
(branches, loops, handlers); an unknown test lowers both branches as usual. It never emits IR.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable

from leaklint_gopy.frontends.python.nodes import add_children

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
        for name in bound_names(node) | _bound_fields(node):
            if value is _UNKNOWN:
                self.known.pop(name, None)
            else:
                self.known[name] = value

    def decide(self, test: ast.expr) -> bool | None:
        """Returns the truth of `test` when the flags decide it, else None."""
        match test:
            case ast.Name(id=name) if name in self.known:
                return bool(self.known[name])
            case ast.Attribute(value=ast.Name(id=base), attr=attr) if f"{base}.{attr}" in self.known:
                return bool(self.known[f"{base}.{attr}"])
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
            add_children(current, stack)
    return names


def once_guards(body: list[ast.stmt], receiver: str) -> set[str]:
    """Returns the fields (`self._closed`) a method's body guards itself with to run once: a
    top-level test of the field that skips the work when it is set (`if self._closed: return`, or
    `if not self._closed:` around the work), and a top-level assignment of True to it there.

    Runtime semantics: the flag is set exactly when the guarded work (a release) runs, so while a
    resource the work releases is still open the flag is unset; the method is read as its first
    run, the way `with lock: if self._closed: return; self._closed = True` is meant."""
    guards: set[str] = set()
    statements = [s for statement in body for s in (statement.body if isinstance(statement, ast.With)
                                                   else [statement])]
    for index, statement in enumerate(statements):
        if not isinstance(statement, ast.If) or statement.orelse:
            continue
        match statement.test:
            case ast.Attribute(value=ast.Name(id=base), attr=attr) if base == receiver and all(
                    isinstance(s, (ast.Return, ast.Pass)) for s in statement.body):
                later = statements[index + 1:]  # Ex) if self._closed: return ... self._closed = True
            case ast.UnaryOp(op=ast.Not(), operand=ast.Attribute(value=ast.Name(id=base), attr=attr)) \
                    if base == receiver:
                later = statement.body  # Ex) if not self._closed: self._closed = True; self.sock.close()
            case _:
                continue
        if any(_sets_true(s, receiver, attr) for s in later):
            guards.add(f"{receiver}.{attr}")
    return guards


def _sets_true(node: ast.stmt, receiver: str, attr: str) -> bool:
    return (isinstance(node, ast.Assign) and _literal(node.value) is True
            and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == receiver
                    and t.attr == attr for t in node.targets))


def _bound_fields(node: ast.stmt) -> set[str]:
    """Returns the receiver fields (`self._closed`) a simple assignment binds."""
    if not isinstance(node, ast.Assign):
        return set()
    return {f"{t.value.id}.{t.attr}" for t in node.targets
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)}


def _literal(node: ast.expr) -> object:
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
        return node.value
    return _UNKNOWN



def literal_switches(nodes: Iterable[ast.AST]) -> frozenset[str]:
    """Returns the names a function binds only by `name = True|False|None`, and at least once to
    True: switches whose every change the lowerer emits as a plain assignment."""
    plain: set[int] = set()  # the Name nodes of literal assignments
    switched: set[str] = set()
    other: set[str] = set()
    stores: list[ast.Name] = []
    for child in nodes:  # (the function's nodes, listed once: see functionnodes.py)
        if isinstance(child, ast.Name):
            if isinstance(child.ctx, (ast.Store, ast.Del)):
                stores.append(child)
        elif isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name) \
                and _literal(child.value) is not _UNKNOWN:
            plain.add(id(child.targets[0]))
            if child.value.value is True:
                switched.add(child.targets[0].id)
        elif isinstance(child, (ast.Nonlocal, ast.Global)):
            other.update(child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            other.add(child.name)
    if not switched:
        return frozenset()
    other.update(child.id for child in stores if id(child) not in plain)
    return frozenset(switched - other)
