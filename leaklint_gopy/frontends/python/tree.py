"""The other modules of the analysed Python tree, as the lowering of one module sees them: which
file a dotted module name is (a file of the run, else one found on disk below the package roots
of the run's files, where `sys.path` would find it), its parsed scope, and what a name reached
through it is: a function or class defined there, or a re-export followed to its definition
(`from .compat import urlopen` is `urllib.request.urlopen`).

Standard library module names are never the tree's: rule specs describe them. Every module read
is recorded in `consulted`, since a result that read it must be recomputed when it changes. It
parses and reads scopes; it never lowers functions and never reports.
"""
from __future__ import annotations

import ast
import gc
import os
import re
import sys
import warnings
from collections.abc import Iterable

from leaklint_gopy.frontends.python import legacy
from leaklint_gopy.frontends.python.acquirers import TreeAcquirers
from leaklint_gopy.frontends.python.classes import ClassInfo
from leaklint_gopy.frontends.python.names import ModuleScope, module_name

_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
_MAX_HOPS = 8  # re-exports followed before a name is taken as defined where it is


class TreeModules:
    """The Python modules of one run, by dotted name, found and parsed on first use."""

    _run: tuple[dict[str, str], TreeModules] | None = None  # the last run's packages (held: ids are reused)

    def __init__(self, paths: Iterable[str]) -> None:
        self._paths = [p for p in paths if p.endswith(".py")]
        self._modules: dict[str, str] | None = None
        self._roots: list[str] = []
        self._found: dict[str, str | None] = {}
        self._splits: dict[str, tuple[str, str] | None] = {}
        self._parsed: dict[str, tuple[ast.Module, bytes, ModuleScope] | None] = {}
        self._definitions: dict[str, str] = {}
        self._sources: dict[str, bytes | None] = {}
        self._acquirers: dict[object, TreeAcquirers] = {}
        self._listings: dict[str, frozenset[str] | None] = {}  # directory -> its entries, lower case
        self._attributes: dict[str, frozenset[str]] = {}  # attribute name -> the modules that may read it
        self.consulted: set[str] = set()  # paths of the modules read since the last take_consulted()

    @classmethod
    def for_run(cls, tree_packages: dict[str, str]) -> TreeModules:
        """Returns the modules of the run whose packages are `tree_packages` (one per run and process)."""
        if cls._run is None or cls._run[0] is not tree_packages:
            cls._run = (tree_packages, cls(tree_packages))
        return cls._run[1]

    def take_consulted(self) -> set[str]:
        """Returns the paths of the modules read since the last call, and forgets them."""
        taken, self.consulted = self.consulted, set()
        return taken

    # -- where modules are ------------------------------------------------------------------------
    def path(self, module: str) -> str | None:
        """Returns the file of tree module `module` (`pkg.sub.mod`), or None (a library, or unknown)."""
        if not module or module.split(".", 1)[0] in _STDLIB:
            return None
        if module not in self._found:
            self._found[module] = self._index().get(module) or self._on_disk(module)
        return self._found[module]

    def _index(self) -> dict[str, str]:
        if self._modules is None:
            self._modules, roots = {}, {os.getcwd(), os.path.join(os.getcwd(), "src")}
            for path in self._paths:
                name = module_name(path)
                self._modules.setdefault(name, path)
                roots.add(_root(path, name))
            self._roots = sorted(roots)
        return self._modules

    def _on_disk(self, module: str) -> str | None:
        """Returns the file below a package root that `import module` would load, if any."""
        relative = module.replace(".", os.sep)
        head = module.split(".", 1)[0].lower()
        for root in self._roots:
            listing = self._entries(root)
            if listing is not None and head not in listing and f"{head}.py" not in listing:
                continue  # Ex) `self.sock` asked of 27 roots: neither candidate below one without `self`
            for candidate in (os.path.join(root, relative + ".py"), os.path.join(root, relative, "__init__.py")):
                if self._is_file(candidate) and module_name(candidate) == module:
                    return _canonical(candidate)
        return None

    def _is_file(self, path: str) -> bool:
        """Returns os.path.isfile(path), asked only where the directory's listing holds the name in
        some case (a run asks for thousands of modules that no root has: one listing per directory,
        an absent directory known from its parent's, instead of a stat per root and name)."""
        directory, name = os.path.split(path)
        listing = self._entries(directory)
        return (listing is None or name.lower() in listing) and os.path.isfile(path)

    def _entries(self, directory: str) -> frozenset[str] | None:
        """Returns the lower-cased names in `directory` (empty when it does not exist), None when
        it cannot be listed."""
        if directory not in self._listings:
            parent, name = os.path.split(directory)
            above = self._entries(parent) if name and parent != directory else None
            if above is not None and name.lower() not in above:
                return frozenset()  # Ex) /root/pkg/self/sock: no pkg/self (not kept: tens of thousands of names)
            try:
                self._listings[directory] = frozenset(entry.lower() for entry in os.listdir(directory or "."))
            except (FileNotFoundError, NotADirectoryError):
                self._listings[directory] = frozenset()
            except OSError:
                self._listings[directory] = None  # unreadable: asked of the file itself
        return self._listings[directory]

    def split(self, dotted: str) -> tuple[str, str] | None:
        """Returns (module, rest) for a name defined in a tree module (`pkg.mod`, `Class.method`),
        once per name: lowering and analysis ask again at every use."""
        if dotted in self._splits:
            return self._splits[dotted]
        found = None
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if self.path(module):
                found = module, ".".join(parts[cut:])
                break
        self._splits[dotted] = found
        return found

    def importer(self, module: str) -> str:
        """Returns what relative imports of tree module `module` are relative to (see ModuleScope.importer)."""
        return f"{module}.__init__" if (self.path(module) or "").endswith("__init__.py") else module

    def acquirers(self, needles) -> TreeAcquirers:
        """Returns the acquiring names of the tree's modules for the acquiring calls of `needles`."""
        if needles not in self._acquirers:
            self._acquirers[needles] = TreeAcquirers(self, needles)
        return self._acquirers[needles]

    def may_return(self, qualname: str) -> bool:
        """Reports whether tree function `qualname` may return a resource it acquires, from the bytes
        of its module (see acquirers.py), without parsing it; True while no rules are known."""
        split = self.split(qualname)
        if split is None:
            return False
        return all(acquirers.may_return(*split) for acquirers in self._acquirers.values())

    # -- what is in them ----------------------------------------------------------------------------
    def source(self, module: str) -> bytes | None:
        """Returns the bytes of tree module `module` (None: not the tree's, or unreadable)."""
        path = self.path(module)
        if path is None:
            return None
        self.consulted.add(path)
        if module not in self._sources:
            try:
                with open(path, "rb") as handle:
                    self._sources[module] = handle.read()
            except OSError:
                self._sources[module] = None
        return self._sources[module]

    def reads_attribute(self, name: str, besides: str) -> bool:
        """Reports whether a module of the run other than `besides` reads attribute `name` or names
        it in a string (`w.pool.submit(job)`, `getattr(w, "pool")`): its bytes are searched, and
        the modules they may be in parsed (a comment's or an import's `.pool` reads nothing).
        Computed once per name; every module of the run is consulted."""
        if name not in self._attributes:
            word = re.escape(name.encode())
            pattern = re.compile(rb"\.[ \t]*" + word + rb"\b|[\"']" + word + rb"[\"']")
            self._attributes[name] = frozenset(
                module for module in self._index()
                if pattern.search(self.source(module) or b"") and _reads(self.parsed(module), name))
        else:
            self.consulted.update(self._index().values())
        return bool(self._attributes[name] - {besides})

    def parsed(self, module: str) -> tuple[ast.Module, bytes, ModuleScope] | None:
        """Returns the tree, bytes and scope of tree module `module` (None: not the tree's, unreadable)."""
        path = self.path(module)
        if path is None:
            return None
        self.consulted.add(path)
        if module not in self._parsed:
            self._parsed[module] = None  # recursion guard
            self._parsed[module] = self._parse(path, module)
            gc.freeze()  # kept for the whole run: collections need not scan its objects again
        return self._parsed[module]

    def _parse(self, path: str, module: str) -> tuple[ast.Module, bytes, ModuleScope] | None:
        source = self.source(module)
        if source is None:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source, filename=path)
        except SyntaxError:
            found = legacy.read(path, source)  # Ex) a Python 2 module of the tree
            if found is None:
                return None
            tree, source = found
        except (ValueError, RecursionError, MemoryError):
            return None
        return tree, source, ModuleScope.build(tree, module, self, path.endswith("__init__.py"))

    def scope(self, module: str) -> ModuleScope | None:
        found = self.parsed(module)
        return found[2] if found else None

    def definition(self, dotted: str) -> str:
        """Returns where `dotted` is defined: followed through the re-exports of tree modules (an
        import there, or a star import of another tree module), else `dotted` itself."""
        if dotted not in self._definitions:
            self._definitions[dotted] = dotted  # recursion guard
            self._definitions[dotted] = self._follow(dotted, _MAX_HOPS)
        found = self._definitions[dotted]
        split = self.split(found)
        if split is not None:
            self.consulted.add(self.path(split[0]) or "")
        return found

    def _follow(self, dotted: str, hops: int) -> str:
        # Ex) from .compat import urlopen   (in pkg/__init__.py: pkg.urlopen is urllib.request.urlopen)
        split = self.split(dotted)
        scope = self.scope(split[0]) if split else None
        if scope is None or hops == 0:
            return dotted
        first, _, more = split[1].partition(".")
        if scope.kinds.get(first) == "import" and scope.bindings.get(first):
            target = scope.bindings[first] + (f".{more}" if more else "")
            return target if target == dotted else self._follow(target, hops - 1)
        if first not in scope.kinds:
            for star in scope.stars:
                inner = self.scope(star)
                if inner is not None and first in inner.kinds:
                    return self._follow(f"{star}.{split[1]}", hops - 1)
        return dotted

    def class_of(self, dotted: str) -> ClassInfo | None:
        """Returns the class a tree module defines under `dotted` (`pkg.mod.Class`, `pkg.mod.A.B`)."""
        split = self.split(dotted)
        scope = self.scope(split[0]) if split else None
        return scope.classes.get(dotted) if scope is not None else None

    def function_node(self, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """Returns the definition of a tree function or method (`pkg.mod.f`, `pkg.mod.Class.m`)."""
        owner, _, _ = qualname.rpartition(".")
        split = None if self.path(owner) else self.split(owner)
        scope = self.scope(split[0] if split else owner)
        return scope.function_node(qualname) if scope is not None else None


def _reads(parsed: tuple[ast.Module, bytes, ModuleScope] | None, name: str) -> bool:
    """Reports whether a parsed module reads attribute `name` or holds it as a string (unparsed: may)."""
    if parsed is None:
        return True
    return any((isinstance(node, ast.Attribute) and node.attr == name and not isinstance(node.ctx, ast.Store))
               or (isinstance(node, ast.Constant) and node.value == name) for node in ast.walk(parsed[0]))


def _root(path: str, module: str) -> str:
    """Returns the directory that holds the top package of `path`, whose module name is `module`."""
    directory = os.path.dirname(os.path.abspath(path))
    depth = module.count(".") + (os.path.basename(path) == "__init__.py")
    for _ in range(depth):
        directory = os.path.dirname(directory)
    return directory


def _canonical(path: str) -> str:
    """Returns `path` as the driver names files: relative to the working directory when below it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative.replace(os.sep, "/")
