"""Lowers one Go function body (tree-sitter nodes) to a FunctionIR.

Statements become blocks and edges (defer, go, return, panic and os.Exit as exits; the control
flow statements in flow.py); expressions become Call, Assign and Store ops on access paths
(expr.py). Func literals are lowered as functions of their own.
"""
from __future__ import annotations

import re
from dataclasses import replace

from tree_sitter import Node

from leaklint_gopy.frontends.cfg import CFGBuilder
from leaklint_gopy.frontends.go.contexts import Contexts
from leaklint_gopy.frontends.go.endless import ticker_made
from leaklint_gopy.frontends.go.counts import changes, constant_value, local_constants
from leaklint_gopy.frontends.go.expr import (_BUILTINS, _NOT_PATHS, ExpressionLowerer, Positions, _args, _identifiers, _items,
                                       _keyed_values, _response_names, _served_by, receives)
from leaklint_gopy.frontends.go.flow import ControlFlowLowerer, _changed_in, _Loop, changed_among
from leaklint_gopy.frontends.go.guards import error_text, is_message, unparenthesized
from leaklint_gopy.frontends.go.literals import BoundLiterals, literal_fields, surely_nonnil
from leaklint_gopy.frontends.go.transports import dials_in_memory, dials_nothing, silent_server
from leaklint_gopy.frontends.go.typeinfo import (ABORT_METHODS, LOCAL_ADDRESSES, TEST_FAILURES, FileScope, result_nodes, text,
                                         var_specs)
from leaklint_gopy.ir import Assign, Call, Capture, Defer, Exit, FunctionIR, Kill, Span


class FunctionLowerer(ControlFlowLowerer, ExpressionLowerer):
    """Builds the CFG of one function or func literal; closures found inside go to `out`."""

    def __init__(self, scope: FileScope, positions: Positions, qualname: str, out: list[FunctionIR],
                 outer_locals: frozenset[str] = frozenset()) -> None:
        self.scope, self.pos, self.qualname, self.out = scope, positions, qualname, out
        self.cfg = CFGBuilder()
        self.outer = outer_locals
        self.locals: set[str] = set()
        self.types: dict[str, str] = {}
        self.loops: list[_Loop] = []
        self.labels: dict[str, int] = {}
        self.results: list[str] = []
        self.temps = 0
        self.closures = 0
        self.breakables: list[_Loop] = []
        self.method_values: dict[str, Node] = {}
        self.case_binding: list[tuple[str, str | None]] = []
        self.fallthrough: list[int] = []
        # Per open lexical block (the function's first): the names it declares, and the outer
        # variables its own declarations shadow, each saved under an alias (name, alias, outer type).
        self.declared: list[set[str]] = [set()]
        self.shadows: list[list[tuple[str, str, str]]] = [[]]
        self.failing = False  # the function's last result is an `error`
        self.failers: set[str] = set()  # local closures that always fail the test: `errorf := func(...) { t.Errorf(...) }`
        self.captured: set[str] = set()  # names a deferred closure captured: they outlive their block
        self.tables: dict[str, Node] = {}  # locals declared with a composite literal (`tests := []struct{...}{...}`)
        self.tickers: dict[str, str] = {}  # time.Tick channels and time.NewTicker tickers (endless.py)
        self.counts: dict[str, int] = {}  # constants and locals an integer constant fixes (`const N = 3`, counts.py)
        self.retired: set[str] = set()  # names of closed blocks' variables a closure keeps (see _shadow)
        self.error_texts: dict[str, str] = {}  # variables holding an error's text -> that error (`got := fmt.Sprint(err)`)
        self.messages: set[str] = set()  # variables holding a message no nil error prints (`want := "no Host"`)
        self.addresses: dict[str, str] = {}  # sockets -> the type of their own address (LOCAL_ADDRESSES)
        self.silent: set[str] = set()  # httptest servers whose handler writes nothing (transports.silent_server)
        self.silent_urls: set[str] = set()  # URLs parsed from a silent server's (`u, _ := url.Parse(ts.URL)`)
        # transports and clients over them that connect nowhere -> the note their calls get: every
        # dial fails ("dial", "failing"), or builds its connection in memory ("transport", "injected")
        self.dialless: dict[str, tuple[str, str]] = {}
        self.fake_clients: dict[str, str] = {}  # client -> the tree's RoundTrip its Transport is (`&Client{Transport: tr}`)
        self.built: dict[str, tuple[tuple[str, str], ...]] = {}  # value -> the typed arguments its constructor got (_note_built)
        self.nonnil: list[str] = []  # names an enclosing `if x != nil` proves non-nil
        self.flags: dict[str, bool] = {}  # booleans an enclosing `if ok` / `else` fixes (see _if_statement)
        self.closers: dict[str, str] = {}  # `ok` of `c, ok := v.(io.Closer)` -> v
        self.asserted: dict[str, str] = {}  # `ok` of `g, ok := v.(*grpcConn)` -> v
        self.receipts: set[str] = set()  # `ok` of `c, ok := <-conns`: false, nothing was received
        self.handshaken: set[str] = set()  # TLS connections whose dial completed the handshake (tls.Dial)
        # errors known nil (a completed handshake's, asked again: `err := tc.Handshake()`) -> the depth
        # of the block that set them: true only there and in blocks inside it
        self.settled: dict[str, int] = {}
        self.pipes: dict[str, str] = {}  # a command's output pipes (`stdout, err := cmd.StdoutPipe()`) -> the command
        self.contexts = Contexts()  # what `cancel()` and `tx.Rollback()` end (see contexts.py)
        self.requests: dict[str, tuple[tuple[str, str], ...]] = {}  # request -> what Do's acquisition depends on
        self.given: frozenset[str] | None = None  # parameters the function appends to and never returns
        self._signature: tuple[Node, list[str]] | None = None  # what `given` is computed from, on first use
        self.sent: dict[int, str | None] = {}  # select send cases -> the value evaluated on entering the select
        self.flag_params: dict[str, bool | None] = {}  # bool parameters -> never assigned (None: not yet read)
        self.body: Node | None = None
        self.bare_variables: tuple[frozenset[str], dict[str, list[int]]] | None = None  # see _kept_by
        self.rows: dict[str, Node] = {}  # range variables -> the table literal whose elements they take
        self.exiting = False  # past a `defer os.Exit(0)` in the function's body: its exits end the process
        self.receiver = ""  # a method's receiver name (see guards.receiver_state)
        self.param_names: list[str] = []  # the function's parameters, in order
        self.literals: BoundLiterals | None = None  # variables bound to struct literals (shared with closures)

    # -- entry ----------------------------------------------------------------------------------
    def lower(self, node: Node, display: str, receiver: tuple[str, str] | None = None) -> FunctionIR:
        """Returns the FunctionIR of a function_declaration, method_declaration or func_literal."""
        if receiver is not None:
            self._declare(receiver[0], receiver[1])
            self.receiver = receiver[0]
        params = self._params(node.child_by_field_name("parameters"))
        self.param_names = params
        self.results = self._params(node.child_by_field_name("result"))
        self._signature = (node, params)  # `given` walks the whole body: only an append to a name needs it
        results = result_nodes(node)
        self.failing = bool(results) and text(results[-1]) == "error"
        self.responses = _response_names(node.child_by_field_name("body"))
        body = node.child_by_field_name("body")
        self.body = body
        if self.literals is None:
            self.literals = BoundLiterals(body)
        self.flag_params = dict.fromkeys(_bool_params(node.child_by_field_name("parameters")))
        if body is not None:
            self._block(body, scoped=False)
        end = self.pos.end_span(body) if body is not None else self.pos.span(node)
        if self.exiting:
            self.cfg.emit(Exit(end, "abort"))  # Ex) defer os.Exit(0) ... }   (the end ends the process)
        free = tuple(sorted(self.outer)) if self.outer else ()
        function = self.cfg.finish(self.qualname, display, self.pos.span(node), tuple(params), end,
                                   is_closure=bool(self.outer), free_names=free)
        package = self.scope.package
        if self.qualname == f"{package.key}.main" and package.name == "main" \
                or self.qualname.removeprefix(f"{package.key}.") in package.ending:
            _ends_process(function)  # Ex) childFlood(false) in TestMain, followed by os.Exit(0)
        if receiver is not None:
            function.receiver = receiver[0]
            field = self.scope.error_field(receiver[1])
            function.receiver_error = f"{receiver[0]}.{field}" if field else ""
        return function

    def _fixed(self, name: str) -> bool:
        """Reports whether `name` is a bool parameter the body never assigns nor takes the address
        of: every test of it in the function sees the same value (`func (test *serverTest) run(t
        *testing.T, write bool)`); read on first use."""
        if name not in self.flag_params:
            return False
        if self.flag_params[name] is None:
            self.flag_params[name] = self.body is not None and not _changed_in(self.body, name)
        return bool(self.flag_params[name])

    def _params(self, node: Node | None) -> list[str]:
        names: list[str] = []
        for param in node.named_children if node is not None and node.type == "parameter_list" else ():
            declared = self.scope.type_of_expr(param.child_by_field_name("type"))
            idents = param.children_by_field_name("name")
            for ident in idents:
                self._declare(text(ident), declared)
                names.append(text(ident))
            if not idents:
                names.append("_")
        return names

    def _declare(self, name: str, type_name: str = "") -> None:
        if name in _NOT_PATHS:
            return
        self.locals.add(name)
        shadowing = any(name == shadowed for shadowed, _, _ in self.shadows[-1])
        self.declared[-1].add(name)
        if type_name:
            self.types[name] = type_name
        if shadowing:
            return  # the block's end gives the outer variable back (see _close_block)
        for loop in self.loops:
            loop.declared.append(name)

    def _growing(self) -> bool:
        """Reports whether a defer here runs once per iteration of a loop whose count the input
        decides (deferred calls pile up until the function returns); not in a few fixed ones."""
        return any(not loop.bounded for loop in self.loops)

    # -- lexical blocks -----------------------------------------------------------------------
    def _open_block(self) -> None:
        self.declared.append(set())
        self.shadows.append([])
        self.contexts.enter()

    def _close_block(self, span: Span) -> None:
        self._restore_shadowed(span, len(self.shadows) - 1)
        shadowing = {name for name, _, _ in self.shadows[-1]}
        loop_body = bool(self.loops) and self.loops[-1].depth == len(self.shadows) - 1
        local = sorted(self.declared[-1] - shadowing - self.captured - _NOT_PATHS)
        self.retired |= self.declared[-1] & self.captured
        if local and self.cfg.reachable and not loop_body and len(self.declared) > 1:
            # Ex) if a != "" { f, err := os.Create(a); ... }   (f is gone at the brace: a later `f` in
            # another block is another variable, not an overwrite of this one)
            self.cfg.emit(Kill(span, tuple(local), "scope"))
        # Ex) if err := tc.Handshake(); ... {}   (that err ends here)   Ex) if c { err = tc.Handshake() }
        # (after the block, err may come from the path that skipped it)
        depth = len(self.declared)
        if self.settled:
            self.settled = {name: at for name, at in self.settled.items()
                            if at < depth and name not in self.declared[-1]}
        for name in self.declared[-1] & (self.counts.keys() | self.tickers.keys()) if self.counts or self.tickers else ():
            # Ex) if n < 0 { n := 3 }   (the outer n is not 3 after the brace; what it was is unknown here)
            self.counts.pop(name, None)
            self.tickers.pop(name, None)
        self.declared.pop()
        self.contexts.leave()
        for name, _, kind in reversed(self.shadows.pop()):
            self.types[name] = kind

    def _shadow(self, node: Node, left: list[Node]) -> None:
        """Before `x, err := ...` declares in an inner block a name an outer block declared, saves
        the outer variable under an alias: what it holds is not overwritten, only hidden until the
        block ends (`if ok { c, err := net.Dial(...) }` leaves the outer c open, not lost). So too
        for a variable of a closed block that a deferred closure keeps (`retired`): the closure
        closes that one at exit, not the new one of this block, so the name holds it again after."""
        # Ex) if a { f, _ := os.Create(a); defer func() { f.Close() }() }; if b { f, _ := os.Create(b); ... }
        for item in left:
            name = text(item) if item.type == "identifier" else ""
            retired = name in self.retired and len(self.declared) > 1
            if not name or name in _NOT_PATHS or name in self.declared[-1] \
                    or not (retired or any(name in names for names in self.declared[:-1])):
                continue
            alias = f"{name}~{item.start_point[0] + 1}~{item.start_point[1]}"  # no dot: not a field path
            self.cfg.emit(Assign(self.pos.span(item), alias, name))
            self.shadows[-1].append((name, alias, self.types.get(name, "")))

    def _unretire(self, span: Span, returned: tuple[str | None, ...]) -> None:
        """Before a return inside blocks hiding a retired variable (see _shadow), makes the name
        hold that variable again, as at the block's end: the deferred closure keeping it closes
        what the name holds when the function returns (unless the return hands the new one back)."""
        for shadows in self.shadows[1:]:
            for name, alias, _ in shadows:
                if name in self.retired and name not in returned:
                    self.cfg.emit(Kill(span, (name,), "scope"))
                    self.cfg.emit(Assign(span, name, alias))

    def _restore_shadowed(self, span: Span, depth: int) -> None:
        """Leaving blocks `depth` and deeper (their end, or a break or continue out of them): each
        inner variable goes out of scope and the outer one it shadowed is visible again."""
        if not self.cfg.reachable:
            return
        for shadows in reversed(self.shadows[max(depth, 1):]):
            for name, alias, _ in reversed(shadows):
                self.cfg.emit(Kill(span, (name,), "scope"))
                self.cfg.emit(Assign(span, name, alias))
                self.cfg.emit(Kill(span, (alias,), "scope"))

    # -- statements ---------------------------------------------------------------------------
    def _block(self, node: Node, scoped: bool = True) -> None:
        """Lowers a block's statements; a `{ }` block is a lexical block of its own (`scoped`), the
        function body's is the function's, opened in __init__ with its parameters."""
        scoped = scoped and node.type == "block"
        if scoped:
            self._open_block()
        for child in node.named_children:
            if child.type == "statement_list":
                self._block(child)
            else:
                self._statement(child)
        if scoped:
            self._close_block(self.pos.end_span(node))

    def _statement(self, node: Node) -> None:
        match node.type:
            case "expression_statement":
                self._expression_statement(node.named_children[0])
            case "short_var_declaration" | "assignment_statement":
                self._assignment(node)
            case "var_declaration":
                self._var_declaration(node)
            case "return_statement":
                self._return(node)
            case "if_statement":
                self._if(node)
            case "for_statement":
                self._for(node, label="")
            case "expression_switch_statement" | "type_switch_statement":
                self._switch(node, label="")
            case "select_statement":
                self._select(node, label="")
            case "block":
                self._block(node)
            case "labeled_statement":
                self._labeled(node)
            case "break_statement" | "continue_statement":
                self._jump_out(node)
            case "goto_statement":
                self.cfg.jump(self._label_block(text(node.named_children[0])))
                self.cfg.current = None
            case "defer_statement" | "go_statement":
                self._defer_or_go(node)
            case "send_statement":
                self._store(self._value(node.child_by_field_name("value")), node)
                self._value(node.child_by_field_name("channel"))
            case "fallthrough_statement" if self.fallthrough:
                self.cfg.jump(self.fallthrough[-1])
                self.cfg.current = None
            case "inc_dec_statement":
                self._value(node.named_children[0])
            case "inc_statement" | "dec_statement" if self.counts:
                self.counts.pop(text(node.named_children[0]), None)  # Ex) n++   (no longer its constant)
            case "const_declaration":
                self.counts.update(local_constants(node, self._count_of))  # Ex) const N = 3

    def _expression_statement(self, expr: Node) -> None:
        # Ex) http.Get(u)   (result discarded)
        if expr.type == "call_expression":
            self._call(expr, results=())
        elif receives(expr):
            self._value(expr.child_by_field_name("operand"))  # Ex) <-done   (nothing is kept: a signal)
        else:
            self._value(expr)

    def _assignment(self, node: Node) -> None:
        # Ex) resp, err := client.Do(req)      Ex) resp.Body = io.NopCloser(r)
        left = _items(node.child_by_field_name("left"))
        right = _items(node.child_by_field_name("right"))
        declare = node.type == "short_var_declaration"
        operator = next((text(c) for c in node.children if not c.is_named and "=" in text(c)), "=")
        for item in left if self.tickers else ():
            self.tickers.pop(text(item), None)  # Ex) c = other   (no longer the ticker's channel)
        made = ticker_made(right[0], self._package_path) if len(left) == 1 == len(right) else ""
        if made and left[0].type == "identifier":
            self.tickers[text(left[0])] = made  # Ex) c := time.Tick(d)   Ex) t := time.NewTicker(d)
        for item in left if self.counts else ():
            self.counts.pop(text(item), None)  # Ex) n += 1   (no longer the constant it was declared with)
        if operator not in ("=", ":="):
            for item in left + right:
                self._value(item)
            return
        self._bind(node, left, right, declare)

    def _bind(self, node: Node, left: list[Node], right: list[Node], declare: bool) -> None:
        if not declare and self._appends_to_given(left, right):
            # Ex) responses = append(responses, resp)   (the caller's slice keeps its own length: the
            # element reaches no one through it, it stays resp's; containerd's doWithRetries)
            for item in _args(right[0])[1:]:
                self._value(item)
            return
        if declare:
            self._shadow(node, left)
        self._note_texts(left, right)
        targets = [self._target(item, declare) for item in left]
        for item in left if self.settled else ():
            self.settled.pop(text(item), None)
        self.handshaken.difference_update(targets)
        self.receipts.difference_update(targets)  # Ex) ok = check()   (no longer a receive's ok)
        for target in targets if self.pipes else ():
            self.pipes.pop(target, None)
        for target in targets if self.built else ():
            self.built.pop(target, None)  # Ex) service = other   (no longer what the constructor built)
        if len(left) in (1, 2) and len(right) == 1 and receives(right[0]) and left[0].type == "identifier" \
                and targets[0] is not None and (declare or self._is_local_target(left[0], targets[0])):
            self._bind_receive(left, targets, right[0], declare)
            return
        if len(left) == 1 == len(right) and self._lent_to_child(left[0]):
            # Ex) cmd.ExtraFiles = append(cmd.ExtraFiles, f)   Ex) cmd.Stdout = logFile
            appended = right[0].type == "call_expression" and text(right[0].child_by_field_name("function")) == "append"
            for item in _args(right[0])[1:] if appended else right:
                self._value(item)
            return
        if len(right) == 1 and len(left) > 1:
            self._bind_tuple(node, left, targets, right[0], declare)
            return
        if len(left) == 1 == len(right) and left[0].type == "identifier" and targets[0] is not None \
                and self._plain_call(right[0]) and (declare or self._is_local_target(left[0], targets[0])):
            # Ex) f := os.NewFile(fd, name)   (the result is bound to f itself, so messages name it)
            self._bind_tuple(node, left, targets, right[0], declare)
            return
        sources = [self._value(item) for item in right]
        for item in left:
            if item.type == "identifier":
                self.flags.pop(text(item), None)  # Ex) ok = retry   (what was known of ok no longer holds)
                self.addresses.pop(text(item), None)
        for item, value_node in zip(left, right):
            count = constant_value(value_node, self._count_of) if declare and item.type == "identifier" else None
            if count is not None:
                self.counts[text(item)] = count  # Ex) nconn := maxBadConnRetries + 1
            if declare and item.type == "identifier" and value_node.type == "composite_literal":
                self.tables[text(item)] = value_node  # Ex) socketTypeTests := []struct{...}{{...}, {...}}
            elif item.type == "identifier":
                self.tables.pop(text(item), None)
            if item.type == "identifier":
                self._note_silent_url(text(item), value_node)
            if item.type == "identifier" and self._tree_transport(value_node):
                # Ex) client := &Client{Transport: &recordingTransport{}}   (its responses are the tree's to say)
                self.fake_clients[text(item)] = self._tree_transport(value_node)
            if item.type == "identifier" and self._dials_nothing(value_node):
                # Ex) tr := &Transport{Dial: func(...) (net.Conn, error) { return nil, e }}
                self.dialless[text(item)] = self._dials_nothing(value_node)
            elif item.type == "identifier":
                self.dialless.pop(text(item), None)
            if item.type == "identifier" and value_node.type == "func_literal" and self._fails_test(value_node):
                self.failers.add(text(item))  # Ex) errorf := func(f string, a ...any) { t.Errorf(f, a...) }
            if item.type == "identifier" and value_node.type == "selector_expression" \
                    and text(value_node.child_by_field_name("field"))[:1].isupper() and source_is_path(value_node):
                self.method_values[text(item)] = value_node
        for item, target, value_node, source in zip(left, targets, right, sources):
            if declare and item.type == "identifier":
                self._declare(text(item), self._type_of(value_node))
            elif item.type == "identifier" and text(item) in self.locals:
                self.types[text(item)] = self._type_of(value_node) or self.types.get(text(item), "")
            self._assign(node, item, target, source)

    def _appends_to_given(self, left: list[Node], right: list[Node]) -> bool:
        """Reports whether an assignment is `s = append(s, ...)` for a parameter `s` in `self.given`."""
        if len(left) != 1 or len(right) != 1 or left[0].type != "identifier":
            return False
        function = right[0].child_by_field_name("function") if right[0].type == "call_expression" else None
        arguments = _args(right[0]) if function is not None else []
        if not (function is not None and text(function) == "append" and "append" not in self.locals
                and bool(arguments) and text(arguments[0]) == text(left[0])):
            return False
        if self.given is None:
            self.given = _slices_kept_inside(*self._signature) if self._signature is not None else frozenset()
        return text(left[0]) in self.given

    def _note_texts(self, left: list[Node], right: list[Node]) -> None:
        """Remembers which variables now hold an error's text, or a message no nil error prints."""
        for index, item in enumerate(left):
            if item.type != "identifier":
                continue
            name = text(item)
            value = right[index] if len(right) == len(left) else None
            err = error_text(value, self.error_texts)
            self.error_texts.pop(name, None)
            self.messages.discard(name)
            if err is not None:
                self.error_texts[name] = err  # Ex) got := fmt.Sprint(err)
            elif is_message(value):
                self.messages.add(name)  # Ex) want := "http: no Host in request URL"

    def _own_address(self, value: Node) -> bool:
        """Reports whether a type assertion asks a socket's own address for its network's type
        (`udpConn.LocalAddr().(*net.UDPAddr)` on a connection from net.ListenUDP)."""
        value = unparenthesized(value)
        if value.type != "type_assertion_expression":
            return False
        call = unparenthesized(value.child_by_field_name("operand"))
        function = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
        if function is None or function.type != "selector_expression" \
                or text(function.child_by_field_name("field")) not in ("LocalAddr", "Addr"):
            return False
        socket = self.addresses.get(text(function.child_by_field_name("operand")), "")
        return bool(socket) and self.scope.type_of_expr(value.child_by_field_name("type")) == socket

    def _dials_nothing(self, value: Node) -> tuple[str, str] | None:
        """Returns the note of an http.Transport, or an http.Client over one, that connects nowhere
        (see `dialless`), else None."""
        value = _inner_value(value)
        if value.type == "identifier":
            return self.dialless.get(text(value))
        kind = self._type_of(value) if value.type == "composite_literal" else ""
        if kind == "net/http.Transport" and dials_nothing(value):
            return ("dial", "failing")
        if kind == "net/http.Transport" and dials_in_memory(value, self._built_in_memory):
            return ("transport", "injected")  # Ex) &Transport{Dial: func(n, a string) (net.Conn, error) { return &dumpConn{w, r}, nil }}
        transport = next((node for key, node in _keyed_values(value) if key == "Transport"), None)
        return self._dials_nothing(transport) if kind == "net/http.Client" and transport is not None else None

    def _built_in_memory(self, value: Node) -> bool:
        """Reports whether `value` makes a connection in memory: a literal of a struct type of the
        package none of whose fields, embedded ones included, is typed as a connection or a file
        (`&dumpConn{io.MultiWriter(&buf, pw), dr}`, an io.Writer and an io.Reader)."""
        value = _inner_value(value)
        kind = self._type_of(value) if value.type == "composite_literal" else ""
        package = self.scope.package
        local = kind.removeprefix(package.key + ".")
        if local == kind or local not in package.structs:
            return False
        fields = [*package.structs[local].values(), *package.embedded.get(local, [])]
        return not any(_HOLDING_TYPE.search(text(field)) for field in fields)

    def _tree_transport(self, value: Node) -> str:
        """Returns the qualname of the package's own RoundTrip that an http.Client literal's Transport
        is (`&http.Client{Transport: &fakeTransport{}}`), else ""."""
        value = _inner_value(value)
        if value.type != "composite_literal" or self._type_of(value) != "net/http.Client":
            return ""
        transport = next((node for key, node in _keyed_values(value) if key == "Transport"), None)
        owner = self._type_of(transport) if transport is not None else ""
        prefix = self.scope.package.key + "."
        local = owner[len(prefix):] if owner.startswith(prefix) else ""
        return f"{owner}.RoundTrip" if local and (local, "RoundTrip") in self.scope.package.methods else ""

    def _fails_test(self, literal: Node) -> bool:
        """Reports whether a func literal's body marks the test failed in a statement of its own, so
        every call of it does (t.Errorf, t.Fatal, b.Error on the enclosing test's T or B)."""
        body = literal.child_by_field_name("body")
        statements = list(body.named_children) if body is not None else []
        while len(statements) == 1 and statements[0].type == "statement_list":
            statements = list(statements[0].named_children)
        for statement in statements:
            call = statement.named_children[0] if statement.type == "expression_statement" and statement.named_children else None
            function = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
            if function is None or function.type != "selector_expression":
                continue
            operand = function.child_by_field_name("operand")
            kind = self.types.get(text(operand), "") if operand.type == "identifier" else ""
            if f"{kind}.{text(function.child_by_field_name('field'))}" in TEST_FAILURES \
                    or kind.startswith("testing.") and text(function.child_by_field_name("field")) in ABORT_METHODS:
                return True
        return False

    def _plain_call(self, node: Node) -> bool:
        """Reports whether `node` is a call lowered to a Call op (not a builtin, closure or conversion)."""
        if node.type != "call_expression":
            return False
        function = node.child_by_field_name("function")
        if function is None or function.type == "func_literal":
            return False
        if function.type == "identifier":
            name = text(function)
            return not (name in self.scope.package.type_names or name in self.method_values
                        or name in _BUILTINS and name not in self.locals)
        return True

    def _lent_to_child(self, item: Node) -> bool:
        """Reports whether assigning to `item` gives a value to a child process that only borrows it:
        exec.Cmd passes an *os.File in ExtraFiles, Stdin, Stdout or Stderr to the child as it is and
        never closes it in the parent (it closes only the pipes it makes itself), nor a connection
        it copies from or to."""
        if item.type != "selector_expression":
            return False
        field = text(item.child_by_field_name("field"))
        return field in _CHILD_FILES and self._type_of(item.child_by_field_name("operand")) == "os/exec.Cmd"

    def _bind_receive(self, left: list[Node], targets: list[str | None], value: Node, declare: bool) -> None:
        """Binds a receive to its variable itself, so messages name it; with `ok`, what it received
        exists only where ok is true (false: the channel is closed, the value its type's zero)."""
        # Ex) resp := <-pw.responseC     Ex) conn, ok := <-l.acceptCh; if !ok { return nil, errClosed }
        ok = targets[1] if len(targets) == 2 and left[1].type == "identifier" else None
        for name in filter(None, targets):
            for known in (self.flags, self.addresses, self.tables, self.counts):
                known.pop(name, None)
            self.receipts.discard(name)
        if self._receive(value, targets[0], ok) is None:
            for name in filter(None, targets):
                self.cfg.emit(Assign(self.pos.span(value), name, None))  # Ex) v := <-values   (no resource)
        elif ok is not None:
            self.receipts.add(ok)
        for index, name in enumerate(targets):
            declared = self._type_of(value) if index == 0 else "bool"
            if name is not None and declare:
                self._declare(name, declared if index == 0 else "")
            elif name is not None and index == 0:
                self.types[name] = declared or self.types.get(name, "")

    def _bind_tuple(self, node: Node, left: list[Node], targets: list[str | None], value: Node,
                    declare: bool) -> None:
        # Ex) resp, err := http.Get(u)     Ex) c.conn, err = net.Dial("tcp", addr)   (escapes)
        types: list[str] = []
        for item in left:
            if item.type == "identifier":
                self.flags.pop(text(item), None)
                self.addresses.pop(text(item), None)
        if value.type == "call_expression":
            call = self._call(value, results=tuple(targets))
            if call is not None:
                self._note_request(call, value, targets)
                if targets[0] is not None and silent_server(value):
                    self.silent.add(targets[0])  # Ex) ts := httptest.NewServer(HandlerFunc(func(w, r) {}))
                if call.callee in LOCAL_ADDRESSES and targets[0] is not None:
                    self.addresses[targets[0]] = LOCAL_ADDRESSES[call.callee]  # Ex) c, err := net.ListenUDP(...)
            if call is not None:
                self._note_settled(call, left, targets)
                if left[0].type == "identifier":
                    self._note_silent_url(text(left[0]), value, call.callee)
            types = self.scope.result_types(call.callee) if call is not None else []
            if not types and len(left) == 1:
                types = [self._type_of(value)]
        else:
            source = self._value(value)
            if len(left) == 2 and left[1].type == "identifier" and self._own_address(value):
                self.flags[text(left[1])] = True  # Ex) addr, ok := c.LocalAddr().(*net.UDPAddr)   (always ok)
            if _asserts_closer(value) and len(left) == 2 and source is not None:
                # Ex) if c, ok := v.(io.Closer); ok { c.Close() }   (every resource tracked is a Closer)
                types = [self._type_of(value)]
                if targets[0] is not None and self._is_local_target(left[0], targets[0]):
                    self.cfg.emit(Assign(self.pos.span(node), targets[0], source))
                if left[1].type == "identifier":
                    self.closers[text(left[1])] = source
            elif _asserts_pointer(value) and len(left) == 2 and source is not None:
                # Ex) if gc, ok := s.client.(*grpcConn); ok { gc.Close() }   (gc is s.client where ok
                # is true, and nil where it is false; an interface asserted, `f, ok := s.(RawProcessor)`,
                # keeps its unknown type: what its methods return is no more known than before)
                types = [self._type_of(value)]
                if targets[0] is not None and self._is_local_target(left[0], targets[0]):
                    self.cfg.emit(Assign(self.pos.span(node), targets[0], source))
                if left[1].type == "identifier":
                    self.asserted[text(left[1])] = source
        for index, (item, target) in enumerate(zip(left, targets)):
            if declare and item.type == "identifier":
                self._declare(text(item), types[index] if index < len(types) else "")
            if target is not None and ("." in target or not self._is_local_target(item, target)):
                self._store(target, node)

    def _note_settled(self, call, left: list[Node], targets: list[str | None]) -> None:
        """Remembers the TLS connections crypto/tls dialed, whose handshake is done when the dial
        returns, and the errors their Handshake gives: that handshake's result again (conn.go
        returns c.handshakeErr at once once it is complete), nil, since the dial succeeded; and the
        errors of reading a command's output pipe to its end before Wait (nil)."""
        # Ex) tc, err := tls.Dial("tcp", addr, cfg); ...; if err := tc.Handshake(); err != nil { return nil, err }
        if call.callee in _HANDSHAKING_DIALS and targets[0] is not None:
            self.handshaken.add(targets[0])
        elif call.callee.rsplit(".", 1)[-1] in ("Handshake", "HandshakeContext") and call.receiver in self.handshaken \
                and len(left) == 1 and left[0].type == "identifier":
            self.settled[text(left[0])] = len(self.declared)
        # Ex) stdout, err := cmd.StdoutPipe(); ...; out, err := io.ReadAll(stdout)   (reading an *os.File
        # pipe fails only once it is closed, which only Wait does: ReadAll ends at EOF with a nil error)
        if call.callee in _OUTPUT_PIPES and targets[0] is not None and call.receiver is not None:
            self.pipes[targets[0]] = call.receiver
        elif call.callee == "io.ReadAll" and call.args and call.args[0] in self.pipes and len(left) == 2 \
                and left[1].type == "identifier":
            self.settled[text(left[1])] = len(self.declared)

    def _note_silent_url(self, name: str, value: Node, callee: str = "") -> None:
        """Remembers whether `name` now holds the URL of a server whose handler writes nothing, parsed
        (`u, err := url.Parse(ts.URL)`), and whether a request now names one (`&Request{URL: u}`)."""
        self.silent_urls.discard(name)
        if not self.silent:
            return
        arguments = _args(value) if callee == "net/url.Parse" else []
        if arguments and _served_by(text(arguments[0]), self.silent, self.silent_urls):
            self.silent_urls.add(name)
        literal = value.named_children[-1] if value.type == "unary_expression" and value.named_children else value
        if literal.type != "composite_literal" or self._type_of(literal) != "net/http.Request":
            return
        self.requests.pop(name, None)
        if any(key == "URL" and _served_by(text(node), self.silent, self.silent_urls) for key, node in _keyed_values(literal)):
            self.requests[name] = (("body", "empty"),)  # Ex) req := &Request{URL: u, Method: "GET"}; c.Do(req)

    def _note_request(self, call, node: Node, targets: list[str | None]) -> None:
        """Remembers what decides whether sending a request holds a connection: a HEAD method (the
        context it is built with is the Contexts' to follow)."""
        if not targets or targets[0] is None:
            return
        package = self.scope.package
        if call.callee.removeprefix(f"{package.key}.") in package.head_requests:
            # Ex) req, err := f.makeUploadHeadRequest(ctx, loc); resp, err := c.Do(req)
            self.requests[targets[0]] = (("method", "HEAD"),)
            return
        if call.callee not in _NEW_REQUEST:
            return
        args = _args(node)
        with_context = call.callee.endswith("WithContext")
        method = text(args[1 if with_context else 0]) if len(args) > int(with_context) else ""
        notes = []
        if method == '"HEAD"' or method.endswith("MethodHead"):
            notes.append(("method", "HEAD"))
        url = args[1 + int(with_context)] if len(args) > 1 + int(with_context) else None
        if url is not None and _served_by(text(url), self.silent):
            notes.append(("body", "empty"))  # Ex) req, _ := NewRequest("POST", ts.URL, nil)   (a silent server)
        self.requests[targets[0]] = tuple(notes)

    def _assign(self, node: Node, item: Node, target: str | None, source: str | None) -> None:
        span = self.pos.span(node)
        if item.type == "index_expression" or item.type == "unary_expression":
            self._store(source, node)
            key = item.child_by_field_name("index") if item.type == "index_expression" else None
            if key is not None and key.type in ("identifier", "selector_expression"):
                self._store(self._path(key), node)  # Ex) l.clients[c] = struct{}{}   (a map keeps its keys too)
        elif target is None or item.type == "selector_expression" and target.startswith("$"):
            return  # Ex) pipes[i].r = r   (r still names it: a defer closing r closes it)
        elif not self._is_local_target(item, target):
            self._store(source, node)
        else:
            self.cfg.emit(Assign(span, target, source))

    def _target(self, item: Node, declare: bool) -> str | None:
        if item.type == "identifier":
            name = text(item)
            return None if name == "_" else name
        if item.type == "index_expression":
            # Ex) conns[i], err = net.Dial(...)   (a temporary, stored into the container: not discarded)
            self._value(item.child_by_field_name("operand"))
            self._value(item.child_by_field_name("index"))
            return self._temp()
        path = self._path(item)
        if path is None and item.type == "selector_expression":
            # Ex) clients[i].nc, clients[i].js = jsClientConnect(t, s)   (a field of a container's element)
            self._value(item.child_by_field_name("operand"))
            return self._temp()
        return path

    def _is_local_target(self, item: Node, target: str | None) -> bool:
        """Reports whether assigning to `target` keeps the value inside this function."""
        if target is None:
            return True
        base = target.split(".", 1)[0]
        if item.type == "identifier":
            return base in self.locals or base not in self.outer and base not in self.scope.package.variables
        return base in self.locals

    def _var_declaration(self, node: Node) -> None:
        # Ex) var resp *http.Response
        for spec in var_specs(node):
            names = spec.children_by_field_name("name")
            declared = self.scope.type_of_expr(spec.child_by_field_name("type"))
            values = _items(spec.child_by_field_name("value"))
            for name in names:
                self._declare(text(name), declared)
                self.tables.pop(text(name), None)
                self.counts.pop(text(name), None)
            if values:
                self._bind(spec, list(names), values, declare=False)
            if len(values) == len(names):
                # Ex) var tests = []struct{ addr string }{{"a"}, {"b"}}   (a table, as with :=)
                self.tables.update((text(name), value) for name, value in zip(names, values)
                                   if value.type == "composite_literal")

    def _return(self, node: Node) -> None:
        # Ex) return resp, nil      Ex) return    (named results)
        items = _items(node.named_children[0]) if node.named_children else []
        if len(items) == 1 and items[0].type == "call_expression" and len(self.results) > 1:
            temps = tuple(self._temp() for _ in self.results)
            self._call(items[0], results=temps)
            values: tuple[str | None, ...] = temps
        elif items:
            values = tuple(self._value(item) for item in items)
        else:
            values = tuple(self.results)
        self._unretire(self.pos.span(node), values)
        failing = self.failing and bool(items) and self._reports_failure(items[-1])
        succeeding = self.failing and bool(items) and items[-1].type == "nil"
        kind = "abort" if self.exiting else "return"
        self.cfg.emit(Exit(self.pos.span(node), kind, values, failing=failing, succeeding=succeeding))

    def _reports_failure(self, value: Node) -> bool:
        """Reports whether a returned error is surely non-nil: a new one, a sentinel, or a name an
        enclosing `if err != nil` tests."""
        if value.type == "identifier":
            return text(value) in self.nonnil or text(value).startswith("Err")
        if value.type == "selector_expression":
            return text(value.child_by_field_name("field")).startswith("Err")
        function = value.child_by_field_name("function") if value.type == "call_expression" else None
        return function is not None and text(function) in ("fmt.Errorf", "errors.New")

    # -- defer, go and closures -------------------------------------------------------------------
    def _defer_or_go(self, node: Node) -> None:
        # Ex) defer resp.Body.Close()   Ex) defer func() { _ = resp.Body.Close() }()   Ex) go handle(conn)
        call = next((c for c in node.named_children if c.type == "call_expression"), None)
        if call is None:
            return
        mode = "defer" if node.type == "defer_statement" else "go"
        function = call.child_by_field_name("function")
        args = [self._value(a) for a in _args(call)]
        if function is not None and function.type == "func_literal":
            qualname = self._closure(function, mode)
            literal = Call(self.pos.span(call), qualname, "func literal", None, tuple(args), ())
            if mode == "go" and any(arg is not None for arg in args):
                # Ex) go func(c net.Conn) { defer c.Close(); serve(c) }(conn)   (the literal's body says
                # what it does with its parameter; one that never returns, `for { cc.WaitForStateChange(ctx,
                # s) }`, closes nothing it was given: the caller still owns it)
                if _returns(self.out[-1]):
                    self.cfg.emit(literal)
            elif any(arg is not None for arg in args):
                # Ex) defer func(f *os.File) { _ = f.Close() }(file)   (the literal's parameter closes it)
                self.cfg.emit(Defer(self.pos.span(node), literal, in_loop=self._growing()))
            return
        lowered = self._resolve(call, function, tuple(args), results=())
        if lowered is None:
            return
        ended = self.contexts.ends(lowered, self.types) if mode == "defer" else None
        if ended is not None:
            # Ex) defer cancel()   Ex) defer tx.Rollback()   (what was obtained with it ends at return)
            self.contexts.end_at_return(ended)
            cancelling = self.contexts.cancelling(self.pos.span(call), ended, lowered.display)
            self.cfg.emit(Defer(self.pos.span(node), cancelling, in_loop=self._growing()))
        if mode == "go":
            # Ex) go r.handleConn(ctx, conn)   (the goroutine owns what it is given from now on, unless
            # its function is the tree's and releases it on no path: see the engine's spawned calls)
            self.cfg.emit(replace(lowered, kwargs=lowered.kwargs + (("spawn", "go"),)))
            self._store(lowered.receiver, node)
        else:
            self.cfg.emit(Defer(self.pos.span(node), lowered, in_loop=self._growing()))
            if lowered.callee == "os.Exit" and _in_function_body(node):
                # Ex) defer os.Exit(0)   (a helper process: every later exit ends the process)
                self.exiting = True

    def _kept_by(self, literal: Node, names: list[str]) -> frozenset[str]:
        """Returns the names among `names` that the function declares with a bare `var x T` and
        mentions nowhere outside the func literal `literal`: what the literal leaves in one no other
        code can reach, so it is the literal's to release, as if the literal declared it (the closure
        a retry helper runs, rclone's `var resp *http.Response; err = pacer.Call(func() (bool, error)
        { resp, err = srv.Call(ctx, &opts); return shouldRetry(resp, err) })`). The body is walked
        once for all its literals (once per literal, a test of many subtests walked it quadratically)."""
        if self.bare_variables is None:
            self.bare_variables = _bare_variables(self.body)
        declared, mentions = self.bare_variables
        start, end = literal.start_byte, literal.end_byte
        return frozenset(name for name in names if name in declared
                         and all(start <= at < end for at in mentions.get(name, ())))

    def _nonnil_args(self, nodes: list[Node]) -> str:
        """Returns the positions (space-separated) of the arguments surely not nil: `&out`, `&T{}`,
        `new(T)`, or a variable bound once to one (`out := new(T)`, or a named result's `out = new(T)`
        on the function's own level before the call)."""
        return " ".join(str(index) for index, node in enumerate(nodes) if surely_nonnil(node) or (
            node.type == "identifier" and self.literals is not None and self._visible(text(node))
            and self.literals.nonnil(text(node), node.start_byte)))

    def _visible(self, name: str) -> bool:
        """Reports whether `name` is a variable of the function or of one enclosing it."""
        return name in self.locals or name in self.outer

    def _field_notes(self, nodes: list[Node]) -> str:
        """Returns, for the arguments that are keyed struct literals or variables bound once to one,
        or whose boolean fields the function's own level sets before the call (see literals.py),
        their positions and fields: "1 Method=? NoResponse=true|3~ NoResponse=true"."""
        notes = []
        for index, node in enumerate(nodes):
            fields = literal_fields(node)
            name = node.child_by_field_name("operand") if node.type == "unary_expression" else node
            if fields is None and name is not None and name.type == "identifier" and self.literals is not None \
                    and self._visible(text(name)):
                fields = self.literals.fields(text(name), addressed=name is not node)
                if fields is None:  # Ex) opts := newOpts(u); opts.NoResponse = true; c.Call(&opts)
                    fields = self.literals.set_flags(text(name), node.start_byte, addressed=name is not node)
            if fields is not None:
                partial = fields.startswith("~")  # the fields left out are unknown, not false
                notes.append(f"{index}{'~' if partial else ''} {fields.removeprefix('~').strip()}".rstrip())
        return "|".join(notes)

    def _closure(self, node: Node, mode: str) -> str:
        """Lowers a func literal as a function of its own and emits its Capture; returns its qualname."""
        self.closures += 1
        qualname = f"{self.qualname}$func{self.closures}"
        visible = frozenset(self.locals | self.outer)
        inner = FunctionLowerer(self.scope, self.pos, qualname, self.out, visible)
        inner.types = dict(self.types)
        inner.literals = self.literals
        inner.failers = set(self.failers)
        inner.fake_clients = dict(self.fake_clients)
        inner.dialless = dict(self.dialless)
        inner.silent = set(self.silent)
        inner.silent_urls = set(self.silent_urls)
        identifiers = _identifiers(node)
        changed = changed_among(node, (identifiers & self.locals) | set(self.rows) | set(self.requests))
        # Ex) req, _ := NewRequest("GET", ts.URL, nil); go func() { c.Do(req) }()   (the same request)
        inner.requests = {name: notes for name, notes in self.requests.items() if name not in changed}
        inner.rows = {name: table for name, table in self.rows.items() if name not in changed}
        inner.counts = {name: count for name, count in self.counts.items() if not changes(node, name)}
        inner.contexts = self.contexts.inherited()
        assigned = sorted(changed & identifiers & self.locals)
        # Ex) var resp *http.Response; err = pacer.Call(func() (bool, error) { resp, err = c.Do(req); ... })
        inner.locals |= self._kept_by(node, assigned) if assigned else frozenset()
        function = inner.lower(node, f"func literal in {self.qualname.rsplit('.', 1)[-1]}")
        used = frozenset(identifiers) & visible
        free = tuple(sorted(used - inner.locals))
        function.free_names = free
        self.out.append(function)
        # Ex) for _, a := range []string{"", b} { c := dial(a); defer func() { c.Close() }() }   (a few: not LL106)
        growing = not self.loops or self._growing()
        if mode == "defer":
            # Ex) if in == nil { f, _ := os.Open(p); defer func() { f.Close() }() }   (f lives on in the closure
            # until the function returns; what another closure does to it is decided where it captures it)
            self.captured.update(free)
        # Ex) hook = func() { cancel() }   (it ends what was obtained with the context: tx of BeginTx(ctx))
        names = free + self.contexts.captured(free)
        self.cfg.emit(Capture(self.pos.span(node), qualname, names, mode, growing=growing))
        return qualname

def _bare_variables(body: Node | None) -> tuple[frozenset[str], dict[str, list[int]]]:
    """Returns the names a function body declares with a bare `var x T` (outside its func literals),
    and where every identifier of the body is mentioned, those declared names aside (see _kept_by)."""
    if body is None or b"var" not in body.text:
        return frozenset(), {}  # (no `var` declaration: its tree need not be walked)
    declared: set[str] = set()
    mentions: dict[str, list[int]] = {}
    stack = [(body, True)]
    while stack:
        current, own = stack.pop()
        if own and current.type == "var_spec" and current.child_by_field_name("value") is None:
            declared |= {text(name) for name in current.children_by_field_name("name")}
            stack.extend((child, own) for child in current.named_children if child.type != "identifier")
            continue
        if current.type == "identifier":
            mentions.setdefault(text(current), []).append(current.start_byte)
        own = own and current.type != "func_literal"
        stack.extend((child, own) for child in current.named_children)
    return frozenset(declared), mentions


def _slices_kept_inside(node: Node, params: list[str]) -> frozenset[str]:
    """Returns the parameters of a function that it never returns (as a result of its own: passed
    to a call, `return retry(ctx, responses)`, the callee decides) nor names in a func literal: a
    slice among them that the function appends to grows a copy its caller never sees."""
    body = node.child_by_field_name("body")
    if body is None or node.type == "func_literal":
        return frozenset()
    named: set[str] = set()
    stack = [body]
    while stack:
        current = stack.pop()
        if current.type == "func_literal":
            named |= _identifiers(current)
        elif current.type == "return_statement":
            values = _items(current.named_children[0]) if current.named_children else []
            named |= {name for value in values if value.type != "call_expression" for name in _identifiers(value)}
            if not values:
                return frozenset()  # Ex) return   (named results: whatever they hold)
        else:
            stack.extend(current.named_children)
    return frozenset(params) - named


def _ends_process(function: FunctionIR) -> None:
    """Makes main's returns abort: when main returns the process ends and the OS reclaims what is
    open (a loop iteration or an overwrite inside main still leaks)."""
    for block in function.blocks:
        block.ops = [replace(op, kind="abort") if isinstance(op, Exit) and op.kind in ("return", "end") else op
                     for op in block.ops]


# A field type that may hold a connection or a descriptor (net.Conn, *tls.Conn, *os.File,
# net.Listener, io.ReadWriteCloser): a struct with one is no connection made in memory.
_HOLDING_TYPE = re.compile(r"(?:Conn|File|Listener|Closer)\b")
_CHILD_FILES = frozenset({"ExtraFiles", "Stdin", "Stdout", "Stderr"})
_NEW_REQUEST = frozenset({"net/http.NewRequest", "net/http.NewRequestWithContext"})
# crypto/tls's dials: each returns a connection only once its handshake succeeded.
_OUTPUT_PIPES = frozenset({"os/exec.Cmd.StdoutPipe", "os/exec.Cmd.StderrPipe"})
_HANDSHAKING_DIALS = frozenset({"crypto/tls.Dial", "crypto/tls.DialWithDialer", "crypto/tls.Dialer.Dial",
                                "crypto/tls.Dialer.DialContext"})


def source_is_path(selector: Node) -> bool:
    """Reports whether a selector's operand is a plain access path (`resp.Body` in `resp.Body.Close`)."""
    operand = selector.child_by_field_name("operand")
    while operand is not None and operand.type == "selector_expression":
        operand = operand.child_by_field_name("operand")
    return operand is not None and operand.type == "identifier"


def _asserts_pointer(value: Node) -> bool:
    """Reports whether `value` is a type assertion to a pointer type (`v.(*grpcConn)`): a concrete type."""
    if value.type != "type_assertion_expression":
        return False
    asserted = value.child_by_field_name("type")
    return asserted is not None and asserted.type == "pointer_type"


def _asserts_closer(value: Node) -> bool:
    """Reports whether `value` is a type assertion to a closing interface (`v.(io.Closer)`)."""
    if value.type != "type_assertion_expression":
        return False
    asserted = value.child_by_field_name("type")
    return asserted is not None and text(asserted).lstrip("*").endswith("Closer")


def _returns(function: FunctionIR) -> bool:
    """Reports whether a lowered function can return (a goroutine's `for { ... }` without a way out cannot)."""
    blocks = {block.id: block for block in function.blocks}
    seen, stack = set(), [function.blocks[0].id] if function.blocks else []
    while stack:
        block = blocks.get(stack.pop())
        if block is None or block.id in seen:
            continue
        seen.add(block.id)
        if any(isinstance(op, Exit) and op.kind in ("return", "end") for op in block.ops):
            return True
        stack.extend(edge.target for edge in block.succs)
    return False


def _bool_params(params: Node | None) -> list[str]:
    """Returns the names of a function's parameters declared `bool`."""
    return [text(name) for param in (params.named_children if params is not None else ())
            if param.type == "parameter_declaration" and text(param.child_by_field_name("type")) == "bool"
            for name in param.children_by_field_name("name")]


def _in_function_body(statement: Node) -> bool:
    """Reports whether a statement sits directly in a function's body, not in a branch or loop."""
    parent = statement.parent
    if parent is not None and parent.type == "statement_list":
        parent = parent.parent
    return parent is not None and parent.type == "block" and parent.parent is not None \
        and parent.parent.type in ("function_declaration", "method_declaration", "func_literal")


def _inner_value(value: Node) -> Node:
    """Returns `value` without the `&` and parentheses around it (`&T{...}` -> `T{...}`)."""
    while value.type in ("unary_expression", "parenthesized_expression") and value.named_children:
        value = value.named_children[-1]
    return value
