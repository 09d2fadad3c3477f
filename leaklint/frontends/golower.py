"""Lowers one Go function body (tree-sitter nodes) to a FunctionIR.

Statements become blocks and edges (if/else, for/range, switch, type switch, select, labelled
break/continue, goto, defer, go, panic and os.Exit as exits); expressions become Call, Assign
and Store ops on access paths. Func literals are lowered as functions of their own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from leaklint.frontends.cfg import CFGBuilder
from leaklint.frontends.gotypes import (ABORT_FUNCTIONS, ABORT_METHODS, STDLIB_VARS, FileScope, text,
                                        var_specs)
from leaklint.ir import Assign, Call, Capture, Defer, Exit, FunctionIR, Guard, Kill, Span, Store

_BUILTINS = frozenset({"append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make",
                       "max", "min", "new", "panic", "print", "println", "real", "recover"})
_NOT_PATHS = frozenset({"_", "nil", "true", "false", "iota"})


class Positions:
    """Converts tree-sitter byte positions to 1-based code-point columns."""

    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        self.lines = source.split(b"\n")

    def column(self, row: int, byte_col: int) -> int:
        line = self.lines[row] if row < len(self.lines) else b""
        prefix = line[:byte_col]
        return (len(prefix) if prefix.isascii() else len(prefix.decode("utf-8", "replace"))) + 1

    def span(self, node: Node) -> Span:
        (row, col), (end_row, end_col) = node.start_point, node.end_point
        return Span(self.path, row + 1, self.column(row, col), end_row + 1, self.column(end_row, end_col))

    def end_span(self, node: Node) -> Span:
        """Returns the span of the last character of `node` (a closing brace)."""
        row, col = node.end_point
        column = self.column(row, col)
        return Span(self.path, row + 1, max(1, column - 1), row + 1, column)


@dataclass(slots=True)
class _Loop:
    label: str
    break_to: int
    continue_to: int
    declared: list[str] = field(default_factory=list)


class FunctionLowerer:
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
        self.fallthrough: list[int] = []

    # -- entry ----------------------------------------------------------------------------------
    def lower(self, node: Node, display: str, receiver: tuple[str, str] | None = None) -> FunctionIR:
        """Returns the FunctionIR of a function_declaration, method_declaration or func_literal."""
        if receiver is not None:
            self._declare(receiver[0], receiver[1])
        params = self._params(node.child_by_field_name("parameters"))
        self.results = self._params(node.child_by_field_name("result"))
        self.responses = _response_names(node.child_by_field_name("body"))
        body = node.child_by_field_name("body")
        if body is not None:
            self._block(body)
        end = self.pos.end_span(body) if body is not None else self.pos.span(node)
        free = tuple(sorted(self.outer)) if self.outer else ()
        return self.cfg.finish(self.qualname, display, self.pos.span(node), tuple(params), end,
                               is_closure=bool(self.outer), free_names=free)

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
        if type_name:
            self.types[name] = type_name
        for loop in self.loops:
            loop.declared.append(name)

    # -- statements ---------------------------------------------------------------------------
    def _block(self, node: Node) -> None:
        for child in node.named_children:
            if child.type == "statement_list":
                self._block(child)
            else:
                self._statement(child)

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

    def _expression_statement(self, expr: Node) -> None:
        # Ex) http.Get(u)   (result discarded)
        if expr.type == "call_expression":
            self._call(expr, results=())
        else:
            self._value(expr)

    def _assignment(self, node: Node) -> None:
        # Ex) resp, err := client.Do(req)      Ex) resp.Body = io.NopCloser(r)
        left = _items(node.child_by_field_name("left"))
        right = _items(node.child_by_field_name("right"))
        declare = node.type == "short_var_declaration"
        operator = next((text(c) for c in node.children if not c.is_named and "=" in text(c)), "=")
        if operator not in ("=", ":="):
            for item in left + right:
                self._value(item)
            return
        self._bind(node, left, right, declare)

    def _bind(self, node: Node, left: list[Node], right: list[Node], declare: bool) -> None:
        targets = [self._target(item, declare) for item in left]
        if len(right) == 1 and len(left) > 1:
            self._bind_tuple(node, left, targets, right[0], declare)
            return
        sources = [self._value(item) for item in right]
        for item, target, value_node, source in zip(left, targets, right, sources):
            if declare and item.type == "identifier":
                self._declare(text(item), self._type_of(value_node))
            elif item.type == "identifier" and text(item) in self.locals:
                self.types[text(item)] = self._type_of(value_node) or self.types.get(text(item), "")
            self._assign(node, item, target, source)

    def _bind_tuple(self, node: Node, left: list[Node], targets: list[str | None], value: Node,
                    declare: bool) -> None:
        # Ex) resp, err := http.Get(u)     Ex) c.conn, err = net.Dial("tcp", addr)   (escapes)
        types: list[str] = []
        if value.type == "call_expression":
            call = self._call(value, results=tuple(targets))
            types = self.scope.result_types(call.callee) if call is not None else []
        else:
            self._value(value)
        for index, (item, target) in enumerate(zip(left, targets)):
            if declare and item.type == "identifier":
                self._declare(text(item), types[index] if index < len(types) else "")
            if target is not None and ("." in target or not self._is_local_target(item, target)):
                self._store(target, node)

    def _assign(self, node: Node, item: Node, target: str | None, source: str | None) -> None:
        span = self.pos.span(node)
        if item.type == "index_expression" or item.type == "unary_expression":
            self._store(source, node)
        elif target is None:
            return
        elif not self._is_local_target(item, target):
            self._store(source, node)
        else:
            self.cfg.emit(Assign(span, target, source))

    def _target(self, item: Node, declare: bool) -> str | None:
        if item.type == "identifier":
            name = text(item)
            return None if name == "_" else name
        if item.type == "index_expression":
            self._value(item.child_by_field_name("operand"))
            self._value(item.child_by_field_name("index"))
            return None
        return self._path(item)

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
            if values:
                self._bind(spec, list(names), values, declare=False)

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
        self.cfg.emit(Exit(self.pos.span(node), "return", values))

    # -- control flow ---------------------------------------------------------------------------
    def _if(self, node: Node) -> None:
        # Ex) if resp, err := get(u); err == nil { defer resp.Body.Close() }
        initializer = node.child_by_field_name("initializer")
        if initializer is not None:
            self._statement(initializer)
        condition = node.child_by_field_name("condition")
        self._value(condition)
        then_block, else_block, after = self.cfg.new_block(), self.cfg.new_block(), self.cfg.new_block()
        self.cfg.branch(then_block, else_block, _guards(condition))
        self.cfg.start(then_block)
        self._block(node.child_by_field_name("consequence"))
        self.cfg.jump(after)
        self.cfg.start(else_block)
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            self._statement(alternative)
        self.cfg.jump(after)
        self.cfg.start(after)

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
        self.cfg.goto(head)
        if condition is not None:
            self._value(condition)
        if condition is not None or (clause is not None and clause.type == "range_clause"):
            self.cfg.jump(after)
        self.cfg.goto(body_block)
        loop = _Loop(label, after, step)
        self.loops.append(loop)
        self.breakables.append(loop)
        body = node.child_by_field_name("body")
        self._block(body)
        self.breakables.pop()
        self.loops.pop()
        if self.cfg.reachable and loop.declared:
            self.cfg.emit(Kill(self.pos.end_span(body), tuple(sorted(set(loop.declared))), "iteration"))
        self.cfg.goto(step)
        if post is not None:
            self._statement(post)
        self.cfg.jump(head)
        self.cfg.start(after)

    def _switch(self, node: Node, label: str) -> None:
        # Ex) switch resp.StatusCode { case 200: ...; default: ... }
        initializer = node.child_by_field_name("initializer")
        if initializer is not None:
            self._statement(initializer)
        self._value(node.child_by_field_name("value"))
        for alias in _items(node.child_by_field_name("alias")):
            self._declare(text(alias))
        cases = [c for c in node.named_children if c.type in ("expression_case", "type_case", "default_case")]
        tagless = node.type == "expression_switch_statement" and node.child_by_field_name("value") is None
        if tagless and not any(_has_fallthrough(c) for c in cases):
            self._condition_chain(cases, label)
        else:
            self._cases(cases, label, has_default=any(c.type == "default_case" for c in cases))

    def _condition_chain(self, cases: list[Node], label: str) -> None:
        # Ex) switch { case err != nil: return err; case resp.StatusCode != 200: ... }   (an if/else chain)
        after = self.cfg.new_block()
        self.breakables.append(_Loop(label, after, -1))
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
        headers = {c.id for c in case.children_by_field_name("value") + case.children_by_field_name("type")}
        for statement in case.named_children:
            if statement.id in headers:
                continue
            if statement.type == "statement_list":
                self._block(statement)
            else:
                self._statement(statement)

    def _select(self, node: Node, label: str) -> None:
        # Ex) select { case v := <-ch: ...; case <-ctx.Done(): return ctx.Err() }
        cases = [c for c in node.named_children if c.type in ("communication_case", "default_case")]
        self._cases(cases, label, has_default=True)

    def _cases(self, cases: list[Node], label: str, has_default: bool) -> None:
        head = self.cfg.current
        after = self.cfg.new_block()
        bodies = [self.cfg.new_block() for _ in cases]
        self.breakables.append(_Loop(label, after, -1))
        for index, case in enumerate(cases):
            self.cfg.current = head
            self.cfg.jump(bodies[index])
            self.cfg.start(bodies[index])
            self._case_header(case)
            self.fallthrough.append(bodies[index + 1] if index + 1 < len(bodies) else after)
            headers = {c.id for c in case.children_by_field_name("value") + case.children_by_field_name("type")}
            communication = case.child_by_field_name("communication")
            for statement in case.named_children:
                if statement.id in headers or (communication is not None and statement.id == communication.id):
                    continue
                if statement.type == "statement_list":
                    self._block(statement)
                else:
                    self._statement(statement)
            self.fallthrough.pop()
            self.cfg.jump(after)
        self.breakables.pop()
        self.cfg.current = head
        if not has_default:
            self.cfg.jump(after)
        self.cfg.start(after)

    def _case_header(self, case: Node) -> None:
        communication = case.child_by_field_name("communication")
        if communication is not None:
            if communication.type == "receive_statement":
                for item in _items(communication.child_by_field_name("left")):
                    if item.type == "identifier":
                        self._declare(text(item))
                        self.cfg.emit(Assign(self.pos.span(communication), text(item), None))
                self._value(communication.child_by_field_name("right"))
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
        if frame in self.loops:
            inner = self.loops[self.loops.index(frame):]
            dying = sorted({name for loop in inner for name in loop.declared})
            if dying:
                self.cfg.emit(Kill(self.pos.span(node), tuple(dying), "break" if is_break else "continue"))
        self.cfg.jump(frame.break_to if is_break else frame.continue_to)
        self.cfg.current = None

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
            self._closure(function, mode)
            for arg in args:
                self._store(arg, node) if mode == "go" else None
            return
        lowered = self._resolve(call, function, tuple(args), results=())
        if lowered is None:
            return
        if mode == "go":
            # Ex) go serve(conn)   (the goroutine's function decides, like any call)   Ex) go http.Get(u)
            self.cfg.emit(lowered)
        else:
            self.cfg.emit(Defer(self.pos.span(node), lowered, in_loop=bool(self.loops)))

    def _closure(self, node: Node, mode: str) -> None:
        self.closures += 1
        qualname = f"{self.qualname}$func{self.closures}"
        visible = frozenset(self.locals | self.outer)
        inner = FunctionLowerer(self.scope, self.pos, qualname, self.out, visible)
        inner.types = dict(self.types)
        function = inner.lower(node, f"func literal in {self.qualname.rsplit('.', 1)[-1]}")
        used = frozenset(_identifiers(node)) & visible
        free = tuple(sorted(used - inner.locals))
        function.free_names = free
        self.out.append(function)
        self.cfg.emit(Capture(self.pos.span(node), qualname, free, mode))

    # -- expressions ----------------------------------------------------------------------------
    def _value(self, node: Node | None) -> str | None:
        """Lowers an expression (emitting its calls) and returns its access path, if it has one."""
        if node is None:
            return None
        match node.type:
            case "identifier":
                name = text(node)
                return None if name in _NOT_PATHS else name
            case "selector_expression":
                operand = node.child_by_field_name("operand")
                if operand.type == "identifier" and self._is_package(text(operand)):
                    return None
                base = self._value(operand)
                return f"{base}.{text(node.child_by_field_name('field'))}" if base else None
            case "parenthesized_expression" | "type_assertion_expression":
                return self._value(node.named_children[0]) if node.named_children else None
            case "unary_expression":
                operand = node.child_by_field_name("operand")
                value = self._value(operand)
                operator = text(node.children[0]) if node.children else ""
                return value if operator in ("&", "*") else None
            case "call_expression":
                temp = self._temp()
                call = self._call(node, results=(temp,))
                return temp if call is not None else None
            case "func_literal":
                self._closure(node, "value")
                return None
            case "composite_literal":
                # Ex) &bodyReader{rc: resp.Body}   (the value moves into the struct)
                for element in _composite_values(node):
                    self._store(self._value(element), node)
                return None
        for child in node.named_children:
            self._value(child)
        return None

    def _path(self, node: Node) -> str | None:
        if node.type == "identifier":
            return None if text(node) in _NOT_PATHS else text(node)
        if node.type == "selector_expression":
            base = self._path(node.child_by_field_name("operand"))
            return f"{base}.{text(node.child_by_field_name('field'))}" if base else None
        if node.type in ("parenthesized_expression", "unary_expression") and node.named_children:
            return self._path(node.named_children[-1])
        return self._value(node)

    def _temp(self) -> str:
        self.temps += 1
        return f"$t{self.temps}"

    def _store(self, value: str | None, node: Node) -> None:
        if value is not None:
            self.cfg.emit(Store(self.pos.span(node), value))

    def _is_package(self, name: str) -> bool:
        return name in self.scope.imports and name not in self.locals and name not in self.outer

    # -- calls ----------------------------------------------------------------------------------
    def _call(self, node: Node, results: tuple[str | None, ...]) -> Call | None:
        """Lowers a call expression; returns the Call op (None for builtins, closures and conversions)."""
        function = node.child_by_field_name("function")
        if function is not None and function.type == "func_literal":
            for arg in _args(node):
                self._value(arg)
            self._closure(function, "call")
            return None
        if function is not None and function.type == "identifier" and text(function) in _BUILTINS \
                and text(function) not in self.locals:
            return self._builtin(node, text(function))
        args = tuple(self._value(arg) for arg in _args(node))
        call = self._resolve(node, function, args, results)
        if call is None:
            return None
        self.cfg.emit(call)
        method = call.callee.rsplit(".", 1)[-1]
        if call.callee in ABORT_FUNCTIONS or (call.receiver is not None and method in ABORT_METHODS):
            self.cfg.emit(Exit(self.pos.span(node), "abort"))
        return call

    def _builtin(self, node: Node, name: str) -> None:
        # Ex) panic(err)   Ex) conns = append(conns, conn)
        values = [self._value(arg) for arg in _args(node)]
        if name == "panic":
            self.cfg.emit(Exit(self.pos.span(node), "abort"))
        elif name == "append":
            for value in values[1:]:
                self._store(value, node)
        return None

    def _resolve(self, node: Node, function: Node | None, args: tuple[str | None, ...],
                 results: tuple[str | None, ...]) -> Call | None:
        span = self.pos.span(node)
        loop = bool(self.loops)
        if function is None:
            return None
        if function.type == "identifier":
            name = text(function)
            if name in self.locals or name in self.outer:
                return Call(span, "?func", name, None, args, results, in_loop=loop)
            if name in self.scope.package.type_names:
                return None
            return Call(span, f"{self.scope.package.key}.{name}", name, None, args, results, in_loop=loop)
        if function.type == "selector_expression":
            return self._method_call(span, function, args, results, loop)
        for child in function.named_children:
            self._value(child)
        return Call(span, "?func", _short(text(function)), None, args, results, in_loop=loop)

    def _method_call(self, span: Span, function: Node, args: tuple[str | None, ...],
                     results: tuple[str | None, ...], loop: bool) -> Call:
        operand = function.child_by_field_name("operand")
        method = text(function.child_by_field_name("field"))
        if operand.type == "identifier" and self._is_package(text(operand)):
            path = self.scope.imports[text(operand)]
            package = self.scope.package.resolve_import(path)
            short = path.rsplit("/", 1)[-1]
            return Call(span, f"{package}.{method}", f"{short}.{method}", None, args, results, in_loop=loop,
                        result_type=self._response_like(method, results, package))
        receiver = self._value(operand)
        owner = self._type_of(operand)
        if owner:
            display = f"({self.scope.display_type(owner)}).{method}"
            declared = self.scope.result_types(f"{owner}.{method}")
            return Call(span, f"{owner}.{method}", display, receiver, args, results, in_loop=loop,
                        result_type=declared[0] if declared else "")
        return Call(span, f"?.{method}", f"{_short(text(operand))}.{method}", receiver, args, results, in_loop=loop,
                    result_type=self._response_like(method, results, ""))

    def _response_like(self, method: str, results: tuple[str | None, ...], package: str) -> str:
        """Returns net/http.Response for a request-shaped call of a type we cannot see whose first
        result the function uses as a response (`resp.Body`), else ""."""
        # Ex) resp, err := api.client.Do(req); ...; resp.Body   (client's type is in another package)
        if method not in _REQUEST_METHODS or package.startswith("net/") or not results or results[0] is None:
            return ""
        return "net/http.Response" if results[0] in self.responses else ""

    def _type_of(self, node: Node | None) -> str:
        """Returns the named type of an expression when the package's declarations tell it."""
        if node is None:
            return ""
        match node.type:
            case "identifier":
                name = text(node)
                if name in self.types:
                    return self.types[name]
                declared = self.scope.package.variables.get(name)
                return self.scope.type_of_expr(declared) if declared is not None and name not in self.locals else ""
            case "selector_expression":
                operand = node.child_by_field_name("operand")
                field_name = text(node.child_by_field_name("field"))
                if operand.type == "identifier" and self._is_package(text(operand)):
                    path = self.scope.imports[text(operand)]
                    return STDLIB_VARS.get(f"{path}.{field_name}", "")
                return self.scope.field_type(self._type_of(operand), field_name)
            case "unary_expression" | "parenthesized_expression":
                return self._type_of(node.named_children[-1]) if node.named_children else ""
            case "composite_literal":
                return self.scope.type_of_expr(node.child_by_field_name("type"))
            case "call_expression":
                return self._call_type(node)
        return ""

    def _call_type(self, node: Node) -> str:
        function = node.child_by_field_name("function")
        if function is None:
            return ""
        if function.type == "identifier" and text(function) == "new":
            arguments = node.child_by_field_name("arguments")
            return self.scope.type_of_expr(arguments.named_children[0]) if arguments and arguments.named_children else ""
        if function.type == "identifier":
            types = self.scope.result_types(f"{self.scope.package.key}.{text(function)}")
            return types[0] if types else ""
        if function.type == "selector_expression":
            owner = self._type_of(function.child_by_field_name("operand"))
            operand = function.child_by_field_name("operand")
            if operand.type == "identifier" and self._is_package(text(operand)):
                package = self.scope.package.resolve_import(self.scope.imports[text(operand)])
                owner = ""
                types = self.scope.result_types(f"{package}.{text(function.child_by_field_name('field'))}")
                return types[0] if types else ""
            if owner:
                types = self.scope.result_types(f"{owner}.{text(function.child_by_field_name('field'))}")
                return types[0] if types else ""
        return ""


_REQUEST_METHODS = frozenset({"Do", "Get", "Head", "Post", "PostForm", "RoundTrip"})


def _response_names(body: Node | None) -> frozenset[str]:
    """Returns the names the function uses with a response's `Body` field (`resp.Body`)."""
    found, stack = set(), [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type == "selector_expression" and text(node.child_by_field_name("field")) == "Body":
            operand = node.child_by_field_name("operand")
            if operand is not None and operand.type == "identifier":
                found.add(text(operand))
        stack.extend(node.named_children)
    return frozenset(found)


def _items(node: Node | None) -> list[Node]:
    if node is None:
        return []
    if node.type == "expression_list":
        return list(node.named_children)
    return [node]


def _args(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    return [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []


def _has_fallthrough(case: Node) -> bool:
    stack = list(case.named_children)
    while stack:
        node = stack.pop()
        if node.type == "fallthrough_statement":
            return True
        if node.type == "statement_list":
            stack.extend(node.named_children)
    return False


def _composite_values(node: Node) -> list[Node]:
    body = node.child_by_field_name("body")
    values: list[Node] = []
    for element in body.named_children if body is not None else ():
        if element.type == "keyed_element":
            value = element.named_children[-1] if element.named_children else None
        else:
            value = element
        while value is not None and value.type == "literal_element" and value.named_children:
            value = value.named_children[0]
        if value is not None:
            values.append(value)
    return values


def _identifiers(node: Node) -> set[str]:
    found, stack = set(), [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            found.add(text(current))
        stack.extend(current.named_children)
    return found


def _guards(condition: Node | None) -> tuple[Guard | None, Guard | None]:
    """Returns what the true and false edges of `if condition` prove about nil-ness."""
    # Ex) err != nil     Ex) resp == nil     Ex) (err == nil)
    while condition is not None and condition.type == "parenthesized_expression" and condition.named_children:
        condition = condition.named_children[0]
    if condition is not None and condition.type == "unary_expression" and text(condition.children[0]) == "!":
        true, false = _guards(condition.child_by_field_name("operand"))
        return (false, true)
    if condition is not None and condition.type == "call_expression":
        # Ex) if errors.Is(err, io.EOF) { return }    (a predicate on err holds only for non-nil err)
        subject = next((text(a) for a in _args(condition) if a.type == "identifier" and "err" in text(a).lower()), None)
        return (Guard(subject, "nonnil") if subject else None, None)
    if condition is None or condition.type != "binary_expression":
        return (None, None)
    operator = text(condition.child_by_field_name("operator"))
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    if operator in ("&&", "||"):
        # Ex) resp != nil && resp.Body != nil   (false: one of them is nil, so nothing is open)
        first, second = _guards(left), _guards(right)
        index = 1 if operator == "&&" else 0
        both = first[index] is not None and second[index] is not None and first[index].kind == second[index].kind
        shared = first[index] if both and first[index].kind == "nil" else None
        return (first[0], shared) if operator == "&&" else (shared, first[1])
    if operator not in ("==", "!="):
        return (None, None)
    sentinel = _sentinel_comparison(left, right)
    if sentinel is not None:
        # Ex) if err == io.EOF { ... }   (equal to a non-nil sentinel: err is not nil)
        proven = Guard(sentinel, "nonnil")
        return (proven, None) if operator == "==" else (None, proven)
    if right is not None and right.type == "nil":
        subject = _plain_path(left)
    elif left is not None and left.type == "nil":
        subject = _plain_path(right)
    else:
        return (None, None)
    if subject is None:
        return (None, None)
    nil, nonnil = Guard(subject, "nil"), Guard(subject, "nonnil")
    return (nonnil, nil) if operator == "!=" else (nil, nonnil)


def _sentinel_comparison(left: Node | None, right: Node | None) -> str | None:
    """Returns the error variable compared with a sentinel error value (`err == ErrClosed`), if any."""
    for subject, other in ((left, right), (right, left)):
        name = _plain_path(other) or ""
        last = name.rsplit(".", 1)[-1]
        if subject is not None and subject.type == "identifier" and "err" in text(subject).lower() \
                and (last.startswith("Err") or last.startswith("err")) and last != text(subject) and last != "err":
            return text(subject)
    return None


def _plain_path(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "identifier":
        return text(node)
    if node.type == "selector_expression":
        base = _plain_path(node.child_by_field_name("operand"))
        return f"{base}.{text(node.child_by_field_name('field'))}" if base else None
    return None


def _short(source: str) -> str:
    source = " ".join(source.split())
    return source if len(source) <= 40 else source[:37] + "..."
