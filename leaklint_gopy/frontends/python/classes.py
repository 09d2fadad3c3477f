"""The classes of one Python module: their methods, bases and fields' types, and the queries the
front-end asks about them (which method a call reaches, whether every base is known, which fields
are created lazily). It reads `ast` only and never lowers code."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Protocol

from leaklint_gopy.frontends.python.nodes import walk

# Bases that never close a field of their subclasses: a field none of the class's own methods closes leaks.
_TRIVIAL_BASES = frozenset({"builtins.object", "typing.Generic", "typing.Protocol", "abc.ABC", "unittest.TestCase",
                            "unittest.IsolatedAsyncioTestCase", "unittest.case.TestCase"})
_END = object()
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
    field_functions: dict[str, str] = field(default_factory=dict)  # `self.openfile = open`: "" if rebound
    field_classes: dict[str, set[str]] = field(default_factory=dict)  # `self.pool_class = Pool`: each class bound
    cached: set[str] = field(default_factory=set)
    containers: set[str] = field(default_factory=set)
    collected: bool = False
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # answers of ClassQueries, once each


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
        they run while the object is being built. Computed once per class."""
        if "init_helpers" not in info.memo:
            info.memo["init_helpers"] = frozenset()  # recursion guard: a cycle of bases adds nothing
            info.memo["init_helpers"] = self._init_helpers(info)
        return info.memo["init_helpers"]

    def _init_helpers(self, info: ClassInfo) -> frozenset[str]:
        init = self.find_method(info, "__init__")
        node = self.function_node(init) if init else None
        if node is None or not node.args.args:
            return frozenset()
        receiver = node.args.args[0].arg
        called: set[str] = set()
        for call in walk(node):
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

    def lineage(self, info: ClassInfo) -> tuple[tuple[ClassInfo, ...], bool]:
        """Returns the class and the module's classes it derives from, depth first and left to right,
        each once (the order a lookup through the bases meets them), and whether its bases loop.
        Computed once per class without recursion: a 40-level diamond lattice has 2**40 paths. The
        memo keeps the bases only: a class in its own memo is a reference cycle, which leaves its
        whole syntax tree to the garbage collector (7% of a cold run's CPU time) instead of freeing it."""
        if "lineage" not in info.memo:
            order, done, cyclic = [info], {info.qualname}, False
            path, on_path, stack = [info.qualname], {info.qualname}, [iter(info.bases)]
            while stack:
                base = next(stack[-1], _END)
                if base is _END:
                    stack.pop()
                    on_path.discard(path.pop())
                elif (parent := self.class_of(base)) is None:  # type: ignore[arg-type]
                    continue
                elif parent.qualname in on_path:
                    cyclic = True
                elif parent.qualname not in done:
                    done.add(parent.qualname)
                    order.append(parent)
                    path.append(parent.qualname)
                    on_path.add(parent.qualname)
                    stack.append(iter(parent.bases))
            info.memo["lineage"] = (tuple(order[1:]), cyclic)
        bases, cyclic = info.memo["lineage"]
        return (info, *bases), cyclic

    def find_method(self, info: ClassInfo, name: str) -> str | None:
        """Returns the qualname of method `name` of a class, looked up through the module's own bases."""
        return next((f"{member.qualname}.{name}" for member in self.lineage(info)[0] if name in member.methods), None)

    def knows_all_methods(self, info: ClassInfo) -> bool:
        """Reports whether every base of a class is this module's own (or trivial): its methods are all known."""
        members, cyclic = self.lineage(info)
        return not cyclic and all(base in _TRIVIAL_BASES or self.class_of(base) is not None
                                  for member in members for base in member.bases)

    def owner_methods(self, info: ClassInfo) -> list[str] | None:
        """Returns every method that can run on an instance of the class: its own and its bases', and
        those of its subclasses in this module (a mixin's field may be closed by a class using it).
        None when some of them are unknown: a base from elsewhere, or a `__getattr__` proxy.
        Computed once per class (a class of 8,000 methods asks for each of them)."""
        if "owner_methods" not in info.memo:
            info.memo["owner_methods"] = self._owner_methods(info)
        return info.memo["owner_methods"]

    def _owner_methods(self, info: ClassInfo) -> list[str] | None:
        family = [info, *self.subclasses(info)]
        if not all(self.knows_all_methods(member) for member in family):
            return None
        methods = {(name, q) for member in family for name, q in self.all_methods(member).items()}
        if any(name in ("__getattr__", "__getattribute__") for name, _ in methods):
            return None
        return sorted({q for name, q in methods if name not in FINALIZERS})

    def tree_bases(self, info: ClassInfo) -> list[ClassInfo]:
        """Returns the bases of a class that this module defines, depth first (nearest first)."""
        return list(self.lineage(info)[0][1:])

    def library_bases(self, info: ClassInfo) -> list[str]:
        """Returns the bases of a class, and of its bases in this module, that come from elsewhere."""
        found: list[str] = []
        for member in self.lineage(info)[0]:
            found += [base for base in member.bases if base is not None and self.class_of(base) is None
                      and base not in found]
        return found

    def subclasses(self, info: ClassInfo) -> list[ClassInfo]:
        """Returns the classes of this module that derive from `info`, directly or not."""
        return [other for other in self.classes.values()
                if other is not info and any(member is info for member in self.lineage(other)[0][1:])]

    def all_methods(self, info: ClassInfo) -> dict[str, str]:
        """Returns method name -> qualname for a class and its own bases (the class's definitions win,
        then those of its first base, and so on depth first)."""
        if "all_methods" not in info.memo:
            out: dict[str, str] = {}
            for member in reversed(self.lineage(info)[0]):
                out.update({name: f"{member.qualname}.{name}" for name in member.methods})
            info.memo["all_methods"] = out
        return info.memo["all_methods"]


def stored_attributes(info: ClassInfo) -> frozenset[str]:
    """Returns the attributes the methods of a class store to (`x.name = ...`), once per class: a
    lambda of a method asks about its class and bases each time."""
    if "stored" not in info.memo:
        info.memo["stored"] = frozenset(n.attr for method in info.methods.values() for n in walk(method)
                                        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store))
    return info.memo["stored"]


def _collect_fields(info: ClassInfo, scope: ModuleScope) -> None:
    """Records `self.x = Type(...)` field types, library-call origins and lazily created (cached) fields."""
    for node in info.node.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Name, ast.Attribute)):
            # Ex) class _FDDetector: openfile = open   (a C function: self.openfile(p) calls open(p))
            dotted = scope.resolve_global_expr(node.value) or ""
            for target in node.targets:
                if isinstance(target, ast.Name):
                    _bind(info, target.id, dotted if dotted.startswith(_UNBOUND_FUNCTIONS) else "")
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
            elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.Name, ast.Attribute)):
                _bind_function(info, node, receiver, method, scope)
            elif isinstance(node, ast.If):
                info.cached |= _lazily_created(node, receiver)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Call) \
                    and (name := _field_name(node.target, receiver)):
                # Ex) self.sock: Listener = socket.create_server(a)   (the value's type wins over the annotation)
                dotted = scope.resolve_global_expr(node.value.func)
                if dotted:
                    (info.field_types if _looks_like_class(dotted, scope) else info.field_origins)[name] = dotted
            elif isinstance(node, ast.AnnAssign) and (name := _field_name(node.target, receiver)):
                # Ex) self.protocol: ServerProtocol   (its `accept` is the tree class's, not a socket's)
                named = isinstance(node.annotation, (ast.Name, ast.Attribute))
                dotted = scope.resolve_global_expr(node.annotation) if named else None
                if dotted and _looks_like_class(dotted, scope) and not _is_interface(scope.class_of(dotted), scope):
                    info.field_types.setdefault(name, dotted)


# Bases of a class that only describes an interface (`class Readable(typing.Protocol)`, `abc.ABC`).
_INTERFACES = frozenset({"typing.Protocol", "typing_extensions.Protocol", "abc.ABC"})


def _is_interface(info: ClassInfo | None, scope: ModuleScope) -> bool:
    """Reports whether a class annotating a field only describes an interface: a typing.Protocol or
    an ABC (by base or metaclass), whose methods an annotation does not make the field's calls."""
    if info is None:
        return False
    node = info.node
    if info.qualname not in scope.classes and scope.tree is not None:
        # a class of another tree module: its bases are named in its own module
        split = scope.tree.split(info.qualname)
        scope = (scope.tree.scope(split[0]) if split else None) or scope
    # Ex) class Readable(Protocol[T])
    named = [scope.resolve_global_expr(b.value if isinstance(b, ast.Subscript) else b) or "" for b in node.bases]
    named += [scope.resolve_global_expr(k.value) or "" for k in node.keywords if k.arg == "metaclass"]
    return any(n in _INTERFACES or n == "abc.ABCMeta" for n in named)


def _bind_function(info: ClassInfo, node: ast.Assign, receiver: str, method, scope: ModuleScope) -> None:
    """Records `self.openfile = open` (a library or module function bound to a field): a call of
    `self.openfile(...)` calls it. A field bound to two different values is bound to neither."""
    # Ex) twisted's _FDDetector: self.openfile = open; ... fp = self.openfile("/dev/null", "r")
    root = node.value
    while isinstance(root, ast.Attribute):
        root = root.value
    params = {a.arg for a in (*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs)}
    dotted = None if isinstance(root, ast.Name) and root.id in params else scope.resolve_global_expr(node.value)
    for target in node.targets:
        name = _field_name(target, receiver)
        if name:
            _bind(info, name, dotted if dotted and not _looks_like_class(dotted, scope) else "")
            if dotted and scope.class_of(dotted) is not None:
                # Ex) self.pool_class = pool.GreenletPool if use_greenlets else pool.Pool
                info.field_classes.setdefault(name, set()).add(dotted)


# Functions of C modules: a class attribute holding one is no method (`self.openfile(p)` is `open(p)`),
# while a Python function there would receive the object as its first argument.
_UNBOUND_FUNCTIONS = ("builtins.", "os.", "io.")


def _bind(info: ClassInfo, name: str, bound: str) -> None:
    info.field_functions[name] = bound if info.field_functions.get(name, bound) == bound else ""


def statements(node: ast.AST):
    """Yields the statements nested in `node` (its bodies, branches and handlers, nested functions
    included), without visiting expressions: cheaper than ast.walk when only statements matter."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.stmt):
            yield current
        kind = current.__class__
        names = _NESTING_FIELDS.get(kind)
        if names is None:  # a getattr of a field a node lacks raises inside: look only at those it has
            names = _NESTING_FIELDS[kind] = tuple(n for n in _NESTING if n in kind._fields)
        for name in names:
            children = getattr(current, name, None)
            if isinstance(children, list):
                stack.extend(children)


_NESTING = ("body", "orelse", "finalbody", "handlers", "cases")
_NESTING_FIELDS: dict[type, tuple[str, ...]] = {}  # node class -> the fields of _NESTING it has


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
    created = {name for statement in node.body for sub in statements(statement)
               if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call)
               for target in sub.targets if (name := _field_name(target, receiver))}
    if not created:
        return set()  # (the statements of the body are read before the test's every node: fewer)
    return created & {name for sub in ast.walk(node.test) if (name := _field_name(sub, receiver))}


def _looks_like_class(dotted: str, scope: ModuleScope) -> bool:
    last = dotted.rsplit(".", 1)[-1]
    return dotted in scope.classes or last[:1].isupper() or dotted == "socket.socket"


def looks_like_class(dotted: str, scope: ModuleScope) -> bool:
    """Reports whether calling `dotted` constructs an instance of it (a class, by name or definition)."""
    return _looks_like_class(dotted, scope)

