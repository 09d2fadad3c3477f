"""Lowers one Go function body (tree-sitter nodes) to a FunctionIR.

Statements become blocks and edges (defer, go, return, panic and os.Exit as exits; the control
flow statements in flow.py); expressions become Call, Assign and Store ops on access paths
(expr.py). Func literals are lowered as functions of their own.
"""
from __future__ import annotations

from dataclasses import replace

from tree_sitter import Node

from leaklint_gopy.frontends.cfg import CFGBuilder
from leaklint_gopy.frontends.go.bindings import Bindings
from leaklint_gopy.frontends.go.bindnotes import BindingNotes, CallNotes
from leaklint_gopy.frontends.go.cleanupvalues import CleanupValues
from leaklint_gopy.frontends.go.closures import Closures
from leaklint_gopy.frontends.go.comparisons import Comparisons
from leaklint_gopy.frontends.go.contexts import Contexts
from leaklint_gopy.frontends.go.counts import local_constants
from leaklint_gopy.frontends.go.expr import (
    _NOT_PATHS,
    ExpressionLowerer,
    Positions,
    _items,
    _response_names,
    receives,
)
from leaklint_gopy.frontends.go.lifelong import hand_to_process
from leaklint_gopy.frontends.go.flow import ControlFlowLowerer, _changed_in, _Loop
from leaklint_gopy.frontends.go.literals import BoundLiterals
from leaklint_gopy.frontends.go.routes import MuxFacts, Routes
from leaklint_gopy.frontends.go.typeinfo import FileScope, result_nodes, text
from leaklint_gopy.ir import Assign, Exit, FunctionIR, Kill, Span


class FunctionLowerer(CallNotes, Closures, CleanupValues, BindingNotes, Bindings, ControlFlowLowerer, ExpressionLowerer):
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
        self.closure_values: dict[str, str] = {}  # locals bound once to a func literal -> its qualname (`get := func(...) {...}`)
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
        self.kept_inner: set[str] = set()  # aliases whose inner variable a deferred closure keeps (closures.py)
        self.error_texts: dict[str, str] = {}  # variables holding an error's text -> that error (`got := fmt.Sprint(err)`)
        self.messages: set[str] = set()  # variables holding a message no nil error prints (`want := "no Host"`)
        self.addresses: dict[str, str] = {}  # sockets -> the type of their own address (LOCAL_ADDRESSES)
        self.silent: set[str] = set()  # httptest servers whose handler writes nothing (transports.silent_server)
        self.silent_urls: set[str] = set()  # URLs parsed from a silent server's (`u, _ := url.Parse(ts.URL)`)
        self.routes: Routes | None = None  # test servers over a mux (routes.py), shared with closures
        self.comparisons: Comparisons | None = None  # a value tested against constants (comparisons.py)
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
        self.comparisons = Comparisons(node, self.scope)
        if self.routes is None:
            self.routes = Routes(body, self.scope.imports, self.scope.package.quiet_writers,
                                 self.scope.package.muxes or MuxFacts)
        self.flag_params = dict.fromkeys(_bool_params(node.child_by_field_name("parameters")))
        if body is not None:
            self._block(body, scoped=False)
        end = self.pos.end_span(body) if body is not None else self.pos.span(node)
        if self.exiting:
            self.cfg.emit(Exit(end, "abort", ends=True))  # Ex) defer os.Exit(0) ... }   (the end ends the process)
        free = tuple(sorted(self.outer)) if self.outer else ()
        function = self.cfg.finish(self.qualname, display, self.pos.span(node), tuple(params), end,
                                   is_closure=bool(self.outer), free_names=free)
        package = self.scope.package
        if self.qualname == f"{package.key}.main" and package.name == "main" \
                or self.qualname.removeprefix(f"{package.key}.") in package.ending:
            _ends_process(function)  # Ex) childFlood(false) in TestMain, followed by os.Exit(0)
        elif self.qualname.removeprefix(f"{package.key}.") in package.failing:
            _ends_process(function, failing=True)  # Ex) if err := generate(); err != nil { os.Exit(1) }
        hand_to_process(function)
        if receiver is not None:
            function.receiver = receiver[0]
            field = self.scope.error_field(receiver[1])
            function.receiver_error = f"{receiver[0]}.{field}" if field else ""
        return function

    def _fixed(self, name: str) -> bool:
        """Reports whether `name` is a bool parameter the body never assigns nor takes the address
        of: every test of it in the function sees the same value (`func (test *serverTest) run(t
        *testing.T, write bool)`); read on first use."""
        if "==" in name:
            return True  # Ex) cfg.Transport==i:2   (a steady comparison: see comparisons.py)
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
                    self._give_back(span, name, alias)

    def _restore_shadowed(self, span: Span, depth: int) -> None:
        """Leaving blocks `depth` and deeper (their end, or a break or continue out of them): each
        inner variable goes out of scope and the outer one it shadowed is visible again."""
        if not self.cfg.reachable:
            return
        for shadows in reversed(self.shadows[max(depth, 1):]):
            for name, alias, _ in reversed(shadows):
                self._give_back(span, name, alias)
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
        self.cfg.emit(Exit(self.pos.span(node), kind, values, failing=failing, succeeding=succeeding,
                           ends=self.exiting))

    def _reports_failure(self, value: Node) -> bool:
        """Reports whether a returned error is surely non-nil: a new one, a sentinel, or a name an
        enclosing `if err != nil` tests."""
        if value.type == "identifier":
            return text(value) in self.nonnil or text(value).startswith("Err")
        if value.type == "selector_expression":
            return text(value.child_by_field_name("field")).startswith("Err")
        function = value.child_by_field_name("function") if value.type == "call_expression" else None
        return function is not None and text(function) in ("fmt.Errorf", "errors.New")


def _ends_process(function: FunctionIR, failing: bool = False) -> None:
    """Makes main's returns abort (`failing`: only those returning a non-nil error): when main
    returns the process ends and the OS reclaims what is open (a loop iteration or an overwrite
    inside main still leaks)."""
    for block in function.blocks:
        block.ops = [replace(op, kind="abort", ends=True) if isinstance(op, Exit) and op.kind in ("return", "end")
                     and (op.failing or not failing) else op for op in block.ops]


def _bool_params(params: Node | None) -> list[str]:
    """Returns the names of a function's parameters declared `bool`."""
    return [text(name) for param in (params.named_children if params is not None else ())
            if param.type == "parameter_declaration" and text(param.child_by_field_name("type")) == "bool"
            for name in param.children_by_field_name("name")]

