"""Which names of the tree's own modules may acquire a resource, read from their bytes: a function
or method whose body calls an acquiring library function (or such a name of another tree module)
and returns a value, and a class built on an acquiring library class. A module that calls one of
them is worth analysing though it names no library call itself (`from .net import dial`).

Regular expressions only, no parse: the prefilter asks this about every file of a run. It never
lowers and never reports.
"""
from __future__ import annotations

import re

from leaklint_gopy.frontends.python.names import absolute_module, module_name
from leaklint_gopy.frontends.python.needles import has_word, line_matches

# Ex) from .net import dial, Dialer   Ex) from pkg import (conn,\n    Dialer)   Ex) import pkg.net as net, os
_IMPORTS = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)?|[\w \t,*]*)"
                      rb"|import[ \t]+([\w. \t,]+))", re.MULTILINE)
_COMMENT = re.compile(rb"#[^\n]*")
# Ex) def dial(host):   Ex) class Conn(socket.socket):
_DEFINITION = re.compile(rb"^([ \t]*)(?:(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)[ \t]*(\([^)]*\))?)",
                         re.MULTILINE)
_DEFINED = re.compile(rb"(?:def|class)[ \t]")  # what the line of every _DEFINITION match holds
_FIELD_STORE = re.compile(rb"\bself\.\w+")
_SELF_CALL = re.compile(rb"\bself\.(\w+)\s*\(")
_WHOLE = ""  # the name `imported` binds for a module imported whole
_FIRST_PARAMETER = re.compile(rb"[ \t]*\([ \t]*(\w+)")
_RETURNS_VALUE = re.compile(rb"\breturn\b[ \t]*(?!None\b)[^\s#;]|\byield\b")


class TreeAcquirers:
    """The acquiring names of the run's modules (`modules`, a tree.TreeModules), for the acquiring
    calls and literals of `needles` (a frontend.Needles), each module read once per process."""

    def __init__(self, modules, needles) -> None:
        self.modules = modules
        self.needles = needles
        self._names: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._classes = frozenset(p.rpartition(".")[2] for p in needles.patterns if p.rpartition(".")[2][:1].isupper()
                                  or p == "socket.socket")

    def imported(self, source: bytes, module: str) -> dict[str, dict[str, str]]:
        """Returns the tree modules that `source` (module `module`) imports, each with the names it
        binds from them (name -> local name; `_WHOLE` for a module imported whole, also where names
        are imported from it too: `from pkg import logs` and `from pkg.logs import LogFile`)."""
        found: dict[str, dict[str, str]] = {}
        for match in line_matches(source, b"import", _IMPORTS):
            if match.group(4) is not None:  # Ex) import pkg.net as net
                for part in match.group(4).decode("ascii", "replace").split(","):
                    if part.split() and self.modules.path(part.split()[0]):
                        found.setdefault(part.split()[0], {})[_WHOLE] = _WHOLE
                continue
            base = absolute_module(match.group(2).decode("ascii", "replace"), len(match.group(1)), module)
            for part in _imported_parts(match):
                words = part.split()
                if not words or not base:
                    continue
                local = words[2] if len(words) == 3 and words[1] == "as" else words[0]
                if self.modules.path(f"{base}.{words[0]}"):
                    found.setdefault(f"{base}.{words[0]}", {})[_WHOLE] = _WHOLE  # Ex) from pkg import net
                elif self.modules.path(base):
                    found.setdefault(base, {})[words[0]] = local  # Ex) from .net import dial as connect
        return found

    def imports_tree(self, source: bytes, path: str) -> bool:
        """Reports whether file `path` imports a module of the tree (whose names it may call)."""
        module = module_name(path)
        return bool(self.imported(source, f"{module}.__init__" if path.endswith("__init__.py") else module))

    def used_by(self, source: bytes, module: str) -> set[str]:
        """Returns the local names of the acquiring names of the tree modules `source` imports that
        it mentions (`make` for `from .net import dial as make`), and the acquiring methods of the
        classes those modules define or re-export that it calls (`dialer.dial(host)`)."""
        names, methods = self._imported_names(self.imported(source, module))
        # Ex) from .net import dial as make; make(host)   (each name looked for as a whole word)
        return {name for name in names if has_word(source, name.encode())} \
            | (methods & _attribute_calls(source) if methods else set())

    def _imported_names(self, imported: dict[str, dict[str, str]]) -> tuple[set[str], set[str]]:
        """Returns the local names bound to acquiring names of imported tree modules (all of them
        for a module imported whole), and the acquiring methods of those modules."""
        names: set[str] = set()
        methods: set[str] = set()
        for other, bound in imported.items():
            inner, inner_methods = self.names(other)
            names.update(local for name, local in bound.items() if name in inner)
            if _WHOLE in bound:  # Ex) import pkg.net as net; net.dial(host)
                names.update(inner)
            methods.update(inner_methods)
        return names, methods

    def may_return(self, module: str, rest: str) -> bool:
        """Reports whether function or method `rest` (`dial`, `Dialer.dial`) of tree module
        `module` may return what it acquires."""
        names, methods = self.names(module)
        return rest in names if "." not in rest else rest.rpartition(".")[2] in methods

    def names(self, module: str) -> tuple[frozenset[str], frozenset[str]]:
        """Returns the acquiring names of tree module `module`: its functions (returning what they
        acquire) and classes, with the names it re-exports; and the acquiring methods of its classes
        and of the classes it imports (`from .dial import Dialer`)."""
        if module not in self._names:
            self._names[module] = frozenset(), frozenset()  # recursion guard: a cycle of imports adds nothing
            found = self.modules.source(module)
            if found is not None:
                self._names[module] = self._acquiring(found, self.modules.importer(module))
        return self._names[module]

    def _acquiring(self, source: bytes, module: str) -> tuple[frozenset[str], frozenset[str]]:
        imported = self.imported(source, module)
        # Ex) from .dial import connect, Dialer   (in pkg/__init__.py: re-exports, with Dialer's methods)
        names = {local for other, bound in imported.items() for name, local in bound.items()
                 if name in self.names(other)[0]} | _reexported(self.needles, source)
        methods = set().union(*(self.names(other)[1] for other, bound in imported.items()
                                if any(name[:1].isupper() for name in bound)))
        outside = [_calls(self.needles.call_names(frozenset(self.needles.modules(source)))),
                   _calls(self._imported_names(imported)[0])]
        definitions = list(line_matches(source, _DEFINED, _DEFINITION))
        ends = _ends(definitions, len(source))
        # what the acquiring calls of other modules and the needles' literals say of a body, read once
        static: dict[int, bool] = {}

        def acquires(text: bytes, inner: re.Pattern[bytes] | None) -> bool:
            key = id(text)
            if key not in static:
                static[key] = any(p.search(text) for p in outside if p is not None) or self.needles.literal_in(text)
            return static[key] or inner is not None and inner.search(text) is not None

        bodies = {index: source[match.end():ends[index]] for index, match in enumerate(definitions) if match.group(2)}
        helpers: dict[int, list[bytes]] = {}
        # (index, name, indent, the words of a class's bases, a function), read once; the definitions
        # that can never add a name are left out: a class without bases, a function returning no value
        # or named `__x__` (but `__init__`)
        read = [(index, name, len(match.group(1)), _words(match.group(4)) if match.group(4) else None, bool(match.group(2)))
                for index, match in enumerate(definitions)
                if (name := (match.group(2) or match.group(3)).decode()) == "__init__"
                or (_RETURNS_VALUE.search(bodies[index]) and not name.startswith("__") if match.group(2)
                    else match.group(4))]
        # Ex) def dial(h): return _connect(h)   (a function of the module that acquires, defined below it);
        # a few rounds: each one learns the names defined above the ones it learnt
        for _ in range(5):
            known = len(names) + len(methods)
            inner = _calls(names | methods)
            for index, name, indent, bases, function in read:
                if bases and bases & (self._classes | names):
                    names.add(name)  # Ex) class ChunkingZipFile(zipfile.ZipFile):
                if not function:
                    continue
                body = bodies[index]
                if name == "__init__":
                    # Ex) class Poller: def __init__(self): self._r, self._w = socket.socketpair()
                    # (its objects hold what __init__ acquires: constructing one acquires)
                    klass = next((d for d in reversed(definitions[:index]) if len(d.group(1)) < indent), None)
                    if klass is None or not klass.group(3) or klass.group(1) or klass.group(3).decode() in names:
                        continue
                    # Ex) class LogFile: def __init__(self, path): self._openFile()   (a method it calls opens)
                    if index not in helpers:
                        helpers[index] = [body, *_helper_bodies(definitions, ends, index, bodies)]
                    if any(_FIELD_STORE.search(text) and acquires(text, inner) for text in helpers[index]):
                        names.add(klass.group(3).decode())
                    continue
                found = methods if indent else names
                if name not in found and (acquires(body, inner)
                                          or indent and _builds_own_class(source, definitions, ends, index, names)):
                    found.add(name)
            if len(names) + len(methods) == known:
                break
        return frozenset(names), frozenset(methods)


def _builds_own_class(source: bytes, definitions: list[re.Match[bytes]], ends: list[int], index: int,
                      names: set[str]) -> bool:
    """Reports whether the method at `definitions[index]` (its body ending at `ends[index]`, see
    _ends), of an acquiring class of `names`, calls its first parameter:
    `@classmethod def fromFullPath(cls, path): return cls(path)` builds one."""
    match = definitions[index]
    indent = len(match.group(1))
    klass = next((d for d in reversed(definitions[:index]) if len(d.group(1)) < indent), None)
    first = _FIRST_PARAMETER.match(source, match.end())
    if klass is None or not klass.group(3) or klass.group(3).decode() not in names or first is None:
        return False
    return re.search(rb"\b" + re.escape(first.group(1)) + rb"\s*\(", source[first.end():ends[index]]) is not None


def _ends(definitions: list[re.Match[bytes]], size: int) -> list[int]:
    """Returns where each definition's body ends: at the next definition indented no deeper, else
    at the end of the source (one pass: looking ahead from each definition was quadratic)."""
    ends = [size] * len(definitions)
    open_: list[int] = []  # definitions whose end is not met yet, indented deeper and deeper
    for index, match in enumerate(definitions):
        indent = len(match.group(1))
        while open_ and len(definitions[open_[-1]].group(1)) >= indent:
            ends[open_.pop()] = match.start()
        open_.append(index)
    return ends


def _helper_bodies(definitions: list[re.Match[bytes]], ends: list[int], index: int,
                   bodies: dict[int, bytes]) -> list[bytes]:
    """Returns the bodies of the methods beside the `__init__` at `definitions[index]` (in the same
    class) that its body calls on its object (`self._openFile()`)."""
    called = set(_SELF_CALL.findall(bodies[index]))
    indent = len(definitions[index].group(1))
    start = next((i + 1 for i in range(index - 1, -1, -1) if len(definitions[i].group(1)) < indent), 0)
    end = next((i for i in range(index + 1, len(definitions)) if len(definitions[i].group(1)) < indent), len(definitions))
    return [bodies[position] for position in range(start, end)
            if len(definitions[position].group(1)) == indent and definitions[position].group(2) in called]


def _imported_parts(match: re.Match[bytes]) -> list[str]:
    """Returns the comma-separated parts of a `from ... import` statement's names (`dial as d`),
    over several lines when they are in parentheses."""
    return _COMMENT.sub(b"", match.group(3)).strip(b"()").decode("ascii", "replace").split(",")


def _reexported(needles, source: bytes) -> set[str]:
    """Returns the names a module binds to acquiring library calls (`from socket import
    create_connection as dial`, `from socket import *`)."""
    found = set()
    for match in line_matches(source, b"import", _IMPORTS):
        if match.group(4) is not None:
            # Ex) import xmlrpc.client as xmlrpclib   (in a compat module: its users call xmlrpclib.ServerProxy)
            for part in match.group(4).decode("ascii", "replace").split(","):
                words = part.split()
                if len(words) == 3 and words[1] == "as" and needles.call_names(frozenset({words[0].split(".")[0]})):
                    found.add(words[2])
            continue
        if match.group(3) is None or match.group(1):
            continue
        base = match.group(2).decode("ascii", "replace")
        for part in _imported_parts(match):
            words = part.split()
            if words == ["*"]:
                found |= needles.call_names(frozenset({base}))
            elif words and f"{base}.{words[0]}" in needles.patterns:
                found.add(words[2] if len(words) == 3 and words[1] == "as" else words[0])
    return found


_WORD = re.compile(rb"\w+")
_ATTRIBUTE_CALL = re.compile(rb"\.(\w+)\s*\(")


def _calls(names: set[str] | frozenset[str]) -> re.Pattern[bytes] | None:
    """Returns the pattern of a call of one of `names` (`dial(`), None for no names."""
    if not names:
        return None
    return re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")\s*\(")


def _attribute_calls(source: bytes) -> set[str]:
    """Returns the names called as methods in `source` (`dial` for `dialer.dial(h)`)."""
    return {name.decode("ascii", "replace") for name in set(_ATTRIBUTE_CALL.findall(source))}


def _words(text: bytes) -> set[str]:
    """Returns the identifiers in `text`."""
    return {word.decode("ascii", "replace") for word in set(_WORD.findall(text))}

