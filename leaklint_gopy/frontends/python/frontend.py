"""The Python front-end: parses one file with the standard library's `ast` and lowers the
functions that can reach an acquisition to FunctionIR; every other function and method is
registered for lazy lowering, for summaries ("closes its argument", "class closes self.sock").

`ast` rather than libcst: the C parser gives positions for free and parses the standard library
about 15 times faster, and nothing here needs libcst's lossless tree. Names are resolved from the
module's own imports (names.py); astroid is asked only about receivers nothing else types
(infer.py). It owns every Python quirk; it never reports findings.
"""
from __future__ import annotations

import ast
import gc
import re
import sys
import warnings
from dataclasses import replace
from functools import partial

from leaklint_gopy import directives
from leaklint_gopy.frontends.python import legacy
from leaklint_gopy.frontends.python.classes import ClassInfo
from leaklint_gopy.frontends.python.lower import lower_function, lower_module
from leaklint_gopy.frontends.python.names import ModuleScope, module_name
from leaklint_gopy.frontends.python.needles import Needles
from leaklint_gopy.frontends.python.tree import TreeModules
from leaklint_gopy.frontends.python.unit import ModuleUnit, Positions
from leaklint_gopy.ir import FileError, FunctionIR, LoweredFile, Owner

class PythonFrontend:
    language = "python"
    extensions = (".py",)

    def modules(self, tree_packages: dict[str, str]) -> TreeModules:
        """Returns the run's Python modules by dotted name (see tree.TreeModules)."""
        return TreeModules.for_run(tree_packages)

    def lower_context(self, path: str, parsed: ast.Module, source: bytes, scope: ModuleScope) -> LoweredFile:
        return lower_context(path, parsed, source, scope)

    def lower_package(self, key: str, files: list[tuple[str, bytes]], tree_packages: dict[str, str],
                      needles: frozenset[bytes], focus: frozenset[str] | None = None,
                      tree: object | None = None,
                      selected: dict[str, frozenset[str]] | None = None) -> list[LoweredFile]:
        """Returns a LoweredFile per file (for Python a package is one file, so `focus`, the files
        that are not mere context, never leaves one out; nor does `selected`: pre-commit selects
        callers in Go packages only)."""
        wanted = Needles.of(needles)
        modules = TreeModules.for_run(tree_packages)
        collecting = gc.isenabled()
        gc.disable()  # ast trees and IR are acyclic: collecting while building them only costs time (2.5x the parse)
        try:
            return [lower_file(path, source, wanted, modules) for path, source in files]
        finally:
            if collecting:
                gc.enable()


def lower_file(path: str, source: bytes, needles: Needles, tree: TreeModules | None = None) -> LoweredFile:
    """Returns the lowered functions of one file, or one FileError saying why it cannot be read;
    names it imports from the other modules of the `tree` resolve to their definitions."""
    lowered = LoweredFile(path, "python", [], directives.parse(path, "python", source))
    modules = needles.worth_parsing(source, module_name(path))
    importer = f"{module_name(path)}.__init__" if path.endswith("__init__.py") else module_name(path)
    # Ex) from .net import dial   (another module's function that returns a socket)
    called = frozenset(tree.acquirers(needles).used_by(source, importer)) if tree is not None else frozenset()
    if not modules and not called:
        return lowered
    parsed, source, error = parse(path, source)
    if error is not None:
        lowered.errors.append(error)
        return lowered
    try:
        scope = ModuleScope.build(parsed, module_name(path), tree, path.endswith("__init__.py"))
        # Ex) from .compat import xmlrpclib   (a library module re-exported by a tree module: its calls acquire)
        modules = modules | {root for name in called if (root := (scope.resolve_global(name) or "").split(".")[0])
                             in needles.words}
        _lower_module(lowered, scope, parsed, source, needles, modules, tree_names=called)
    except RecursionError:
        lowered.functions.clear()
        lowered.lazy.clear()
        lowered.errors.append(FileError(path, "too deeply nested to analyse"))
    return lowered


def parse(path: str, source: bytes) -> tuple[ast.Module | None, bytes, FileError | None]:
    """Returns the module's tree and the source it was read from (Python 2 source rewritten line
    for line in Python 3 syntax, legacy.py), or a one-line FileError (syntax error, Python 2
    source that cannot be rewritten)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, filename=path), source, None
    except SyntaxError as exc:
        found = legacy.read(path, source)
        if found is not None:
            return found[0], found[1], None  # Ex) print "childFDs", childFDs   (twisted's process.py of 2011)
        line, column = _position(exc, source)
        if python2_hint(exc, source):
            return None, source, FileError(path, f"Python 2 source is not supported ({exc.msg} at line {line})", line, column)
        return None, source, FileError(path, f"syntax error: {exc.msg}{newer_syntax_hint(exc)}", line, column)
    except (RecursionError, MemoryError):  # Ex) x = ------...1: CPython's parser runs out of stack
        return None, source, FileError(path, "cannot parse: nested too deeply for Python's parser")
    except ValueError as exc:
        return None, source, FileError(path, f"cannot parse: {exc}")



def lower_context(path: str, parsed: ast.Module, source: bytes, scope: ModuleScope) -> LoweredFile:
    """Returns another module of the tree lowered as context: each of its functions and methods
    registered to be lowered when a summary needs it, none checked."""
    lowered = LoweredFile(path, "python", [])
    collecting = gc.isenabled()
    gc.disable()
    try:
        _lower_module(lowered, scope, parsed, source, Needles(frozenset(), ()), set(), checked=False)
    except RecursionError:
        lowered.lazy.clear()
    finally:
        if collecting:
            gc.enable()
    return lowered


def _lower_module(lowered: LoweredFile, scope: ModuleScope, tree: ast.Module, source: bytes, needles: Needles,
                  modules: set[str], checked: bool = True, tree_names: frozenset[str] = frozenset()) -> None:
    """Registers the functions of a parsed module in `lowered`: those that may acquire (`checked`)
    lowered now, every other one lazily; `tree_names` are the acquiring names of other tree
    modules that it calls (see acquirers.py)."""
    positions = Positions(lowered.path, source)
    unit = ModuleUnit(scope, positions, needles.words, needles.patterns, tree=tree)
    definitions = list(_definitions(scope))
    texts = {id(node): positions.text(node) for node, _, _, _ in definitions}  # read once: each pass below reads them
    eager, mentions = _eager(scope, definitions, texts, needles.within(source), modules, tree_names) if checked \
        else (set(), None)
    body = [s for s in tree.body if not isinstance(s, _DEFINITIONS)]
    in_body = checked and any(mentions(positions.text(s)) for s in body)
    methods = tuple(sorted(f"{scope.name}.{name}" for name in scope.functions))
    acquiring = tuple(q for q in methods if q in eager) + ((f"{scope.name}.<module>",) if in_body else ())
    module = Owner(scope.name, f"module {scope.name}", "", methods, acquiring=acquiring)
    for node, qualname, display, klass in definitions:
        lower = partial(_lower_definition, unit, node, qualname, display, klass, module, eager)
        if qualname in eager and checked:
            lowered.functions.extend(lower())
        else:
            lowered.lazy[qualname] = lower
        if not _RETURNS_VALUE.search(texts[id(node)]):
            lowered.plain.add(qualname)  # Ex) def log(msg): print(msg)   (returns None: no summary of its result)
    if in_body:
        lowered.functions.extend(lower_module(unit, tree, replace(module, constructor=True, acquiring=())))


# A return with a value (other than None) or a yield, anywhere in a definition's text.
_RETURNS_VALUE = re.compile(rb"\breturn\b[ \t]*(?!None\b)[^\s#;]|\byield\b")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


# How many calls deep a function's acquiring callees are followed: a test building an IOLoop whose
# __init__ calls a static _get_poller that builds a Poller whose base's __init__ calls a helper
# returning a socket pair (pika) is five.
_LEVELS = 6


def _eager(scope: ModuleScope, definitions: list, texts_of: dict[int, bytes], needles: Needles,
           modules: set[str], tree_names: frozenset[str]) -> tuple[set[str], _Mentions]:
    """Returns the functions to lower now, and the test of the names that made them so: those that
    mention an acquiring call (its name, an alias of it or of its module, a literal such as
    `stream=True`, an acquiring name of another tree module) or, a few levels deep, a function of
    this module that does (see _LEVELS)."""
    imports = {name: target for name, target in scope.bindings.items() if scope.kinds.get(name) == "import"}
    names = needles.call_words(modules, imports) | tree_names
    # Ex) class Server(ThreadingMixIn, TCPServer): ...   (constructing one acquires)
    names.update(info.node.name for info in scope.classes.values()
                 if any(base in needles.patterns for base in scope.library_bases(info)))
    # Ex) self.openfile = open   (a method calling self.openfile(...) acquires)
    names.update(name for info in scope.classes.values()
                 for name, bound in scope.fields(info).field_functions.items() if bound in needles.patterns)
    texts = [(qualname, texts_of[id(node)], node.name) for node, qualname, _, _ in definitions]
    words: dict[str, tuple[frozenset[bytes] | None, bool]] = {}  # qualname -> its called or bound words, literal (_Mentions)
    eager: set[str] = set()
    for _ in range(_LEVELS):
        mentions = _Mentions(names, needles)
        new = {(qualname, name, text) for qualname, text, name in texts
               if qualname not in eager and mentions(text, words, qualname)}
        # Ex) @classmethod def fromFullPath(cls, path): return cls(path)   (builds one of a class that acquires)
        new |= {(qualname, node.name, texts_of[id(node)]) for node, qualname, _, klass in definitions
                if qualname not in eager and klass is not None and klass.node.name in names
                and _builds_own_class(scope, node, qualname)}
        if not new:
            break
        eager.update(qualname for qualname, _, _ in new)
        # Ex) def connect(h): return socket.create_connection(h)   (its callers acquire too)
        names.update(name for _, name, text in new if _RETURNS_VALUE.search(text))
        # Ex) class Poller: def __init__(self): self._r, self._w = socket.socketpair()   (so does Poller())
        # Ex) class LogFile: def __init__(self, path): self._openFile()   (a method it calls opens)
        names.update(info.node.name for info in scope.classes.values()
                     if "." not in info.qualname[len(scope.name) + 1:]
                     and any(f"{member.qualname}.{method}" in eager for member in [info, *scope.tree_bases(info)]
                             for method in ("__init__", *scope.init_helpers(info))))
    configured = _configured_calls(scope, names)
    if configured is not None:
        eager |= {qualname for qualname, text, _ in texts if configured.search(text)}
    return eager | _field_writers(definitions, texts_of, eager), _Mentions(names, needles)


def _configured_calls(scope: ModuleScope, names: set[str]) -> re.Pattern[bytes] | None:
    """Returns the pattern of a call of `self.config['key']` whose default, in a dict literal of a
    class body, is an acquiring name (`DEFAULT_CONFIG = {'selector': selectors.DefaultSelector}`);
    None when no class has one."""
    entries = [(key.value, value) for info in scope.classes.values() for statement in info.node.body
               if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Dict)
               for key, value in zip(statement.value.keys, statement.value.values)
               if isinstance(key, ast.Constant) and isinstance(key.value, str)]
    if not entries:
        return None  # the pattern of every acquiring name is compiled only for a class that has such a dict
    pattern = _words(names)
    keys = {key for key, value in entries if pattern.search(ast.unparse(value).encode() + b"(")}
    if not keys:
        return None
    alternatives = b"|".join(re.escape(key.encode()) for key in sorted(keys))
    return re.compile(rb"\[[\x27\"](?:" + alternatives + rb")[\x27\"]\]\s*\(")


_FIELD_WRITE = re.compile(rb"\.(\w+)[ \t]*=(?!=)")


def _field_writers(definitions: list, texts: dict[int, bytes], eager: set[str]) -> set[str]:
    """Returns the methods that rebind a field an eager method of their class assigns: they may
    drop the resource stored there."""
    # Ex) def reset(self): self.sock = None   (connect() stored a socket in self.sock)
    fields: dict[str, set[bytes]] = {}
    for node, qualname, _, klass in definitions:
        if klass is not None and qualname in eager:
            fields.setdefault(klass.qualname, set()).update(_FIELD_WRITE.findall(texts[id(node)]))
    found = set()
    for node, qualname, _, klass in definitions:
        if klass is not None and qualname not in eager and fields.get(klass.qualname):
            written = set(_FIELD_WRITE.findall(texts[id(node)]))
            if written & fields[klass.qualname]:
                found.add(qualname)
    return found


class _Mentions:
    """Tells whether a text mentions one of `names` as _words(names) matches it, or a literal of
    `needles`. For names that are ASCII words (all but exotic identifiers) it compares them with
    the words the text calls or binds (_named), read once per text, instead of compiling an
    alternation of the names for every module and round: the same answer, since such a name
    matches exactly where a whole word of the text is it."""

    __slots__ = ("names", "needles", "pattern")

    def __init__(self, names: set[str], needles: Needles) -> None:
        ascii_words = all(_ASCII_WORD.fullmatch(n) for n in names)
        self.names = frozenset(n.encode() for n in names) if ascii_words else frozenset()  # as _named reads them
        self.needles = needles
        self.pattern = None if ascii_words else _words(names)

    def __call__(self, text: bytes, words: dict[str, tuple[frozenset[bytes] | None, bool]] | None = None,
                 key: str = "") -> bool:
        """With `words`, the words and whether a literal is in the text are read once per `key`:
        _eager asks again in every round."""
        if words is None:
            named, literal = None, any(literal in text for literal in self.needles.literals)
        else:
            if key not in words:
                literal = any(literal in text for literal in self.needles.literals)
                words[key] = (None if literal else _named(text)), literal  # (a literal decides alone)
            named, literal = words[key]
        if literal:
            return True
        if self.pattern is not None:
            return self.pattern.search(text) is not None
        return not self.names.isdisjoint(_named(text) if named is None else named)


_ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")
# _words' alternatives with the name captured: `name (`, and `= mod.name` or `return name` ending the line
# (possessive where backtracking can never make a match, and `return` led by its literal rather than
# by \b, which loses the regex engine's literal search: the same words, read in a third of the time)
_CALLED = re.compile(rb"\b(\w++)\s*+\(")
_BOUND = re.compile(rb"(?:=|r(?<!\wr)eturn\b)[ \t]*+(?:\w+\.)*+(\w++)[ \t]*+(?:#|$)", re.MULTILINE)
# and a name a green thread is started on: `spawn(listener.accept)` calls it (infer.TASK_STARTERS)
_SPAWNED = re.compile(rb"\bspawn\s*\(\s*(?:\w+\.)*(\w+)\s*[,)]")


def _named(text: bytes) -> frozenset[bytes]:
    """Returns the words `text` calls (`name(`), binds a local to (`make = socket.name`), returns
    by name (`return FileHandler`) or starts a green thread on (`spawn(listener.accept)`)."""
    spawned = _SPAWNED.findall(text) if b"spawn" in text else ()
    return frozenset((*_CALLED.findall(text), *_BOUND.findall(text), *spawned))


def _lower_definition(unit: ModuleUnit, node, qualname: str, display: str, klass: ClassInfo | None,
                      module: Owner, eager: set[str]) -> list[FunctionIR]:
    """Returns the FunctionIR of a module function or method (now, or when a summary needs it)."""
    unit.lowered.add(id(node))
    owner = _owner(unit.scope, klass, node, eager) if klass is not None else _global_owner(unit, module, node)
    return lower_function(unit, node, qualname, display, klass, owner)


def _definitions(scope: ModuleScope):
    """Yields (node, qualname, display, class) for every module-level function and method."""
    for name, node in scope.functions.items():
        yield node, f"{scope.name}.{name}", name, None
    for info in scope.classes.values():
        short = info.qualname[len(scope.name) + 1:]
        for name, node in info.methods.items():
            yield node, f"{info.qualname}.{name}", f"{short}.{name}", info


def _builds_own_class(scope: ModuleScope, node, qualname: str) -> bool:
    """Reports whether classmethod `node` calls its class parameter (`cls(path)`)."""
    params = node.args.posonlyargs + node.args.args
    if not params or scope.method_kind(qualname) != "class":
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == params[0].arg
               for n in ast.walk(node))


# Test runners build a new test object per test and call these on it once, first: unittest's
# setUp/asyncSetUp, pytest's setup_method. The object's fields hold nothing yet there.
_PER_TEST_SETUPS = frozenset({"setUp", "asyncSetUp", "setup_method"})


def _owner(scope: ModuleScope, klass: ClassInfo, node, eager: set[str]) -> Owner | None:
    """Returns the Owner of a method when every base of its class is known, else None (fields escape)."""
    family = _family(scope, klass, eager)
    params = node.args.posonlyargs + node.args.args
    if family is None or not params or scope.method_kind(f"{klass.qualname}.{node.name}") != "instance":
        return None
    cached = tuple(sorted(scope.fields(klass).cached))
    return Owner(klass.qualname, f"class {klass.node.name}", params[0].arg, family[0],
                 constructor=node.name == "__init__", cached=cached, acquiring=family[1],
                 fresh=node.name in scope.init_helpers(klass) or node.name in _PER_TEST_SETUPS)


def _family(scope: ModuleScope, klass: ClassInfo, eager: set[str]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Returns the methods that can run on the class's objects and those of them lowered now, once
    per class: each method's Owner shares them (8,000 methods made 8,000 copies of 8,000 names)."""
    if "family" not in klass.memo:
        methods = scope.owner_methods(klass)
        klass.memo["family"] = None if methods is None else (tuple(methods), tuple(q for q in methods if q in eager))
    return klass.memo["family"]


def _global_owner(unit: ModuleUnit, module: Owner, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Owner | None:
    """Returns the module as the Owner of a module function that rebinds globals (`global _client`),
    with those globals as its shared fields; None when it rebinds none."""
    local = unit.local_scope(node)
    shared = tuple(sorted(local.declared_global & local.assigned))
    return replace(module, shared=shared) if shared else None


def _words(names: set[str]) -> re.Pattern[bytes]:
    """Returns the pattern of a call of one of `names` (`socket.socket(`, `helper (`), of a local
    bound to one (`make = socket.create_connection`), of one returned by name (a test's class
    hook, `return FileHandler`: see factories.py) or of one a green thread is started on."""
    alternatives = b"|".join(re.escape(n.encode()) for n in sorted(names)) or b"(?!)"
    return re.compile(rb"\b(?:" + alternatives + rb")\s*\(|(?:=|\breturn\b)[ \t]*(?:\w+\.)*(?:" + alternatives
                      + rb")[ \t]*(?:#|$)|\bspawn\s*\(\s*(?:\w+\.)*(?:" + alternatives + rb")\s*[,)]", re.MULTILINE)


def _position(error: SyntaxError, source: bytes) -> tuple[int, int]:
    """Returns the 1-based line and code-point column of a syntax error: parsing bytes, CPython
    gives most offsets in bytes, so a line with non-ASCII text is parsed again as text to learn it."""
    line, column = max(1, error.lineno or 1), max(1, error.offset or 1)
    if error.text is None or error.text.isascii():
        return line, column
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source.decode("utf-8"))
    except SyntaxError as again:
        if again.lineno == error.lineno:
            return line, max(1, again.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    return line, column


# Syntax the running Python may be too old for: (pattern of the error's line, what it is, version).
_NEWER_SYNTAX = ((re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*(\[.*\])?\s*="), "a type alias statement", (3, 12)),
                 (re.compile(r"^\s*(async\s+)?def\s+\w+\s*\["), "a generic function", (3, 12)),
                 (re.compile(r"^\s*class\s+\w+\s*\["), "a generic class", (3, 12)))


def newer_syntax_hint(error: SyntaxError) -> str:
    """Returns `; ... needs Python 3.12, leaklint runs on 3.11 ...` when the error's line holds
    syntax newer than the running Python, else ''."""
    for pattern, what, version in _NEWER_SYNTAX:
        if sys.version_info < version and pattern.search(error.text or ""):
            running = ".".join(map(str, sys.version_info[:2]))
            return (f"; {what} needs Python {'.'.join(map(str, version))} and leaklint runs on Python {running}: "
                    f"run leaklint with Python {'.'.join(map(str, version))} or later")
    return ""


def python2_hint(error: SyntaxError, source: bytes) -> bool:
    """Reports whether a syntax error is most likely Python 2 source."""
    message = error.msg or ""
    if "Missing parentheses in call to" in message or "leading zeros in decimal integer" in message:
        return True
    line = (error.text or "").strip()
    return line.startswith(("print ", "exec ", "raise ")) and "," in line or line.startswith("except ") and ", " in line
