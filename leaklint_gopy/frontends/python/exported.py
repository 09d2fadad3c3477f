"""Which fields a class of the module exports to its users: public attributes it stores and never
reads itself, in a class none of whose methods releases anything and whose docstring says, in a
sentence without negation, that its caller (or user) closes them (tornado's `Subprocess.stdin`, a
stream "the caller is responsible for closing"; "users do not need to close it" exports nothing).
A resource stored on one is its users' from then on: it escapes and is not tracked further, so no
user is held to close it (a known gap). Without that contract such a class keeps the resource
(owning_objects.py's Keeper). It reads class bodies only; it never lowers functions."""
from __future__ import annotations

import ast
import re

from leaklint_gopy.frontends.python.classes import ClassInfo, ClassQueries

# Method names that release what an object holds (a class defining one is the owner of its fields).
_RELEASERS = frozenset({"close", "aclose", "__exit__", "__aexit__", "__del__", "shutdown", "stop", "terminate",
                        "kill", "release", "cleanup", "dispose", "disconnect", "destroy", "detach", "wait",
                        "communicate", "server_close", "tearDown", "teardown", "__enter__", "__aenter__"})

# Ex) "If this option is used, the caller is responsible for closing the streams when done with them."
# A sentence saying the caller (or user) closes, with no negation in it ("users do not need to close it").
_CALLER_CLOSES = re.compile(r"\b(?:caller|user)s?\b[^.]*\bclos(?:e|es|ing)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|never|no|neither|nor|needn't)\b|n't\b", re.IGNORECASE)


def exported_fields(queries: ClassQueries, info: ClassInfo) -> frozenset[str]:
    """Returns the public attributes the class (with its bases and subclasses in the module) stores
    and none of its methods reads, when none of them releases anything and all are known; else
    nothing. Computed once per class."""
    if "exported" not in info.memo:
        info.memo["exported"] = _exported(queries, info)
    return info.memo["exported"]


def _exported(queries: ClassQueries, info: ClassInfo) -> frozenset[str]:
    if not _caller_closes(ast.get_docstring(info.node) or ""):
        return frozenset()
    if queries.owner_methods(info) is None:
        return frozenset()  # Ex) class Handler(socketserver.BaseRequestHandler)   (a base may close them)
    family = [info, *queries.subclasses(info)]
    named = {name: q for member in family for name, q in queries.all_methods(member).items()}
    if _RELEASERS & named.keys():
        return frozenset()
    stored: set[str] = set()
    read: set[str] = set()
    for qualname in named.values():
        node = queries.function_node(qualname)
        params = (node.args.posonlyargs + node.args.args) if node is not None else []
        if not params:
            continue
        receiver = params[0].arg
        for inner in ast.walk(node):
            if _releases_field(inner, receiver):
                return frozenset()  # Ex) os.close(self.fd)   Ex) self.sock.close()
            if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id == receiver:
                (stored if isinstance(inner.ctx, ast.Store) else read).add(inner.attr)
    return frozenset(name for name in stored - read if not name.startswith("_"))


def _caller_closes(docstring: str) -> bool:
    """Reports whether a sentence of `docstring` makes the caller (or user) close, without negation."""
    return any(_CALLER_CLOSES.search(sentence) and not _NEGATION.search(sentence)
               for sentence in re.split(r"[.;!?](?:\s|$)", docstring))


def _releases_field(node: ast.AST, receiver: str) -> bool:
    """Reports whether `node` is a call releasing a field: `self.x.close()`, `os.close(self.fd)`."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in _RELEASERS and not name.endswith("close"):
        return False
    operands = [*node.args, func.value] if isinstance(func, ast.Attribute) else list(node.args)
    return any(_rooted_at(operand, receiver) for operand in operands)


def _rooted_at(node: ast.expr, receiver: str) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
        if isinstance(node, ast.Name) and node.id == receiver:
            return True
    return False
