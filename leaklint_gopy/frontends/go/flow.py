"""Lowering of Go's control flow: if, for, switch and select, labels, break and continue, with
the guards their conditions prove. A mixin of FunctionLowerer, which owns the statements; it
never decides what a call does to a resource.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from leaklint_gopy.frontends.go.endless import endless_range
from leaklint_gopy.frontends.go.counts import few_iterations, integer
from leaklint_gopy.frontends.go.expr import _args, _composite_values_of, _items, receives
from leaklint_gopy.frontends.go.guards import _guards, flag_test, flag_value, message_guards, receiver_state
from leaklint_gopy.frontends.go.literals import disjunction, param_field_state
from leaklint_gopy.frontends.go.typeinfo import text
from leaklint_gopy.ir import Assign, Call, Exit, Guard, Kill


@dataclass(slots=True)
class _Loop:
    label: str
    break_to: int
    continue_to: int
    declared: list[str] = field(default_factory=list)
    depth: int = 0  # lexical blocks open when the statement began (see FunctionLowerer._open_block)
    bounded: bool = False  # runs a few times, fixed in the source (`for i := 0; i < 5; i++`)


class ControlFlowLowerer:
    """Control-flow statements; FunctionLowerer provides cfg, pos, receiver, asserted, loops, breakables, labels,
    case_binding, fallthrough, closers, nonnil, flags, error_texts, messages and the statement and expression lowering."""

    def _closer_guards(self, condition: Node | None) -> tuple[Guard | None, Guard | None] | None:
        """Returns the guards of `if ok` / `if !ok` after `c, ok := v.(io.Closer)`: `ok` false means v
        holds no resource (each one tracked implements io.Closer), as if v were nil."""
        negated = condition is not None and condition.type == "unary_expression" and text(condition.children[0]) == "!"
        name = condition.child_by_field_name("operand") if negated else condition
        if name is None or name.type != "identifier" or text(name) not in self.closers:
            return None
        impossible = Guard(self.closers[text(name)], "nil")
        return (impossible, None) if negated else (None, impossible)

    # -- control flow ---------------------------------------------------------------------------
    def _if(self, node: Node) -> None:
        # Ex) if resp, err := get(u); err == nil { defer resp.Body.Close() }   (resp lives in the if)
        self._open_block()
        self._if_statement(node)
        self._close_block(self.pos.end_span(node))

    def _if_statement(self, node: Node) -> None:
        initializer = node.child_by_field_name("initializer")
        if initializer is not None:
            self._statement(initializer)
        condition = node.child_by_field_name("condition")
        self._value(condition)
        then_block, else_block, after = self.cfg.new_block(), self.cfg.new_block(), self.cfg.new_block()
        guards = self._closer_guards(condition) or message_guards(condition, self.error_texts, self.messages) \
            or _guards(condition, self.flags)
        tested = flag_test(condition)
        if guards == (None, None) and tested is not None and (self._fixed(tested[0]) or tested[0] in self.receipts):
            # Ex) if write { childProcess.Wait() }   (what was started under `if write` is gone on the false edge)
            kinds = ("true", "false") if tested[1] else ("false", "true")
            guards = (Guard(tested[0], kinds[0]), Guard(tested[0], kinds[1]))
        if guards == (None, None) and tested is None and self.comparisons is not None:
            # Ex) if cfg.Transport == config.LDAPTransportStartTLS { return false }   (see comparisons.py)
            guards = self.comparisons.guards(condition) or guards
        state = receiver_state(condition, self.receiver) if guards == (None, None) and self.receiver else None
        if state is None and guards == (None, None) and tested is not None and tested[0] in self.asserted:
            # Ex) if g, ok := s.client.(*rpcConn); ok { return g.Close() }   (s.client is of that type, or
            # not: see Oracle.method_releases)
            state = (f"{self.asserted[tested[0]]}.(type)", tested[1])
        if state is None and guards == (None, None):
            # Ex) if opts.NoResponse { return resp, drainAndClose(resp.Body) }   (decided by the caller's literal)
            state = param_field_state(condition, self.param_names, self.body)
        if state is not None:
            # Ex) if c.flags.isSet(closeConnection) { c.mu.Unlock(); return }   (the method's object's own
            # state: proves nothing of what is open here, but see Oracle.method_releases)
            kinds = ("true", "false") if state[1] else ("false", "true")
            guards = (Guard(state[0], kinds[0]), Guard(state[0], kinds[1]))
        truth = self._truth(condition)
        split = disjunction(condition, guards, self.param_names, self.body, self.flags) if truth is None else None
        if split is not None:
            # Ex) if response == nil || opts.NoResponse { return resp, nil }   (each test on its own edge)
            second = self.cfg.new_block()
            self.cfg.branch(then_block, second, split[0])
            self.cfg.start(second)
            self.cfg.branch(then_block, else_block, split[1])
        elif truth is None:
            self.cfg.branch(then_block, else_block, guards)
        else:
            # Ex) if false { cmd.Start() }   (a constant condition: the other branch never runs)
            self.cfg.goto(then_block if truth else else_block)
        negated = condition is not None and condition.type == "unary_expression" and text(condition.children[0]) == "!"
        exhausted = self._exhausting(condition.child_by_field_name("operand") if negated else condition)
        if exhausted is not None:
            # Ex) if !rows.Next() { return nil }   (Next returned false: the rows closed themselves)
            self.cfg.start(then_block if negated else else_block)
            self.cfg.emit(exhausted)
        decided = flag_value(condition, self.flags)
        if decided is None:
            decided = self._settled_test(condition)
        self.cfg.start(then_block)
        if decided is False:
            self.cfg.emit(Exit(self.pos.span(node), "abort", ends=True))  # Ex) if !ok { ... }   (ok is always true here: never taken)
        proven = [guards[0].subject] if guards[0] is not None and guards[0].kind == "nonnil" else []
        self.nonnil.extend(proven)
        flag = self._steady_flag(condition, node)
        with self._flag(flag, True):
            self._block(node.child_by_field_name("consequence"))
        del self.nonnil[len(self.nonnil) - len(proven):]
        self.cfg.jump(after)
        self.cfg.start(else_block)
        if decided is True:
            self.cfg.emit(Exit(self.pos.span(node), "abort", ends=True))
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            with self._flag(flag, False):
                self._statement(alternative)
        self.cfg.jump(after)
        self.cfg.start(after)

    def _steady_flag(self, condition: Node | None, statement: Node) -> tuple[str, bool] | None:
        """Returns the local boolean `if ok` / `if !ok` tests (and the value making it true) when
        nothing inside the statement can change it, else None."""
        tested = flag_test(condition)
        if tested is None and self.comparisons is not None:
            return self.comparisons.flag(condition)  # Ex) if cfg.Transport == config.LDAPTransportTLS {
        if tested is None or tested[0] not in self.locals or _changed_in(statement, tested[0]):
            return None
        return tested

    @contextmanager
    def _flag(self, flag: tuple[str, bool] | None, holds: bool) -> Iterator[None]:
        """Within the block, the flag's variable has the value that makes its test `holds`."""
        if flag is None:
            yield
            return
        name, value = flag
        before = self.flags.get(name)
        self.flags[name] = value if holds else not value
        try:
            yield
        finally:
            if before is None:
                del self.flags[name]
            else:
                self.flags[name] = before

    def _settled_test(self, condition: Node | None) -> bool | None:
        """Returns the value of `err != nil` or `err == nil` for an error known nil (see
        FunctionLowerer._note_settled), else None."""
        if condition is None or condition.type != "binary_expression":
            return None
        left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
        operator = text(condition.child_by_field_name("operator"))
        if left is None or right is None or right.type != "nil" or left.type != "identifier" \
                or text(left) not in self.settled or operator not in ("==", "!="):
            return None
        return operator == "=="

    def _truth(self, condition: Node | None) -> bool | None:
        """Returns the value of a condition the source decides (`false`, `!true`, `debug && x` where
        the package declares `const debug = false`), else None."""
        match condition.type if condition is not None else "":
            case "true" | "false":
                return condition.type == "true"
            case "parenthesized_expression" if condition.named_children:
                return self._truth(condition.named_children[0])
            case "unary_expression" if text(condition.children[0]) == "!":
                operand = self._truth(condition.child_by_field_name("operand"))
                return None if operand is None else not operand
            case "binary_expression" if text(condition.child_by_field_name("operator")) in ("&&", "||"):
                deciding = text(condition.child_by_field_name("operator")) == "||"  # what one side decides alone
                sides = (self._truth(condition.child_by_field_name("left")), self._truth(condition.child_by_field_name("right")))
                if deciding in sides:
                    return deciding
                return sides[0] if sides[0] is not None and sides[0] == sides[1] else None
            case "identifier":
                name = text(condition)
                if name in self.locals or name in self.outer:
                    return None  # Ex) func f(debug bool) { if debug { ... } }   (shadows the constant)
                return self.scope.package.booleans.get(name)
            case "selector_expression":
                operand = condition.child_by_field_name("operand")
                if operand is not None and text(operand) in self.rows:
                    # Ex) if tt.wantErr { ... }   (every case of the table sets wantErr: true)
                    return _same_in_every_row(self.rows[text(operand)], text(condition.child_by_field_name("field")))
        return None

    def _table(self, clause: Node | None) -> Node | None:
        """Returns the literal of the package-level table a range clause iterates (`range udpTests`)."""
        right = clause.child_by_field_name("right") if clause is not None and clause.type == "range_clause" else None
        if right is None or right.type != "identifier":
            return None
        name = text(right)
        if name in self.tables:
            return self.tables[name]  # Ex) for _, tt := range socketTypeTests   (declared above with its cases)
        if name in self.locals or name in self.outer or name not in self.scope.package.variables:
            return None
        return _table_literal(self.scope.package.variables[name][1])

    def _package_path(self, name: str) -> str:
        """Returns the import path `name` stands for, "" when it is not a package here."""
        return self.scope.imports[name] if self._is_package(name) else ""

    def _count_of(self, name: str) -> int | None:
        """Returns the integer `name` holds here when the source fixes it: a constant of the function
        or its package (`const N = 3`), or a local declared with one (`nconn := maxBadConnRetries + 1`)."""
        if name in self.counts:
            return self.counts[name]
        if name in self.locals or name in self.outer:
            return None  # Ex) func f(N int) { ... }   (shadows the constant)
        return self.scope.package.integers.get(name)

    def _for(self, node: Node, label: str) -> None:
        # Ex) for i := 0; i < n; i++ { ... }   Ex) for _, u := range urls { ... }   Ex) for { ... }
        clause = next((c for c in node.named_children if c.type in ("for_clause", "range_clause")), None)
        condition = None
        post = None
        if clause is not None and clause.type == "for_clause":
            initializer = clause.child_by_field_name("initializer")
            if initializer is not None:
                self._statement(initializer)
            condition, post = clause.child_by_field_name("condition"), clause.child_by_field_name("update")
        elif clause is not None:
            self._value(clause.child_by_field_name("right"))
            for item in _items(clause.child_by_field_name("left")):
                if item.type == "identifier":
                    self._declare(text(item))
        elif len(node.named_children) > 1:
            condition = node.named_children[0]
        head, body_block, after, step = (self.cfg.new_block() for _ in range(4))
        if _runs_at_least_once(clause):
            self.cfg.jump(body_block)  # Ex) for i := 0; i < 3; i++ { ... }: the first test always passes
            self.cfg.start(head)
        else:
            self.cfg.goto(head)
        exhausted = None
        if condition is not None:
            self._value(condition)
            exhausted = self._exhausting(condition)
        if exhausted is not None:
            # Ex) for rows.Next() { ... }   (the loop ends when Next reports the end: a release, see specs)
            done = self.cfg.new_block()
            self.cfg.jump(done)
            current, self.cfg.current = self.cfg.current, done
            self.cfg.emit(exhausted)
            self.cfg.jump(after)
            self.cfg.current = current
        elif condition is not None or (clause is not None and clause.type == "range_clause"
                                       and not endless_range(clause, self.tickers, self._package_path)):
            self.cfg.jump(after)  # (a range over a ticker's channel ends only by a break or a return)
        self.cfg.goto(body_block)
        loop = _Loop(label, after, step, depth=len(self.shadows),
                     bounded=few_iterations(node, clause, self._table(clause), self._count_of))
        self.loops.append(loop)
        self.breakables.append(loop)
        body = node.child_by_field_name("body")
        row = _row_variable(clause)
        table = self._table(clause) if row else None
        if table is not None and not _changed_in(body, row):
            self.rows[row] = table  # Ex) for _, tt := range tests { ... if tt.wantErr { ... } }
        self._block(body)
        self.rows.pop(row, None)
        self.breakables.pop()
        self.loops.pop()
        if self.cfg.reachable and loop.declared:
            self.cfg.emit(Kill(self.pos.end_span(body), tuple(sorted(set(loop.declared))), "iteration"))
        self.cfg.goto(step)
        if post is not None:
            self._statement(post)
        self.cfg.jump(head)
        self.cfg.start(after)

    def _exhausting(self, condition: Node | None) -> Call | None:
        """Returns, for a condition that is an argument-less method call (`rows.Next()`), the call
        `callee#exhausted` on its receiver that its being false stands for."""
        if condition is None or condition.type != "call_expression" or _args(condition):
            return None
        function = condition.child_by_field_name("function")
        if function is None or function.type != "selector_expression":
            return None
        call = self._resolve(condition, function, (), ())
        if call is None or call.receiver is None:
            return None
        return replace(call, callee=f"{call.callee}#exhausted", display=f"{call.display} (exhausted)")

    def _switch(self, node: Node, label: str) -> None:
        # Ex) switch resp.StatusCode { case 200: ...; default: ... }
        self._open_block()
        self._switch_statement(node, label)
        self._close_block(self.pos.end_span(node))

    def _switch_statement(self, node: Node, label: str) -> None:
        initializer = node.child_by_field_name("initializer")
        if initializer is not None:
            self._statement(initializer)
        self._value(node.child_by_field_name("value"))
        value = node.child_by_field_name("value")
        for alias in _items(node.child_by_field_name("alias")):
            # Ex) switch c := conn.(type) { case *net.TCPConn: return c, nil }   (c is conn)
            subject = _type_switch_subject(value)
            if text(alias) == subject:
                continue  # Ex) switch c := c.(type): the same value under the same name, not a new one
            self._declare(text(alias))
            self.case_binding = [(text(alias), subject)]
        cases = [c for c in node.named_children if c.type in ("expression_case", "type_case", "default_case")]
        tagless = node.type == "expression_switch_statement" and node.child_by_field_name("value") is None
        if tagless and not any(_has_fallthrough(c) for c in cases):
            self._condition_chain(cases, label)
        else:
            self._cases(cases, label, has_default=any(c.type == "default_case" for c in cases),
                        guards=_error_case_guards(value, cases))

    def _condition_chain(self, cases: list[Node], label: str) -> None:
        # Ex) switch { case err != nil: return err; case resp.StatusCode != 200: ... }   (an if/else chain)
        after = self.cfg.new_block()
        self.breakables.append(_Loop(label, after, -1, depth=len(self.shadows)))
        default = next((c for c in cases if c.type == "default_case"), None)
        for case in (c for c in cases if c.type != "default_case"):
            values = case.children_by_field_name("value")
            condition = _items(values[0])[0] if values and len(_items(values[0])) == 1 else None
            for value in values:
                self._value(value)
            body, rest = self.cfg.new_block(), self.cfg.new_block()
            self.cfg.branch(body, rest, _guards(condition))
            self.cfg.start(body)
            self._case_body(case)
            self.cfg.jump(after)
            self.cfg.start(rest)
        if default is not None:
            self._case_body(default)
        self.cfg.jump(after)
        self.breakables.pop()
        self.cfg.start(after)

    def _case_body(self, case: Node) -> None:
        """Lowers a case clause's statements in a block of their own, its header (values, types, a
        select's communication) aside."""
        headers = {c.id for c in case.children_by_field_name("value") + case.children_by_field_name("type")}
        communication = case.child_by_field_name("communication")
        if communication is not None:
            headers.add(communication.id)
        self._open_block()  # Ex) case "grpc": conn, err := grpc.NewClient(a)   (a conn of the clause's own)
        for statement in case.named_children:
            if statement.id in headers:
                continue
            if statement.type == "statement_list":
                self._block(statement)
            else:
                self._statement(statement)
        self._close_block(self.pos.end_span(case))

    def _select(self, node: Node, label: str) -> None:
        # Ex) select { case v := <-ch: ...; case <-ctx.Done(): return ctx.Err() }
        cases = [c for c in node.named_children if c.type in ("communication_case", "default_case")]
        for case in cases:
            # Ex) case waitCh <- cmd.Wait():   (a send's channel and value are evaluated on entering the
            # select, whichever case then runs: Wait has returned on every path)
            communication = case.child_by_field_name("communication")
            if communication is not None and communication.type == "send_statement":
                self.sent[communication.id] = self._value(communication.child_by_field_name("value"))
                self._value(communication.child_by_field_name("channel"))
        self._cases(cases, label, has_default=True)

    def _cases(self, cases: list[Node], label: str, has_default: bool,
               guards: list[Guard | None] | None = None) -> None:
        head = self.cfg.current
        after = self.cfg.new_block()
        bodies = [self.cfg.new_block() for _ in cases]
        self.breakables.append(_Loop(label, after, -1, depth=len(self.shadows)))
        for index, case in enumerate(cases):
            self.cfg.current = head
            self.cfg.jump(bodies[index], guards[index] if guards else None)
            self.cfg.start(bodies[index])
            self._case_header(case)
            self.fallthrough.append(bodies[index + 1] if index + 1 < len(bodies) else after)
            self._case_body(case)
            self.fallthrough.pop()
            self.cfg.jump(after)
        self.breakables.pop()
        self.case_binding = []
        self.cfg.current = head
        if not has_default:
            self.cfg.jump(after, guards[-1] if guards and len(guards) > len(cases) else None)
        self.cfg.start(after)

    def _case_header(self, case: Node) -> None:
        for alias, subject in self.case_binding:
            self.cfg.emit(Assign(self.pos.span(case), alias, subject))
        communication = case.child_by_field_name("communication")
        if communication is not None:
            if communication.type == "receive_statement":
                left = _items(communication.child_by_field_name("left"))
                right = communication.child_by_field_name("right")
                if left and left[0].type == "identifier" and text(left[0]) != "_" and right is not None and receives(right):
                    # Ex) case resp := <-pw.respC:   (received into resp: see _bind_receive)
                    declare = any(text(child) == ":=" for child in communication.children)
                    self._bind_receive(left, [text(item) if item.type == "identifier" else None for item in left],
                                       right, declare)
                else:
                    for item in left:
                        if item.type == "identifier":
                            self._declare(text(item))
                            self.cfg.emit(Assign(self.pos.span(communication), text(item), None))
                    self._value(right.child_by_field_name("operand") if right is not None and receives(right) else right)
            elif communication.id in self.sent:
                self._store(self.sent.pop(communication.id), communication)
            else:
                self._statement(communication)
        for value in case.children_by_field_name("value"):
            self._value(value)

    def _labeled(self, node: Node) -> None:
        name = text(node.child_by_field_name("label"))
        block = self._label_block(name)
        self.cfg.goto(block)
        inner = node.named_children[1] if len(node.named_children) > 1 else None
        if inner is None:
            return
        match inner.type:
            case "for_statement":
                self._for(inner, label=name)
            case "expression_switch_statement" | "type_switch_statement":
                self._switch(inner, label=name)
            case "select_statement":
                self._select(inner, label=name)
            case _:
                self._statement(inner)

    def _label_block(self, name: str) -> int:
        if name not in self.labels:
            self.labels[name] = self.cfg.new_block()
        return self.labels[name]

    def _jump_out(self, node: Node) -> None:
        # Ex) continue      Ex) break outer
        label = text(node.named_children[0]) if node.named_children else ""
        is_break = node.type == "break_statement"
        frames = self.breakables if is_break else self.loops
        frame = next((f for f in reversed(frames) if not label or f.label == label), None)
        if frame is None:
            self.cfg.current = None
            return
        self._restore_shadowed(self.pos.span(node), frame.depth)  # Ex) continue out of a block with its own `conn`
        if frame in self.loops:
            inner = self.loops[self.loops.index(frame):]
            dying = sorted({name for loop in inner for name in loop.declared})
            if dying:
                self.cfg.emit(Kill(self.pos.span(node), tuple(dying), "break" if is_break else "continue"))
        self.cfg.jump(frame.break_to if is_break else frame.continue_to)
        self.cfg.current = None


def _changed_in(node: Node, name: str) -> bool:
    """Reports whether `node` assigns, redeclares or takes the address of variable `name`."""
    return bool(changed_among(node, {name}))


def changed_among(node: Node, names: set[str] | frozenset[str]) -> set[str]:
    """Returns the variables among `names` that `node` assigns, redeclares or takes the address of,
    in one walk of its tree, and none that its text does not name (walking the nodes in Python
    costs a hundred times a search of its bytes)."""
    source = node.text
    wanted = {name for name in names if "\ufffd" in name or name.encode() in source}
    found: set[str] = set()
    stack = [node] if wanted else []
    while stack:
        current = stack.pop()
        if current.type in ("assignment_statement", "short_var_declaration", "range_clause", "var_spec"):
            lefts = [current.child_by_field_name("left"), *current.children_by_field_name("name")]
            found |= wanted & {text(n) for left in lefts if left is not None for n in [left, *left.named_children]}
        if current.type == "unary_expression" and text(current.children[0]) == "&":
            operand = text(current.child_by_field_name("operand"))
            if operand in wanted:
                found.add(operand)
        stack.extend(current.named_children)
    return found


def _has_fallthrough(case: Node) -> bool:
    stack = list(case.named_children)
    while stack:
        node = stack.pop()
        if node.type == "fallthrough_statement":
            return True
        if node.type == "statement_list":
            stack.extend(node.named_children)
    return False


def _runs_at_least_once(clause: Node | None) -> bool:
    """Reports whether a three-clause loop counts between integer literals that let it start
    (`i := 0; i < 3`), so its body runs at least once."""
    if clause is None or clause.type != "for_clause":
        return False
    initializer, condition = clause.child_by_field_name("initializer"), clause.child_by_field_name("condition")
    if initializer is None or initializer.type != "short_var_declaration" or condition is None \
            or condition.type != "binary_expression":
        return False
    names, values = _items(initializer.child_by_field_name("left")), _items(initializer.child_by_field_name("right"))
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    operator = text(condition.child_by_field_name("operator"))
    if len(names) != 1 or len(values) != 1 or left is None or right is None or text(left) != text(names[0]) \
            or values[0].type != "int_literal" or right.type != "int_literal":
        return False
    start, bound = integer(text(values[0])), integer(text(right))
    if start is None or bound is None:
        return False
    return {"<": start < bound, "<=": start <= bound, ">": start > bound, ">=": start >= bound,
            "!=": start != bound}.get(operator, False)


def _table_literal(value: Node | None) -> Node | None:
    """Returns the composite literal a variable is initialised with, if it is one."""
    while value is not None and value.type in ("unary_expression", "parenthesized_expression") and value.named_children:
        value = value.named_children[-1]
    return value if value is not None and value.type == "composite_literal" else None


def _type_switch_subject(value: Node | None) -> str | None:
    """Returns the path switched on in `switch c := x.(type)`."""
    while value is not None and value.type in ("type_assertion_expression", "parenthesized_expression"):
        value = value.named_children[0] if value.named_children else None
    if value is None:
        return None
    if value.type == "identifier":
        return text(value)
    return None


def _error_case_guards(value: Node | None, cases: list[Node]) -> list[Guard | None]:
    """Returns, for a switch on an error (`switch err { case nil: ...; case io.EOF: ...; default: ... }`),
    what each case's edge proves (a case listing only nil: err is nil; one listing no nil: err is set;
    default, once nil is a case: err is set), then what leaving by no case proves; else []."""
    if value is None or value.type != "identifier" or "err" not in text(value).lower():
        return []
    subject = text(value)
    listed = [[text(item) for v in case.children_by_field_name("value") for item in _items(v)]
              if case.type != "default_case" else None for case in cases]
    has_nil = any(values and "nil" in values for values in listed)
    out: list[Guard | None] = []
    for values in listed:
        if values is None:
            out.append(Guard(subject, "nonnil") if has_nil else None)
        elif all(v == "nil" for v in values):
            out.append(Guard(subject, "nil"))
        else:
            out.append(Guard(subject, "nonnil") if "nil" not in values else None)
    return out + [Guard(subject, "nonnil") if has_nil else None]


def _row_variable(clause: Node | None) -> str:
    """Returns the variable a range clause binds each element to (`tt` of `for _, tt := range tests`)."""
    if clause is None or clause.type != "range_clause":
        return ""
    items = _items(clause.child_by_field_name("left"))
    return text(items[1]) if len(items) == 2 and items[1].type == "identifier" and text(items[1]) != "_" else ""


def _same_in_every_row(table: Node, field: str) -> bool | None:
    """Returns the value a bool field has in every element of a table literal (false where an element
    leaves it out), or None when the elements differ or one is not a keyed literal."""
    seen: set[bool] = set()
    for element in _composite_values_of(table.child_by_field_name("body")):
        if element.type != "literal_value":
            return None
        values = {key: value for key, value in _keyed_elements(element)}
        if not values and element.named_children:
            return None  # Ex) {"no host", "http://", true}   (positional: which one is the field is unknown)
        value = values.get(field)
        if value is not None and value.type not in ("true", "false"):
            return None
        seen.add(value is not None and value.type == "true")
    return seen.pop() if len(seen) == 1 else None


def _keyed_elements(literal: Node) -> list[tuple[str, Node]]:
    """Returns (field, value) for the keyed elements of a literal value (`{name: "x", wantErr: true}`)."""
    out = []
    for element in literal.named_children:
        if element.type == "keyed_element" and len(element.named_children) >= 2:
            key, value = element.named_children[0], element.named_children[-1]
            while key.type == "literal_element" and key.named_children:
                key = key.named_children[0]
            while value.type == "literal_element" and value.named_children:
                value = value.named_children[0]
            out.append((text(key), value))
    return out
