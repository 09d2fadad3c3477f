"""A value a function tests against constants of different values (`if cfg.Transport ==
config.LDAPTransportTLS {...} ... if cfg.Transport == config.LDAPTransportStartTLS { return }`): when
it is a parameter passed by value, or a field of one, that nothing in the function can change (never
assigned nor declared again, its address never taken, no method called on it), each test is a flag
fixed for the whole call (`cfg.Transport==i:2`), and the true edge of one test proves the others
false. Constant values are literals, the package's integer constants and those of another package of
the tree (counts.integer_constants). It reads syntax only; it lowers nothing.
"""
from __future__ import annotations

from tree_sitter import Node

from leaklint_gopy.frontends.go import regions
from leaklint_gopy.frontends.go.counts import integer, integer_constants
from leaklint_gopy.frontends.go.expr import _items
from leaklint_gopy.frontends.go.guards import unparenthesized
from leaklint_gopy.frontends.go.typeinfo import FileScope, subtree, text
from leaklint_gopy.ir import Guard

_BINDINGS = frozenset({"assignment_statement", "short_var_declaration", "inc_dec_statement", "range_clause"})
_VALUE_TYPES = frozenset({"type_identifier", "qualified_type"})  # (a pointer, map or func parameter is shared)


class Comparisons:
    """The steady comparisons of one function (`function`, a declaration or func literal), read on
    first use."""

    def __init__(self, function: Node, scope: FileScope) -> None:
        self.function, self.scope = function, scope
        self._values: dict[str, set[str]] | None = None  # subject -> the constant values it is compared with
        self._locals: set[str] | None = None  # the names the function declares (read once)

    def flag(self, condition: Node | None) -> tuple[str, bool] | None:
        """Returns the flag a steady comparison is (`cfg.Transport==i:2`) and the value that makes the
        condition true (False for `!=`), when its subject is compared with another value too."""
        tested = self._test(condition)
        return (f"{tested[0]}=={tested[1]}", tested[2]) if tested is not None else None

    def guards(self, condition: Node | None) -> tuple[Guard, Guard] | None:
        """Returns what the true and false edges of a steady comparison prove: where the subject
        equals the constant, it equals no other constant the function compares it with."""
        # Ex) if cfg.Transport == config.LDAPTransportStartTLS { return false }   (not TLS there)
        tested = self._test(condition)
        if tested is None:
            return None
        subject, value, holds = tested
        equal: Guard | None = None
        for other in sorted(self._values[subject] - {value}):
            equal = Guard(f"{subject}=={other}", "false", also=equal)
        equal = Guard(f"{subject}=={value}", "true", also=equal)
        unequal = Guard(f"{subject}=={value}", "false")
        return (equal, unequal) if holds else (unequal, equal)

    def _test(self, condition: Node | None) -> tuple[str, str, bool] | None:
        """Returns (subject, constant value, whether `==`) of a steady comparison."""
        compared = self._comparison(unparenthesized(condition))
        if compared is None:
            return None
        subject, value, holds = compared
        if self._values is None:
            self._values = self._compared()
        return (subject, value, holds) if len(self._values.get(subject, ())) > 1 else None

    def _compared(self) -> dict[str, set[str]]:
        """Returns each steady subject of the function's comparisons and the values it is compared with."""
        found: dict[str, set[str]] = {}
        body = self.function.child_by_field_name("body")
        for node in subtree(body):
            compared = self._comparison(node) if node.type == "binary_expression" else None
            if compared is not None:
                found.setdefault(compared[0], set()).add(compared[1])
        return {subject: values for subject, values in found.items() if len(values) > 1 and self._steady(subject)}

    def _comparison(self, node: Node | None) -> tuple[str, str, bool] | None:
        """Returns (subject, constant value, whether `==`) of `p == K`, `p.f != K` or `K == p`: `p`
        is a variable, not a package, and `K` a constant of known value."""
        if node is None or node.type != "binary_expression":
            return None
        operator = text(node.child_by_field_name("operator"))
        if operator not in ("==", "!="):
            return None
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        for subject, constant in ((left, right), (right, left)):
            root = _subject(subject)
            if root and (root not in self.scope.imports or self._declared(root)):
                value = self._value(constant)
                if value is not None:
                    return text(subject), value, operator == "=="
        return None

    def _steady(self, subject: str) -> bool:
        """Reports whether `subject` (`p`, `p.f`) reads a parameter passed by value that nothing in
        the function changes."""
        root = subject.split(".", 1)[0]
        kinds = [param.child_by_field_name("type") for param in _parameters(self.function)
                 if any(text(name) == root for name in param.children_by_field_name("name"))]
        if len(kinds) != 1 or kinds[0] is None or kinds[0].type not in _VALUE_TYPES:
            return False
        return not any(_changes(node, root) for node in subtree(self.function.child_by_field_name("body")))

    def _value(self, node: Node | None) -> str | None:
        """Returns the value of a constant (`"tls"`, `3`, `maxRetries`, `config.LDAPTransportTLS`),
        tagged with its kind, else None."""
        node = unparenthesized(node)
        if node is None:
            return None
        if node.type == "int_literal":
            number = integer(text(node))
            return None if number is None else f"i:{number}"
        if node.type in ("interpreted_string_literal", "raw_string_literal") and "\\" not in text(node):
            return f"s:{text(node)[1:-1]}"
        if node.type == "identifier" and not self._declared(text(node)):
            number = self.scope.package.integers.get(text(node))
            return None if number is None else f"i:{number}"
        if node.type == "selector_expression":
            operand = node.child_by_field_name("operand")
            path = self.scope.imports.get(text(operand)) if operand.type == "identifier" else None
            if path is not None and not self._declared(text(operand)):
                number = self._foreign(self.scope.package.resolve_import(path)).get(text(node.child_by_field_name("field")))
                return None if number is None else f"i:{number}"
        return None

    def _declared(self, name: str) -> bool:
        """Reports whether the function declares `name` itself (a parameter, a local)."""
        if self._locals is None:
            self._locals = _declarations(self.function)
        return name in self._locals

    def _foreign(self, key: str) -> dict[str, int]:
        """Returns the integer constants of package `key` of the tree (another than the function's:
        not the standard library's, nor a dependency's), recording it as consulted."""
        tree = self.scope.package.tree
        if key not in getattr(tree, "paths", ()) or key == self.scope.package.key:
            return {}
        tree.consult([key])
        known = self.scope.package.foreign_integers
        if key not in known:
            known[key] = {}
            for _, source in tree.sources(key):
                known[key].update(integer_constants(regions.cut(source)))
        return known[key]


def _subject(node: Node | None) -> str:
    """Returns the variable `node` reads, `p` or `p.f` (a selector of a selector may go through a
    pointer), else ""."""
    root = node.child_by_field_name("operand") if node is not None and node.type == "selector_expression" else node
    return text(root) if root is not None and root.type == "identifier" else ""


def _changes(node: Node, root: str) -> bool:
    """Reports whether `node` may change variable `root` or a field of it: it assigns or declares
    it, takes its address or calls a method on it (a pointer receiver takes the address)."""
    if node.type in _BINDINGS:
        targets = _items(node.child_by_field_name("left")) if node.type != "inc_dec_statement" else node.named_children
        return any(_rooted(target, root) for target in targets)
    if node.type in ("var_spec", "parameter_declaration", "const_spec"):
        return any(text(name) == root for name in node.children_by_field_name("name"))
    if node.type == "unary_expression" and text(node.children[0]) == "&":
        return _rooted(node.child_by_field_name("operand"), root)
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        return function is not None and function.type == "selector_expression" \
            and _rooted(function.child_by_field_name("operand"), root)
    return False


def _rooted(node: Node | None, root: str) -> bool:
    """Reports whether `node` is `root`, or a field, element or slice of it."""
    while node is not None and node.type in ("selector_expression", "index_expression", "slice_expression",
                                             "parenthesized_expression"):
        node = node.child_by_field_name("operand") or (node.named_children[0] if node.named_children else None)
    return node is not None and node.type == "identifier" and text(node) == root


def _declarations(function: Node) -> set[str]:
    """Returns the names `function` declares itself (parameters, locals, constants)."""
    names: set[str] = set()
    for node in subtree(function):
        if node.type in ("var_spec", "parameter_declaration", "const_spec"):
            names.update(text(name) for name in node.children_by_field_name("name"))
        elif node.type in ("short_var_declaration", "range_clause"):
            names.update(text(item) for item in _items(node.child_by_field_name("left")) if item.type == "identifier")
    return names


def _parameters(function: Node) -> list[Node]:
    params = function.child_by_field_name("parameters")
    return [node for node in params.named_children if node.type == "parameter_declaration"] if params else []

