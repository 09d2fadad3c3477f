"""The `mock.patch` patchers a test class's setup puts in force for each of its test methods:
started in `setUp`/`setup_method` (`self.p = mock.patch("m.PoolManager"); self.p.start()`) or held
around the `yield` of an autouse fixture method. Reads the class's `ast` only; which of them patch
what an acquisition resolves through is decided where the method is lowered (flow.Lowerer._patched),
whose names also say which methods of a tree class a test's calls find faked (calls._patched_methods).
The set-up unittest runs is the class's own or, when it defines none, the one it inherits; a set-up
calling `super().setUp()` runs the inherited one too.
"""
from __future__ import annotations

import ast

from leaklint_gopy.frontends.python.classes import ClassInfo, ClassQueries

_SETUPS = ("setUp", "setup_method")
_STOPPERS = frozenset({"stop", "stopall"})


def in_force(queries: ClassQueries, klass: ClassInfo,
             method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Call]:
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
        klass.memo["setup patches"] = _class_patchers(queries, klass)
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


def _class_patchers(queries: ClassQueries, klass: ClassInfo) -> list[ast.Call]:
    """Returns the patcher calls every test of `klass` runs under: started by the setup method it
    runs (pytest calls `setUp` of unittest classes only) or by an autouse fixture method of its own."""
    found: list[ast.Call] = []
    lineage, _ = queries.lineage(klass)
    for name in _SETUPS:
        if name == "setUp" and not klass.bases:
            continue
        # Ex) class UserAgentTest(BaseAPIClientTest): (no setUp: unittest runs the base's)
        for member in lineage:
            setup = member.methods.get(name)
            if setup is None:
                continue
            found += _started(setup.body)
            if not _extends(setup, name):
                break  # Ex) def setUp(self): self.client = Client()   (the base's setUp does not run)
    for method in klass.methods.values():
        if _autouse(method):
            found += _started(method.body) + _held_around_yield(method.body)
    return found


def _extends(setup: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    """Reports whether `setup` calls the inherited method of its name (`super().setUp()`)."""
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name
               and isinstance(node.func.value, ast.Call) and ast.unparse(node.func.value.func) == "super"
               for node in ast.walk(setup))


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
