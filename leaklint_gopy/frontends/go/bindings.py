"""Lowers Go bindings: assignments, `:=` and `var` declarations, tuple bindings of multi-value calls
(`resp, err := c.Do(req)`), receives from channels and appends, to Assign, Call and Kill ops on
access paths. A mixin of lower.FunctionLowerer; the notes a binding leaves on its call are
bindnotes.py's.
"""
from __future__ import annotations

from tree_sitter import Node

from leaklint_gopy.frontends.go.counts import bindings_of, constant_value
from leaklint_gopy.frontends.go.endless import ticker_made
from leaklint_gopy.frontends.go.expr import _args, _identifiers, _items, receives
from leaklint_gopy.frontends.go.transports import silent_server
from leaklint_gopy.frontends.go.typeinfo import LOCAL_ADDRESSES, text, var_specs
from leaklint_gopy.ir import Assign


class Bindings:
    """The binding half of FunctionLowerer (see lower.py)."""

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
        if self.requests and len(left) == len(right):
            self._note_request_methods(left, right)
        targets = [self._target(item, declare) for item in left]
        for item in left if self.settled else ():
            self.settled.pop(text(item), None)
        self.handshaken.difference_update(targets)
        self.receipts.difference_update(targets)  # Ex) ok = check()   (no longer a receive's ok)
        for target in targets if self.pipes else ():
            self.pipes.pop(target, None)
        for target in targets if self.built else ():
            self.built.pop(target, None)  # Ex) service = other   (no longer what the constructor built)
            self._forget_held(target)
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
        self._note_closure_values(left, right, declare)
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
                self._note_held_fakes(text(item), value_node)
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

    def _note_closure_values(self, left: list[Node], right: list[Node], declare: bool) -> None:
        """Remembers a local declared with a func literal in the function's own block and bound
        nowhere else in it (no other assignment, declaration or `&name`, in any block or closure), so
        calls through it are calls of that closure (its summary says what they return)."""
        # Ex) httpGet := func(url string) *http.Response { ...; return resp }; resp := httpGet(u)
        for item in left:
            self.closure_values.pop(text(item), None)
        if declare and len(left) == 1 == len(right) and left[0].type == "identifier" \
                and right[0].type == "func_literal" and not self.loops and len(self.declared) == 1 \
                and self.body is not None and bindings_of(self.body, text(left[0])) == 1:
            self.closure_values[text(left[0])] = f"{self.qualname}$func{self.closures}"

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
        # Ex) resp, err := http.Get(u)     Ex) s.conns[i], err = net.Dial("tcp", addr)   (escapes)
        types: list[str] = []
        for item in left:
            if item.type == "identifier":
                self.flags.pop(text(item), None)
                self.addresses.pop(text(item), None)
        # Ex) c.conn, err = net.Dial("tcp", addr)   (as `t, err := net.Dial(...); c.conn = t`: the field
        # of a local or of the receiver holds it, and what the type's Close does decides)
        fields = {index: self._temp() for index, (item, target) in enumerate(zip(left, targets))
                  if value.type == "call_expression" and item.type == "selector_expression" and target is not None
                  and "." in target and not target.startswith("$") and self._is_local_target(item, target)}
        if value.type == "call_expression":
            call = self._call(value, results=tuple(fields.get(i, target) for i, target in enumerate(targets)))
            for index, temp in fields.items():
                self.cfg.emit(Assign(self.pos.span(node), targets[index], temp))
            if call is not None:
                self._note_request(call, value, targets)
                if targets[0] is not None and silent_server(value, self._quiet_writer):
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
            # Ex) if c, ok := v.(io.Closer); ok { c.Close() }   (every resource tracked is a Closer)
            # Ex) if gc, ok := s.client.(*grpcConn); ok { gc.Close() }   (gc is s.client where ok
            # is true, and nil where it is false; an interface asserted, `f, ok := s.(RawProcessor)`,
            # keeps its unknown type: what its methods return is no more known than before)
            # Ex) if specificLn, ok := ln.(net.PacketConn); ok { ln = deletePacketConn{specificLn, key} }
            # (a resource's interface: specificLn is ln where ok is true; false, ln may hold another one)
            kept = self.closers if _asserts_closer(value) else self.asserted \
                if _asserts_pointer(value) or _asserts_resource(value) else None
            if kept is not None and len(left) == 2 and source is not None:
                types = [self._type_of(value)]
                if targets[0] is not None and self._is_local_target(left[0], targets[0]):
                    self.cfg.emit(Assign(self.pos.span(node), targets[0], source))
                if left[1].type == "identifier":
                    kept[text(left[1])] = source
        for index, (item, target) in enumerate(zip(left, targets)):
            if declare and item.type == "identifier":
                self._declare(text(item), types[index] if index < len(types) else "")
            if target is not None and index not in fields and ("." in target or not self._is_local_target(item, target)):
                self._store(target, node)

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


def _asserts_resource(value: Node) -> bool:
    """Reports whether `value` is a type assertion to an interface of net's resources (`v.(net.PacketConn)`)."""
    if value.type != "type_assertion_expression":
        return False
    asserted = value.child_by_field_name("type")
    return asserted is not None and text(asserted) in _RESOURCE_INTERFACES


def _asserts_closer(value: Node) -> bool:
    """Reports whether `value` is a type assertion to a closing interface (`v.(io.Closer)`)."""
    if value.type != "type_assertion_expression":
        return False
    asserted = value.child_by_field_name("type")
    return asserted is not None and text(asserted).lstrip("*").endswith("Closer")


_RESOURCE_INTERFACES = frozenset({"net.Conn", "net.PacketConn", "net.Listener"})
