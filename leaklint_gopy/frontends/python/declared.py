"""Types from the tree's declarations: what a function or method of the analysed tree is declared
to return (`def _get_conn(self) -> BaseHTTPConnection`) types the name its result is bound to,
when it names a class of the tree, so later calls on it resolve to that class's methods instead
of matching a rule by method name alone. Reads `ast` only; it never lowers code."""
from __future__ import annotations

from leaklint_gopy.frontends.python.names import ModuleScope, unquoted


def declared_class(scope: ModuleScope, callee: str) -> str | None:
    """Returns the class of the tree that tree function `callee` is declared to return, or None."""
    definition = scope.function_node(callee) if not callee.startswith("?") else None
    if definition is None or definition.returns is None:
        return None
    defining = scope.defining_scope(callee)
    dotted = defining.resolve_global_expr(unquoted(definition.returns)) if defining is not None else None
    return dotted if scope.class_of(dotted) is not None else None
