"""Lowers one Go function body (tree-sitter nodes) to a FunctionIR.

Statements become blocks and edges (if/else, for/range, switch, type switch, select, labelled
break/continue, goto, defer, go, panic and os.Exit as exits); expressions become Call, Assign
and Store ops on access paths. Func literals are lowered as functions of their own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from leaklint.frontends.cfg import CFGBuilder
from leaklint.frontends.goexpr import (_BUILTINS, _NOT_PATHS, ExpressionLowerer, Positions, _args, _identifiers, _items,
                                       _response_names)
from leaklint.frontends.goguards import _guards
from leaklint.frontends.gotypes import FileScope, text, var_specs
from leaklint.ir import Assign, Capture, Defer, Exit, FunctionIR, Guard, Kill


@dataclass(slots=True)
class _Loop:
    label: str
    break_to: int
    continue_to: int
    declared: list[str] = field(default_factory=list)


class FunctionLowerer(ExpressionLowerer):
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
        self.failing = False  # the function's last result is an `error`
        self.nonnil: list[str] = []  # names an enclosing `if x != nil` proves non-nil
        self.closers: dict[str, str] = {}  # `ok` of `c, ok := v.(io.Closer)` -> v

    # -- entry ----------------------------------------------------------------------------------
    def lower(self, node: Node, display: str, receiver: tuple[str, str] | None = None) -> FunctionIR:
        """Returns the FunctionIR of a function_declaration, method_declaration or func_literal."""
        if receiver is not None:
            self._declare(receiver[0], receiver[1])
        params = self._params(node.child_by_field_name("parameters"))
        self.results = self._params(node.child_by_field_name("result"))
        self.failing = _last_result_is_error(node.child_by_field_name("result"))
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
        if len(left) == 1 == len(right) and left[0].type == "identifier" and targets[0] is not None \
                and self._plain_call(right[0]) and (declare or self._is_local_target(left[0], targets[0])):
            # Ex) f := os.NewFile(fd, name)   (the result is bound to f itself, so messages name it)
            self._bind_tuple(node, left, targets, right[0], declare)
            return
        sources = [self._value(item) for item in right]
        for item, value_node in zip(left, right):
            if item.type == "identifier" and value_node.type == "selector_expression" \
                    and text(value_node.child_by_field_name("field"))[:1].isupper() and source_is_path(value_node):
                self.method_values[text(item)] = value_node
        for item, target, value_node, source in zip(left, targets, right, sources):
            if declare and item.type == "identifier":
                self._declare(text(item), self._type_of(value_node))
            elif item.type == "identifier" and text(item) in self.locals:
                self.types[text(item)] = self._type_of(value_node) or self.types.get(text(item), "")
            self._assign(node, item, target, source)

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

    def _bind_tuple(self, node: Node, left: list[Node], targets: list[str | None], value: Node,
                    declare: bool) -> None:
        # Ex) resp, err := http.Get(u)     Ex) c.conn, err = net.Dial("tcp", addr)   (escapes)
        types: list[str] = []
        if value.type == "call_expression":
            call = self._call(value, results=tuple(targets))
            types = self.scope.result_types(call.callee) if call is not None else []
            if not types and len(left) == 1:
                types = [self._type_of(value)]
        else:
            source = self._value(value)
            if _asserts_closer(value) and len(left) == 2 and source is not None:
                # Ex) if c, ok := v.(io.Closer); ok { c.Close() }   (every resource tracked is a Closer)
                types = [self._type_of(value)]
                if targets[0] is not None and self._is_local_target(left[0], targets[0]):
                    self.cfg.emit(Assign(self.pos.span(node), targets[0], source))
                if left[1].type == "identifier":
                    self.closers[text(left[1])] = source
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
            # Ex) conns[i], err = net.Dial(...)   (a temporary, stored into the container: not discarded)
            self._value(item.child_by_field_name("operand"))
            self._value(item.child_by_field_name("index"))
            return self._temp()
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
        failing = self.failing and bool(items) and self._reports_failure(items[-1])
        self.cfg.emit(Exit(self.pos.span(node), "return", values, failing=failing))

    def _closer_guards(self, condition: Node | None) -> tuple[Guard | None, Guard | None] | None:
        """Returns the guards of `if ok` / `if !ok` after `c, ok := v.(io.Closer)`: `ok` false means v
        holds no resource (each one tracked implements io.Closer), as if v were nil."""
        negated = condition is not None and condition.type == "unary_expression" and text(condition.children[0]) == "!"
        name = condition.child_by_field_name("operand") if negated else condition
        if name is None or name.type != "identifier" or text(name) not in self.closers:
            return None
        impossible = Guard(self.closers[text(name)], "nil")
        return (impossible, None) if negated else (None, impossible)

    def _reports_failure(self, value: Node) -> bool:
        """Reports whether a returned error is surely non-nil: a new one, a sentinel, or a name an
        enclosing `if err != nil` tests."""
        if value.type == "identifier":
            return text(value) in self.nonnil or text(value).startswith("Err")
        if value.type == "selector_expression":
            return text(value.child_by_field_name("field")).startswith("Err")
        function = value.child_by_field_name("function") if value.type == "call_expression" else None
        return function is not None and text(function) in ("fmt.Errorf", "errors.New")

    # -- control flow ---------------------------------------------------------------------------
    def _if(self, node: Node) -> None:
        # Ex) if resp, err := get(u); err == nil { defer resp.Body.Close() }
        initializer = node.child_by_field_name("initializer")
        if initializer is not None:
            self._statement(initializer)
        condition = node.child_by_field_name("condition")
        self._value(condition)
        then_block, else_block, after = self.cfg.new_block(), self.cfg.new_block(), self.cfg.new_block()
        guards = self._closer_guards(condition) or _guards(condition)
        self.cfg.branch(then_block, else_block, guards)
        self.cfg.start(then_block)
        proven = [guards[0].subject] if guards[0] is not None and guards[0].kind == "nonnil" else []
        self.nonnil.extend(proven)
        self._block(node.child_by_field_name("consequence"))
        del self.nonnil[len(self.nonnil) - len(proven):]
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
        if _runs_at_least_once(clause):
            self.cfg.jump(body_block)  # Ex) for i := 0; i < 3; i++ { ... }: the first test always passes
            self.cfg.start(head)
        else:
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
        self.case_binding = []
        self.cfg.current = head
        if not has_default:
            self.cfg.jump(after)
        self.cfg.start(after)

    def _case_header(self, case: Node) -> None:
        for alias, subject in self.case_binding:
            self.cfg.emit(Assign(self.pos.span(case), alias, subject))
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

def _has_fallthrough(case: Node) -> bool:
    stack = list(case.named_children)
    while stack:
        node = stack.pop()
        if node.type == "fallthrough_statement":
            return True
        if node.type == "statement_list":
            stack.extend(node.named_children)
    return False


def source_is_path(selector: Node) -> bool:
    """Reports whether a selector's operand is a plain access path (`resp.Body` in `resp.Body.Close`)."""
    operand = selector.child_by_field_name("operand")
    while operand is not None and operand.type == "selector_expression":
        operand = operand.child_by_field_name("operand")
    return operand is not None and operand.type == "identifier"


def _asserts_closer(value: Node) -> bool:
    """Reports whether `value` is a type assertion to a closing interface (`v.(io.Closer)`)."""
    if value.type != "type_assertion_expression":
        return False
    asserted = value.child_by_field_name("type")
    return asserted is not None and text(asserted).lstrip("*").endswith("Closer")


def _last_result_is_error(result: Node | None) -> bool:
    if result is None:
        return False
    if result.type != "parameter_list":
        return text(result) == "error"
    declarations = [p for p in result.named_children if p.type == "parameter_declaration"]
    return bool(declarations) and text(declarations[-1].child_by_field_name("type")) == "error"


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
    start, bound = _integer(text(values[0])), _integer(text(right))
    if start is None or bound is None:
        return False
    return {"<": start < bound, "<=": start <= bound, ">": start > bound, ">=": start >= bound,
            "!=": start != bound}.get(operator, False)


def _integer(literal: str) -> int | None:
    try:
        return int(literal.replace("_", ""), 0)
    except ValueError:
        return None


def _type_switch_subject(value: Node | None) -> str | None:
    """Returns the path switched on in `switch c := x.(type)`."""
    while value is not None and value.type in ("type_assertion_expression", "parenthesized_expression"):
        value = value.named_children[0] if value.named_children else None
    if value is None:
        return None
    if value.type == "identifier":
        return text(value)
    return None
