"""What a test's mocks make of the tree's helpers it calls: a helper whose every returned value a
name a `mock.patch` replaced built returns the mock, and an argument bound to a `Mock()` is no
resource (a helper wrapping it gets nothing: ssl's wrap_socket fails on a Mock socket). Reads
`ast` trees of the tree's modules only; it never lowers and never decides a finding itself.
"""
from __future__ import annotations

import ast

from leaklint_gopy.frontends.python.names import ModuleScope, canonical

# Calls returning a test double: calling it, or any method of it, returns another double.
MOCK_MAKERS = frozenset(f"{module}.{name}" for module in ("unittest.mock", "mock")
                        for name in ("Mock", "MagicMock", "NonCallableMock", "NonCallableMagicMock",
                                     "AsyncMock", "create_autospec"))
# The engine's note of the arguments that are mocks (their positions in the callee's parameters).
MOCKS_NOTE = "mocks"
_DEPTH = 2  # the helpers of a helper the test calls, and theirs


def mocked_positions(positional: list[str | None], types: dict[str, str], origins: dict[str, str]) -> str:
    """Returns the positions ("0,2") of the arguments bound to a mock here (`sock = Mock()`), or ""."""
    return ",".join(str(index) for index, path in enumerate(positional)
                    if path and (types.get(path) in MOCK_MAKERS or origins.get(path) in MOCK_MAKERS))


def keeps_real(manager: ast.Call) -> bool:
    """Reports whether a patcher makes its mock call the real object (`wraps=socket.socket`)."""
    return any(keyword.arg == "wraps" for keyword in manager.keywords)


def returns_patched(scope: ModuleScope, definition: ast.AST, patched: frozenset[str], depth: int = _DEPTH) -> bool:
    """Reports whether every value tree function `definition` of module `scope` returns is built on
    one of the `patched` names: a call of one (`return socket.socket(af)` under `@patch("socket.socket")`),
    a name only ever bound from such a call (`sock = socket.socket(af); ...; return sock`), or a call of
    a tree function whose returns are all so, up to `depth` calls deep. A helper that also returns
    something else (`s = socket.socket(); s.close(); return open(path)`) keeps what it returns."""
    built, other = set(), set()
    for node in ast.walk(definition):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {target.id for target in targets if isinstance(target, ast.Name)}
            if isinstance(node.value, ast.Constant) and node.value.value is None:
                continue  # Ex) sock = None; try: sock = socket.socket(af)   (None holds nothing)
            (built if _on_patched(scope, node.value, patched, depth, frozenset()) else other).update(names)
    returned = [node.value for node in ast.walk(definition) if isinstance(node, ast.Return) and node.value is not None]
    sole = frozenset(built - other)
    return bool(returned) and all(_on_patched(scope, value, patched, depth, sole) for value in returned)


def _on_patched(scope: ModuleScope, value: ast.expr, patched: frozenset[str], depth: int, built: frozenset[str]) -> bool:
    """Reports whether `value` is built on a patched name (see returns_patched)."""
    if isinstance(value, ast.Name):
        return value.id in built
    if not isinstance(value, ast.Call) or not isinstance(value.func, (ast.Name, ast.Attribute)):
        return False
    dotted = scope.resolve_global_expr(value.func)
    if dotted is None:
        return False
    if canonical(dotted) in patched:
        return True
    inner = scope.function_node(dotted) if depth > 1 else None
    defining = scope.defining_scope(dotted) if inner is not None else None
    return defining is not None and returns_patched(defining, inner, patched, depth - 1)
