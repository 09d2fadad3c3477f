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
import re
import sys
import warnings
from dataclasses import dataclass, replace
from functools import partial

from leaklint import directives
from leaklint.frontends.python.classes import ClassInfo
from leaklint.frontends.python.localscope import LocalScope
from leaklint.frontends.python.lower import lower_function, lower_module
from leaklint.frontends.python.names import ModuleScope, module_name
from leaklint.frontends.python.unit import ModuleUnit, Positions
from leaklint.ir import FileError, FunctionIR, LoweredFile, Owner

_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([^\n#;]+))", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Needles:
    """What makes a file worth parsing and a function worth lowering now (see prefilter.needles)."""

    words: frozenset[str]
    literals: tuple[bytes, ...]

    @classmethod
    def of(cls, needles: frozenset[bytes]) -> Needles:
        literals = tuple(sorted(n for n in needles if not n.decode().isidentifier()))
        return cls(frozenset(n.decode() for n in needles if n not in literals), literals)

    def modules(self, source: bytes) -> set[str]:
        """Returns the acquiring modules (`socket`, `requests`) that a file imports, anywhere in it."""
        found: set[str] = set()
        for match in _IMPORT.finditer(source):
            modules = [match.group(1)] if match.group(1) else match.group(2).split(b",")
            found.update(m.strip().split(b".")[0].split(b" ")[0].decode("ascii", "replace") for m in modules)
        return found & self.words

    def literal_in(self, source: bytes) -> bool:
        return any(literal in source for literal in self.literals)


class PythonFrontend:
    language = "python"
    extensions = (".py",)

    def lower_package(self, key: str, files: list[tuple[str, bytes]], tree_packages: dict[str, str],
                      needles: frozenset[bytes], focus: frozenset[str] | None = None) -> list[LoweredFile]:
        """Returns a LoweredFile per file (for Python a package is one file, so `focus`, the files
        that are not mere context, never leaves one out)."""
        wanted = Needles.of(needles)
        return [lower_file(path, source, wanted) for path, source in files]


def lower_file(path: str, source: bytes, needles: Needles) -> LoweredFile:
    """Returns the lowered functions of one file, or one FileError saying why it cannot be read."""
    lowered = LoweredFile(path, "python", [], directives.parse(path, "python", source))
    modules = needles.modules(source)
    if not modules and not needles.literal_in(source):
        return lowered
    tree, error = parse(path, source)
    if error is not None:
        lowered.errors.append(error)
        return lowered
    try:
        _lower_module(lowered, tree, source, needles, modules)
    except RecursionError:
        lowered.functions.clear()
        lowered.lazy.clear()
        lowered.errors.append(FileError(path, "too deeply nested to analyse"))
    return lowered


def parse(path: str, source: bytes) -> tuple[ast.Module | None, FileError | None]:
    """Returns the module's tree, or a one-line FileError (syntax error, Python 2 source)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _mark_awaited(ast.parse(source, filename=path)), None
    except SyntaxError as exc:
        line, column = _position(exc, source)
        if python2_hint(exc, source):
            return None, FileError(path, f"Python 2 source is not supported ({exc.msg} at line {line})", line, column)
        return None, FileError(path, f"syntax error: {exc.msg}{newer_syntax_hint(exc)}", line, column)
    except (RecursionError, MemoryError):  # Ex) x = ------...1: CPython's parser runs out of stack
        return None, FileError(path, "cannot parse: nested too deeply for Python's parser")
    except ValueError as exc:
        return None, FileError(path, f"cannot parse: {exc}")


def _lower_module(lowered: LoweredFile, tree: ast.Module, source: bytes, needles: Needles, modules: set[str]) -> None:
    scope = ModuleScope.build(tree, module_name(lowered.path))
    positions = Positions(lowered.path, source)
    unit = ModuleUnit(scope, positions, needles.words)
    definitions = list(_definitions(scope))
    eager, pattern = _eager(scope, definitions, positions, needles, modules)
    body = [s for s in tree.body if not isinstance(s, _DEFINITIONS)]
    in_body = any(_mentions(positions.text(s), pattern, needles) for s in body)
    methods = tuple(sorted(f"{scope.name}.{name}" for name in scope.functions))
    acquiring = tuple(q for q in methods if q in eager) + ((f"{scope.name}.<module>",) if in_body else ())
    module = Owner(scope.name, f"module {scope.name}", "", methods, acquiring=acquiring)
    for node, qualname, display, klass in definitions:
        owner = _owner(scope, klass, node, eager) if klass is not None else _global_owner(module, node)
        lower = partial(_lower_definition, unit, node, qualname, display, klass, owner)
        if qualname in eager:
            lowered.functions.extend(lower())
        else:
            lowered.lazy[qualname] = lower
    if in_body:
        lowered.functions.extend(lower_module(unit, tree, replace(module, constructor=True, acquiring=())))


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _eager(scope: ModuleScope, definitions: list, positions: Positions, needles: Needles,
           modules: set[str]) -> tuple[set[str], re.Pattern[bytes]]:
    """Returns the functions to lower now, and the pattern of the names that made them so: those that
    mention an acquiring name (an acquiring module or a name imported from one, a literal such as
    `stream=True`) or, up to four levels, a function of this module that does."""
    names = set(modules) | {name for name, target in scope.bindings.items()
                            if scope.kinds.get(name) == "import" and target.split(".", 1)[0] in modules}
    texts = [(qualname, positions.text(node), node.name) for node, qualname, _, _ in definitions]
    eager: set[str] = set()
    for _ in range(4):
        pattern = _words(names)
        new = {(qualname, name) for qualname, text, name in texts
               if qualname not in eager and _mentions(text, pattern, needles)}
        if not new:
            break
        eager.update(qualname for qualname, _ in new)
        names.update(name for _, name in new)
    return eager, _words(names)


def _mentions(text: bytes, pattern: re.Pattern[bytes], needles: Needles) -> bool:
    return pattern.search(text) is not None or any(literal in text for literal in needles.literals)


def _lower_definition(unit: ModuleUnit, node, qualname: str, display: str, klass: ClassInfo | None,
                      owner: Owner | None) -> list[FunctionIR]:
    unit.lowered.add(id(node))
    return lower_function(unit, node, qualname, display, klass, owner)


def _definitions(scope: ModuleScope):
    """Yields (node, qualname, display, class) for every module-level function and method."""
    for name, node in scope.functions.items():
        yield node, f"{scope.name}.{name}", name, None
    for info in scope.classes.values():
        short = info.qualname[len(scope.name) + 1:]
        for name, node in info.methods.items():
            yield node, f"{info.qualname}.{name}", f"{short}.{name}", info


def _owner(scope: ModuleScope, klass: ClassInfo, node, eager: set[str]) -> Owner | None:
    """Returns the Owner of a method when every base of its class is known, else None (fields escape)."""
    family = _family(scope, klass, eager)
    params = node.args.posonlyargs + node.args.args
    if family is None or not params or scope.method_kind(f"{klass.qualname}.{node.name}") != "instance":
        return None
    cached = tuple(sorted(scope.fields(klass).cached))
    return Owner(klass.qualname, f"class {klass.node.name}", params[0].arg, family[0],
                 constructor=node.name == "__init__", cached=cached, acquiring=family[1],
                 fresh=node.name in scope.init_helpers(klass))


def _family(scope: ModuleScope, klass: ClassInfo, eager: set[str]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Returns the methods that can run on the class's objects and those of them lowered now, once
    per class: each method's Owner shares them (8,000 methods made 8,000 copies of 8,000 names)."""
    if "family" not in klass.memo:
        methods = scope.owner_methods(klass)
        klass.memo["family"] = None if methods is None else (tuple(methods), tuple(q for q in methods if q in eager))
    return klass.memo["family"]


def _global_owner(module: Owner, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Owner | None:
    """Returns the module as the Owner of a module function that rebinds globals (`global _client`),
    with those globals as its shared fields; None when it rebinds none."""
    local = LocalScope.of(node, module.name)
    shared = tuple(sorted(local.declared_global & local.assigned))
    return replace(module, shared=shared) if shared else None


def _words(names: set[str]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(n.encode()) for n in sorted(names)) or b"(?!)"
    return re.compile(rb"\b(?:" + alternatives + rb")\b")


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


def _mark_awaited(tree: ast.Module) -> ast.Module:
    """Marks the calls that are awaited (`await client.aclose()`): an async close that is not
    awaited never runs."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            node.value._leaklint_awaited = True  # type: ignore[attr-defined]
    return tree
