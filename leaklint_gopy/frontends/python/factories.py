"""Objects built from a class that a hook method of the calling object chooses: the test idiom
`def _getTargetClass(self): return FileHandler` with `def _makeOne(self, *a, **kw): return
self._getTargetClass()(*a, **kw)` (supervisor, gevent, twisted, pyramid), where each test class
overrides the hook and inherits the factory. Python's method lookup on the calling object's class
decides the hook, so the class is resolved from the class whose method makes the call, not from
the class defining the factory. It reads `ast` only and never lowers code."""
from __future__ import annotations

import ast
from dataclasses import dataclass

from leaklint_gopy.frontends.python.classes import ClassInfo, statements
from leaklint_gopy.frontends.python.localscope import LocalScope
from leaklint_gopy.frontends.python.names import ModuleScope, canonical


@dataclass(frozen=True, slots=True)
class Forwarding:
    """How a factory passes its caller's arguments to the class it builds: `passthrough` gives
    them as they are (`klass(*a, **kw)`), else `positional` names the factory's parameters given
    in order (`klass(process, channel, fd)`)."""

    passthrough: bool
    positional: tuple[str, ...] = ()


def hooked_class(module: ModuleScope, info: ClassInfo, node: ast.expr, receiver: str,
                 body: list[ast.stmt] | None = None) -> str | None:
    """Returns the tree class that expression `node` evaluates to on an object of class `info`
    referred to as `receiver`: `self._getTargetClass()`, or a local bound once in `body` to it."""
    if isinstance(node, ast.Name) and body is not None:
        # Ex) klass = self._getTargetClass(); return klass(*arg, **kw)
        bound = [s.value for s in statements_of(body) if isinstance(s, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == node.id for t in s.targets)]
        return hooked_class(module, info, bound[0], receiver) if len(bound) == 1 else None
    if not (isinstance(node, ast.Call) and not node.args and not node.keywords
            and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.func.value.id == receiver):
        return None
    return class_returned(module, info, node.func.attr)


def class_returned(module: ModuleScope, info: ClassInfo, method: str) -> str | None:
    """Returns the tree class that method `method`, looked up on class `info`, returns on every
    return (`return FileHandler`, imported in the method or not); None otherwise."""
    key = f"returns-class:{method}"
    if key not in info.memo:
        info.memo[key] = _class_returned(module, info, method)
    return info.memo[key]


def _class_returned(module: ModuleScope, info: ClassInfo, method: str) -> str | None:
    found = _method_source(module, info, method)
    if found is None:
        return None
    _, node, defining = found
    scope = LocalScope.of(node, defining.importer)
    returned = {_dotted(defining, scope, s.value) if s.value is not None else None
                for s in statements(node) if isinstance(s, ast.Return)}
    if len(returned) != 1:
        return None
    dotted = returned.pop()
    return dotted if dotted is not None and module.class_of(dotted) is not None else None


def class_built(module: ModuleScope, info: ClassInfo, method: str) -> str | None:
    """Returns the tree class of which instance method `method`, looked up on class `info`, returns
    a new instance on every return (`return Pool(pair, opts)`, or the result of another such method
    of the same object); None otherwise. Only the result's class: what the instance holds is the
    method's summary's business."""
    # Ex) def get_pool(self, pair, **kw): return Pool(pair, PoolOptions(**kw))
    key = f"builds-class:{method}"
    if key not in info.memo:
        info.memo[key] = None  # recursion guard: a method returning its own result builds nothing known
        info.memo[key] = _class_built(module, info, method)
    return info.memo[key]


def _class_built(module: ModuleScope, info: ClassInfo, method: str) -> str | None:
    found = _method_source(module, info, method)
    if found is None or not found[1].args.args or module.method_kind(found[0]) != "instance":
        return None
    _, node, defining = found
    scope = LocalScope.of(node, defining.importer)
    receiver = node.args.args[0].arg
    built: set[str | None] = set()
    for statement in statements(node):
        if isinstance(statement, ast.Return):
            value = statement.value
            if not isinstance(value, ast.Call):
                return None
            func = value.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == receiver:
                built.add(class_built(module, info, func.attr))  # Ex) return self.get_pool(addr, 1)
            else:
                dotted = _dotted(defining, scope, func)
                built.add(dotted if dotted is not None and module.class_of(dotted) is not None else None)
    return built.pop() if len(built) == 1 else None


def factory_forwarding(module: ModuleScope, info: ClassInfo, method: str) -> tuple[str, Forwarding] | None:
    """Returns the class that method `method`, looked up on class `info`, builds from its caller's
    arguments with a hook of its object (`return self._getTargetClass()(*arg, **kw)`), and how it
    passes them; None when it does anything else with them or returns anything else."""
    qualname = module.find_method(info, method)
    node = module.function_node(qualname) if qualname else None
    if node is None or not node.args.args or module.method_kind(qualname) != "instance":
        return None
    returns = [s for s in statements(node) if isinstance(s, ast.Return)]
    if len(returns) != 1 or not isinstance(call := returns[0].value, ast.Call):
        return None
    forwarding = _forwarding(node, call)
    built = hooked_class(module, info, call.func, node.args.args[0].arg, node.body) if forwarding else None
    return (built, forwarding) if built is not None and forwarding is not None else None


def _forwarding(node: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> Forwarding | None:
    """Returns how `call` passes the arguments of factory `node` on, when it passes them unchanged."""
    args = node.args
    vararg = args.vararg.arg if args.vararg else None
    kwarg = args.kwarg.arg if args.kwarg else None
    given = [a.id if isinstance(a, ast.Name) else None for a in call.args]
    if args.posonlyargs or args.kwonlyargs:
        return None
    if len(args.args) == 1 and vararg and [type(a) for a in call.args] == [ast.Starred] \
            and isinstance(call.args[0].value, ast.Name) and call.args[0].value.id == vararg \
            and all(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwarg for k in call.keywords):
        return Forwarding(True)  # Ex) def _makeOne(self, *arg, **kw): return klass(*arg, **kw)
    params = tuple(a.arg for a in args.args[1:])
    if not vararg and not kwarg and not call.keywords and given == list(params):
        return Forwarding(False, params)  # Ex) def _makeOne(self, process=None, fd=0): return klass(process, fd)
    return None


def statements_of(body: list[ast.stmt]):
    """Yields the statements of a function body (nested blocks included)."""
    for statement in body:
        yield from statements(statement)


def _method_source(module: ModuleScope, info: ClassInfo,
                   method: str) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, ModuleScope] | None:
    """Returns the qualified name, the definition and the defining module of method `method`
    looked up on class `info`, or None when the tree does not define it."""
    qualname = module.find_method(info, method)
    node = module.function_node(qualname) if qualname else None
    defining = module.defining_scope(qualname) if node is not None else None
    return None if node is None or defining is None else (qualname, node, defining)


def _dotted(defining: ModuleScope, scope: LocalScope, node: ast.expr) -> str | None:
    """Returns the qualified name a returned expression names in a function of `defining`."""
    match node:
        case ast.Name(id=name):
            if name in scope.imports:
                return defining.defined(canonical(scope.imports[name]))  # Ex) from .loggers import FileHandler
            return None if scope.is_local(name) else defining.resolve_global(name)
        case ast.Attribute(value=base, attr=attr):
            prefix = _dotted(defining, scope, base)
            return defining.defined(canonical(f"{prefix}.{attr}")) if prefix else None
    return None
