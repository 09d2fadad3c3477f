"""What the Python front-end knows about names in one module: its imports, top-level functions and
classes, and each function's locals, so a call resolves to the qualified name rule specs use
(`requests.get`, `socket.socket.accept`) without libcst's or astroid's metadata.

It reads `ast` trees only; it never lowers code and never reports.
"""
from __future__ import annotations

import ast
import builtins
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache

from leaklint_gopy.frontends.python.classes import ClassInfo, ClassQueries, looks_like_class
from leaklint_gopy.frontends.python.exports import STAR_EXPORTS

# Modules that are another module under a second name: `from posix import *` binds os functions;
# gevent.subprocess and gevent.socket are drop-ins for subprocess and socket (the same Popen, PIPE,
# socket class and semantics, cooperative).
MODULE_ALIASES = {"posix": "os", "nt": "os", "_socket": "socket", "socket.SocketType": "socket.socket",
                   "requests.api": "requests", "requests.sessions": "requests", "gevent.subprocess": "subprocess",
                   "gevent.socket": "socket"}
# Star imports of these modules bind the names of a table (exports.py); any other star import binds
# the names nothing else binds. `_socket`, `posix` and `nt` export what their public module does.
_STAR_TABLE_ALIASES = {"_socket": "socket", "posix": "os", "nt": "os"}
_BUILTINS = frozenset(dir(builtins))


@lru_cache(maxsize=1 << 16)  # asked at every call lowered, mostly about the same few hundred names
def canonical(dotted: str) -> str:
    """Returns `dotted` with module aliases replaced (`posix.open` -> `os.open`)."""
    for alias, target in MODULE_ALIASES.items():
        if dotted == alias or dotted.startswith(alias + "."):
            return target + dotted[len(alias):]
    return dotted


def module_name(path: str) -> str:
    """Returns the dotted module name of a file: its stem below the packages (`__init__.py`) above it."""
    directory, filename = os.path.split(os.path.abspath(path))
    stem = filename.rsplit(".", 1)[0]
    parts = [] if stem == "__init__" else [stem]
    while _is_package(directory):
        directory, name = os.path.split(directory)
        parts.insert(0, name)
    return ".".join(parts) or stem


@cache
def _is_package(directory: str) -> bool:
    name = os.path.basename(directory)
    return bool(name) and name.isidentifier() and os.path.isfile(os.path.join(directory, "__init__.py"))


def _star_exports(module: str) -> frozenset[str] | None:
    """Returns the names `from module import *` binds, when the table knows the module."""
    return STAR_EXPORTS.get(_STAR_TABLE_ALIASES.get(module, module))


@dataclass(slots=True)
class ModuleScope(ClassQueries):
    """The module-level bindings of one file, in the order Python would leave them."""

    name: str
    bindings: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    stars: list[str] = field(default_factory=list)
    variable_types: dict[str, str] = field(default_factory=dict)
    tree: object = None  # the run's other modules (tree.TreeModules), when known
    importer: str = ""  # what relative imports are relative to: `pkg.mod`, or `pkg.__init__` for a package

    @classmethod
    def build(cls, tree: ast.Module, name: str, modules: object = None, package: bool = False) -> ModuleScope:
        """Returns the scope of a parsed module named `name` (a `package`'s `__init__`); names
        imported from the run's other `modules` (tree.TreeModules) resolve to where they are defined."""
        scope = cls(name, tree=modules, importer=f"{name}.__init__" if package else name)
        if canonical(name) != name:
            # Ex) gevent/socket.py: copy_globals(_socket3, globals()) binds socket, getaddrinfo...   (a
            # drop-in module's names it does not bind are those of the module it stands for)
            scope.stars.append(canonical(name))
        statements = list(_top_level(tree.body))
        once = Counter(name for statement in statements for name in _assigned_names(statement))
        for statement in statements:
            if _alias(statement, once) and scope._bind_alias(statement):
                continue
            scope._bind_statement(statement)
        for info in scope.classes.values():
            info.bases = [found for base in info.node.bases for found in scope._bases_of(base)]
        return scope

    def _bases_of(self, node: ast.expr) -> list[str | None]:
        """Returns what a base expression of a class statement stands for: the class it names, or
        the bases of a class built by a call in the base list (`Meta("NewBase", (Base,), {})`,
        `six.with_metaclass(Meta, Base)`: Python 2 and 3's spelling of a metaclass), whose own
        namespace is empty."""
        if isinstance(node, ast.Call) and not node.keywords:
            # Ex) class TestCase(TestCaseMetaClass("NewBase", (BaseTestCase,), {})):   (gevent's greentest)
            match node.args:
                case [_, ast.Tuple(elts=bases), ast.Dict(keys=[])]:
                    return [self.resolve_global_expr(base) for base in bases]
                case [_, *bases] if bases and (self.resolve_global_expr(node.func) or "").endswith(".with_metaclass"):
                    return [self.resolve_global_expr(base) for base in bases]  # Ex) six.with_metaclass(Meta, Base)
        return [self.resolve_global_expr(node)]

    def _bind_statement(self, node: ast.stmt) -> None:
        match node:
            case ast.Import() | ast.ImportFrom():
                for local, target in import_bindings(node, self.importer):
                    if local == "*":
                        self._star(target)
                    else:
                        self._bind(local, target, "import")
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self.functions[node.name] = node
                self._bind(node.name, f"{self.name}.{node.name}", "def")
            case ast.ClassDef():
                self._class(node, self.name, prefix="")
            case _:
                for target in _assigned_names(node):
                    if self.kinds.get(target) not in ("import", "def", "class"):
                        self._bind(target, "", "var")
                if _loads_module(node):
                    # Ex) socket = patcher.original('socket')   Ex) select = importlib.import_module('select')
                    self._bind(node.targets[0].id, node.value.args[0].value, "import")
                    return
                if self._empty_class(node):
                    # Ex) _AbstractBase = abc.ABCMeta('_AbstractBase', (object,), {})   (an abc.ABC)
                    self._bind(node.targets[0].id, "abc.ABC", "import")
                    return
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                        and isinstance(node.value, ast.Call):
                    # Ex) SESSION = requests.Session()   (its methods resolve in every function)
                    dotted = self.resolve_global_expr(node.value.func)
                    if dotted and looks_like_class(dotted, self):
                        self.variable_types[node.targets[0].id] = dotted

    def _empty_class(self, node: ast.stmt) -> bool:
        """Reports whether `node` binds a name to a class made by calling a metaclass on `object`
        alone and an empty namespace (Python 2 and 3's spelling of an abstract base with no methods)."""
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and len(node.value.args) == 3 and not node.value.keywords):
            return False
        _, bases, namespace = node.value.args
        return self.resolve_global_expr(node.value.func) in ("abc.ABCMeta", "builtins.type") \
            and isinstance(bases, ast.Tuple) and all(self.resolve_global_expr(b) == "builtins.object" for b in bases.elts) \
            and isinstance(namespace, ast.Dict) and not namespace.keys

    def _class(self, node: ast.ClassDef, module: str, prefix: str) -> None:
        qualname = f"{module}.{prefix}{node.name}"
        info = ClassInfo(qualname, node, [])
        for item in _class_level(node.body):  # Ex) if sys.platform != "win32": def test_sendall_timeout(self): ...
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.methods[item.name] = item
            elif isinstance(item, ast.ClassDef):
                self._class(item, module, f"{prefix}{node.name}.")
        self.classes[qualname] = info
        if not prefix:
            self._bind(node.name, qualname, "class")

    def _bind_alias(self, node: ast.Assign) -> bool:
        """Binds `name = module.function` like `from module import function as name` when the value
        is reached through an import (`_close = os.close`); reports whether it did."""
        root = node.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or self.kinds.get(root.id) != "import":
            return False
        if node.targets[0].id[:1].isupper() and not node.value.attr[:1].isupper():
            # Ex) FileObject = config.fileobject   (gevent: a setting's value, the class the
            # configuration picks; it is called by the class's name it is bound to, see dataflow._constructs)
            return False
        target = self.resolve_global_expr(node.value)
        if not target:
            return False
        self._bind(node.targets[0].id, target, "import")
        return True

    def _bind(self, local: str, target: str, kind: str) -> None:
        self.bindings[local] = canonical(target) if target else ""
        self.kinds[local] = kind

    def _star(self, module: str) -> None:
        exports = _star_exports(module)
        if exports is None:
            self.stars.append(canonical(module))
            return
        for name in exports:
            self._bind(name, f"{module}.{name}", "import")

    # -- queries ------------------------------------------------------------------------------
    def resolve_global(self, name: str) -> str | None:
        """Returns what a module-level `name` refers to (`socket`, `requests.get`, `mod.helper`)."""
        kind = self.kinds.get(name)
        if kind == "import" and self.bindings[name]:
            return self.defined(self.bindings[name])  # Ex) from .compat import urlopen
        if kind is not None:
            return self.bindings[name] or None
        if name in _BUILTINS:
            return f"builtins.{name}"
        if self.stars:
            return f"{self.stars[-1]}.{name}"
        return None

    def resolve_global_expr(self, node: ast.expr) -> str | None:
        """Returns the dotted name of a module-level expression such as a base class."""
        if isinstance(node, ast.Name):
            return self.resolve_global(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve_global_expr(node.value)
            return self.defined(canonical(f"{base}.{node.attr}")) if base else None
        if isinstance(node, ast.Subscript):
            return self.resolve_global_expr(node.value)
        return None

    def defined(self, dotted: str) -> str:
        """Returns where `dotted` is defined when it is reached through another module of the tree
        (a re-export), else `dotted` itself."""
        return self.tree.definition(dotted) if self.tree is not None and not self.is_tree(dotted) else dotted

    def function_node(self, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """Returns the definition of function or method `qualname` of this module, or of another
        module of the tree."""
        owner, _, name = qualname.rpartition(".")
        if owner == self.name:
            return self.functions.get(name)
        info = self.classes.get(owner)
        if info is not None:
            return info.methods.get(name)
        return self.tree.function_node(qualname) if self.tree is not None and not self.is_tree(qualname) else None

    def defining_scope(self, qualname: str) -> ModuleScope | None:
        """Returns the scope of the module that defines function `qualname`: this one, or another of the tree."""
        if self.is_tree(qualname) or self.tree is None:
            return self
        split = self.tree.split(qualname)
        return self.tree.scope(split[0]) if split is not None else None

    def is_tree(self, dotted: str) -> bool:
        """Reports whether `dotted` names a function or class defined in this module."""
        return dotted.startswith(self.name + ".")

    def class_of(self, dotted: str | None) -> ClassInfo | None:
        """Returns the class `dotted` names, defined in this module or another module of the tree."""
        if not dotted:
            return None
        if dotted in self.classes or self.tree is None or self.is_tree(dotted):
            return self.classes.get(dotted)
        return self.tree.class_of(dotted)


def import_bindings(node: ast.Import | ast.ImportFrom, module: str) -> list[tuple[str, str]]:
    """Returns (local name, dotted target) for each name an import statement binds; `*` for a star."""
    out: list[tuple[str, str]] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                out.append((alias.asname, alias.name))
            else:
                top = alias.name.split(".", 1)[0]
                out.append((top, top))
        return out
    base = absolute_module(node.module or "", node.level, module)
    for alias in node.names:
        target = f"{base}.{alias.name}" if base else alias.name
        out.append(("*", base) if alias.name == "*" else (alias.asname or alias.name, target))
    return out


def absolute_module(name: str, level: int, module: str) -> str:
    """Returns the absolute module of a `from` import (`..net` in `pkg.sub.mod` is `pkg.net`)."""
    if not level:
        return name
    parts = module.split(".")
    package = parts[: max(0, len(parts) - level)]
    return ".".join(package + ([name] if name else []))


def _class_level(body: list[ast.stmt]):
    """Yields the statements of a class body, looking into `if` blocks for methods that only one
    branch defines: where both branches define one (`if mswindows: def _get_handles ... else: def
    _get_handles`), which runs depends on the platform, and neither is read (gevent's subprocess.Popen:
    the engine reads its POSIX fork-and-exec descriptor handling wrongly)."""
    for statement in body:
        if not isinstance(statement, ast.If):
            yield statement
            continue
        branches = [list(_class_level(statement.body)), list(_class_level(statement.orelse))]
        names = [{s.name for s in branch if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))} for branch in branches]
        both = names[0] & names[1]
        for branch in branches:
            yield from (s for s in branch if not (isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in both))


def _top_level(body: list[ast.stmt]):
    """Yields module-level statements, looking into if/try/with blocks (conditional imports and defs)."""
    for statement in body:
        match statement:
            case ast.If() | ast.For() | ast.While():
                yield from _top_level(statement.body)
                yield from _top_level(statement.orelse)
            case ast.Try() | ast.TryStar():
                yield from _top_level(statement.body)
                imported = _imported_names(statement.body)
                for handler in statement.handlers:
                    # Ex) try: import selectors  except ImportError: from . import selectors34 as selectors
                    # The fallback binds the name only where the first import fails: where that one is
                    # of the standard library (an old Python), the name keeps its meaning; where it is
                    # Python 2's (`import httplib`) or a third party's, the fallback is what runs.
                    fallback = _catches_import_error(handler)
                    yield from (s for s in _top_level(handler.body)
                                if not (fallback and isinstance(s, (ast.Import, ast.ImportFrom))
                                        and {a.asname or a.name.split(".")[0] for a in s.names} <= imported))
                yield from _top_level(statement.orelse)
                yield from _top_level(statement.finalbody)
            case ast.With():
                yield from _top_level(statement.body)
            case _:
                yield statement


def _loads_module(node: ast.stmt) -> bool:
    """Reports whether `node` binds a name to a call of one argument, a string spelling that very
    name: a module loaded by name (`socket = importlib.import_module('socket')`), which the name
    then stands for."""
    return isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
        and isinstance(node.value, ast.Call) and len(node.value.args) == 1 and not node.value.keywords \
        and isinstance(node.value.args[0], ast.Constant) and node.value.args[0].value == node.targets[0].id


def _imported_names(body: list[ast.stmt]) -> set[str]:
    """Returns the local names that the import statements directly in `body` bind to modules of the
    standard library (`import selectors`, not Python 2's `import httplib`): imports that succeed."""
    names = set()
    for statement in body:
        if isinstance(statement, ast.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in statement.names
                         if alias.name.split(".")[0] in sys.stdlib_module_names)
        elif isinstance(statement, ast.ImportFrom) and not statement.level \
                and (statement.module or "").split(".")[0] in sys.stdlib_module_names:
            names.update(alias.asname or alias.name for alias in statement.names)
    return names


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    """Reports whether an except clause catches ImportError (or ModuleNotFoundError) by name."""
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(c, ast.Name) and c.id in ("ImportError", "ModuleNotFoundError") for c in caught)


def _alias(node: ast.stmt, once: Counter[str]) -> bool:
    """Reports whether a module-level statement is `name = dotted.path`, its name's only binding."""
    return isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
        and isinstance(node.value, ast.Attribute) and once[node.targets[0].id] == 1


def _assigned_names(node: ast.stmt) -> list[str]:
    targets: list[ast.expr] = []
    match node:
        case ast.Assign():
            targets = node.targets
        case ast.AnnAssign() | ast.AugAssign():
            targets = [node.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def unquoted(node: ast.expr) -> ast.expr:
    """Returns the expression inside a string annotation (`"requests.Session"`), or the node itself."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return node
    return node
