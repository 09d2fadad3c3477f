"""The patches a test class starts in its set-up method for every test (`self.patcher =
mock.patch.multiple("pkg.Client", get=fake_get); self.patcher.start()`): the names they replace,
dotted (`pkg.Client.get`). A test method's calls of those names reach the fakes. It reads class
bodies only; it never lowers functions."""
from __future__ import annotations

import ast

from leaklint_gopy.frontends.python.classes import ClassInfo, ClassQueries

_SETUPS = frozenset({"setUp", "asyncSetUp", "setup_method", "setUpClass", "setup_class"})
_PATCH = frozenset({"patch", "patch.object", "patch.multiple"})


def started_patches(queries: ClassQueries, info: ClassInfo, resolve) -> tuple[str, ...]:
    """Returns the dotted names the patches started by the class's set-up methods (its own or its
    bases') replace; `resolve` gives the dotted name of an expression (None when unknown).
    Computed once per class."""
    if "started_patches" not in info.memo:
        names: list[str] = []
        for name, qualname in queries.all_methods(info).items():
            node = queries.function_node(qualname) if name in _SETUPS else None
            if node is not None:
                names += _started(node, resolve)
        info.memo["started_patches"] = tuple(dict.fromkeys(names))
    return info.memo["started_patches"]


def _started(function: ast.FunctionDef | ast.AsyncFunctionDef, resolve) -> list[str]:
    """Returns the names replaced by the patches `function` makes and starts (a patcher bound to a
    name or attribute whose `start()` it calls, or `patch(...).start()` itself)."""
    made: dict[str, ast.Call] = {}
    found: list[str] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and _patcher(node.value):
            made[ast.unparse(node.targets[0])] = node.value  # Ex) self.patcher = mock.patch.multiple(...)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "start":
            started = node.func.value
            call = started if _patcher(started) else made.get(ast.unparse(started))
            if call is not None:
                found += _replaced(call, resolve)
    return found


def _patcher(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    text = ast.unparse(node.func)
    return any(text == kind or text.endswith(f".{kind}") for kind in _PATCH)


def _replaced(call: ast.Call, resolve) -> list[str]:
    """Returns the dotted names a patch call replaces: `patch("a.B.m")` a.B.m, `patch.object(B, "m")`
    B.m, `patch.multiple("a.B", m=f, n=g)` a.B.m and a.B.n."""
    kind = ast.unparse(call.func).rpartition("patch")[2]
    target = _target(call.args[0], resolve) if call.args else None
    if target is None:
        return []
    if kind == ".object" and len(call.args) > 1 and isinstance(call.args[1], ast.Constant):
        return [f"{target}.{call.args[1].value}"]
    if kind == ".multiple":
        return [f"{target}.{k.arg}" for k in call.keywords if k.arg is not None]
    return [target] if kind == "" else []


def _target(node: ast.expr, resolve) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return None
    return resolve(node)
