"""What an `http.Transport` literal can dial: one whose every dial function returns a nil connection
on each of its paths connects nowhere, so a request sent through it gets no response to close. It
reads syntax only.
"""
from __future__ import annotations

from tree_sitter import Node

from leaklint.frontends.go.expr import _items, _keyed_values

_PLAIN_DIALS = ("DialContext", "Dial")
_TLS_DIALS = ("DialTLSContext", "DialTLS")


def dials_nothing(literal: Node) -> bool:
    """Reports whether a Transport literal sets a plain dial function, and every dial function it
    sets (TLS ones too) is a func literal that only ever returns a nil connection."""
    values = dict(_keyed_values(literal))
    plain = [values[key] for key in _PLAIN_DIALS if key in values]
    dials = plain + [values[key] for key in _TLS_DIALS if key in values]
    return bool(plain) and all(_returns_no_conn(value) for value in dials)


def _returns_no_conn(value: Node) -> bool:
    """Reports whether a func literal returns, and each of its returns gives nil as the connection."""
    if value.type != "func_literal":
        return False
    returns = []
    stack = [value.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None or node.type == "func_literal":
            continue  # Ex) a callback inside: its returns are its own
        if node.type == "return_statement":
            returns.append(node)
        stack.extend(node.named_children)
    return bool(returns) and all(_first_is_nil(node) for node in returns)


def _first_is_nil(statement: Node) -> bool:
    items = _items(statement.named_children[0]) if statement.named_children else []
    return bool(items) and items[0].type == "nil"
