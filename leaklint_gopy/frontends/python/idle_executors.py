"""Thread pool executors stored on a field that nothing in their module ever reads
(`self.pool = ThreadPoolExecutor()` and no `.pool` anywhere else) and, unless the field is private
(`self._pool`), no other module of the run names either (`w.pool.submit(job)` elsewhere starts
threads): a ThreadPoolExecutor starts its
worker threads on the first submit, so one never submitted to holds no thread. Reads the module's
`ast` once; the call is marked where it is lowered (calls.py), never decided here.
"""
from __future__ import annotations

import ast

from leaklint_gopy.frontends.python.unit import ModuleUnit

# Executors that hold nothing until used: a ProcessPoolExecutor opens its queues' pipes at once.
LAZY = frozenset({"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"})


def never_read(unit: ModuleUnit) -> frozenset[int]:
    """Returns the ids of the calls of module `unit` whose value is stored on an attribute
    (`self.pool = ThreadPoolExecutor()`) that the module never reads, under any receiver, nor
    names in a string (`getattr(self, "pool")`), and, for a public one, no other module of the run
    reads either (a run's other modules unknown: none is idle), computed once per module."""
    if unit.idle_fields is None:
        unit.idle_fields = frozenset() if unit.tree is None else _never_read(unit.tree, unit.scope)
    return unit.idle_fields


def _never_read(tree: ast.Module, scope) -> frozenset[int]:
    read: set[str] = set()
    stored: list[tuple[str, ast.Call]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, (ast.Store, ast.Del)):
            read.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            read.add(node.value)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call) \
                and isinstance(node.targets[0], ast.Attribute):
            stored.append((node.targets[0].attr, node.value))  # Ex) self.pool = ThreadPoolExecutor()
    return frozenset(id(call) for name, call in stored if name not in read and _private_or_unread(name, scope))


def _private_or_unread(name: str, scope) -> bool:
    """Reports whether field `name` may be read only by its own module: private (`_pool`, not a
    dunder), or no other module of the run names it."""
    if name.startswith("_") and not name.endswith("__"):
        return True
    modules = scope.tree
    return modules is not None and not modules.reads_attribute(name, scope.name)
