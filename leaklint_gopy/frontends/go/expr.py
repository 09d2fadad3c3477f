"""Lowers Go expressions and calls (tree-sitter nodes) to Call, Assign and Store ops.

ExpressionLowerer is the expression half of FunctionLowerer: access paths, calls and their
resolution to qualified names, and the little type inference that resolution needs. It also
holds the position conversion shared by the Go front-end.
"""
from __future__ import annotations

import re
from dataclasses import replace

from tree_sitter import Node

from leaklint_gopy.frontends.go.dotimports import exporter
from leaklint_gopy.frontends.go.intervals import nonpositive
from leaklint_gopy.frontends.go.typeinfo import (ABORT_FUNCTIONS, ABORT_METHODS, ERROR_ASSERTIONS, PROCESS_EXITS,
                                            STDLIB_RESULTS, STDLIB_VARS, TEST_FAILURES, text)
from leaklint_gopy.ir import Assign, Call, Exit, Guard, Span, Store

# `n3w` is `new(expr)` (Go 1.26) as the Go front-end rewrites it for a grammar that predates it.
_BUILTINS = frozenset({"append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make",
                       "max", "min", "new", "n3w", "panic", "print", "println", "real", "recover"})
_NOT_PATHS = frozenset({"_", "nil", "true", "false", "iota"})
_TESTING_TYPES = frozenset({"testing.T", "testing.B", "testing.F", "testing.TB"})


class Positions:
    """Converts tree-sitter byte positions to 1-based code-point columns."""

    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        self.lines = source.split(b"\n")
        self.ascii = source.isascii()  # (most files: one byte a column on every line, asked once)

    def column(self, row: int, byte_col: int) -> int:
        line = self.lines[row] if row < len(self.lines) else b""
        if self.ascii or line.isascii():
            return min(byte_col, len(line)) + 1  # (one byte a column: no prefix copied)
        prefix = line[:byte_col]
        return (len(prefix) if prefix.isascii() else len(prefix.decode("utf-8", "replace"))) + 1

    def span(self, node: Node) -> Span:
        (row, col), (end_row, end_col) = node.start_point, node.end_point
        lines = self.lines
        if self.ascii and end_row < len(lines):  # (the column inlined: a file's spans are thousands)
            return Span(self.path, row + 1, min(col, len(lines[row])) + 1,
                        end_row + 1, min(end_col, len(lines[end_row])) + 1)
        return Span(self.path, row + 1, self.column(row, col), end_row + 1, self.column(end_row, end_col))

    def end_span(self, node: Node) -> Span:
        """Returns the span of the last character of `node` (a closing brace)."""
        row, col = node.end_point
        column = self.column(row, col)
        return Span(self.path, row + 1, max(1, column - 1), row + 1, column)



class ExpressionLowerer:
    """Expression lowering; the statement lowerer that subclasses it provides cfg, scope, pos,
    locals, outer, types, loops, temps, responses and `_closure`."""

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
                name = text(node.child_by_field_name("field"))
                if base is None:
                    return None
                # Ex) b.Process where Binary embeds exec.Cmd: the path b.Cmd.Process (b.Cmd.Start() acquired it)
                via = self.scope.promoted_through(self._type_of(operand), name)
                return f"{base}.{via}.{name}" if via else f"{base}.{name}"
            case "parenthesized_expression" | "type_assertion_expression":
                return self._value(node.named_children[0]) if node.named_children else None
            case "unary_expression" if receives(node):
                return self._receive(node, self._temp())
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
            case "type_conversion_expression" if self._generic_callee(node):
                # Ex) decodeClose[[]string](resp)   (a call of a generic function of the package)
                temp = self._temp()
                operands = node.named_children[1:]
                spread = self._spread(node.named_children[0].named_children[0], operands)
                # Ex) getJSON[T](c.Get(u))   (Get's two results are getJSON's two arguments)
                args = tuple(self._temp() for _ in range(spread))
                if spread:
                    self._call(operands[0], results=args)
                else:
                    args = tuple(self._value(a) for a in operands)
                self.cfg.emit(Call(self.pos.span(node), self._generic_callee(node), text(node.named_children[0]),
                                   None, args, (temp,), in_loop=bool(self.loops)))
                return temp
            case "composite_literal" if _is_struct_literal(node):
                # Ex) c := &call{resp: resp}   (the struct value owns it: closing c closes it)
                temp = self._temp()
                names = self._field_names(node)
                for index, (key, element) in enumerate(_keyed_values(node)):
                    key = key or (names[index] if index < len(names) else "")  # Ex) &file{fd, buf, false}
                    value = self._value(element)
                    if value is not None:
                        self.cfg.emit(Assign(self.pos.span(element), temp, value, accumulate=True, field=key))
                return temp
            case "composite_literal":
                # Ex) []net.Conn{a, b}   (the value moves into the container)
                # Ex) []*persistConn{{c: c1}, {c: c2}}   (an element of elided type holds what it is given)
                pending = _composite_values(node)
                while pending:
                    element = pending.pop(0)
                    if element.type == "literal_value":
                        pending[:0] = _composite_values_of(element)
                        continue
                    self._store(self._value(element), node)
                return None
        for child in node.named_children:
            self._value(child)
        return None

    def _receive(self, node: Node, target: str, ok: str | None = None) -> str | None:
        """Lowers a receive `<-ch` into `target`; returns target when the channel's element has a
        named type, else None. A value received is the receiver's from then on (the sender handed
        it over), so a receive is a call returning the element: a resource's type is acquired
        there, as from a call declared to return one; a struct embedding one type holds that
        value in its embedded field (`type response struct { *http.Response; err error }`). Not in a
        test file: a test receives to look at what its own fakes produced (containerd's pusher_test
        reads the status of a response whose mock registry wrote no body, which holds nothing)."""
        operand = node.child_by_field_name("operand")
        self._value(operand)
        element = self._type_of(node)
        if not element or self.pos.path.endswith("_test.go"):
            return None
        field, embedded = self.scope.embedded_type(element)
        # Ex) resp := <-pw.responseC; resp.Response.Body.Close()   (resp.Body is the same path: see _value)
        result = f"{target}.{field}" if embedded else target
        # Ex) if resp.err != nil { return resp.err }   (a struct's error field: set, it holds no resource)
        error = self.scope.error_field(element) if embedded else ""
        results = (result, f"{target}.{error}") if error else (result,)
        received = (("flag", f"{ok}=true"),) if ok else ()
        self.cfg.emit(Call(self.pos.span(node), "<-", f"<-{_short(text(operand))}", None, (), results,
                           kwargs=received, in_loop=bool(self.loops), result_type=embedded or element))
        return target

    def _field_names(self, literal: Node) -> list[str]:
        """Returns the fields, in declaration order, of the package's struct type a literal builds."""
        named = self.scope.type_of_expr(literal.child_by_field_name("type"))
        prefix = self.scope.package.key + "."
        return list(self.scope.package.structs.get(named[len(prefix):], {})) if named.startswith(prefix) else []

    def _generic_callee(self, node: Node) -> str:
        """Returns the qualname of the generic function a `F[T](x)` conversion syntax calls, or ""."""
        kind = node.named_children[0] if node.named_children else None
        name = kind.named_children[0] if kind is not None and kind.type == "generic_type" and kind.named_children else None
        if name is None or text(name) not in self.scope.package.funcs:
            return ""
        return f"{self.scope.package.key}.{text(name)}"

    def _path(self, node: Node) -> str | None:
        if node.type == "identifier":
            return None if text(node) in _NOT_PATHS else text(node)
        if node.type == "selector_expression":
            base = self._path(node.child_by_field_name("operand"))
            return f"{base}.{text(node.child_by_field_name('field'))}" if base else None
        if node.type in ("parenthesized_expression", "unary_expression") and node.named_children:
            return self._path(node.named_children[-1])
        return self._value(node)

    def _note_built(self, call: Call, target: str) -> None:
        """Remembers the arguments of this package's own types that a call of one of its functions
        was given, for the methods later called on its result (see LeakAnalysis._given_fields)."""
        own = self.scope.package.key + "."
        given = tuple(("given", f"{call.callee}#{index}={self.types[arg]}") for index, arg in enumerate(call.args)
                      if arg in self.locals and self.types.get(arg, "").startswith(own)) \
            if call.receiver is None and call.callee.startswith(own) else ()
        if given:
            self.built[target] = given  # Ex) service := NewDNSResolverService(mockDialer, &log, metrics)
        else:
            self.built.pop(target, None)

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
            args = tuple(self._value(arg) for arg in _args(node))
            qualname = self._closure(function, "call")
            if any(arg is not None for arg in args):
                # Ex) func(c net.Conn) { defer c.Close(); ... }(conn)   (its parameter decides)
                self.cfg.emit(Call(self.pos.span(node), qualname, "func literal", None, args, results))
            return None
        if function is not None and function.type == "identifier" and text(function) in _BUILTINS \
                and text(function) not in self.locals:
            return self._builtin(node, text(function))
        nodes = _args(node)
        spread = self._spread(function, nodes)
        if spread:
            # Ex) resp, err := checkResp(c.Do(req))   (Do's two results are checkResp's two arguments)
            args: tuple[str | None, ...] = tuple(self._temp() for _ in range(spread))
            self._call(nodes[0], results=args)
        elif len(nodes) == 1 and nodes[0].type == "func_literal" and self._test_cleanup(function):
            # Ex) t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })   (run when the test ends)
            self._closure(nodes[0], "value", registered=True)
            args = (None,)
        elif len(nodes) == 1 and nodes[0].type == "selector_expression" and self._test_cleanup(function) \
                and self._registered_method(nodes[0]):
            args = (None,)  # Ex) t.Cleanup(s.stop)   (cleanupvalues.py)
        else:
            args = tuple(self._value(arg) for arg in nodes)
        call = self._resolve(node, function, args, results)
        if call is None:
            return None
        # Ex) io.Copy(io.Discard, resp.Body)   Ex) httputil.DumpResponse(resp, true)   (a rule's pattern may name them)
        consts = tuple(arg.type if arg.type in ("true", "false") else self._package_value(arg) for arg in nodes)
        if any(consts):
            call = replace(call, consts=consts)
        if nodes and call.callee.startswith("time.") and nonpositive(nodes[0], self._package_path):
            # Ex) time.NewTicker(-1)   (a literal interval that is not positive: the rule's `unless` says)
            call = replace(call, kwargs=call.kwargs + (("interval", "nonpositive"),))
        if call.receiver in self.fake_clients and call.callee.startswith("net/http.Client."):
            # Ex) client := &Client{Transport: tr}; client.Get(u)   (tr's RoundTrip decides what it holds)
            call = replace(call, kwargs=call.kwargs + (("roundtrip", self.fake_clients[call.receiver]),))
        if call.receiver in self.built:
            # Ex) service := NewDNSResolverService(mockDialer, log); service.DialUDP(a)   (what the
            # constructor stored decides what its methods return)
            call = replace(call, kwargs=call.kwargs + self.built[call.receiver])
        if results and results[0] is not None and not results[0].startswith("$"):
            self._note_built(call, results[0])
        if self.silent and any(_served_by(text(arg), self.silent, self.silent_urls) for arg in nodes) \
                or self.routes is not None and any(self.routes.answers_empty(arg) for arg in nodes):
            # Ex) c.Get(ts.URL)   (ts's handler writes nothing: an empty body, the connection handed back)
            # Ex) c.Get(ts.URL + "/ping")   (ts serves a mux whose handler for /ping writes nothing)
            call = replace(call, kwargs=call.kwargs + (("body", "empty"),))
        if call.receiver in self.dialless and call.callee.startswith(("net/http.Client.", "net/http.Transport.")):
            # Ex) c := &Client{Transport: &Transport{DialContext: failing}}; c.Get(u)   (no response)
            call = replace(call, kwargs=call.kwargs + (self.dialless[call.receiver],))
        request = call.args[0] if call.args and call.args[0] in self.requests else _copied_request(nodes)
        if request in self.requests and call.callee.rsplit(".", 1)[-1] in ("Do", "RoundTrip"):
            # Ex) req, _ := http.NewRequest(http.MethodHead, u, nil); resp, err := c.Do(req)
            call = replace(call, kwargs=call.kwargs + self.requests[request])
        call = self.contexts.note(call, self.types)
        if call.callee.endswith(".RoundTrip") and call.callee != "net/http.Transport.RoundTrip" \
                and self.pos.path.endswith("_test.go") and not (call.receiver or "").endswith("Transport"):
            # Ex) rt := NewHeaderRoundTripper(fakeBase); resp, _ := rt.RoundTrip(req)   (a test of a
            # transport wrapper: the base it delegates to is the test's fake, which holds no connection)
            call = replace(call, kwargs=call.kwargs + (("transport", "injected"),))
        if self.pipes and call.callee == "os/exec.Cmd.Wait":
            # Ex) cmd.Wait()   (it closes the command's pipes: a later read of one fails)
            self.pipes = {pipe: command for pipe, command in self.pipes.items() if command != call.receiver}
        if self.scope.package.reaped:
            # Ex) cmd.Start() in cmd/containerd-shim-runc-v2/process   (the shim's SIGCHLD loop reaps it)
            call = replace(call, kwargs=call.kwargs + (("children", "reaped"),))
        fixed = tuple(("flag", f"{name}={'true' if value else 'false'}")
                      for name, value in sorted(self.flags.items()) if self._fixed(name))
        if fixed:
            # Ex) if write { cmd.Start() }   (what it acquires exists only where write is true)
            call = replace(call, kwargs=call.kwargs + fixed)
        noted = not spread and self.scope.package.in_tree(call.callee)  # (only a tree callee reads the notes)
        nonnil = self._nonnil_args(nodes) if noted else ""
        if nonnil:
            # Ex) f.srv.CallJSON(ctx, &opts, nil, &out)   (&out is not nil: a helper's `if response == nil`
            # return is not taken for this call)
            call = replace(call, kwargs=call.kwargs + (("nonnil", nonnil),))
        fields = self._field_notes(nodes) if noted else ""
        if fields:
            # Ex) f.srv.Call(ctx, &rest.Opts{Method: "DELETE", NoResponse: true})   (Call closes the body)
            call = replace(call, kwargs=call.kwargs + (("fields", fields),))
        self.cfg.emit(call)
        ended = self.contexts.ends(call, self.types)
        if ended is not None:
            # Ex) cancel()   Ex) tx.Rollback()   (ends what was obtained with it: requests, rows)
            self.cfg.emit(self.contexts.cancelling(self.pos.span(node), ended, call.display))
        self._assertion(call, node)
        if call.callee.endswith(".Error") and not call.args and call.receiver and "err" in call.receiver.lower():
            # Ex) assert.Contains(t, err.Error(), "x509")   (err.Error() on a nil error panics: err is set)
            failing, passing = self.cfg.new_block(), self.cfg.new_block()
            self.cfg.branch(failing, passing, (Guard(call.receiver, "nil"), Guard(call.receiver, "nonnil")))
            self.cfg.start(failing)
            self.cfg.emit(Exit(self.pos.span(node), "abort"))
            self.cfg.start(passing)
        method = call.callee.rsplit(".", 1)[-1]
        if call.callee in ABORT_FUNCTIONS or call.callee in TEST_FAILURES \
                or (call.callee == "?func" and call.display in self.failers) \
                or (call.receiver is not None and method in ABORT_METHODS):
            # (only os.Exit and log.Fatal end the process: a panic may be recovered, t.Fatal ends a goroutine)
            self.cfg.emit(Exit(self.pos.span(node), "abort", ends=call.callee in PROCESS_EXITS))
        return call

    def _spread(self, function: Node | None, nodes: list[Node]) -> int:
        """Returns how many results a lone call argument passes (f(g()) with g's results as f's
        parameters), when the callee is a function of the package taking more than one; else 0."""
        if len(nodes) != 1 or nodes[0].type != "call_expression" or function is None:
            return 0
        if function.type in ("identifier", "type_identifier"):  # (the name of `F[T](g())`: see _value)
            count = self.scope.package.arity.get(text(function), 0)
        elif function.type == "selector_expression":
            owner = self._type_of(function.child_by_field_name("operand"))
            prefix = self.scope.package.key + "."
            method = text(function.child_by_field_name("field"))
            count = self.scope.package.arity.get(f"{owner[len(prefix):]}.{method}", 0) if owner.startswith(prefix) else 0
        else:
            count = 0
        return count if count > 1 else 0

    def _assertion(self, call: Call, node: Node) -> None:
        """After `require.Error(t, err)` the test goes on only with err non-nil (`NoError`: nil), and
        after `require.True(t, errors.Is(err, ErrX))` too (errors.Is of a nil error is false)."""
        package, _, name = call.callee.rpartition(".")
        sets = ERROR_ASSERTIONS.get(package)
        if package == self.scope.package.key and name in self.scope.package.assertions:
            # Ex) require_NoError(t, err)   (nats-server's own: `if err != nil { t.Fatalf(...) }`)
            index, kind = self.scope.package.assertions[name]
        elif sets is not None and (name in sets[0] or name in sets[1]):
            index, kind = 1, "set" if name in sets[0] else "nil"
        elif package in ERROR_ASSERTIONS and name == "True":
            index, kind = 1, "true"
        else:
            return
        if kind == "true":
            err = self._tested_error(_args(node)[index] if index < len(_args(node)) else None)
            kind = "set"
        else:
            err = call.args[index] if index < len(call.args) else None
        if err is None:
            return
        stops, goes = (Guard(err, "nil"), Guard(err, "nonnil")) if kind == "set" else (Guard(err, "nonnil"), Guard(err, "nil"))
        failing, passing = self.cfg.new_block(), self.cfg.new_block()
        self.cfg.branch(failing, passing, (stops, goes))
        self.cfg.start(failing)
        self.cfg.emit(Exit(self.pos.span(node), "abort"))
        self.cfg.start(passing)

    def _tested_error(self, condition: Node | None) -> str | None:
        """Returns the error a condition is true only when set: `errors.Is(err, ErrX)`, `errors.As(err, &t)`."""
        if condition is None or condition.type != "call_expression":
            return None
        function = condition.child_by_field_name("function")
        arguments = _args(condition)
        if function is None or text(function) not in ("errors.Is", "errors.As") or not arguments \
                or arguments[0].type != "identifier":
            return None
        return text(arguments[0])

    def _package_value(self, node: Node) -> str:
        """Returns the qualified name of a package-level value an argument names (`io.Discard`), else ""."""
        if node.type != "selector_expression":
            return ""
        operand = node.child_by_field_name("operand")
        if operand.type != "identifier" or not self._is_package(text(operand)):
            return ""
        return f"{self.scope.imports[text(operand)]}.{text(node.child_by_field_name('field'))}"

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
            if name in self.method_values:
                # Ex) closeBody := resp.Body.Close; defer closeBody()
                return self._method_call(span, self.method_values[name], args, results, loop)
            if name in self.closure_values and name not in self.failers:  # (a failer ends the path: see _fails_test)
                return Call(span, self.closure_values[name], name, None, args, results, in_loop=loop)
            if name in self.locals or name in self.outer:
                return Call(span, "?func", name, None, args, results, in_loop=loop, kwargs=self._passed_for(name))
            if name in self.scope.package.type_names:
                return None
            package = exporter(self.scope, name)
            if package:
                # Ex) resp, err := Get(u)   (under `import . "net/http"`)
                return Call(span, f"{package}.{name}", name, None, args, results, in_loop=loop)
            # Ex) newICMPProxy(ip) in icmp_windows_test.go: the variant icmp_windows.go declares
            callee = self.scope.package.function_qualname(name, self.pos.path)
            return Call(span, callee, name, None, args, results, in_loop=loop)
        if function.type == "selector_expression":
            return self._method_call(span, function, args, results, loop)
        for child in function.named_children:
            self._value(child)
        return Call(span, "?func", _short(text(function)), None, args, results, in_loop=loop)

    def _test_cleanup(self, function: Node | None) -> bool:
        """Reports whether `function` is the Cleanup method of a *testing.T, B, F or a testing.TB."""
        if function is None or function.type != "selector_expression" \
                or text(function.child_by_field_name("field")) != "Cleanup":
            return False
        return self._type_of(function.child_by_field_name("operand")) in _TESTING_TYPES

    def _passed_for(self, name: str) -> tuple[tuple[str, str], ...]:
        """Returns a `bound` note naming the functions every call of this function passes for its
        parameter `name` (see funcvalues.py), for a call through that parameter; else none."""
        values = self.scope.package.function_values
        if self.outer or name not in self.param_names or values is None:
            return ()
        # Ex) err = decode(resp, response)   (CallJSON and CallXML pass DecodeJSON and DecodeXML)
        short = self.qualname.rpartition(".")[2].partition("@")[0]
        passed = values.passed(short, self.param_names.index(name))
        return (("bound", "|".join(passed)),) if passed else ()

    def _method_call(self, span: Span, function: Node, args: tuple[str | None, ...],
                     results: tuple[str | None, ...], loop: bool) -> Call:
        operand = function.child_by_field_name("operand")
        method = text(function.child_by_field_name("field"))
        if _recorder(operand):
            # Ex) mgmt.EXPECT().DialContext(gomock.Any(), ...)   (gomock records an expected call: no dial)
            return Call(span, f"?mock:{method}", f"EXPECT().{method}", None, args, results, in_loop=loop)
        if operand.type == "identifier" and self._is_package(text(operand)):
            path = self.scope.imports[text(operand)]
            package = self.scope.package.resolve_import(path)
            short = text(operand)  # Ex) pgx.Connect for github.com/jackc/pgx/v5
            return Call(span, f"{package}.{method}", f"{short}.{method}", None, args, results, in_loop=loop,
                        result_type=self._response_like(method, results, package))
        receiver = self._value(operand)
        owner = self._type_of(operand)
        if owner and self._function_field(owner, method):
            # Ex) err = api.errorHandler(resp)   (a field holding a function: code we cannot see, as a
            # parameter's function value is)
            types = self.scope.field_call_types(owner, method)
            return Call(span, "?func", f"({self.scope.display_type(owner)}).{method}", None, args, results,
                        in_loop=loop, result_type=types[0] if types else "")
        if owner:
            via = self.scope.promoted_through(owner, method) if receiver is not None else ""
            promoted: tuple[tuple[str, str], ...] = ()
            if via:
                # Ex) b.Wait() where Binary embeds exec.Cmd: b.Cmd's Wait; conn.Close() where UDPConn
                # embeds conn: closing the embedded value closes conn itself
                promoted = (("promoted", receiver),)
                receiver = f"{receiver}.{via}"
            owner = self.scope.method_owner(owner, method)
            display = f"({self.scope.display_type(owner)}).{method}"
            implementation = self.scope.implementation(owner, method)
            if implementation:
                # Ex) w.conn.close() where conn is a serverConn: netConn's close (the rules still see the interface's)
                promoted += (("interface", f"{owner}.{method}"),)
                owner = implementation
            declared = self.scope.result_types(f"{owner}.{method}")
            return Call(span, f"{owner}.{method}", display, receiver, args, results, kwargs=promoted, in_loop=loop,
                        result_type=declared[0] if declared else "")
        return Call(span, f"?.{method}", f"{_short(text(operand))}.{method}", receiver, args, results, in_loop=loop,
                    result_type=self._response_like(method, results, ""))

    def _function_field(self, owner: str, name: str) -> bool:
        """Reports whether `name` is a field of function type of the package's struct `owner`."""
        prefix = self.scope.package.key + "."
        declared = self.scope.package.structs.get(owner.removeprefix(prefix), {}).get(name) \
            if owner.startswith(prefix) else None
        return declared is not None and (declared.type == "function_type" or declared.type == "type_identifier"
                                         and text(declared) in self.scope.package.func_types)

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
                if name in self.locals or name in self.outer:
                    return ""
                if name in self.scope.package.variables:
                    return self.scope.package.variable_type(name)
                package = exporter(self.scope, name)  # Ex) DefaultClient.Do(req)   (under `import . "net/http"`)
                return STDLIB_VARS.get(f"{package}.{name}", "") if package else ""
            case "selector_expression":
                operand = node.child_by_field_name("operand")
                field_name = text(node.child_by_field_name("field"))
                if operand.type == "identifier" and self._is_package(text(operand)):
                    path = self.scope.imports[text(operand)]
                    return STDLIB_VARS.get(f"{path}.{field_name}", "")
                return self.scope.field_type(self._type_of(operand), field_name)
            case "unary_expression" if receives(node):
                channel = self._type_of(node.child_by_field_name("operand"))
                return channel.removeprefix("chan ") if channel.startswith("chan ") else ""
            case "unary_expression" | "parenthesized_expression":
                return self._type_of(node.named_children[-1]) if node.named_children else ""
            case "type_assertion_expression":
                return self.scope.type_of_expr(node.child_by_field_name("type"))
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
            name = text(function.child_by_field_name("field"))
            if operand.type == "identifier" and self._is_package(text(operand)):
                package = self.scope.package.resolve_import(self.scope.imports[text(operand)])
                types = self.scope.result_types(f"{package}.{name}")
                return types[0] if types else STDLIB_RESULTS.get(f"{package}.{name}", "")
            if owner:
                # Ex) connector := d.connectorCreator(ctx, cfg)   (a field of function type)
                types = self.scope.result_types(f"{owner}.{name}") or self.scope.field_call_types(owner, name)
                return types[0] if types else STDLIB_RESULTS.get(f"{owner}.{name}", "")
        return ""



def _served_by(url: str | None, servers: set[str], urls: set[str] = frozenset()) -> bool:
    """Reports whether `url` is the URL of one of `servers` (`ts.URL`, `cst.ts.URL`), or a path
    under it (`ts.URL + "/redirect"`: one handler serves every path), or one of `urls`, variables
    holding such a URL parsed (`u.String()`, `u`)."""
    url = url.split("+", 1)[0].strip() if url is not None else None
    if url is not None and url.removesuffix(".String()") in urls:
        return True
    return url is not None and url.endswith(".URL") and any(url.startswith(server + ".") for server in servers)


def _copied_request(arguments: list[Node]) -> str | None:
    """Returns the request variable whose copy the first argument is (`req.WithContext(ctx)`,
    `req.Clone(ctx)`: same method and URL), else None."""
    # Ex) c.Do(req.WithContext(ctx))
    node = arguments[0] if arguments else None
    function = node.child_by_field_name("function") if node is not None and node.type == "call_expression" else None
    if function is None or function.type != "selector_expression" \
            or text(function.child_by_field_name("field")) not in ("WithContext", "Clone"):
        return None
    operand = function.child_by_field_name("operand")
    return text(operand) if operand.type == "identifier" else None


_REQUEST_METHODS = frozenset({"Do", "Get", "Head", "Post", "PostForm", "RoundTrip"})


_BODY_USE = re.compile(rb"(?<![\w.])([A-Za-z_]\w*)\s*\.\s*Body\b")


def _response_names(body: Node | None) -> frozenset[str]:
    """Returns the names the function uses with a response's `Body` field (`resp.Body`)."""
    if body is None or b"Body" not in body.text:
        return frozenset()
    return frozenset(name.decode() for name in _BODY_USE.findall(body.text))


def _items(node: Node | None) -> list[Node]:
    if node is None:
        return []
    if node.type == "expression_list":
        return list(node.named_children)
    return [node]


def _args(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    return [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []


def _composite_values(node: Node) -> list[Node]:
    return _composite_values_of(node.child_by_field_name("body"))


def _composite_values_of(body: Node | None) -> list[Node]:
    """Returns the element values of a literal body (`{a, b}`, `{k: v}`)."""
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


def _is_struct_literal(node: Node) -> bool:
    """Reports whether a composite literal builds a struct (not a slice, array or map)."""
    kind = node.child_by_field_name("type")
    return kind is not None and kind.type in ("type_identifier", "qualified_type", "generic_type", "struct_type")


def _keyed_values(node: Node) -> list[tuple[str, Node]]:
    """Returns (field name, value node) for each element of a struct literal ("" when unkeyed)."""
    body = node.child_by_field_name("body")
    out: list[tuple[str, Node]] = []
    for element in body.named_children if body is not None else ():
        key = ""
        value = element
        if element.type == "keyed_element" and len(element.named_children) >= 2:
            key_node = element.named_children[0]
            while key_node.type == "literal_element" and key_node.named_children:
                key_node = key_node.named_children[0]
            key = text(key_node) if key_node.type in ("identifier", "field_identifier") else ""
            value = element.named_children[-1]
        while value is not None and value.type == "literal_element" and value.named_children:
            value = value.named_children[0]
        if value is not None and value.type != "comment":
            out.append((key, value))
    return out


def _identifiers(node: Node) -> set[str]:
    found, stack = set(), [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            found.add(text(current))
        stack.extend(current.named_children)
    return found


def receives(node: Node) -> bool:
    """Reports whether an expression is a receive from a channel (`<-ch`)."""
    return node.type == "unary_expression" and bool(node.children) and text(node.children[0]) == "<-"


def _short(source: str) -> str:
    source = " ".join(source.split())
    return source if len(source) <= 40 else source[:37] + "..."


def _recorder(operand: Node) -> bool:
    """Reports whether `operand` is `x.EXPECT()`, a generated mock's recorder (gomock, mockery)."""
    if operand.type != "call_expression":
        return False
    function = operand.child_by_field_name("function")
    return function is not None and function.type == "selector_expression" \
        and text(function.child_by_field_name("field")) == "EXPECT"

