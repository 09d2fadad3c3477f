"""Lowers Go's `defer` and `go` statements and func literals: a deferred call becomes a Defer op run
at every exit, a goroutine or a closure captures the variables it names (Capture), and a func
literal is lowered as a function of its own. A mixin of lower.FunctionLowerer.
"""
from __future__ import annotations

from dataclasses import replace

from tree_sitter import Node

from leaklint_gopy.frontends.go.counts import changes
from leaklint_gopy.frontends.go.expr import (
    _args,
    _identifiers,
)
from leaklint_gopy.frontends.go.flow import changed_among
from leaklint_gopy.frontends.go.typeinfo import text
from leaklint_gopy.ir import Assign, Call, Capture, Defer, Exit, FunctionIR, Kill, Span


class Closures:
    """The defer, go and func-literal half of FunctionLowerer (see lower.py)."""

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
            if not self.receiver or lowered.receiver != self.receiver \
                    or not lowered.callee.startswith(self.scope.package.key + "."):
                self._store(lowered.receiver, node)
            # Ex) go ss.killProcessOnContextDone()   (in a method of ss's type: the engine reads the method
            # run on its own receiver, callflow._left_open; handing another object to a goroutine this way,
            # traefik udp's `go l.readLoop()` in ListenPacketConn, still hands it over)
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

    def _closure(self, node: Node, mode: str, registered: bool = False) -> str:
        """Lowers a func literal as a function of its own and emits its Capture (`registered`: handed
        to a test's Cleanup); returns its qualname."""
        self.closures += 1
        qualname = f"{self.qualname}$func{self.closures}"
        visible = frozenset(self.locals | self.outer)
        inner = type(self)(self.scope, self.pos, qualname, self.out, visible)
        inner.types = dict(self.types)
        inner.literals = self.literals
        inner.failers = set(self.failers)
        inner.fake_clients = dict(self.fake_clients)
        inner.dialless = dict(self.dialless)
        inner.silent = set(self.silent)
        inner.silent_urls = set(self.silent_urls)
        inner.routes = self.routes
        identifiers = _identifiers(node)
        changed = changed_among(node, (identifiers & self.locals) | set(self.rows) | set(self.requests))
        # Ex) req, _ := NewRequest("GET", ts.URL, nil); go func() { c.Do(req) }()   (the same request)
        inner.requests = {name: notes for name, notes in self.requests.items() if name not in changed}
        inner.rows = {name: table for name, table in self.rows.items() if name not in changed}
        inner.counts = {name: count for name, count in self.counts.items() if not changes(node, name)}
        inner.contexts = self.contexts.inherited()
        for name in changed & set(self.closure_values):
            self.closure_values.pop(name)  # Ex) go func() { get = other }()   (no longer known here either)
        inner.closure_values = dict(self.closure_values)
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
            self.kept_inner.update(self._shadow_aliases(free))
        # Ex) hook = func() { cancel() }   (it ends what was obtained with the context: tx of BeginTx(ctx))
        names = free + self.contexts.captured(free)
        self.cfg.emit(Capture(self.pos.span(node), qualname, names, mode, growing=growing and not registered,
                              registered=registered))
        return qualname

    def _shadow_aliases(self, names: tuple[str, ...]) -> set[str]:
        """Returns the aliases of the outer variables that the innermost declarations of `names`
        shadow (see lower._shadow): the variables a deferred closure capturing `names` keeps."""
        aliases = set()
        for name in names:
            depth = next((d for d in range(len(self.declared) - 1, 0, -1) if name in self.declared[d]), 0)
            aliases.update(alias for shadowed, alias, _ in self.shadows[depth] if shadowed == name)
        return aliases

    def _give_back(self, span: Span, name: str, alias: str) -> None:
        """Makes `name` hold the outer variable `alias` saved again (its block ended, or a return
        leaves it). Its inner variable goes out of scope, unless a deferred closure keeps it: then
        the name holds both, as the closures capturing either close what the name holds at exit."""
        # Ex) case a: f, _ := os.Open(a); defer func() { f.Close() }()  default: f, _ := os.Open(b); defer func() { f.Close() }()
        if alias in self.kept_inner:
            self.cfg.emit(Assign(span, name, alias, accumulate=True))
            return
        self.cfg.emit(Kill(span, (name,), "scope"))
        self.cfg.emit(Assign(span, name, alias))


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


def _in_function_body(statement: Node) -> bool:
    """Reports whether a statement sits directly in a function's body, not in a branch or loop."""
    parent = statement.parent
    if parent is not None and parent.type == "statement_list":
        parent = parent.parent
    return parent is not None and parent.type == "block" and parent.parent is not None \
        and parent.parent.type in ("function_declaration", "method_declaration", "func_literal")
