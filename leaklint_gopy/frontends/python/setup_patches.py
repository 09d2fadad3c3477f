"""The `mock.patch` patchers a test class's setup puts in force for each of its test methods:
started in `setUp`/`setup_method` (`self.p = mock.patch("m.PoolManager"); self.p.start()`) or held
around the `yield` of an autouse fixture method. Reads the class's `ast` only; which of them patch
what an acquisition resolves through is decided where the method is lowered (flow.Lowerer._patched).
`started_patches` gives the dotted names the set-up methods (the class's own or its bases') replace
(`mock.patch.multiple("pkg.Client", get=fake_get)`: `pkg.Client.get`), for a test method's calls of
a tree class whose methods they fake (calls._patched_methods).
"""
from __future__ import annotations

import ast

from leaklint_gopy.frontends.python.classes import ClassInfo, ClassQueries

_SETUPS = ("setUp", "setup_method")
_STOPPERS = frozenset({"stop", "stopall"})
_ALL_SETUPS = frozenset({"setUp", "asyncSetUp", "setup_method", "setUpClass", "setup_class"})


def in_force(klass: ClassInfo, method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Call]:
    """Returns the patcher calls (`mock.patch(...)`, unresolved) the setup of class `klass` starts
    for its method `method`: a test, or a helper only its tests call (`self.make_request(error)`);
    none for another method, nor for one that stops a patch itself (`self.pool_patch.stop()`: what
    it calls afterwards is real)."""
    if klass.methods.get(method.name) is not method or method.name not in _run_by_tests(klass):
        return []
    if any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _STOPPERS
           for node in ast.walk(method)):
        return []  # Ex) def test_x(self): self.pool_patch.stop(); URLLib3Session().send(r)
    if "setup patches" not in klass.memo:
        klass.memo["setup patches"] = _class_patchers(klass)
    return klass.memo["setup patches"]


def _run_by_tests(klass: ClassInfo) -> frozenset[str]:
    """Returns the names of the methods of `klass` that run only inside its tests: the tests, and
    the undecorated helpers called (`self.helper(...)`) by tests and by no other method."""
    if "run by tests" in klass.memo:
        return klass.memo["run by tests"]
    tests = {name for name, method in klass.methods.items() if name.startswith("test")}
    callers: dict[str, set[str]] = {}
    for name, method in klass.methods.items():
        for node in ast.walk(method):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                callers.setdefault(node.attr, set()).add(name)
    helpers = {name for name, method in klass.methods.items() if name not in tests and not method.decorator_list
               and not name.startswith("__") and callers.get(name) and callers[name] <= tests}
    klass.memo["run by tests"] = frozenset(tests | helpers)
    return klass.memo["run by tests"]


def _class_patchers(klass: ClassInfo) -> list[ast.Call]:
    """Returns the patcher calls every test of `klass` runs under: started by its own setup method
    (pytest calls `setUp` of unittest classes only) or by an autouse fixture method."""
    found: list[ast.Call] = []
    for name in _SETUPS:
        setup = klass.methods.get(name)
        if setup is not None and (name != "setUp" or klass.bases):
            found += _started(setup.body)
    for method in klass.methods.values():
        if _autouse(method):
            found += _started(method.body) + _held_around_yield(method.body)
    return found


def _started(body: list[ast.stmt]) -> list[ast.Call]:
    """Returns the calls whose `.start()` a statement of `body` itself makes (not one under an `if`)."""
    bound: dict[str, ast.Call] = {}
    found = []
    for statement in body:
        value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
        if isinstance(statement, ast.Assign) and isinstance(value, ast.Call) and len(statement.targets) == 1:
            bound[ast.unparse(statement.targets[0])] = value  # Ex) self.pool_patch = mock.patch("m.PoolManager")
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "start" \
                and not value.args:
            patcher = value.func.value  # Ex) self.pool_manager_cls = self.pool_patch.start()
            started = patcher if isinstance(patcher, ast.Call) else bound.get(ast.unparse(patcher))
            found += [started] if started is not None else []
    return found


def _held_around_yield(body: list[ast.stmt]) -> list[ast.Call]:
    """Returns the context managers of a `with` statement of `body` whose own body yields."""
    # Ex) @pytest.fixture(autouse=True) def pool(self): with mock.patch("m.PoolManager") as cls: yield cls
    return [item.context_expr for statement in body if isinstance(statement, ast.With)
            and any(isinstance(s, ast.Expr) and isinstance(s.value, ast.Yield) for s in statement.body)
            for item in statement.items if isinstance(item.context_expr, ast.Call)]


def _autouse(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Reports whether `method` is a fixture every test of its class requests (`autouse=True`)."""
    return any(isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("fixture")
               and any(k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True
                       for k in decorator.keywords)
               for decorator in method.decorator_list)


def started_patches(queries: ClassQueries, info: ClassInfo, resolve) -> tuple[str, ...]:
    """Returns the dotted names the patches started by the class's set-up methods (its own or its
    bases') replace; `resolve` gives the dotted name of an expression (None when unknown).
    Computed once per class."""
    if "started_patches" not in info.memo:
        names: list[str] = []
        for name, qualname in queries.all_methods(info).items():
            node = queries.function_node(qualname) if name in _ALL_SETUPS else None
            if node is not None:
                names += [name for call in _started(node.body) for name in _replaced(call, resolve)]
        info.memo["started_patches"] = tuple(dict.fromkeys(names))
    return info.memo["started_patches"]


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
