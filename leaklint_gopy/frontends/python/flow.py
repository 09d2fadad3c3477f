"""How control leaves Python statements: `with` and `finally` become releases on every way out
(fall-through, return, break, continue, raise, an exception from a call, a generator dropped at a
`yield`); every call may raise, ending its block with an exceptional edge to the innermost handler
or to an `exception` exit. Mixed into the statement lowerer."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace

from leaklint_gopy.frontends.python import infer, mocks
from leaklint_gopy.frontends.python.callees import short
from leaklint_gopy.frontends.python.flags import bound_names
from leaklint_gopy.frontends.python.nodes import walk
from leaklint_gopy.ir import UNWINDING, Assign, Call, Edge, Exit, Span

# Handlers that catch whatever a socket or HTTP call raises: nothing propagates past them.
_CATCH_ALL = frozenset({"BaseException", "Exception", "OSError", "IOError", "EnvironmentError", "error",
                        "socket.error", "RequestException", "requests.RequestException",
                        "requests.exceptions.RequestException", "HTTPError", "URLError", "ClientError"})
# Ex) try: await loop.sock_connect(sock, a) except OSError: sock.close(); raise   (cancellation passes by)
_CATCH_CANCEL = frozenset({"BaseException", "CancelledError"})
_ABORT_EXCEPTIONS = frozenset({"SystemExit", "KeyboardInterrupt"})
_EXPECTS = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "raises"})


@dataclass(slots=True, eq=False)
class Frame:
    """A construct a jump out of the current statement must pass: loop, finally, with or handler."""

    kind: str
    span: Span
    break_to: int = -1
    continue_to: int = -1
    dying: tuple[str, ...] = ()
    finalbody: list[ast.stmt] = field(default_factory=list)
    exit_call: Call | None = None
    dispatch: int = -1
    pads: dict[tuple, int] = field(default_factory=dict)
    tests: frozenset[str] = frozenset()  # names the finally body reads: its copies differ by their flags


class FlowLowering:
    """The control-flow half of the statement lowerer (see lower.FunctionLowerer for its state)."""

    # -- with, try, raise ---------------------------------------------------------------------------
    def _with(self, node: ast.With | ast.AsyncWith, index: int) -> None:
        # Ex) with socket.create_connection(addr) as s, open(path) as f: ...
        if index == len(node.items):
            self._statements(node.body)
            return
        item = node.items[index]
        manager = self._value(item.context_expr)
        kept = self._take_temps()
        if item.optional_vars is not None:
            self._bind_path(item.optional_vars, manager, item.context_expr)
            self._unbind(item.optional_vars)
        method = "__aexit__" if isinstance(node, ast.AsyncWith) else "__exit__"
        span = self.pos.span(item.context_expr)
        exit_call = Call(span, f"?.{method}", f"{short(item.context_expr)}.{method}", manager,
                         awaited=isinstance(node, ast.AsyncWith)) if manager else None
        frame = Frame("with", span, exit_call=exit_call)
        self.frames.append(frame)
        swallowed = _swallows(item.context_expr)
        patched = self._patched(item.context_expr)
        self.patched += patched
        if swallowed:
            self._swallowing(node, index, swallowed)
        else:
            self._with(node, index + 1)
        del self.patched[len(self.patched) - len(patched):]
        self.frames.pop()
        if self.cfg.reachable:
            self._cleanup(frame)
        self.pending = kept
        self._kill_temps(node)

    def _patched(self, manager: ast.expr) -> list[str]:
        """Returns the names a `mock.patch` makes mocks of: the target patched whole, a class whose
        opening method is patched (`patch.object(subprocess.Popen, "_execute_child")`) or the
        attribute `patch.object` replaces (`patch.object(socket, "socket")`); none for a patch whose
        mock calls the real object (`wraps=`)."""
        # Ex) with unittest.mock.patch.object(subprocess.Popen, "_execute_child"): Popen(cmd)
        if isinstance(manager, ast.Call) and manager.args and self._dotted(manager.func) in _MULTIPLE:
            # Ex) mock.patch.multiple(APIClient, get=fake_get)   (APIClient.get is a fake)
            target = _patch_target(manager.args[0]) or self._dotted(manager.args[0])
            return [f"{target}.{k.arg}" for k in manager.keywords if k.arg is not None] if target else []
        if not isinstance(manager, ast.Call) or not manager.args or self._dotted(manager.func) not in infer.PATCHERS \
                or mocks.keeps_real(manager):
            return []  # Ex) patch.object(socket, "socket", wraps=socket.socket)   (the real class makes them)
        first = manager.args[0]
        named = _patch_target(first)
        if named is not None:
            # Ex) mock.patch("subprocess.Popen")   Ex) patch("%s.open" % __name__, mock_open())
            module, _, name = named.rpartition(".")
            module = self.module.name if module == "__name__" else module
            if module in ("builtins", self.module.name):
                # Patching M.open replaces the name `open` that M's functions look up at call time.
                return [named, self.module.resolve_global(name) or named]
            return [named]
        target = self._dotted(first)
        method = manager.args[1].value if len(manager.args) > 1 and isinstance(manager.args[1], ast.Constant) else None
        if not target or not isinstance(method, str):
            return []
        # Ex) patch.object(socket, "socket", side_effect=[failing_sock, working_sock])   (socket.socket is a mock)
        return [target, f"{target}.{method}"] if method == infer.OPENING_METHODS.get(target) else [f"{target}.{method}"]

    def _swallowing(self, node: ast.With | ast.AsyncWith, index: int, kind: str) -> None:
        """Lowers the body of `with self.assertRaises(E):` or `with suppress(E):`: an exception in it
        continues after the block; an assertRaises body that completes fails the test (an abort)."""
        # Ex) with self.assertRaises(TypeError): socket.socket(fileno=42.5)   (nothing is acquired)
        after = self.cfg.new_block()
        self.frames.append(Frame("handler", self.pos.span(node), dispatch=after))
        self.expecting += kind == "expects"
        self._with(node, index + 1)
        self.expecting -= kind == "expects"
        self.frames.pop()
        if kind == "expects":
            self._emit(Exit(self.pos.end(node.body[-1]), "abort"))
        self.cfg.jump(after)
        self.cfg.start(after)

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        # Ex) try: sock.connect(a) except OSError: sock.close(); raise   finally: ...
        final = None
        if node.finalbody:
            reads = frozenset(n.id for s in node.finalbody for n in walk(s) if isinstance(n, ast.Name))
            final = Frame("finally", self.pos.span(node), finalbody=node.finalbody, tests=reads)
            self.frames.append(final)
        if node.handlers:
            self._handled(node)
        else:
            self._statements(node.body)
        if final is not None:
            self.frames.pop()
            if self.cfg.reachable:
                self._cleanup(final)

    def _handled(self, node: ast.Try | ast.TryStar) -> None:
        """Lowers try/except/else: exceptions of the body go to a dispatch block that enters every
        handler and, unless one catches everything a network call raises, propagates outward."""
        dispatch, join = self.cfg.new_block(), self.cfg.new_block()
        entry = self.flags.snapshot()
        self.frames.append(Frame("handler", self.pos.span(node), dispatch=dispatch))
        # Ex) try: connect(a) except OSError: pass else: self.fail("...")
        # Ex) try: call_create_and_bind(conf); self.fail() except ValueError: ...   (the body ends failing)
        expects = _fails_test(node.orelse) or len(node.body) > 1 and _fails_test(node.body[-1:]) \
            or self._in_test() and _asserts_caught(node, self.node)
        # Ex) try: sock = self.sockets.popleft() except IndexError: sock = self.connect()   (the pop may fail)
        lookup = any(_catches_lookup(handler.type) for handler in node.handlers)
        self.expecting += expects
        self.fallible += lookup
        self._statements(node.body)
        self.fallible -= lookup
        self.expecting -= expects
        self.frames.pop()
        self._statements(node.orelse)
        ends = [self.flags.snapshot()] if self.cfg.reachable else []
        self.cfg.jump(join)
        self.cfg.start(dispatch)
        blocks = [self.cfg.new_block() for _ in node.handlers]
        for handler, block in zip(node.handlers, blocks):
            self.cfg.jump(block, handled=True, catches=self._caught(handler.type))
        # Ex) try: sock.connect(sa) except socket.error: sock.close()   (gevent: a Timeout passes by)
        cancellable = isinstance(self.node, ast.AsyncFunctionDef) and _awaits(node.body) \
            or self.unit.green() and _calls(node.body)
        if not any(_catches_all(handler.type, cancellable) for handler in node.handlers):
            landing = self._landing("exception", self.pos.span(node))
            if cancellable and any(_catches_all(handler.type) for handler in node.handlers):
                landing = self._cancelled(self.pos.span(node), landing)  # what OSError handlers let by
            self.cfg.jump(landing)
        self.cleaning += 1
        bound = set().union(*map(bound_names, node.body))
        for handler, block in zip(node.handlers, blocks):
            self.flags.restore(entry)
            self.flags.forget(bound | {handler.name or ""})
            self.cfg.start(block)
            if handler.name:
                self._emit(Assign(self.pos.span(handler), handler.name, None))
            self._statements(handler.body)
            if self.cfg.reachable:
                ends.append(self.flags.snapshot())
            self.cfg.jump(join)
        self.cleaning -= 1
        self.flags.merge(ends)
        self.cfg.start(join)

    def _caught(self, node: ast.expr | None) -> tuple[str, ...]:
        """Returns the qualified classes an except clause names (`ssl.SSLError`), or () when it
        catches everything or names one that is not resolved."""
        items = node.elts if isinstance(node, ast.Tuple) else [node] if node is not None else []
        names = tuple(self._dotted(item) for item in items)
        return names if names and all(names) else ()

    def _cancelled(self, span: Span, landing: int) -> int:
        """Returns a block on the way to `landing` where the exception is the task's cancellation,
        not the failure of the call that raised in the try body (its handlers caught that)."""
        # Ex) try: await loop.sock_connect(sock, a) except OSError: sock.close(); raise
        block = self.cfg.new_block()
        self.cfg.blocks[block].ops.append(Call(span, "asyncio.CancelledError", "cancelled"))
        self.cfg.blocks[block].succs.append(Edge(landing, exceptional=True))
        return block

    def _raise(self, node: ast.Raise) -> None:
        # Ex) raise ConnectionError("handshake failed")   (inside try: goes to the handlers)
        self._value(node.exc)
        self._value(node.cause)
        self._kill_temps(node)
        exception = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if exception is not None and short(exception) in _ABORT_EXCEPTIONS:
            self._emit(Exit(self.pos.span(node), "abort"))
            return
        saved = self.frames
        for index in range(len(saved) - 1, -1, -1):
            frame = saved[index]
            if frame.kind == "handler":
                self.cfg.jump(frame.dispatch)
                self.cfg.current = None
                return
            self.frames = saved[:index]
            self._cleanup(frame)
            self.frames = saved
            if not self.cfg.reachable:
                return
        # Ex) if data != expected: raise AssertionError(data)   (in a module body: the script ends)
        self._emit(Exit(self.pos.span(node), "raise" if self.raises else "abort"))

    # -- exits through frames -----------------------------------------------------------------------
    def _cleanup(self, frame: Frame, raising: bool = False) -> None:
        """Emits what leaving `frame` runs: a finally body or a context manager's exit (`raising`: on
        an exception's way out, which the exit call's kwargs say: a @contextmanager generator gets
        the exception at its yield, and its own handlers decide, see Acquire.managed)."""
        if frame.kind == "finally":
            self.cleaning += 1
            pending, self.pending = self.pending, []  # a return's value must outlive the finally body
            self._statements(frame.finalbody)
            self.pending = pending
            self.cleaning -= 1
        elif frame.kind == "with" and frame.exit_call is not None:
            self._emit(replace(frame.exit_call, kwargs=(*frame.exit_call.kwargs, UNWINDING)) if raising else frame.exit_call)

    def _unwind(self, depth: int) -> None:
        """Emits the cleanups of every frame above `depth`, innermost first (return, break, continue)."""
        saved, flags = self.frames, self.flags.snapshot()
        for index in range(len(saved) - 1, depth - 1, -1):
            if not self.cfg.reachable:
                break
            self.frames = saved[:index]
            self._cleanup(saved[index])
        self.frames = saved
        self.flags.restore(flags)

    def _may_raise(self, span: Span) -> None:
        """Ends the current block after a call with an exceptional edge to where its exception goes.
        Cleanup code (finally and except bodies) is taken not to raise: it is where closes live."""
        if not self.cleaning and self.raises:
            self._branch_out(self._landing("exception", span), exceptional=True)

    def _suspend(self, span: Span) -> None:
        """At a `yield` of a plain generator: the consumer may drop it here (only finally blocks run)."""
        if self.generator:
            self._branch_out(self._landing("abandon", span), exceptional=False)

    def _branch_out(self, target: int, exceptional: bool) -> None:
        current = self.cfg.current
        if current is None:
            return
        following = self.cfg.new_block()
        self.cfg.blocks[current].succs.append(Edge(following))
        self.cfg.blocks[current].succs.append(Edge(target, exceptional=exceptional))
        self.cfg.current = following

    def _landing(self, kind: str, span: Span) -> int:
        return self._pad(len(self.frames), kind, span)

    def _pad(self, depth: int, kind: str, span: Span) -> int:
        """Returns the block an exception (or abandonment) raised under `frames[:depth]` goes to."""
        if depth == 0:
            block = self.cfg.new_block()
            self.cfg.blocks[block].ops.append(Exit(span, kind))  # type: ignore[arg-type]
            return block
        frame = self.frames[depth - 1]
        if frame.kind == "loop" or frame.kind == "handler" and kind != "exception":
            return self._pad(depth - 1, kind, span)
        if frame.kind == "handler":
            return frame.dispatch
        key = (kind, tuple(sorted((n, repr(v)) for n, v in self.flags.known.items() if n in frame.tests)))
        if key in frame.pads:
            return frame.pads[key]
        block = self.cfg.new_block()
        frame.pads[key] = block
        saved_current, saved_frames, saved_pending = self.cfg.current, self.frames, self.pending
        flags = self.flags.snapshot()
        self.cfg.start(block)
        self.frames, self.pending = saved_frames[:depth - 1], []
        self._cleanup(frame, raising=kind == "exception")
        if self.cfg.reachable:
            self.cfg.jump(self._pad(depth - 1, kind, frame.span))
        self.cfg.current, self.frames, self.pending = saved_current, saved_frames, saved_pending
        self.flags.restore(flags)
        return block


_MULTIPLE = frozenset({"unittest.mock.patch.multiple", "mock.patch.multiple"})


def _patch_target(node: ast.expr) -> str | None:
    """Returns the dotted name a `mock.patch` target string spells, `__name__` standing for the
    module's own name (`"%s.open" % __name__`, `__name__ + ".open"`, `f"{__name__}.open"`)."""
    match node:
        case ast.Constant(value=str() as text):
            return text
        case ast.BinOp(left=ast.Constant(value=str() as text), op=ast.Mod(), right=ast.Name(id="__name__")) \
                if text.startswith("%s."):
            return "__name__" + text[2:]
        case ast.BinOp(left=ast.Name(id="__name__"), op=ast.Add(), right=ast.Constant(value=str() as text)) \
                if text.startswith("."):
            return "__name__" + text
        case ast.JoinedStr(values=[ast.FormattedValue(value=ast.Name(id="__name__")), ast.Constant(value=str() as text)]) \
                if text.startswith("."):
            return "__name__" + text
    return None


class Expectations:
    """Where a function expects exceptions, read from all of its `nodes` once for all its nested
    functions (a walk per nested function read a test method with many of them again and again)."""

    __slots__ = ("callables", "bodies", "uses")

    def __init__(self, nodes: list[ast.AST]) -> None:
        # Ex) def raise_timeout(): sock.accept()   ...   self.assertRaises(TimeoutError, raise_timeout)
        self.callables: set[int] = set()
        self.bodies: set[int] = set()
        self.uses: dict[str, list[int]] = {}
        for node in nodes:  # (all of the function's: ModuleUnit.every)
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    self.uses.setdefault(node.id, []).append(id(node))
            elif isinstance(node, (ast.With, ast.AsyncWith)) and any(_swallows(i.context_expr) == "expects"
                                                                     for i in node.items):
                self.bodies.update(id(n) for stmt in node.body for n in walk(stmt) if isinstance(n, ast.Name))
            elif isinstance(node, ast.Call) and len(node.args) > 1 and short(node.func).rpartition(".")[2] in _EXPECTS:
                self.callables.add(id(node.args[1]))

    def of(self, name: str) -> tuple[bool, bool]:
        """Reports whether every use of `name` in the function is where an exception is expected:
        (the callable given to assertRaises (`self.assertRaises(E, name)`) or inside the body of
        `with self.assertRaises(E):`, the callable given to assertRaises only). A nested function
        used only so is meant to raise; one only given as the callable raises at once (nothing it
        calls is meant to succeed)."""
        uses = self.uses.get(name)
        if not uses:
            return False, False
        callables, bodies = self.callables, self.bodies
        return all(u in callables or u in bodies for u in uses), all(u in callables for u in uses)


def _swallows(manager: ast.expr) -> str:
    """Returns `expects` for a context manager that requires an exception (assertRaises,
    pytest.raises), `suppresses` for contextlib.suppress, "" for any other."""
    if not isinstance(manager, ast.Call):
        return ""
    name = short(manager.func).rsplit(".", 1)[-1]
    return "expects" if name in _EXPECTS else "suppresses" if name == "suppress" else ""


def _fails_test(body: list[ast.stmt]) -> bool:
    """Reports whether statements start by failing a test (`self.fail(...)`, `pytest.fail(...)`,
    `raise AssertionError`): in a try's `else`, the body is expected to raise."""
    match body[:1]:
        case [ast.Expr(value=ast.Call(func=ast.Attribute(attr="fail")))]:
            return True
        case [ast.Raise(exc=exc)] if exc is not None:
            return short(exc.func if isinstance(exc, ast.Call) else exc).rpartition(".")[2] in ("AssertionError",
                                                                                               "failureException")
    return False


def _asserts_caught(node: ast.Try | ast.TryStar, function: ast.AST) -> bool:
    """Reports whether a try only binds a call's result that `function` never reads, and each of
    its handlers only asserts on the exception it catches: a test expecting the call to fail.
    Ex) try: fd = open(target, 'w+') except OSError as e: self.assertEqual(e.errno, errno.EPERM)"""
    match node.body:
        case [ast.Assign(targets=[ast.Name(id=name)], value=ast.Call())]:
            pass
        case _:
            return False
    if node.orelse or any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
                          for n in walk(function)):
        return False
    return all(handler.name and handler.body and all(_asserts_on(s, handler.name) for s in handler.body)
               for handler in node.handlers)


def _asserts_on(statement: ast.stmt, name: str) -> bool:
    """Reports whether `statement` is an assertion (`self.assertEqual(...)`) reading `name`."""
    match statement:
        case ast.Expr(value=ast.Call(func=ast.Attribute(attr=attr)) as call) if attr.startswith("assert"):
            return any(isinstance(n, ast.Name) and n.id == name for n in walk(call))
    return False


def _catches_all(node: ast.expr | None, cancellable: bool = False) -> bool:
    """Reports whether an except clause catches what socket and HTTP calls raise; around an
    `await` (`cancellable`), also the task's cancellation (a BaseException, not an OSError)."""
    if node is None:
        return True
    if isinstance(node, ast.Tuple):
        return any(_catches_all(item, cancellable) for item in node.elts)
    last = short(node).rsplit(".", 1)[-1]
    return last in _CATCH_CANCEL if cancellable else short(node) in _CATCH_ALL or last in _CATCH_ALL


def _calls(body: list[ast.stmt]) -> bool:
    """Reports whether statements call anything (on green threads, where a switch may raise)."""
    return any(isinstance(n, ast.Call) for s in body for n in walk(s))


def _awaits(body: list[ast.stmt]) -> bool:
    """Reports whether statements await (where a task's cancellation is raised)."""
    return any(isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)) for s in body for n in walk(s))


_LOOKUP_ERRORS = frozenset({"IndexError", "KeyError", "LookupError", "StopIteration", "Empty"})


def _catches_lookup(kind: ast.expr | None) -> bool:
    """Reports whether an except clause names a lookup error (`IndexError`, `queue.Empty`, ...)."""
    kinds = kind.elts if isinstance(kind, ast.Tuple) else [kind] if kind is not None else []
    return any(short(k).rpartition(".")[2] in _LOOKUP_ERRORS for k in kinds)
