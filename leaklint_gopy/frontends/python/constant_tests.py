"""Tests of a name against a constant (`if file == '-':`) that a function repeats: while the name
(bound once in the function, or once in the module and declared `global` nowhere) is not rebound,
each repetition takes the branch the first one took, so what was acquired only under one outcome
is absent under the other (`if file != '-': fp.close()` closes every file opened where
`file != '-'`). It owns recognising such tests and the flags they put on edges and calls (ir.Guard
kinds "true"/"false", `("flag", "key=true")` kwargs, as the Go front-end's fixed flags), and tests
of a descriptor against the standard streams' numbers (`if fd > 2:`); it never emits IR itself.
"""
from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterable

from leaklint_gopy.frontends.python.classes import statements
from leaklint_gopy.frontends.python.nodes import add_children
from leaklint_gopy.ir import Guard


def constant_test(test: ast.expr) -> tuple[str, str, bool] | None:
    """Returns (name, key, sense) for `name == constant` (sense True) or `name != constant`
    (sense False) with a string, bytes or int constant; None for any other test."""
    match test:
        case ast.Compare(left=ast.Name(id=name), ops=[ast.Eq() | ast.NotEq() as op],
                         comparators=[ast.Constant(value=str() | bytes() | int() as value)]) \
                if not isinstance(value, bool):
            return name, f"{name}=={value!r}", isinstance(op, ast.Eq)
    return None


def edge_guards(key: str, sense: bool) -> tuple[Guard, Guard]:
    """Returns the guards of the true and false edges of a constant test."""
    return (Guard(key, "true"), Guard(key, "false")) if sense else (Guard(key, "false"), Guard(key, "true"))


def flags(known: dict[str, bool]) -> tuple[tuple[str, str], ...]:
    """Returns the kwargs marking a call made where the constant tests `known` had these outcomes."""
    return tuple(("flag", f"{key}={'true' if truth else 'false'}") for key, truth in sorted(known.items()))


class Bindings:
    """How often each name is bound in one function (parameters, assignments, loop targets,
    imports, handlers, nested definitions), counted once on first use; `module` returns the
    module's own counts (module_bindings), asked only for a name the function never binds;
    `every` the function's nodes (ModuleUnit.every)."""

    def __init__(self, node: ast.AST, module: Callable[[], Counter[str]],
                 every: Callable[[ast.AST], list[ast.AST]]) -> None:
        self.node = node
        self.module = module
        self.every = every
        self.counts: Counter[str] | None = None

    def once(self, name: str) -> bool:
        """Reports whether `name` is bound exactly once, in the function or else in the module
        with no function declaring it `global`: every repeated test of it between that binding
        and the next run of it sees the same value (a call between two tests may run a function
        that rebinds a global one)."""
        if self.counts is None:
            self.counts = self.module() if isinstance(self.node, ast.Module) \
                else _count(self.node, self.every(self.node))
        count = self.counts[name]
        return count == 1 or (count == 0 and self.module()[name] == 1)


def _count(node: ast.AST, nodes: Iterable[ast.AST]) -> Counter[str]:
    counts: Counter[str] = Counter()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = node.args
        counts.update(a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                      arguments.vararg, arguments.kwarg) if a is not None)
    for child in nodes:
        match child:
            case ast.Global(names=names) | ast.Nonlocal(names=names):
                counts.update(dict.fromkeys(names, 2))  # bound elsewhere too
            case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name) | ast.ClassDef(name=name):
                counts[name] += 1
            case _:
                _bind(child, counts)
    return counts


def module_bindings(tree: ast.Module) -> Counter[str]:
    """Returns how often a module binds each name at its top level (not inside its functions and
    classes), a name some function declares `global` counted twice: that function rebinds it."""
    counts: Counter[str] = Counter()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        match node:
            case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name) | ast.ClassDef(name=name):
                counts[name] += 1
                # (a `global` is a statement: its statements are walked, not every expression inside)
                declared = (n.names for n in statements(node) if n.__class__ is ast.Global)
                counts.update(dict.fromkeys((name for names in declared for name in names), 2))
                continue
            case ast.Lambda():
                continue
        _bind(node, counts)
        add_children(node, stack)  # (not the contexts and constants, which bind nothing)
    return counts


def _bind(node: ast.AST, counts: Counter[str]) -> None:
    """Counts the name `node` binds in the scope it is in (an assignment target, a handler's or an
    import's name)."""
    match node:
        case ast.Name(ctx=ast.Store() | ast.Del()):
            counts[node.id] += 1
        case ast.ExceptHandler(name=str() as name):
            counts[name] += 1
        case ast.alias(name=imported, asname=alias):
            counts[alias or imported.split(".")[0]] += 1


def standard_stream_test(test: ast.expr) -> tuple[ast.expr, bool] | None:
    """Returns (descriptor, above) for a test telling a standard stream's number (0-2) from any other
    (`fd > 2`, `fd > STDERR_FILENO`, `fd >= 3`, `fd < 3`, `fd <= 2`): `above` when the true edge is
    the other descriptors'. Runtime semantics: a descriptor numbered 0-2 is the process's stdin,
    stdout or stderr (`os.dup2(fd, 0)` onto itself), which it keeps for its life."""
    match test:
        case ast.Compare(left=left, ops=[ast.Gt() | ast.LtE() as op], comparators=[bound]) if _last_stream(bound):
            return left, isinstance(op, ast.Gt)
        case ast.Compare(left=left, ops=[ast.GtE() | ast.Lt() as op], comparators=[ast.Constant(value=3)]):
            return left, isinstance(op, ast.GtE)
    return None


def _last_stream(node: ast.expr) -> bool:
    """Reports whether `node` is the number of the last standard stream (2, STDERR_FILENO)."""
    match node:
        case ast.Constant(value=2) if node.value is not True:
            return True
        case ast.Name(id="STDERR_FILENO") | ast.Attribute(attr="STDERR_FILENO"):
            return True
    return False
