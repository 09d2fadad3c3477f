"""Round trippers of the package wrapped around a test's function that answers in memory: a literal
`&bearerRoundTripper{next: RoundTripperFunc(func(req) (*http.Response, error) { return
&http.Response{StatusCode: 200}, nil })}` sets every round-tripper field of the wrapper to such a
function, so a client over it opens no connection and its responses hold none. It reads syntax only.
"""
from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _args, _items, _keyed_values
from leaklint_gopy.frontends.go.typeinfo import text

_ROUND_TRIPPER = "net/http.RoundTripper"
# Bodies made in memory: `io.NopCloser(strings.NewReader("ok"))`, `http.NoBody`.
_NOP_CLOSERS = frozenset({"io.NopCloser", "ioutil.NopCloser"})
_READERS = frozenset({"strings.NewReader", "bytes.NewReader", "bytes.NewBuffer", "bytes.NewBufferString"})


def wraps_fakes(literal: Node, field_type: Callable[[str], str], type_of: Callable[[Node], str]) -> bool:
    """Reports whether struct literal `literal` sets at least one field, and every field it sets
    whose declared type (`field_type`) is http.RoundTripper, to a function adapter over a func
    literal answering in memory; `type_of` gives an expression's type."""
    faked = [value for key, value in _keyed_values(literal) if field_type(key) == _ROUND_TRIPPER]
    return bool(faked) and all(_answers_in_memory(value, type_of) for value in faked)


def _answers_in_memory(value: Node, type_of: Callable[[Node], str]) -> bool:
    """Reports whether `value` converts a func literal (`RoundTripperFunc(func(req) ... )`) each of
    whose returns gives nil or an http.Response literal whose body is made in memory."""
    arguments = _args(value) if value.type == "call_expression" else []
    if len(arguments) != 1 or arguments[0].type != "func_literal":
        return False
    returns, stack = [], [arguments[0].child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None or node.type == "func_literal":
            continue  # Ex) a callback inside: its returns are its own
        if node.type == "return_statement":
            returns.append(node)
        stack.extend(node.named_children)
    return bool(returns) and all(_in_memory_response(node, type_of) for node in returns)


def _in_memory_response(statement: Node, type_of: Callable[[Node], str]) -> bool:
    items = _items(statement.named_children[0]) if statement.named_children else []
    if not items:
        return False
    if items[0].type == "nil":
        return True
    literal = items[0]
    while literal.type == "unary_expression" and literal.named_children:
        literal = literal.named_children[-1]
    if literal.type != "composite_literal" or type_of(literal) != "net/http.Response":
        return False
    body = next((node for key, node in _keyed_values(literal) if key == "Body"), None)
    return body is None or text(body) == "http.NoBody" or _nop_reader(body)


def _nop_reader(body: Node) -> bool:
    """Reports whether `body` is `io.NopCloser` over a reader of bytes or a string."""
    if body.type != "call_expression" or text(body.child_by_field_name("function")) not in _NOP_CLOSERS:
        return False
    inner = _args(body)
    return len(inner) == 1 and inner[0].type == "call_expression" \
        and text(inner[0].child_by_field_name("function")) in _READERS
