"""What a request in a test can get: through an `http.Transport` literal whose every dial function
returns a nil connection on each of its paths, no response at all; from an httptest server whose
handler never touches its ResponseWriter, a response with Content-Length 0, whose body the client
replaces with http.NoBody, handing the connection back at once. It reads syntax only.
"""
from __future__ import annotations

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _args, _items, _keyed_values
from leaklint_gopy.frontends.go.typeinfo import text

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


def silent_server(value: Node | None) -> bool:
    """Reports whether `value` makes a server around a handler that writes no body: a call given
    such a handler (`httptest.NewServer(HandlerFunc(func(w, r) {}))`, a test's own
    `newClientServerTest(t, h2, HandlerFunc(...))`)."""
    if value is None or value.type != "call_expression":
        return False
    function = text(value.child_by_field_name("function"))
    return not function.endswith("HandlerFunc") and any(silent_handler(arg) for arg in _args(value))


def silent_handler(handler: Node) -> bool:
    """Reports whether `handler` is a func literal (or one made a HandlerFunc) that writes no body:
    it uses its ResponseWriter at most for WriteHeader and Header."""
    if handler.type == "call_expression" and text(handler.child_by_field_name("function")).endswith("HandlerFunc"):
        handler = _args(handler)[0] if len(_args(handler)) == 1 else handler
    if handler.type != "func_literal":
        return False
    params = handler.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    names = first.children_by_field_name("name") if first is not None else []
    writer = text(names[0]) if names else "_"
    body = handler.child_by_field_name("body")
    return writer == "_" or body is not None and all(_header_only(use) for use in _uses(body, writer))


def _header_only(use: Node) -> bool:
    """Reports whether a use of the writer only sets the status or headers (`w.WriteHeader(404)`)."""
    parent = use.parent
    return parent is not None and parent.type == "selector_expression" \
        and text(parent.child_by_field_name("field")) in ("WriteHeader", "Header")


def _uses(node: Node, name: str) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier" and text(current) == name:
            out.append(current)
        stack.extend(current.named_children)
    return out
