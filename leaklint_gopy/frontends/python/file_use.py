"""Which calls of one function return what the function then uses as a file: a call given at most
a mode (`path.open()`, `fp.open("rb")`) whose result it iterates, reads or writes, inline or
through a local (`for line in path.open(): ...`, `lines = path.open(); for l in lines: ...`).

The front-end types such a result `typing.IO` (FILE_TYPE) when nothing else types the receiver,
so a rule may acquire on it (twisted's `FilePath.open`, reached through a parameter or a field).
A call given an argument that is not a mode (`opener.open(url)`, `archive.open(name)`) is
not typed here. Reads the syntax only; it emits no IR.
"""
from __future__ import annotations

import ast

FILE_TYPE = "typing.IO"

_FILE_METHODS = frozenset({"read", "readline", "readlines", "write", "writelines"})
_MODE_CHARACTERS = frozenset("rwabtx+U")
_MODE_KEYWORDS = frozenset({"mode", "encoding", "errors", "newline", "buffering"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def used_as_files(body: list[ast.stmt]) -> frozenset[int]:
    """Returns the ids of the method calls in `body` (nested functions excluded) given at most a
    mode whose results the code iterates, reads or writes as files."""
    nodes = list(_walk(body))
    bound: dict[str, list[ast.Call]] = {}
    found: set[int] = set()
    used: set[str] = set()
    for node in nodes:
        match node:
            case ast.Assign(targets=[ast.Name(id=name)], value=ast.Call() as call) if _given_a_mode(call):
                bound.setdefault(name, []).append(call)  # Ex) lines = filepath.open()
            case ast.For(iter=ast.Call() as call) | ast.AsyncFor(iter=ast.Call() as call) if _given_a_mode(call):
                found.add(id(call))  # Ex) for line in self.filePath.open(): break
            case ast.For(iter=ast.Name(id=name)) | ast.AsyncFor(iter=ast.Name(id=name)):
                used.add(name)  # Ex) for l in lines: ...
            case ast.Call(func=ast.Attribute(value=value, attr=attr)) if attr in _FILE_METHODS:
                if isinstance(value, ast.Call) and _given_a_mode(value):
                    found.add(id(value))  # Ex) self.examplePath.open().readline()
                elif isinstance(value, ast.Name):
                    used.add(value.id)  # Ex) data = fp.read()
    found.update(id(call) for name in used for call in bound.get(name, ()))
    return frozenset(found)


def _given_a_mode(call: ast.Call) -> bool:
    """Reports whether a method call is given nothing but a mode (`open()`, `open("rb")`)."""
    if not isinstance(call.func, ast.Attribute) or len(call.args) > 1:
        return False
    if any(k.arg not in _MODE_KEYWORDS for k in call.keywords):
        return False
    return all(isinstance(a, ast.Constant) and isinstance(a.value, str) and set(a.value) <= _MODE_CHARACTERS
               for a in call.args)


def _walk(body: list[ast.stmt]):
    """Yields every node of `body`, not entering nested functions, lambdas or classes."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, _SCOPES))
