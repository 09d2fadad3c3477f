"""Round trippers of the package that answer in memory: a literal `&bearerRoundTripper{next:
RoundTripperFunc(func(req) (*http.Response, error) { return &http.Response{StatusCode: 200}, nil })}`
sets every round-tripper field of the wrapper to such a function, or to a value of a type of the
package whose RoundTrip method returns only such responses (`func (t *respRoundTripper) RoundTrip(req)
... { return &http.Response{Body: &nopReadCloser{}}, t.err }`), so a client over it opens no connection
and its responses hold none. It reads syntax only.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _args, _items, _keyed_values
from leaklint_gopy.frontends.go.typeinfo import PackageTypes, text

_ROUND_TRIPPER = "net/http.RoundTripper"
# A field type that may hold a connection or a descriptor (net.Conn, *tls.Conn, *os.File,
# net.Listener, io.ReadWriteCloser): a struct with one is no connection, nor body, made in memory.
HOLDING_TYPE = re.compile(r"(?:Conn|File|Listener|Closer)\b")
# Bodies made in memory: `io.NopCloser(strings.NewReader("ok"))`, `http.NoBody`.
_NOP_CLOSERS = frozenset({"io.NopCloser", "ioutil.NopCloser"})
_READERS = frozenset({"strings.NewReader", "bytes.NewReader", "bytes.NewBuffer", "bytes.NewBufferString"})
_SENDING = frozenset({"RoundTrip", "Do", "Get", "Post", "Head", "PostForm"})  # calls that may reach a real transport
_CONSTANTS = frozenset({"nil", "true", "false", "int_literal", "float_literal", "interpreted_string_literal",
                        "raw_string_literal", "rune_literal"})


def wraps_fakes(literal: Node, field_type: Callable[[str], str], type_of: Callable[[Node], str],
                trippers: frozenset[str] = frozenset()) -> bool:
    """Reports whether struct literal `literal` sets at least one field, and every field it sets
    whose declared type (`field_type`) is http.RoundTripper, to a function adapter over a func
    literal answering in memory, or to a value of one of `trippers` (the package's types whose
    RoundTrip answers in memory, see `round_trips_in_memory`); `type_of` gives an expression's type."""
    faked = [value for key, value in _keyed_values(literal) if field_type(key) == _ROUND_TRIPPER]
    return bool(faked) and all(_answers_in_memory(value, type_of) or _of_types(value, type_of, trippers)
                               for value in faked)


def round_trips_in_memory(method: Node, type_of: Callable[[Node], str], built: Callable[[Node], bool]) -> bool:
    """Reports whether a RoundTrip method declaration returns, and each of its returns gives nil or
    an http.Response literal whose body is made in memory, or is a literal `built` accepts (`Body:
    &nopReadCloser{}`, a type of the package holding no connection or file)."""
    # Ex) func (t *roundTripperRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
    #         t.rec.Record(...); return &http.Response{StatusCode: 204, Body: &nopReadCloser{}}, nil }
    # (one that may answer through another transport, `return http.DefaultTransport.RoundTrip(req)`, is not)
    return _returns_in_memory(method.child_by_field_name("body"), type_of, built)


def answers_in_memory(method: Node, imports: dict[str, str], package: PackageTypes) -> bool:
    """Reports `round_trips_in_memory` of a RoundTrip method declaration of `package`, whose file
    imports `imports`, read before any scope is made: a literal's type is read from its text."""
    def type_of(node: Node) -> str:
        kind = text(node.child_by_field_name("type")) if node.type == "composite_literal" else ""
        qualifier, _, name = kind.rpartition(".")
        return f"{imports.get(qualifier, qualifier)}.{name}" if qualifier else f"{package.key}.{kind}"

    def built(node: Node) -> bool:
        node = inner_value(node)
        local = text(node.child_by_field_name("type")) if node.type == "composite_literal" else ""
        fields = [*package.structs.get(local, {}).values(), *package.embedded.get(local, [])]
        return local in package.structs and not any(HOLDING_TYPE.search(text(field)) for field in fields)

    return round_trips_in_memory(method, type_of, built)


def _of_types(value: Node, type_of: Callable[[Node], str], kinds: frozenset[str]) -> bool:
    """Reports whether `value` (`&recorder{}`, or a variable of its type) is of one of `kinds`."""
    return bool(kinds) and type_of(inner_value(value)).lstrip("*") in kinds


def _answers_in_memory(value: Node, type_of: Callable[[Node], str]) -> bool:
    """Reports whether `value` converts a func literal (`RoundTripperFunc(func(req) ... )`) each of
    whose returns gives nil or an http.Response literal whose body is made in memory."""
    arguments = _args(value) if value.type == "call_expression" else []
    if len(arguments) != 1 or arguments[0].type != "func_literal":
        return False
    return _returns_in_memory(arguments[0].child_by_field_name("body"), type_of, lambda node: False)


def _returns_in_memory(body: Node | None, type_of: Callable[[Node], str], built: Callable[[Node], bool]) -> bool:
    """Reports whether every return of `body` gives nil or an in-memory response, and `body` sends
    nothing on: no RoundTrip, Do, Get, Post, Head or PostForm call anywhere in it (a response it
    wraps came from a real transport: `resp, err := t.next.RoundTrip(req); return &http.Response{Body:
    &logged{resp}}, err`)."""
    returns, stack = [], [(body, False)]
    while stack:
        node, nested = stack.pop()
        if node is None:
            continue
        if node.type == "call_expression" and _sends(node):
            return False
        if node.type == "return_statement" and not nested:
            returns.append(node)  # (a callback's returns are its own)
        stack.extend((child, nested or node.type == "func_literal") for child in node.named_children)
    return bool(returns) and all(_in_memory_response(node, type_of, built) for node in returns)


def _sends(call: Node) -> bool:
    function = call.child_by_field_name("function")
    return function is not None and function.type == "selector_expression" \
        and text(function.child_by_field_name("field")) in _SENDING


def _in_memory_response(statement: Node, type_of: Callable[[Node], str], built: Callable[[Node], bool]) -> bool:
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
    return body is None or text(body) == "http.NoBody" or _nop_reader(body) or built(body) and _constant_fields(body)


def _constant_fields(body: Node) -> bool:
    """Reports whether a body literal sets its fields only to constants (`&nopReadCloser{}`): one
    given a variable may wrap what a real transport returned."""
    return all(value.type in _CONSTANTS for _, value in _keyed_values(inner_value(body)))


def _nop_reader(body: Node) -> bool:
    """Reports whether `body` is `io.NopCloser` over a reader of bytes or a string."""
    if body.type != "call_expression" or text(body.child_by_field_name("function")) not in _NOP_CLOSERS:
        return False
    inner = _args(body)
    return len(inner) == 1 and inner[0].type == "call_expression" \
        and text(inner[0].child_by_field_name("function")) in _READERS


def held_fakes(literal: Node, type_of: Callable[[Node], str], trippers: frozenset[str],
               prefix: str = "") -> tuple[tuple[str, str], ...]:
    """Returns (field path, type) for each field, or field of a field's literal, that struct literal
    `literal` sets to a value of one of `trippers` (`&streamReader{tr: &Transport{streamRt: rec}}`:
    ("tr.streamRt", "key.roundTripperRecorder")): the methods of the value built read them there."""
    literal = inner_value(literal)
    if literal.type != "composite_literal" or prefix.count(".") > 2:
        return ()
    out: list[tuple[str, str]] = []
    for key, value in _keyed_values(literal):
        if key and _of_types(value, type_of, trippers):
            out.append((prefix + key, type_of(inner_value(value)).lstrip("*")))
        elif key:
            out.extend(held_fakes(value, type_of, trippers, f"{prefix}{key}."))
    return tuple(out)


def inner_value(value: Node) -> Node:
    """Returns `value` without the `&` and parentheses around it (`&T{...}` -> `T{...}`)."""
    while value.type in ("unary_expression", "parenthesized_expression") and value.named_children:
        value = value.named_children[-1]
    return value
