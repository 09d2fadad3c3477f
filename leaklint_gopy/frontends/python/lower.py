"""Lowers one Python function (or a module body) to a FunctionIR: statements become blocks and
edges, `with` and `finally` become releases on every way out (fall-through, return, break,
continue, raise, an exception from a call, a generator dropped at a `yield`).

Every call may raise: it ends its block with an exceptional edge to the innermost handler, or to
an `exception` exit that only the exception-path rule reports. Nothing here reports.
"""
from __future__ import annotations

import ast
import os
import sys
from collections import Counter

from leaklint_gopy.frontends.python import infer, setup_patches
from leaklint_gopy.frontends.python.callees import short
from leaklint_gopy.frontends.python.classes import ClassInfo
from leaklint_gopy.frontends.python.exports import STAR_EXPORTS
from leaklint_gopy.frontends.python.expr import ExpressionLowerer, free_names
from leaklint_gopy.frontends.python import constant_tests
from leaklint_gopy.frontends.python.flags import Flags, bound_names, literal_switches, once_guards
from leaklint_gopy.frontends.python.flow import Expectations, FlowLowering, Frame
from leaklint_gopy.frontends.python.localscope import LocalScope
from leaklint_gopy.frontends.python.names import unquoted
from leaklint_gopy.frontends.python.nodes import walk
from leaklint_gopy.frontends.python.unit import ModuleUnit
from leaklint_gopy.ir import Assign, Capture, Exit, FunctionIR, Kill, Owner, Pair, Span, Store

# What platform tests compare, as on the running interpreter (see FunctionLowerer._feature_test).
_PLATFORM = {"sys.platform": sys.platform, "os.name": os.name}


def lower_function(unit: ModuleUnit, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, display: str,
                   klass: ClassInfo | None, owner: Owner | None,
                   outer: frozenset[str] = frozenset()) -> list[FunctionIR]:
    """Returns the FunctionIR of a function followed by those of its nested functions."""
    out: list[FunctionIR] = []
    lowerer = FunctionLowerer(unit, qualname, unit.local_scope(node), klass, outer, out)
    function = lowerer.lower(node, display, owner)
    return [function, *out]


def lower_module(unit: ModuleUnit, tree: ast.Module, owner: Owner) -> list[FunctionIR]:
    """Returns the FunctionIR of a module's top-level statements (`module.<module>`)."""
    out: list[FunctionIR] = []
    qualname = f"{unit.scope.name}.<module>"
    lowerer = FunctionLowerer(unit, qualname, LocalScope.of_module(tree, unit.scope.importer), None, frozenset(), out)
    function = lowerer.lower(tree, f"module {unit.scope.name}", owner)
    return [function, *out]


class FunctionLowerer(FlowLowering, ExpressionLowerer):
    """Builds the CFG of one function; nested functions found inside go to `out`."""

    expected = False  # a nested function only assertRaises calls: its body is meant to raise

    def lower(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Module, display: str,
              owner: Owner | None) -> FunctionIR:
        """Returns the FunctionIR of a function, or of a module's top-level statements."""
        self.frames: list[Frame] = []
        self.flags = Flags()
        self.bindings = constant_tests.Bindings(node, self.unit.module_bindings, self.unit.every)
        self.switches = literal_switches(self.unit.every(node)) if self.unit.may_switch(node) else frozenset()
        self.cleaning = 0  # inside finally or except bodies: calls there are taken not to raise
        self.expecting = int(self.expected)  # inside `with self.assertRaises(...)`: the block is meant to raise
        self.fallible = 0  # inside a try body whose handler catches a lookup error (see Call.fallible)
        self.node = node
        self.proxy_closed: bool | None = None  # (see calls._closes_a_proxy)
        self.loads: Counter[str] | None = None  # the names the function reads, and how often (see _dying)
        self.expectations: Expectations | None = None  # where it expects exceptions (see _lower_closure)
        self.generator = False
        self.yielded = []
        self.constructed = ""  # the receiver of a constructor: the caller gets it on a normal return
        is_module = isinstance(node, ast.Module)
        self.raises = not is_module  # an exception in a module body aborts the import or the script
        if not is_module:
            self._prepare(node, owner)
        self._statements(node.body)
        top = Span(self.pos.path, 1, 1, 1, 1)
        end = self.pos.end(node.body[-1]) if node.body else top
        if self.expected and self.cfg.reachable:
            self._emit(Exit(end, "abort"))  # Ex) def raise_timeout(): ... returning fails the assertion
        if self._handed_back() and self.cfg.reachable:
            self._emit(Exit(end, "end", (self._handed_back(),)))
        self._hand_over(end)
        function = self.cfg.finish(self.qualname, display, top if is_module else self.pos.span(node),
                                   tuple(self.scope.params), end, is_closure=bool(self.outer),
                                   free_names=tuple(sorted(self.outer)))
        function.owner = owner
        function.meant_to_raise = self.meant_to_raise
        function.managed = self._handed_back() is not None
        if not is_module:
            function.switches = _switches(node)
        return function

    def _prepare(self, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: Owner | None) -> None:
        decorators = [short(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list]
        # Ex) @pytest.fixture def app(): fd, p = mkstemp(); yield p; os.close(fd)   (pytest resumes a
        # yield fixture for its teardown whatever the test did: it is never dropped at the yield)
        self.generator = self.scope.generator and not any(d.endswith("fixture") for d in decorators)
        self.contextmanager = self.generator and any(d.endswith("contextmanager") for d in decorators)
        for decorator in node.decorator_list:
            self.patched += self._patched(decorator)  # Ex) @patch(__name__ + ".open")   (for the whole call)
        for manager in setup_patches.in_force(self.module, self.klass, node) if self.klass is not None else ():
            self.patched += self._patched(manager)  # Ex) def setUp(self): mock.patch("m.PoolManager").start()
        params = self.scope.params
        kind = self.module.method_kind(f"{self.klass.qualname}.{node.name}") if self.klass is not None else ""
        if kind == "class" and params and params[0] not in bound_names(node):
            self.class_param = params[0]  # Ex) @classmethod def fromFullPath(cls, path): return cls(path)
        if kind == "instance" and params:
            self.receiver = params[0]
            # Ex) def close(self): if self._closed: return; self._closed = True; self.sock.close()
            self.flags.known.update(dict.fromkeys(once_guards(node.body, self.receiver), False))
        if owner is not None and owner.constructor and self.receiver:
            self.constructed = self.receiver
        if owner is not None and not owner.receiver:
            self.shared = frozenset(owner.shared)
        if owner is not None and self.receiver and self.klass is not None:
            # Ex) self._conns[host] = conn   (a container field: its elements are the object's)
            self.containers |= {f"{self.receiver}.{name}" for name in self.module.fields(self.klass).containers}
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            if arg.annotation is not None:
                # Ex) def fetch(session: requests.Session, url): ...
                dotted = self._dotted(unquoted(arg.annotation))
                if dotted:
                    self.types[arg.arg] = dotted

    # -- statements -------------------------------------------------------------------------------
    def _statements(self, body: list[ast.stmt]) -> None:
        previous = None
        for statement in body:
            if not self.cfg.reachable:
                return
            self._statement(statement)
            self._kill_temps(statement)
            self._pair(statement)
            if not isinstance(statement, _COMPOUND):
                self.flags.statement(statement)
            self._flag_for(previous, statement)
            previous = statement

    def _pair(self, statement: ast.stmt) -> None:
        """`foo = accept()` where a switch is known falsy: where the switch proves truthy later,
        foo's resource is absent (see ir.Pair)."""
        # Ex) ok = False; try: foo = serv.accept() except OSError: ok = True ... if not ok: self.fail()
        if not self.cfg.reachable or not isinstance(statement, ast.Assign) or not isinstance(statement.value, (
                ast.Call, ast.Await)):
            return
        falsy = sorted(name for name, value in self.flags.known.items() if not value and name in self.switches)
        for target in statement.targets:
            for name in (t.id for t in ast.walk(target) if isinstance(t, ast.Name)):
                for flag in falsy:
                    if flag != name:
                        self._emit(Pair(self.pos.span(statement), self._name(name), self._name(flag)))

    def _called(self, name: str) -> bool:
        """Reports whether the function calls local `name` (`close_stream()`): it holds a bound method,
        not data read from the object (`t = f.name`)."""
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in walk(self.node))

    def _flag_for(self, previous: ast.stmt | None, statement: ast.stmt) -> None:
        """`f = open(p)` then `close = True`: the flag is true exactly where f was opened here, so the
        flag holds f too (`if close: f.close()` then closes it on every path that opened it)."""
        # Ex) if fp is None: fp = open(name); close = True ... finally: if close: fp.close()
        match previous, statement:
            case (ast.Assign(targets=[opened], value=ast.Call() | ast.Await(value=ast.Call())),
                  ast.Assign(targets=[ast.Name(id=flag)], value=ast.Constant(value=True))):
                source = self._plain_path(opened)
                if source is not None:
                    self._emit(Assign(self.pos.span(statement), self._name(flag), source))
            # Ex) stream = open(name); close_stream = stream.close ... if close_stream is not None: close_stream()
            # (the bound method is set exactly where stream was opened here: it holds stream as such a flag does)
            case (ast.Assign(targets=[ast.Name(id=opened)], value=ast.Call() | ast.Await(value=ast.Call())),
                  ast.Assign(targets=[ast.Name(id=flag)], value=ast.Attribute(value=ast.Name(id=bound)))) \
                    if bound == opened and flag != opened and self._called(flag):
                self._emit(Assign(self.pos.span(statement), self._name(flag), self._name(opened)))
            # Ex) fd = os.open(p); fd_closed = False ... finally: if not fd_closed: os.close(fd)
            # (the flag is falsy wherever fd was just opened here: where it proves truthy while still
            # paired, that path never opened fd; setting it later ends the pairing, see ir.Pair)
            # Ex) fileobj = open(name); self._extfileobj = False ... except: if not self._extfileobj: ...
            case (ast.Assign(targets=[ast.Name(id=opened)], value=ast.Call() | ast.Await(value=ast.Call())),
                  ast.Assign(targets=[ast.Name() | ast.Attribute() as switch], value=ast.Constant(value=False | None))):
                flag = self._plain_path(switch)
                if flag is not None and flag != self._name(opened) and self.cfg.reachable:
                    self._emit(Pair(self.pos.span(statement), self._name(opened), flag))

    def _statement(self, node: ast.stmt) -> None:
        match node:
            case ast.Expr(value=value):
                self._await(value)
                call = value.value if isinstance(value, ast.Await) else value
                if isinstance(call, ast.Call) and not self.expecting:
                    self._call(call, ())  # Ex) requests.get(u, stream=True)   (discarded)
                    self._asserted(call)
                else:
                    self._value(value)
            case ast.Assign(targets=[target], value=value):
                self._bind_value(target, value)
                self.swapped |= infer.swapped_by(node)  # Ex) http.client.HTTPConnection = fakehttp(data)
                self._unbind(target)
                self._rebind(target, value)
            case ast.Assign(targets=targets, value=value):
                source = self._value(value)
                for target in targets:
                    self._bind_path(target, source, value)
                    self._unbind(target)
            case ast.AnnAssign(target=target, value=value) if value is not None:
                self._bind_value(target, value)
                self._unbind(target)
            case ast.AugAssign(target=target, value=value):
                self._augmented(target, value)
                self._unbind(target)
            case ast.Return(value=value):
                self._return(node, value)
            case ast.If():
                self._if(node)
            case ast.For() | ast.AsyncFor():
                self._for(node)
            case ast.While():
                self._while(node)
            case ast.With() | ast.AsyncWith():
                self._with(node, 0)
            case ast.Try() | ast.TryStar():
                self._try(node)
            case ast.Raise():
                self._raise(node)
            case ast.Break() | ast.Continue():
                self._jump(node)
            case ast.Match():
                self._match(node)
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self._definition(node)
            case ast.Delete(targets=targets):
                self._delete(targets)
            case ast.Assert(test=test, msg=msg):
                self._value(test)
                self._value(msg)
                if _test_code(self.pos.path):
                    # Ex) assert took < 0.2; client.close()   (a failing assertion in a test raises
                    # AssertionError: the close after it is skipped, as after self.assertTrue)
                    self._may_raise(self.pos.span(node))
                self._holds(test, True)

    def _in_test(self) -> bool:
        return _test_code(self.pos.path)

    def _asserted(self, call: ast.Call) -> None:
        """`self.assertTrue(test)` or `self.assertFalse(test)`: the test goes on only where it holds."""
        match call:
            case ast.Call(func=ast.Attribute(attr="assertTrue" | "assertFalse" as name), args=[test, *_]):
                self._holds(test, name == "assertTrue")

    def _holds(self, test: ast.expr, truth: bool) -> None:
        """Goes on along the edge on which `test` is `truth`, carrying what that proves."""
        # Ex) self.assertTrue(resolvConf.closed)   (past it, the file is closed)
        guard = self._guards(test)[0 if truth else 1]
        if guard is None or not self.cfg.reachable:
            return
        after = self.cfg.new_block()
        self.cfg.jump(after, guard)
        self.cfg.start(after)

    def _augmented(self, target: ast.expr, value: ast.expr) -> None:
        # Ex) conns += [conn]
        source = self._value(value)
        if isinstance(target, ast.Name) and source is not None and self._assignable(target.id):
            self._emit(Assign(self.pos.span(target), self._name(target.id), source, accumulate=True))
        elif source is not None:
            self._bind_path(target, source, None)

    def _delete(self, targets: list[ast.expr]) -> None:
        # Ex) del sock   Ex) del self.sock
        for target in targets:
            self._unbind(target)
            if isinstance(target, ast.Name):
                self._emit(Kill(self.pos.span(target), (self._name(target.id),), "scope"))
            else:
                self._bind_path(target, None, None)

    def _definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # Ex) def cleanup(): sock.close()   Ex) @atexit.register def close_all(): ...
        if self.scope.functions.get(node.name) is node:
            self._lower_closure(node)
        for decorator in node.decorator_list:
            self._value(decorator)
        if node.decorator_list:
            names = free_names(node, self._visible())
            if names:
                self._emit(Capture(self.pos.span(node), f"{self.qualname}.<locals>.{node.name}", names, "value"))

    def _lower_closure(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if id(node) in self.unit.lowered or self.scope.functions.get(node.name) is not node:
            return
        self.unit.lowered.add(id(node))
        qualname = f"{self.qualname}.<locals>.{node.name}"
        inner = FunctionLowerer(self.unit, qualname, self.unit.local_scope(node), None,
                                self._visible(), self.out)
        inner.types = dict(self.types)
        if self.receiver and self.klass is not None and not inner.scope.is_local(self.receiver):
            # Ex) def _run(): ...; self._shutdown_pool()   (the method's own object, read in a closure)
            inner.types[self.receiver] = self.klass.qualname
        inner.patched = list(self.patched)  # Ex) with patch("m.f"): def attempt(): f()   (run in the block)
        # Ex) def raise_timeout(): self.serv.accept()   self.assertRaises(TimeoutError, raise_timeout)
        if self.expectations is None:
            self.expectations = Expectations(self.unit.every(self.node))
        inner.meant_to_raise, inner.expected = self.expectations.of(node.name)
        self.out.append(inner.lower(node, node.name, None))

    def _return(self, node: ast.Return, value: ast.expr | None) -> None:
        # Ex) return sock   Ex) return conn, addr
        items = value.elts if isinstance(value, ast.Tuple) else [value] if value is not None else []
        values = tuple(self._value(item) for item in items)
        if any(frame.kind == "finally" for frame in self.frames):
            # Ex) try: return sock finally: sock = None   (the value is taken before the finally body runs)
            values = tuple(self._returned_copy(value, node) for value in values)
        self._unwind(0)
        self._hand_over(self.pos.span(node))
        if not values and self._handed_back():
            values = (self._handed_back(),)  # Ex) if not checkout: self.return_socket(sock); return
        self._emit(Exit(self.pos.span(node), "return", values))

    def _handed_back(self) -> str | None:
        """Returns what a @contextmanager generator yields (one path on every yield): what it still holds
        of that value when it ends, after the with-block, is its caller's, which the with handed out
        (`with pool.get_socket(checkout=True) as s:` keeps the socket checked out); else None."""
        found = set(self.yielded)
        return next(iter(found)) if self.contextmanager and len(found) == 1 else None

    def _returned_copy(self, value: str | None, node: ast.Return) -> str | None:
        """Returns a temporary holding what `value` (a name or field path) refers to, so that a
        finally body rebinding the name does not drop the value being returned."""
        if value is None or value.startswith("$"):
            return value
        temp = self._temp()
        self._emit(Assign(self.pos.span(node), temp, value))
        return temp

    def _hand_over(self, span: Span) -> None:
        """A constructor returning normally hands its object, and what its fields hold, to the caller."""
        if self.constructed and self.cfg.reachable:
            self._emit(Store(span, self.constructed))

    def _kill_temps(self, node: ast.AST) -> None:
        if self.pending and self.cfg.reachable and not self.expecting:
            self._emit(Kill(self.pos.span(node), tuple(self.pending), "scope"))
        self.pending = []

    def _take_temps(self) -> list[str]:
        taken, self.pending = self.pending, []
        return taken

    # -- branches and loops -----------------------------------------------------------------------
    def _if(self, node: ast.If) -> None:
        # Ex) if sock is not None: sock.close()   Ex) if not done: sock.close()   (done known False)
        decided = self.flags.decide(node.test)
        if decided is None:
            decided = self._feature_test(node.test)
        self._value(node.test)
        self._kill_temps(node.test)
        if decided is not None:
            self._statements(node.body if decided else node.orelse)
            return
        then_block, else_block, after = (self.cfg.new_block() for _ in range(3))
        guards, constant = self._guards(node.test), self._constant(node.test)
        if constant is not None and guards == (None, None):
            # Ex) if file == '-': fp = sys.stdin.buffer else: fp = open(file) ... if file != '-': fp.close()
            guards = constant_tests.edge_guards(*constant)
        self.cfg.branch(then_block, else_block, guards, self._tested(node.test))
        entry, ends = self.flags.snapshot(), []
        for block, body, truth in ((then_block, node.body, True), (else_block, node.orelse, False)):
            self.flags.restore(entry)
            self.cfg.start(block)
            if constant is not None:
                self.constants[constant[0]] = truth == constant[1]
            self._statements(body)
            if self.cfg.reachable:
                ends.append(self.flags.snapshot())
            self.cfg.jump(after)
        if constant is not None:
            del self.constants[constant[0]]
        self.flags.merge(ends)
        self.cfg.start(after)

    def _constant(self, test: ast.expr) -> tuple[str, bool] | None:
        """Returns the key and sense of a constant test of a name bound once (constant_tests)."""
        tested = constant_tests.constant_test(test)
        if tested is None or tested[1] in self.constants or not self.bindings.once(tested[0]):
            return None
        return tested[1], tested[2]

    def _tested(self, test: ast.expr) -> tuple[str, ...]:
        """Returns the names a method's branch condition reads: a callee's path that went through it
        looked at them (`if sock_info is self.request_socket: return`: see irquery.drops_unexamined,
        which reads only methods)."""
        if not self.receiver:
            return ()
        return tuple(sorted({self._name(n.id) for n in walk(test) if isinstance(n, ast.Name)}))

    def _feature_test(self, test: ast.expr) -> bool | None:
        """Returns the value of a feature test the standard library decides (`hasattr(ssl,
        "SSLContext")` is true on every Python 3), or of a platform test, decided as on the
        platform leaklint runs on (`sys.platform == "win32"`: one platform's paths are followed,
        never a mix of both branches); None when unknown."""
        # Ex) if hasattr(ssl, "SSLContext"): raise SkipTest("...")   (what follows never runs)
        match test:
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                inner = self._feature_test(operand)
                return None if inner is None else not inner
            case ast.BoolOp(op=op, values=values):
                # Ex) if sys.platform == "win32" and not isinstance(loop, SelectorEventLoop): raise ...
                decided = [self._feature_test(value) for value in values]
                absorbing = isinstance(op, ast.Or)
                if absorbing in decided:
                    return absorbing
                return None if None in decided else not absorbing
            case ast.Call(func=ast.Name(id="hasattr"), args=[ast.Name() as module, ast.Constant(value=str() as name)]):
                exports = STAR_EXPORTS.get(self._dotted(module) or "")
                return True if exports is not None and name in exports else None
            case ast.Compare(left=left, ops=[ast.Eq() | ast.NotEq() as op], comparators=[ast.Constant(value=str() as v)]):
                here = _PLATFORM.get(self._dotted(left) or "")
                return None if here is None else (here == v) == isinstance(op, ast.Eq)
            case ast.Call(func=ast.Attribute(value=left, attr="startswith"), args=[ast.Constant(value=str() as v)]):
                here = _PLATFORM.get(self._dotted(left) or "")
                return None if here is None else here.startswith(v)
        return None

    def _while(self, node: ast.While) -> None:
        # Ex) while True: conn, _ = srv.accept(); ...
        head, body, orelse, after = (self.cfg.new_block() for _ in range(4))
        self.cfg.goto(head)
        self._value(node.test)
        self._kill_temps(node.test)
        if isinstance(node.test, ast.Constant) and node.test.value:
            self.cfg.goto(body)
        else:
            self.cfg.branch(body, orelse, self._guards(node.test), self._tested(node.test))
            self.cfg.start(body)
        self._loop_body(node, head, after)
        self.cfg.start(orelse)
        self._statements(node.orelse)
        self.cfg.jump(after)
        self.cfg.start(after)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        # Ex) for s in socks: s.close()   Ex) for chunk in resp.iter_content(): ...
        iterable = self._value(_elements(node.iter))
        kept = self._take_temps()
        head, body, orelse, after = (self.cfg.new_block() for _ in range(4))
        entry = self.cfg.current
        self.cfg.start(head)
        self.cfg.jump(body)
        self.cfg.jump(orelse)
        self.cfg.current = entry
        # An empty container holds nothing: for one, only the paths through the body matter.
        # Ex) def restore(fds): for fd, saved in fds: os.close(saved)   (a parameter's elements)
        # Ex) def shutdown(self): for sock in self.sockets: sock.close()   (a field given to __init__)
        # Ex) def cleanup_fds(): for fd in fds: os.close(fd)   (a closure over its encloser's list)
        holds = iterable in self.containers or iterable in self.scope.params or iterable in self.outer \
            or bool(self.receiver) and iterable is not None and iterable.startswith(self.receiver + ".") \
            and iterable.count(".") == 1
        self.cfg.goto(body if holds else head)
        self.cfg.start(body)
        self._bind_path(node.target, iterable if holds else None, None)
        self._unbind(node.target)
        if holds and iterable in self.containers and isinstance(node.target, ast.Name):
            # Ex) pairs = [socket.socketpair() for _ in r]; for pair in pairs: for s in pair: s.close()
            self.containers.add(self._name(node.target.id))
        self._loop_body(node, head, after)
        self.cfg.start(orelse)
        self._exhausted(self.pos.span(node.iter), node.iter, iterable)
        self._statements(node.orelse)
        self.cfg.jump(after)
        self.cfg.start(after)
        self.pending = kept
        self._kill_temps(node)

    def _loop_body(self, node: ast.For | ast.AsyncFor | ast.While, head: int, after: int) -> None:
        bound = bound_names(node)
        self.flags.forget(bound)
        frame = Frame("loop", self.pos.span(node), after, head, self._dying(node))
        self.frames.append(frame)
        self.loop_depth += 1
        self._statements(node.body)
        self.loop_depth -= 1
        self.frames.pop()
        if self.cfg.reachable and frame.dying:
            self._emit(Kill(self.pos.end(node.body[-1]), frame.dying, "iteration"))
        self.cfg.jump(head)
        self.cfg.current = None
        self.flags.forget(bound)

    def _dying(self, node: ast.For | ast.AsyncFor | ast.While) -> tuple[str, ...]:
        """Returns the locals bound in a loop body that nothing outside the body reads: each
        iteration's value is lost when the next one starts."""
        inside = [n for statement in node.body for n in walk(statement) if isinstance(n, ast.Name)]
        if not isinstance(node, ast.While):
            inside += [n for n in walk(node.target) if isinstance(n, ast.Name)]
        loads = Counter(n.id for n in inside if isinstance(n.ctx, ast.Load))
        bound = {n.id for n in inside if isinstance(n.ctx, ast.Store)}
        if self.loads is None:
            self.loads = Counter(n.id for n in self.unit.every(self.node)
                                 if n.__class__ is ast.Name and n.ctx.__class__ is ast.Load)
        return tuple(sorted(self._name(name) for name in bound
                            if self.scope.is_local(name) and self.loads[name] == loads[name]))

    def _jump(self, node: ast.Break | ast.Continue) -> None:
        # Ex) continue   (before the close: the next iteration overwrites the socket)
        index = next((i for i in range(len(self.frames) - 1, -1, -1) if self.frames[i].kind == "loop"), None)
        if index is None:
            self.cfg.current = None
            return
        frame = self.frames[index]
        is_break = isinstance(node, ast.Break)
        self._unwind(index + 1)
        if frame.dying:
            self._emit(Kill(self.pos.span(node), frame.dying, "break" if is_break else "continue"))
        self.cfg.jump(frame.break_to if is_break else frame.continue_to)
        self.cfg.current = None

    def _match(self, node: ast.Match) -> None:
        # Ex) match msg: case {"op": "close"}: sock.close()
        subject = self._value(node.subject)
        self._kill_temps(node.subject)
        head, after = self.cfg.current, self.cfg.new_block()
        for case in node.cases:
            self.cfg.current = head
            block = self.cfg.new_block()
            self.cfg.goto(block)
            for capture in ast.walk(case.pattern):
                name = getattr(capture, "name", None) if isinstance(capture, (ast.MatchAs, ast.MatchStar)) else None
                if name:
                    whole = isinstance(capture, ast.MatchAs) and capture.pattern is None and capture is case.pattern
                    self._emit(Assign(self.pos.span(capture), name, subject if whole else None))
            self._value(case.guard)
            self._statements(case.body)
            self.cfg.jump(after)
        self.cfg.current = head
        self.cfg.jump(after)
        self.cfg.start(after)
        self.flags.forget(bound_names(node))


_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar, ast.Match,
             ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


_VIEWS = frozenset({"values", "items", "copy"})


def _switches(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[tuple[str, bool | None], ...]:
    """Returns the parameters whose default is True, None or False, with it (see FunctionIR.switches):
    a False one only where the function never compares it with None (the engine reads False as it
    reads None, falsy, and `checkout is not None` would prove the opposite)."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    pairs = [*zip(positional[len(positional) - len(args.defaults):], args.defaults),
             *zip(args.kwonlyargs, args.kw_defaults)]
    found = [(arg.arg, default.value) for arg, default in pairs
             if isinstance(default, ast.Constant) and (isinstance(default.value, bool) or default.value is None)]
    if not any(value is False for _, value in found):
        return tuple(found)
    # Ex) def get_socket(self, all_credentials, checkout=False):   (`if not checkout:` decides what it keeps)
    tested = {n.left.id for n in walk(node) if isinstance(n, ast.Compare) and isinstance(n.left, ast.Name)
              and any(isinstance(c, ast.Constant) and c.value is None for c in n.comparators)}
    return tuple((name, value) for name, value in found if value is not False or name not in tested)


def _elements(node: ast.expr) -> ast.expr:
    """Returns the container whose elements a loop visits through a view or copy, else `node`."""
    # Ex) for conn in self._conns.values():   Ex) for host, conn in list(self._conns.items()):
    # Ex) for fd in pipes.values():
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and isinstance(node.func, ast.Name) \
            and node.func.id in ("list", "tuple", "sorted", "reversed"):
        return _elements(node.args[0])
    # Ex) for f in filter(None, (self.stdin, self.stdout)): f.close()   (every element but the empty ones)
    if isinstance(node, ast.Call) and len(node.args) == 2 and not node.keywords and isinstance(node.func, ast.Name) \
            and node.func.id == "filter" and isinstance(node.args[0], ast.Constant) and node.args[0].value is None:
        return _elements(node.args[1])
    if isinstance(node, ast.Call) and not node.args and isinstance(node.func, ast.Attribute) \
            and node.func.attr in _VIEWS and isinstance(node.func.value, (ast.Attribute, ast.Name)):
        return node.func.value
    return node


def _test_code(path: str) -> bool:
    """Reports whether `path` is test code by its name (`test_x.py`, `test__x.py`, `x_test.py`,
    `conftest.py`, a file under `test/`, `tests/`, `testing/` or `x_tests/`), where assertions run
    and raise (production code may run under `python -O`). Directories are matched whole, so a
    checkout under `/home/tester` or the stdlib's `unittest/` package is not test code."""
    *directories, name = path.replace("\\", "/").split("/")
    stem = name.removesuffix(".py")
    return stem.startswith("test") or stem.endswith("_test") or stem == "conftest" \
        or any(part in ("test", "tests", "testing") or part.endswith(("_test", "_tests")) for part in directories)
