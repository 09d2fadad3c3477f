"""Durations whose sign the source fixes: a literal interval that is not positive (`-1`, `0`,
`0 * time.Second`), for which time.NewTicker panics and time.Tick returns nil before making any
ticker. Reads syntax only; what such an argument means to a call is its rule's to say (`unless`).
"""
from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from leaklint_gopy.frontends.go.typeinfo import text


def nonpositive(node: Node | None, package_of: Callable[[str], str]) -> bool:
    """Reports whether an argument is a literal duration of zero or less: a number, its negation,
    or one times a unit of package time (`-1 * time.Second`); `package_of` names an identifier's
    import path ("" for a variable)."""
    sign = _sign(node, package_of)
    return sign is not None and sign <= 0


def _sign(node: Node | None, package_of: Callable[[str], str]) -> int | None:
    """Returns -1, 0 or 1 for a literal duration's sign, None when the source does not fix it."""
    match node.type if node is not None else "":
        case "int_literal" | "float_literal":
            try:
                value = float(text(node).replace("_", "")) if node.type == "float_literal" \
                    else int(text(node).replace("_", ""), 0)
            except ValueError:
                return None
            return (value > 0) - (value < 0)
        case "parenthesized_expression" if node.named_children:
            return _sign(node.named_children[0], package_of)
        case "unary_expression" if text(node.children[0]) in ("-", "+"):
            inner = _sign(node.child_by_field_name("operand"), package_of)
            return None if inner is None else -inner if text(node.children[0]) == "-" else inner
        case "selector_expression":
            # Ex) time.Second   (a unit: positive)
            operand = node.child_by_field_name("operand")
            is_unit = operand is not None and operand.type == "identifier" and package_of(text(operand)) == "time"
            return 1 if is_unit else None
        case "binary_expression" if text(node.child_by_field_name("operator")) == "*":
            left = _sign(node.child_by_field_name("left"), package_of)
            right = _sign(node.child_by_field_name("right"), package_of)
            return None if left is None or right is None else left * right
    return None
