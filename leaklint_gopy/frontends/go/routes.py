"""What a test server over an http.ServeMux answers (net/http server.go ServeMux.Handler): one over
a mux of the function (`mux := http.NewServeMux(); ts := httptest.NewServer(mux)`), or over package
variables a setup function of the package assigns so (`mux = http.NewServeMux(); server =
httptest.NewServer(mux)`), gives a request for a clean path the handler registered for it. When
every handler registered on the mux, on the function's own level, writes no body
(transports.silent_handler), a request registered before gets Content-Length 0. A path no handler
serves gets net/http's "404 page not found" text, one to clean or to complete with a slash a
redirect: those keep the finding. It reads syntax only.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _args, _items
from leaklint_gopy.frontends.go.transports import silent_handler
from leaklint_gopy.frontends.go.typeinfo import subtree, text

Quiet = Callable[[str], frozenset[int]]
_SERVERS = frozenset({"NewServer", "NewTLSServer", "NewUnstartedServer"})
# What a test does with its server that changes no handler (`server.URL`, `defer server.Close()`).
_SERVER_USES = frozenset({"URL", "Close", "Client", "Start", "StartTLS", "CloseClientConnections", "Certificate"})
_PLAIN_PATH = re.compile(r"^/[A-Za-z0-9/_.~-]*$")  # no host, method or wildcard pattern, nothing escaped


@dataclass(frozen=True, slots=True)
class MuxFacts:
    """The package's functions returning only a handler that writes no body (`makers`), and those
    giving package variables a fresh server over a fresh mux: name -> ((server, mux), ...)."""

    makers: frozenset[str] = frozenset()
    setups: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


def mux_facts(functions: list[tuple[Node, dict[str, str]]], quiet: Quiet) -> MuxFacts:
    """Returns the MuxFacts of the package's function declarations `functions` (each with its
    file's imports); `quiet` names the functions writing no body to a ResponseWriter parameter."""
    makers = frozenset(text(node.child_by_field_name("name")) for node, _ in functions if _makes_quiet(node, quiet))
    setups = {text(node.child_by_field_name("name")): pairs for node, imports in functions
              if (pairs := _setup_pairs(node, imports))}
    return MuxFacts(makers, setups)


def _makes_quiet(function: Node, quiet: Quiet) -> bool:
    """Reports whether each return of `function` gives a handler writing no body."""
    # Ex) func getCORSHandlerFunc() http.Handler { hf := func(w, r) { SetCORS(w, reg, r) }; return http.HandlerFunc(hf) }
    body = function.child_by_field_name("body")
    returns = [node for node in subtree(body, literals=False) if node.type == "return_statement"]
    return bool(returns) and all(len(items := _items(node.named_children[0]) if node.named_children else []) == 1
                                 and quiet_handler(items[0], body, quiet) for node in returns)


def quiet_handler(value: Node, body: Node, quiet: Quiet, makers: frozenset[str] = frozenset()) -> bool:
    """Reports whether `value` is a handler writing no body: a func literal or a HandlerFunc of one
    (transports.silent_handler), a call of one of `makers`, or a local `body` binds once to one."""
    if value.type == "identifier":
        bound = _bound_once(body, text(value))
        return bound is not None and bound.type != "identifier" and quiet_handler(bound, body, quiet, makers)
    function = value.child_by_field_name("function") if value.type == "call_expression" else None
    if function is not None and function.type == "identifier" and text(function) in makers:
        return _bound_once(body, text(function)) is None and not _declares(body, text(function))
    arguments = _args(value) if function is not None and text(function).endswith("HandlerFunc") else []
    if len(arguments) == 1 and arguments[0].type == "identifier":
        bound = _bound_once(body, text(arguments[0]))
        if bound is not None:
            return bound.type == "func_literal" and silent_handler(bound, quiet)  # Ex) return http.HandlerFunc(hf)
    return silent_handler(value, quiet)


def _setup_pairs(function: Node, imports: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Returns (server, mux) for each pair of package variables `function` sets, on its own level,
    to a fresh mux and a test server over it, using them for nothing else that could route."""
    # Ex) func setup() func() { mux = http.NewServeMux(); server = httptest.NewServer(mux); return func() { server.Close() } }
    body = function.child_by_field_name("body")
    muxes: dict[str, int] = {}
    pairs: list[tuple[str, str]] = []
    counted: set[int] = set()
    for statement in _statements(body):
        left, right = _single_assignment(statement)
        if left is None or statement.type != "assignment_statement":
            continue
        if _calls(right, imports, "net/http", ("NewServeMux",)) and not _arguments(right):
            muxes[text(left)] = statement.end_byte
            counted.add(left.start_byte)
        elif _calls(right, imports, "net/http/httptest", _SERVERS) and _server_over(right) in muxes:
            pairs.append((text(left), _server_over(right)))
            counted.update((left.start_byte, _arguments(right)[0].start_byte))
    names = {name for pair in pairs for name in pair}
    if not pairs or any(_declares(function, name) for name in names):
        return ()
    for node in subtree(body):
        if node.type == "identifier" and text(node) in names and node.start_byte not in counted \
                and not _server_use(node, {server for server, _ in pairs}):
            return ()
    return tuple(pairs)


@dataclass(slots=True)
class _Mux:
    routes: list[tuple[str, int]] | None  # (pattern, byte after its registration); None: unknown
    shared: bool = False  # a package variable: another function may have registered a pattern for a host


class Routes:
    """The test servers over a mux of one function body (the outermost function's: its closures
    share it), read on first use."""

    def __init__(self, body: Node | None, imports: dict[str, str], writers: Callable[[], dict[str, frozenset[int]]],
                 facts: Callable[[], MuxFacts]):
        self.body, self.imports, self.writers, self.facts = body, imports, writers, facts
        self._servers: dict[str, tuple[int, _Mux]] | None = None

    def _quiet(self, name: str) -> frozenset[int]:
        """Returns the ResponseWriter parameters the package's function `name` writes no body to (see
        transports.quiet_writers); none when the function body declares a local of that name."""
        indexes = self.writers().get(name, frozenset())
        return indexes if indexes and not _declares(self.body, name) else frozenset()

    def answers_empty(self, url: Node) -> bool:
        """Reports whether a request for `url` (`ts.URL + "/ping"`) gets a response with no body."""
        if url.type not in ("binary_expression", "selector_expression") or self.body is None:
            return False
        server, path = _server_path(url)
        if server is None:
            return False
        if self._servers is None:
            self._servers = _servers(self.body, self.imports, self._quiet, self.facts()) \
                if b"Handle" in self.body.text else {}  # (no handler registered here)
        known = self._servers.get(server)
        if known is None or known[0] > url.start_byte or known[1].routes is None or not _clean(path):
            return False
        mux = known[1]
        registered = {pattern for pattern, at in mux.routes if at <= url.start_byte}
        if path in registered:
            return True
        if mux.shared or path + "/" in registered:
            return False  # Ex) /tree when only /tree/ is registered: a redirect with an HTML body
        return any(pattern.endswith("/") and path.startswith(pattern) for pattern in registered)


def _servers(body: Node, imports: dict[str, str], quiet: Quiet, facts: MuxFacts) -> dict[str, tuple[int, _Mux]]:
    """Returns server name -> (the byte from which it serves, its mux) for the test servers `body`
    makes, on its own level, over a mux whose every use there is known."""
    muxes: dict[str, _Mux] = {}
    servers: dict[str, tuple[int, _Mux]] = {}
    counted: set[int] = set()
    rebound: set[str] = set()
    parallel = b".Parallel()" in body.text  # (another test may set the package's server meanwhile)
    for statement in _statements(body):
        left, right = _single_assignment(statement)
        if left is not None and _calls(right, imports, "net/http", ("NewServeMux",)):
            # (a package variable's: another function may register a pattern for a host on it)
            muxes[text(left)] = _Mux([] if text(left) not in muxes else None, shared=not _declares(body, text(left)))
            counted.add(left.start_byte)
        elif left is not None and _calls(right, imports, "net/http/httptest", _SERVERS) and _server_over(right) in muxes:
            if text(left) in servers:
                rebound.add(text(left))  # Ex) ts = httptest.NewServer(other)   (which one a request names)
            servers[text(left)] = (statement.end_byte, muxes[_server_over(right)])
            counted.update((left.start_byte, _arguments(right)[0].start_byte))
        elif (call := _setup_call(statement, body, facts)) is not None and not parallel:
            for server, mux in facts.setups[call]:
                muxes[mux] = _Mux([] if mux not in muxes else None, shared=True)
                servers[server] = (statement.end_byte, muxes[mux])
        else:
            _register(statement, muxes, counted, body, quiet, facts.makers)
    for node in subtree(body):
        if node.type == "identifier" and node.start_byte not in counted:
            if text(node) in muxes:
                muxes[text(node)].routes = None  # Ex) registerAll(mux)   (it may register anything)
            elif text(node) in servers and not _server_use(node, set(servers)):
                rebound.add(text(node))  # Ex) ts.Config.Handler = other
    return {name: served for name, served in servers.items() if name not in rebound}


def _register(statement: Node, muxes: dict[str, _Mux], counted: set[int], body: Node, quiet: Quiet,
              makers: frozenset[str]) -> None:
    """Notes a statement registering a handler on one of `muxes` (`mux.HandleFunc("/p", h)`)."""
    call = statement.named_children[0] if statement.type == "expression_statement" and statement.named_children else None
    function = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
    operand = function.child_by_field_name("operand") if function is not None and function.type == "selector_expression" else None
    if operand is None or operand.type != "identifier" or text(operand) not in muxes:
        return
    mux = muxes[text(operand)]
    counted.add(operand.start_byte)
    arguments = _args(call)
    method = text(function.child_by_field_name("field"))
    pattern = _string(arguments[0]) if len(arguments) == 2 and method in ("Handle", "HandleFunc") else None
    if mux.routes is None or pattern is None or not _PLAIN_PATH.match(pattern) \
            or not quiet_handler(arguments[1], body, quiet, makers):
        mux.routes = None  # Ex) mux.Handle("/hello", greetingHandler())   (it writes a body)
    else:
        mux.routes.append((pattern, statement.end_byte))


def _setup_call(statement: Node, body: Node, facts: MuxFacts) -> str | None:
    """Returns the setup function of the package a statement calls (`tearDown := setup()`)."""
    if statement.type == "expression_statement" and statement.named_children:
        value = statement.named_children[0]
    else:
        value = _single_assignment(statement)[1]
    function = value.child_by_field_name("function") if value is not None and value.type == "call_expression" else None
    name = text(function) if function is not None and function.type == "identifier" else ""
    return name if name in facts.setups and not _declares(body, name) else None


def _server_path(url: Node) -> tuple[str | None, str]:
    """Returns the server and the path of a URL `S.URL + "/path?query"` (`S.URL`: "/")."""
    suffix = ""
    if url.type == "binary_expression" and text(url.child_by_field_name("operator")) == "+":
        suffix = _string(url.child_by_field_name("right"))
        url = url.child_by_field_name("left")
    if suffix is None or url.type != "selector_expression" or text(url.child_by_field_name("field")) != "URL":
        return None, ""
    operand = url.child_by_field_name("operand")
    path = re.split(r"[?#]", suffix, maxsplit=1)[0] or "/"
    return (text(operand) if operand.type == "identifier" else None), path


def _clean(path: str) -> bool:
    """Reports whether the mux serves `path` as it is (server.go cleanPath gives it back)."""
    if not _PLAIN_PATH.match(path) or "//" in path:
        return False
    cleaned = posixpath.normpath(path)
    return (cleaned + "/" if path.endswith("/") and cleaned != "/" else cleaned) == path


def _server_use(node: Node, servers: set[str]) -> bool:
    """Reports whether an identifier is a server's, used without changing its handler (`ts.URL`)."""
    parent = node.parent
    return text(node) in servers and parent is not None and parent.type == "selector_expression" \
        and parent.child_by_field_name("operand") == node and text(parent.child_by_field_name("field")) in _SERVER_USES


def _server_over(call: Node) -> str:
    arguments = _arguments(call)
    return text(arguments[0]) if len(arguments) == 1 and arguments[0].type == "identifier" else ""


def _arguments(call: Node) -> list[Node]:
    return _args(call) if call is not None and call.type == "call_expression" else []


def _calls(value: Node | None, imports: dict[str, str], package: str, names) -> bool:
    """Reports whether `value` calls one of `names` of the imported `package`."""
    function = value.child_by_field_name("function") if value is not None and value.type == "call_expression" else None
    if function is None or function.type != "selector_expression":
        return False
    return imports.get(text(function.child_by_field_name("operand"))) == package \
        and text(function.child_by_field_name("field")) in names


def _single_assignment(statement: Node) -> tuple[Node | None, Node | None]:
    """Returns (name, value) of a statement binding one identifier to one value (`x := v`, `x = v`,
    `var x = v`), else (None, None)."""
    if statement.type == "var_declaration" and len(statement.named_children) == 1:
        statement = statement.named_children[0]
        names, values = statement.children_by_field_name("name"), _items(statement.child_by_field_name("value"))
    elif statement.type in ("short_var_declaration", "assignment_statement"):
        if statement.type == "assignment_statement" and text(statement.child_by_field_name("operator")) != "=":
            return None, None
        names, values = _items(statement.child_by_field_name("left")), _items(statement.child_by_field_name("right"))
    else:
        return None, None
    if len(names) == 1 and len(values) == 1 and names[0].type == "identifier":
        return names[0], values[0]
    return None, None


def _bound_once(body: Node, name: str) -> Node | None:
    """Returns the value `body` declares `name` with, on its own level (`hf := func(w, r) {...}`),
    when that is the only statement binding `name` in it, to one value."""
    bound = [node for node in subtree(body) if node.type in ("short_var_declaration", "assignment_statement",
                                                             "var_spec", "range_clause")
             and any(text(item) == name for item in _targets(node))]
    statement = bound[0] if len(bound) == 1 and bound[0].type != "var_spec" else \
        bound[0].parent if len(bound) == 1 else None
    if statement is None or statement.type not in ("short_var_declaration", "var_declaration") \
            or statement not in _statements(body):
        return None
    left, right = _single_assignment(statement)
    return right if left is not None and text(left) == name else None


def _targets(node: Node) -> list[Node]:
    if node.type == "var_spec":
        return node.children_by_field_name("name")
    return _items(node.child_by_field_name("left"))


def _declares(scope: Node, name: str) -> bool:
    """Reports whether `scope` declares `name` (a parameter, `x := ...`, `var x`)."""
    for node in subtree(scope):
        if node.type in ("parameter_declaration", "var_spec", "const_spec") \
                and any(text(each) == name for each in node.children_by_field_name("name")):
            return True
        if node.type in ("short_var_declaration", "range_clause") \
                and any(text(each) == name for each in _items(node.child_by_field_name("left"))):
            return True
    return False


def _statements(body: Node | None) -> list[Node]:
    """Returns the statements of a block, on its own level."""
    if body is None:
        return []
    lists = [child for child in body.named_children if child.type == "statement_list"]
    return lists[0].named_children if lists else [child for child in body.named_children if child.type != "comment"]


def _string(node: Node | None) -> str | None:
    """Returns the value of a plain string literal (no escapes), else None."""
    if node is None or node.type not in ("interpreted_string_literal", "raw_string_literal"):
        return None
    value = text(node)[1:-1]
    return None if "\\" in value and node.type == "interpreted_string_literal" else value



def mux_candidates(parsed: list) -> list[tuple[bytes, int, int, int, dict[str, str]]]:
    """Returns (source, start, end, row, imports) of each function declaration of `parsed` that may
    return a handler (its result names one) or make a mux: what `mux_facts_of` parses again when
    first asked."""
    out = []
    for _, source, nodes, imports, plan in parsed:
        for node in nodes:
            if node.type != "function_declaration":
                continue
            end = plan.elided.get(node.start_byte, node.end_byte)
            result = node.child_by_field_name("result")
            if result is not None and b"Handler" in result.text or source.find(b"NewServeMux", node.start_byte, end) >= 0:
                out.append((source, node.start_byte, end, node.start_point[0], imports))
    return out


def mux_facts_of(candidates: list[tuple[bytes, int, int, int, dict[str, str]]], parse: Callable,
                 quiet_writers: Callable[[], dict[str, frozenset[int]]]) -> MuxFacts:
    """Returns the MuxFacts of the functions `candidates` (see mux_candidates), parsed by `parse`."""
    functions = [(each, imports) for source, start, end, row, imports in candidates
                 for each in parse(source, [(start, end)], (start, row)).root_node.named_children
                 if each.type == "function_declaration"]
    writers = quiet_writers()
    return mux_facts(functions, lambda name: writers.get(name, frozenset()))
