"""The classes of one Python module: their methods, bases and fields' types, and the queries the
front-end asks about them (which method a call reaches, whether every base is known, which fields
are created lazily). It reads `ast` only and never lowers code."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Protocol

# Bases that never close a field of their subclasses: a field none of the class's own methods closes leaks.
_TRIVIAL_BASES = frozenset({"builtins.object", "typing.Generic", "typing.Protocol", "abc.ABC", "unittest.TestCase",
                            "unittest.IsolatedAsyncioTestCase", "unittest.case.TestCase"})
_UNSET = object()
FINALIZERS = frozenset({"__del__"})  # run when the collector decides, if ever: closing there does not count


@dataclass(slots=True)
class ClassInfo:
    """A class of the module: its methods, whether all its bases are known, and its fields' types."""

    qualname: str
    node: ast.ClassDef
    bases: list[str | None]
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    field_types: dict[str, str] = field(default_factory=dict)
    field_origins: dict[str, str] = field(default_factory=dict)
    cached: set[str] = field(default_factory=set)
    containers: set[str] = field(default_factory=set)
    collected: bool = False
    owners: object = None  # owner_methods' answer, computed once (_UNSET until then)
    helpers: frozenset[str] | None = None  # init_helpers' answer, computed once

    def __post_init__(self) -> None:
        self.owners = _UNSET


class ModuleScope(Protocol):
    """What the functions here read of a module's scope (names.ModuleScope provides it)."""

    classes: dict[str, ClassInfo]

    def resolve_global_expr(self, node: ast.expr) -> str | None: ...


class ClassQueries:
    """Queries about the module's classes, mixed into ModuleScope (which holds `classes`)."""

    __slots__ = ()
    classes: dict[str, ClassInfo]
    name: str

    def function_node(self, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None: ...
    def class_of(self, dotted: str | None) -> ClassInfo | None: ...

    def method_kind(self, qualname: str) -> str:
        """Returns `static`, `class` or `instance` for this module's method `qualname`."""
        node = self.function_node(qualname)
        for decorator in node.decorator_list if node is not None else ():
            if isinstance(decorator, ast.Name) and decorator.id in ("staticmethod", "classmethod"):
                return decorator.id.removesuffix("method")
        return "instance"

    def init_helpers(self, info: ClassInfo) -> frozenset[str]:
        """Returns the methods the class's `__init__` calls on its own object (`self.connect()`):
        they run while the object is being built."""
        if info.helpers is None:
            info.helpers = self._init_helpers(info)
        return info.helpers

    def _init_helpers(self, info: ClassInfo) -> frozenset[str]:
        init = self.find_method(info, "__init__")
        node = self.function_node(init) if init else None
        if node is None or not node.args.args:
            return frozenset()
        receiver = node.args.args[0].arg
        called: set[str] = set()
        for call in ast.walk(node):
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
                continue
            target = call.func.value
            if isinstance(target, ast.Name) and target.id == receiver:
                called.add(call.func.attr)  # Ex) self.connect(host)
            elif call.func.attr == "__init__" and info.bases:
                # Ex) Base.__init__(self)   Ex) super().__init__()
                for base in info.bases:
                    parent = self.class_of(base)
                    if parent is not None and parent is not info:
                        called |= self.init_helpers(parent)
        return frozenset(called)

    def fields(self, info: ClassInfo) -> ClassInfo:
        """Returns the class with its fields' types and cached fields collected (on first use)."""
        if not info.collected:
            info.collected = True
            _collect_fields(info, self)
        return info

    def find_method(self, info: ClassInfo, name: str, seen: frozenset[str] = frozenset()) -> str | None:
        """Returns the qualname of method `name` of a class, looked up through the module's own bases."""
        if name in info.methods:
            return f"{info.qualname}.{name}"
        for base in info.bases:
            parent = self.class_of(base)
            if parent is not None and parent.qualname not in seen:
                found = self.find_method(parent, name, seen | {info.qualname})
                if found:
                    return found
        return None

    def knows_all_methods(self, info: ClassInfo, seen: frozenset[str] = frozenset()) -> bool:
        """Reports whether every base of a class is this module's own (or trivial): its methods are all known."""
        for base in info.bases:
            if base in _TRIVIAL_BASES:
                continue
            parent = self.class_of(base)
            if parent is None or parent.qualname in seen or not self.knows_all_methods(parent, seen | {info.qualname}):
                return False
        return True

    def owner_methods(self, info: ClassInfo) -> list[str] | None:
        """Returns every method that can run on an instance of the class: its own and its bases', and
        those of its subclasses in this module (a mixin's field may be closed by a class using it).
        None when some of them are unknown: a base from elsewhere, or a `__getattr__` proxy."""
        if info.owners is _UNSET:
            info.owners = self._owner_methods(info)
        return info.owners  # type: ignore[return-value]

    def _owner_methods(self, info: ClassInfo) -> list[str] | None:
        family = [info, *self.subclasses(info)]
        if not all(self.knows_all_methods(member) for member in family):
            return None
        methods = {(name, q) for member in family for name, q in self.all_methods(member).items()}
        if any(name in ("__getattr__", "__getattribute__") for name, _ in methods):
            return None
        return sorted({q for name, q in methods if name not in FINALIZERS})

    def tree_bases(self, info: ClassInfo, seen: frozenset[str] = frozenset()) -> list[ClassInfo]:
        """Returns the bases of a class that this module defines, nearest first."""
        found: list[ClassInfo] = []
        for base in info.bases:
            parent = self.class_of(base)
            if parent is not None and parent.qualname not in seen and parent is not info:
                found += [parent, *self.tree_bases(parent, seen | {info.qualname})]
        return found

    def library_bases(self, info: ClassInfo, seen: frozenset[str] = frozenset()) -> list[str]:
        """Returns the bases of a class, and of its bases in this module, that come from elsewhere."""
        found: list[str] = []
        for base in info.bases:
            parent = self.class_of(base)
            if parent is None and base is not None:
                found.append(base)
            elif parent is not None and parent.qualname not in seen:
                found += self.library_bases(parent, seen | {info.qualname})
        return found

    def subclasses(self, info: ClassInfo) -> list[ClassInfo]:
        """Returns the classes of this module that derive from `info`, directly or not."""
        found: list[ClassInfo] = []
        for other in self.classes.values():
            if other is not info and self._derives(other, info, frozenset()):
                found.append(other)
        return found

    def _derives(self, info: ClassInfo, ancestor: ClassInfo, seen: frozenset[str]) -> bool:
        for base in info.bases:
            parent = self.class_of(base)
            if parent is ancestor or parent is not None and parent.qualname not in seen \
                    and self._derives(parent, ancestor, seen | {info.qualname}):
                return True
        return False

    def all_methods(self, info: ClassInfo, seen: frozenset[str] = frozenset()) -> dict[str, str]:
        """Returns method name -> qualname for a class and its own bases (the class's definitions win)."""
        out: dict[str, str] = {}
        for base in reversed(info.bases):
            parent = self.class_of(base)
            if parent is not None and parent.qualname not in seen:
                out.update(self.all_methods(parent, seen | {info.qualname}))
        out.update({name: f"{info.qualname}.{name}" for name in info.methods})
        return out


def _collect_fields(info: ClassInfo, scope: ModuleScope) -> None:
    """Records `self.x = Type(...)` field types, library-call origins and lazily created (cached) fields."""
    for method in info.methods.values():
        receiver = method.args.args[0].arg if method.args.args else None
        if receiver is None:
            continue
        for node in statements(method):
            if isinstance(node, ast.Assign) and _is_container(node.value, scope):
                # Ex) self._conns = {}   Ex) self.pool = collections.defaultdict(list)
                info.containers |= {name for target in node.targets if (name := _field_name(target, receiver))}
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                for target in node.targets:
                    name = _field_name(target, receiver)
                    dotted = scope.resolve_global_expr(node.value.func)
                    if name and dotted:
                        (info.field_types if _looks_like_class(dotted, scope) else info.field_origins)[name] = dotted
            elif isinstance(node, ast.If):
                info.cached |= _lazily_created(node, receiver)


def statements(node: ast.AST):
    """Yields the statements nested in `node` (its bodies, branches and handlers, nested functions
    included), without visiting expressions: cheaper than ast.walk when only statements matter."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.stmt):
            yield current
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(current, name, None)
            if isinstance(children, list):
                stack.extend(children)


_CONTAINER_CALLS = frozenset({"builtins.list", "builtins.set", "builtins.dict", "collections.deque",
                              "collections.OrderedDict", "collections.defaultdict"})


def _is_container(value: ast.expr, scope: ModuleScope) -> bool:
    if isinstance(value, (ast.List, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)):
        return True
    return isinstance(value, ast.Call) and scope.resolve_global_expr(value.func) in _CONTAINER_CALLS


def _field_name(target: ast.expr, receiver: str) -> str | None:
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == receiver:
        return target.attr
    return None


def _lazily_created(node: ast.If, receiver: str) -> set[str]:
    """Returns the fields an `if self.x is None: self.x = make()` statement creates on demand."""
    tested = {name for sub in ast.walk(node.test) if (name := _field_name(sub, receiver))}
    if not tested:
        return set()
    created = {name for statement in node.body for sub in statements(statement)
               if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call)
               for target in sub.targets if (name := _field_name(target, receiver))}
    return tested & created


def _looks_like_class(dotted: str, scope: ModuleScope) -> bool:
    last = dotted.rsplit(".", 1)[-1]
    return dotted in scope.classes or last[:1].isupper() or dotted == "socket.socket"


def looks_like_class(dotted: str, scope: ModuleScope) -> bool:
    """Reports whether calling `dotted` constructs an instance of it (a class, by name or definition)."""
    return _looks_like_class(dotted, scope)

