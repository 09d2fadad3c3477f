"""What a request in a test can get: through an `http.Transport` literal whose every dial function
returns a nil connection on each of its paths, no response at all; from an httptest server whose
handler never writes to its ResponseWriter (itself, or through the package's functions that only
set headers or the status: `quiet_writers`), a response with Content-Length 0, whose body the client
replaces with http.NoBody, handing the connection back at once; from a function of the package
that only builds HEAD requests, a response with no body to hold. It reads syntax only.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _args, _items, _keyed_values
from leaklint_gopy.frontends.go.typeinfo import text

_PLAIN_DIALS = ("DialContext", "Dial")
_NEW_REQUESTS = ("NewRequest", "NewRequestWithContext")
_TLS_DIALS = ("DialTLSContext", "DialTLS")


def dials_nothing(literal: Node) -> bool:
    """Reports whether a Transport literal sets a plain dial function, and every dial function it
    sets (TLS ones too) is a func literal that only ever returns a nil connection."""
    return _every_dial_returns(literal, None)


def dials_in_memory(literal: Node, built: Callable[[Node], bool]) -> bool:
    """Reports whether a Transport literal sets a plain dial function, and every dial function it
    sets is a func literal whose returns give nil or a connection `built` says is made in memory
    (`return &dumpConn{w, r}, nil`): its requests open no socket."""
    return _every_dial_returns(literal, built)


def _every_dial_returns(literal: Node, built: Callable[[Node], bool] | None) -> bool:
    values = dict(_keyed_values(literal))
    plain = [values[key] for key in _PLAIN_DIALS if key in values]
    dials = plain + [values[key] for key in _TLS_DIALS if key in values]
    return bool(plain) and all(_returns_no_conn(value, built) for value in dials)


def _returns_no_conn(value: Node, built: Callable[[Node], bool] | None = None) -> bool:
    """Reports whether a func literal returns, and each of its returns gives nil as the connection
    (or one that `built` accepts, when the func literal binds no variable of its own: a literal
    built around what it dialled, `c, _ := net.Dial(n, a); return &wrapped{rw: c}, nil`, holds a
    socket whatever its fields' types say)."""
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
        if node.type in _BINDINGS:
            built = None
        stack.extend(node.named_children)
    return bool(returns) and all(_first_is_nil(node, built) for node in returns)


_BINDINGS = frozenset({"short_var_declaration", "assignment_statement", "var_declaration"})


def _first_is_nil(statement: Node, built: Callable[[Node], bool] | None = None) -> bool:
    items = _items(statement.named_children[0]) if statement.named_children else []
    return bool(items) and (items[0].type == "nil" or built is not None and built(items[0]))


def silent_server(value: Node | None, quiet: Callable[[str], frozenset[int]] = lambda name: frozenset()) -> bool:
    """Reports whether `value` makes a server around a handler that writes no body: a call given
    such a handler (`httptest.NewServer(HandlerFunc(func(w, r) {}))`, a test's own
    `newClientServerTest(t, h2, HandlerFunc(...))`); `quiet` names the package's functions that write
    no body to the ResponseWriter parameters at the indexes it returns (see `quiet_writers`)."""
    if value is None or value.type != "call_expression":
        return False
    function = text(value.child_by_field_name("function"))
    return not function.endswith("HandlerFunc") and any(silent_handler(arg, quiet) for arg in _args(value))


def silent_handler(handler: Node, quiet: Callable[[str], frozenset[int]] = lambda name: frozenset()) -> bool:
    """Reports whether `handler` is a func literal (or one made a HandlerFunc) that writes no body:
    it uses its ResponseWriter at most for WriteHeader, Header and CloseNotify, or hijacks the
    connection and answers on it with no body (a panic writes nothing: the server recovers it and
    drops the connection without an answer), or hands it only to functions of the package that
    `quiet` says write no body to it; or a function of the package `quiet` says so of, made a
    HandlerFunc (`http.HandlerFunc(corsHandler)`)."""
    if handler.type == "call_expression" and text(handler.child_by_field_name("function")).endswith("HandlerFunc"):
        handler = _args(handler)[0] if len(_args(handler)) == 1 else handler
        if handler.type == "identifier":
            return 0 in quiet(text(handler))  # Ex) httptest.NewServer(http.HandlerFunc(corsHandler))
    if handler.type != "func_literal":
        return False
    params = handler.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    names = first.children_by_field_name("name") if first is not None else []
    writer = text(names[0]) if names else "_"
    return writer == "_" or _writes_nothing(handler.child_by_field_name("body"), writer, quiet)


def _writes_nothing(body: Node | None, writer: str, quiet: Callable[[str], frozenset[int]]) -> bool:
    """Reports whether each use of `writer` in `body` writes no body (see `silent_handler`)."""
    return body is not None and all(_header_only(use) or _quiet_assertion(use, body) or _handed_quietly(use, quiet)
                                    for use in _uses(body, writer))


def _handed_quietly(use: Node, quiet: Callable[[str], frozenset[int]]) -> bool:
    """Reports whether a use of the writer is an argument of a call of a function of the package
    that writes no body to the parameter in its place (`setCORS(w, reg, r)`)."""
    parent = use.parent
    call = parent.parent if parent is not None and parent.type == "argument_list" else None
    function = call.child_by_field_name("function") if call is not None else None
    if function is None or function.type != "identifier":
        return False
    index = next((at for at, arg in enumerate(_args(call)) if arg.start_byte == use.start_byte), -1)
    return index in quiet(text(function))


def quiet_writers(functions: list[tuple[Node, dict[str, str]]]) -> dict[str, frozenset[int]]:
    """Returns, for the package's function declarations `functions` (each with its file's imports),
    the indexes of the net/http ResponseWriter parameters each writes no body to: it only sets
    headers or the status on one, or hands it on only to such parameters (found to a fixpoint)."""
    # Ex) func SetCORS(w http.ResponseWriter, o *regexp.Regexp, r *http.Request) { w.Header().Set(...) }
    writers = {text(node.child_by_field_name("name")): (node, _writer_params(node, imports))
               for node, imports in functions}
    quiet = {name: frozenset(params) for name, (_, params) in writers.items() if params}
    changed = True
    while changed:
        changed = False
        for name, indexes in list(quiet.items()):
            node, params = writers[name]
            kept = frozenset(index for index in indexes if _writes_nothing(
                node.child_by_field_name("body"), params[index], lambda callee: quiet.get(callee, frozenset())))
            if kept != indexes:
                quiet[name], changed = kept, True
    return {name: indexes for name, indexes in quiet.items() if indexes}


def _writer_params(function: Node, imports: dict[str, str]) -> dict[int, str]:
    """Returns index -> name of the parameters of `function` typed net/http's ResponseWriter."""
    params = function.child_by_field_name("parameters")
    out, index = {}, 0
    for declaration in params.named_children if params is not None else ():
        kind = text(declaration.child_by_field_name("type"))
        qualifier, _, name = kind.rpartition(".")
        for each in declaration.children_by_field_name("name") or [None]:
            if each is not None and name == "ResponseWriter" and imports.get(qualifier) == "net/http":
                out[index] = text(each)
            index += 1
    return out


# net/http's functions given a ResponseWriter that write no body: SetCookie adds a header,
# MaxBytesReader only marks the response to close its connection once the limit is hit.
_HEADER_FUNCTIONS = frozenset({"SetCookie", "http.SetCookie", "MaxBytesReader", "http.MaxBytesReader"})


def _header_only(use: Node) -> bool:
    """Reports whether a use of the writer only sets the status or headers (`w.WriteHeader(404)`,
    `http.SetCookie(w, c)`)."""
    parent = use.parent
    if parent is not None and parent.type == "argument_list" and parent.parent is not None:
        return text(parent.parent.child_by_field_name("function")) in _HEADER_FUNCTIONS
    return parent is not None and parent.type == "selector_expression" \
        and text(parent.child_by_field_name("field")) in ("WriteHeader", "Header")


def _quiet_assertion(use: Node, body: Node) -> bool:
    """Reports whether a use of the writer asserts an interface of it that writes no body: close
    notification, or a hijack whose connection answers only with no body (`_answers_empty`)."""
    # Ex) w.(CloseNotifier).CloseNotify()     Ex) c, buf, err := w.(Hijacker).Hijack()
    assertion = use.parent
    selector = assertion.parent if assertion is not None and assertion.type == "type_assertion_expression" else None
    if selector is None or selector.type != "selector_expression":
        return False
    method = text(selector.child_by_field_name("field"))
    call = selector.parent
    if method == "CloseNotify":
        return True
    if method != "Hijack" or call is None or call.type != "call_expression":
        return False
    statement = call.parent.parent if call.parent is not None and call.parent.type == "expression_list" else None
    if statement is None or statement.type not in ("short_var_declaration", "assignment_statement"):
        return False
    left = _items(statement.child_by_field_name("left"))[:2]
    declared = {(item.start_byte, item.end_byte) for item in left}
    hijacked = [text(item) for item in left if item.type == "identifier" and text(item) != "_"]
    return all(_answers_empty(other) for name in hijacked for other in _uses(body, name)
               if (other.start_byte, other.end_byte) not in declared)


# A raw HTTP/1 answer with no body: a 204 or 304 status, or a Content-Length: 0 header (the client
# gives back NoBody for either and reads nothing more from the connection for this response).
_EMPTY_ANSWER = re.compile(r'^"HTTP/1\.[01] (?:204|304)\b|^"HTTP/1\.[01] (?:(?!\\r\\n\\r\\n).)*\\r\\nContent-Length: *0\\r\\n',
                           re.IGNORECASE)
_RAW_WRITES = frozenset({"fmt.Fprintf", "fmt.Fprint", "io.WriteString"})
# Calls that only format a value they are given after their first argument (a test's report).
_FORMATS = frozenset({"Errorf", "Fatalf", "Logf", "Printf", "Sprintf"})


def _answers_empty(use: Node) -> bool:
    """Reports whether a use of a hijacked connection (or its buffered reader-writer) writes no
    body: it closes or flushes it, asserts its type, or writes a string literal that is a whole
    answer with no body (`_EMPTY_ANSWER`)."""
    # Ex) fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")   Ex) defer c.Close()
    parent = use.parent
    if parent is None:
        return False
    if parent.type == "type_assertion_expression":
        return parent.parent is None or parent.parent.type != "selector_expression"
    if parent.type == "argument_list":
        call = parent.parent
        arguments = _args(call)
        function = text(call.child_by_field_name("function"))
        if arguments[0].start_byte != use.start_byte:
            return function.rsplit(".", 1)[-1] in _FORMATS  # Ex) t.Errorf("hijacked a %T", c)
        return function in _RAW_WRITES and len(arguments) > 1 and _empty_answer(arguments[1])
    if parent.type != "selector_expression":
        return False
    method = text(parent.child_by_field_name("field"))
    call = parent.parent
    if method in ("Close", "Flush"):
        return True
    arguments = _args(call) if call is not None and call.type == "call_expression" else []
    return method in ("Write", "WriteString") and len(arguments) == 1 and _empty_answer(arguments[0])


def _empty_answer(node: Node) -> bool:
    """Reports whether `node` is a string literal (maybe made a []byte) answering with no body."""
    if node.type == "type_conversion_expression":
        node = node.child_by_field_name("operand")  # Ex) []byte("HTTP/1.1 304 Not Modified\r\n\r\n")
    return node.type == "interpreted_string_literal" and _EMPTY_ANSWER.match(text(node)) is not None


def _uses(node: Node, name: str) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier" and text(current) == name:
            out.append(current)
        stack.extend(current.named_children)
    return out


def builds_head_requests(function: Node, imports: dict[str, str]) -> bool:
    """Reports whether a function declaration returns a request first, and every request it returns
    is nil or one net/http built with the HEAD method, directly (`return http.NewRequest("HEAD", u,
    nil)`) or through a variable only ever assigned such a request."""
    # Ex) func (f *Fs) makeUploadHeadRequest(ctx, loc) (*http.Request, error) {
    #         req, err := http.NewRequestWithContext(ctx, "HEAD", loc, nil); ...; return req, nil }
    body = function.child_by_field_name("body")
    if body is None:
        return False
    heads: set[str] = set()
    returned: list[Node] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "func_literal":
            continue  # Ex) a callback inside: its returns are its own
        if node.type == "call_expression" and _new_request(node, imports) is False:
            return False  # Ex) http.NewRequest(method, u, nil)   (a method the caller chooses)
        if node.type in ("short_var_declaration", "assignment_statement"):
            left = _items(node.child_by_field_name("left"))
            right = _items(node.child_by_field_name("right"))
            if right and _new_request(right[0], imports) and left and left[0].type == "identifier":
                heads.add(text(left[0]))
        if node.type == "return_statement":
            items = _items(node.named_children[0]) if node.named_children else []
            if not items:
                return False  # Ex) a bare return of named results
            returned.append(items[0])
        stack.extend(node.named_children)
    assigned = [node for node in _assignments(body) if text(node[0]) in heads]
    return any(item.type != "nil" for item in returned) \
        and all(item.type == "nil" or text(item) in heads or _new_request(item, imports) for item in returned) \
        and all(_new_request(value, imports) for _, value in assigned if value is not None)


def _new_request(node: Node, imports: dict[str, str]) -> bool | None:
    """Returns whether a call to net/http's NewRequest(WithContext) passes the HEAD method; None
    when `node` is no such call."""
    if node.type != "call_expression":
        return None
    function = node.child_by_field_name("function")
    if function is None or function.type != "selector_expression":
        return None
    operand, field = function.child_by_field_name("operand"), function.child_by_field_name("field")
    if imports.get(text(operand)) != "net/http" or text(field) not in _NEW_REQUESTS:
        return None
    args = _args(node)
    index = int(text(field) == "NewRequestWithContext")
    method = text(args[index]) if len(args) > index else ""
    return method == '"HEAD"' or method.endswith("MethodHead")


def _assignments(body: Node) -> list[tuple[Node, Node | None]]:
    """Returns each (identifier, value) a statement of `body` assigns, the value None when it is
    not one expression per name (`req, err := build()` gives req None: a call's first result)."""
    out = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in ("short_var_declaration", "assignment_statement"):
            left = _items(node.child_by_field_name("left"))
            right = _items(node.child_by_field_name("right"))
            for index, item in enumerate(left):
                if item.type == "identifier":
                    value = right[index] if len(right) == len(left) else right[0] if index == 0 and right else None
                    out.append((item, value))
        if node.type != "func_literal":
            stack.extend(node.named_children)
    return out
