"""What a test's mocks make of the tree's helpers it calls: a helper that itself calls a name a
`mock.patch` replaced builds its result on the mock, and an argument bound to a `Mock()` is no
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


def calls_patched(scope: ModuleScope, definition: ast.AST, patched: frozenset[str], depth: int = _DEPTH) -> bool:
    """Reports whether tree function `definition` of module `scope` calls one of the `patched`
    names itself (`socket.socket(af, socktype, proto)` under `@patch("socket.socket")`), or through
    a function of the tree it calls, up to `depth` calls deep: what it builds there is a mock."""
    for node in ast.walk(definition):
        if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
            continue
        dotted = scope.resolve_global_expr(node.func)
        if dotted is None:
            continue
        if canonical(dotted) in patched:
            return True
        if depth > 1 and _tree_call(scope, dotted, patched, depth - 1):
            return True
    return False


def _tree_call(scope: ModuleScope, dotted: str, patched: frozenset[str], depth: int) -> bool:
    """Reports whether `dotted`, a function of the tree, calls a patched name (see calls_patched)."""
    inner = scope.function_node(dotted)
    defining = defining_scope(scope, dotted) if inner is not None else None
    return defining is not None and calls_patched(defining, inner, patched, depth)


def defining_scope(scope: ModuleScope, qualname: str) -> ModuleScope | None:
    """Returns the scope of the module defining tree function `qualname`: `scope`'s own, or another's."""
    if scope.is_tree(qualname):
        return scope
    split = scope.tree.split(qualname) if scope.tree is not None else None
    return scope.tree.scope(split[0]) if split else None
