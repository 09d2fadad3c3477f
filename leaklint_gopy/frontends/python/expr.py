"""Lowers Python expressions to IR ops on access paths: calls (with their resolved callee,
receiver, arguments and keyword texts), aliases, container elements, closures and yields.

Calls are resolved in calls.py; control flow (exception edges, generator suspension, frames)
belongs to the statement lowerer in lower.py, which extends this class. Nothing here reports.
"""
from __future__ import annotations

import ast
from dataclasses import replace

from leaklint_gopy.frontends.cfg import CFGBuilder
from leaklint_gopy.frontends.python import constant_tests, infer
from leaklint_gopy.frontends.python.calls import CONTAINER_CALLS, CallLowering
from leaklint_gopy.frontends.python.classes import ClassInfo, looks_like_class, stored_attributes
from leaklint_gopy.frontends.python.declared import declared_class
from leaklint_gopy.frontends.python.exported import exported_fields
from leaklint_gopy.frontends.python.localscope import LocalScope
from leaklint_gopy.frontends.python.nodes import walk
from leaklint_gopy.frontends.python.unit import ModuleUnit
from leaklint_gopy.ir import Assign, Call, Capture, FunctionIR, Guard, Span, Store

_DISPLAYS = (ast.List, ast.Set, ast.Dict, ast.Tuple, ast.ListComp, ast.SetComp, ast.DictComp)


class ExpressionLowerer(CallLowering):
    """Expression half of one function's lowering; `lower.FunctionLowerer` adds statements."""

    def __init__(self, unit: ModuleUnit, qualname: str, scope: LocalScope, klass: ClassInfo | None,
                 outer: frozenset[str], out: list[FunctionIR]) -> None:
        self.unit, self.qualname, self.scope, self.klass = unit, qualname, scope, klass
        self.outer, self.out = outer, out
        self.module = unit.scope
        self.pos = unit.positions
        self.cfg = CFGBuilder()
        self.temps = 0
        self.pending: list[str] = []
        self.constants: dict[str, bool] = {}  # the outcomes of the constant tests around this point
        self.types: dict[str, str] = {}
        self.origins: dict[str, str] = {}
        self.containers: set[str] = set()
        self.tasks: set[str] = set()  # green threads and futures this function started: each keeps its function's result
        self.spawned: dict[int, ast.Call] = {}  # calls a green thread runs later (spawn(f, ...) lowered as f(...))
        self.renames: dict[str, str] = {}
        self.loop_depth = 0
        self.comprehensions = 0
        self.receiver = ""
        self.class_param = ""  # a classmethod's first parameter: calling it builds an object of the class
        self.contextmanager = False
        self.yielded: list[str | None] = []  # what a @contextmanager generator yields (see lower._handed_back)
        self.shared: frozenset[str] = frozenset()  # globals this function rebinds: its owner's fields
        self.captured: set[str] = set()  # names a stored closure reads: what they hold later is its too
        self.awaited: set[int] = set()  # the calls under `await`: an async close not awaited never runs
        self.file_results: frozenset[int] | None = None  # calls whose results are used as files (file_use), once asked
        self.methods: dict[str, str] = {}  # locals holding a bound method (`close = x.close`): name -> `x.close`
        self.patched: list[str] = []  # classes an enclosing `with mock.patch(...)` makes open nothing
        self.meant_to_raise = False  # a nested function used only where an exception is expected
        self.generated: dict[int, list] = {}  # generator expression -> (iterable node, path) per `for`
        self.swapped: set[str] = set()  # calls made inert by a swap of their library's class (fakehttp)
        self.rebound: dict[str, ast.expr] = {}  # attributes this function assigned a function: path -> its value

    # -- hooks the statement lowerer provides ----------------------------------------------------
    def _may_raise(self, span: Span) -> None:
        """Ends the current block after a call with an edge to where its exception goes."""
        raise NotImplementedError

    def _suspend(self, span: Span) -> None:
        """Marks a `yield` where the generator's consumer may drop it."""
        raise NotImplementedError

    def _lower_closure(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Lowers a nested function (once) as a FunctionIR of its own."""
        raise NotImplementedError

    # -- small helpers ----------------------------------------------------------------------------
    def _temp(self) -> str:
        self.temps += 1
        name = f"$t{self.temps}"
        self.pending.append(name)
        return name

    def _await(self, node: ast.expr) -> None:
        """Notes the call `node` awaits (`await client.aclose()`), if it awaits one."""
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            self.awaited.add(id(node.value))

    def _emit(self, op) -> None:
        if self.constants and isinstance(op, Call):
            # Ex) else: fp = open(file)   (under `file != '-'`: see constant_tests)
            op = replace(op, kwargs=op.kwargs + constant_tests.flags(self.constants))
        self.cfg.emit(op)

    def _is_local(self, name: str) -> bool:
        return self.scope.is_local(name) or name in self.outer or name in self.renames

    def _name(self, name: str) -> str:
        return self.renames.get(name, name)

    # -- values -----------------------------------------------------------------------------------
    def _value(self, node: ast.expr | None) -> str | None:
        """Lowers an expression (emitting its calls) and returns its access path, if it has one."""
        match node:
            case None | ast.Constant():
                return None
            case ast.Name(id=name):
                if name in self.scope.functions and self.scope.is_local(name):
                    self._capture(name, "value", node)  # Ex) atexit.register(cleanup)
                    return None
                return self._name(name)
            case ast.Attribute(value=base, attr=attr):
                path = self._value(base)
                return f"{path}.{attr}" if path else None
            case ast.Subscript(value=base, slice=index):
                # Ex) socks[0]   Ex) self.ntransfercmd(cmd)[0]   (an element of a container or a result)
                path = self._value(base)
                self._value(index)
                plain = isinstance(base, ast.Name) or path in self.containers or path and path.startswith("$")
                return path if plain else None
            case ast.Call(args=[kind, inner]) if self._cast_of(node):
                # Ex) self._file = cast(BinaryIO, open(path, "wb"))   (cast returns its argument)
                self._value(kind)
                return self._value(inner)
            case ast.Call() if self._getattr_of(node):
                # Ex) sock = getattr(self, "_sock", None)   (the field itself, or a default)
                path = self._value(node.args[0])
                for extra in node.args[1:]:
                    self._value(extra)
                return f"{path}.{node.args[1].value}" if path else None
            case ast.Call(func=ast.Attribute(value=base, attr="get" | "wait" | "result")) \
                    if self._plain_path(base) in self.tasks:
                # Ex) conn, addr = task.get()   (the result the task keeps)
                for arg in node.args:
                    self._value(arg)
                return self._plain_path(base)
            case ast.Call(func=ast.Attribute(value=base, attr="pop" | "popleft" | "popitem" | "get")) \
                    if self._plain_path(base) in self.containers:
                # Ex) self._conns.pop(host).close()   (an element taken out of a container)
                for arg in node.args:
                    self._value(arg)
                if self.fallible:
                    # Ex) try: sock = self.sockets.popleft() except IndexError: sock = self.connect()
                    # (the handler says the container may be empty)
                    self._may_raise(self.pos.span(node))
                return self._plain_path(base)
            case ast.Call(func=ast.Name(), args=[], keywords=keywords) if keywords and all(
                    k.arg for k in keywords) and self._dotted(node.func) == "builtins.dict":
                # Ex) dict(w=w)   (a dict display spelled as a call: it holds its values)
                return self._collect([k.value for k in keywords])
            case ast.Call():
                temp = self._temp()
                return temp if self._call(node, (temp,)) is not None else None
            case ast.Await(value=inner) | ast.Starred(value=inner):
                self._await(node)
                return self._value(inner)
            case ast.NamedExpr(target=ast.Name(id=name), value=value):
                # Ex) if (s := get_socket()) is not None:
                self._bind_value(node.target, value)
                self._unbind(node.target)
                return self._name(name)
            case ast.Tuple() | ast.List() | ast.Set():
                return self._collect(node.elts)
            case ast.Dict():
                for key in node.keys:
                    self._value(key)
                return self._collect(node.values)
            case ast.IfExp(test=test, body=body, orelse=orelse):
                self._value(test)
                return self._collect([body, orelse], container=False)
            case ast.BoolOp(values=values):
                return self._collect(values, container=False)
            case ast.Lambda():
                names = free_names(node, self._visible())
                if self.receiver in names and self._reads_constants(node):
                    # Ex) lambda: pair[1].send(self.MSG_CONTENT)   (a class constant of its object: it does
                    # nothing to what the object's fields hold)
                    names = tuple(name for name in names if name != self.receiver)
                self._capture_names(names, "value", node)
                return None
            case ast.ListComp() | ast.SetComp() | ast.GeneratorExp() | ast.DictComp():
                return self._comprehension(node)
            case ast.Yield() | ast.YieldFrom():
                return self._yield(node)
            case ast.JoinedStr():
                for value in infer.opened_by_number(node):
                    # Ex) f"with open({w}, 'wb') as chan: ..."   (the script run in a subinterpreter owns w)
                    if isinstance(value, ast.Name):
                        self._emit(Store(self.pos.span(value), self._name(value.id)))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._value(child)
        return None

    def _collect(self, items: list[ast.expr], container: bool = True) -> str | None:
        """Returns a temporary holding every element path (Ex) [a, b]  Ex) sock or fallback)."""
        paths = [self._value(item) for item in items]
        if not any(paths):
            return None
        temp = self._temp()
        if container:
            self.containers.add(temp)
        for path in paths:
            if path is not None:
                self._emit(Assign(self.pos.span(items[0]), temp, path, accumulate=True))
        return temp

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> str | None:
        # Ex) [socket.create_connection(a) for a in addrs]   Ex) [s.close() for s in socks]
        saved = dict(self.renames)
        self.comprehensions += 1
        iterables = []
        for generator in node.generators:
            iterable = self._value(generator.iter)
            iterables.append(iterable)
            for name in _target_names(generator.target):
                self.renames[name] = f"{name}${self.comprehensions}"  # its own scope: no clash with locals
            self._bind_path(generator.target, iterable if iterable in self.containers else None, generator.iter)
            for condition in generator.ifs:
                self._value(condition)
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        result = self._collect(elements)
        if not isinstance(node, ast.GeneratorExp):  # a list built now has run every iterable to its end
            for generator, iterable in zip(node.generators, iterables):
                self._exhausted(self.pos.span(generator.iter), generator.iter, iterable)
        else:  # a consumer running the generator runs them to their end (see _exhausted)
            self.generated[id(node)] = [(g.iter, i) for g, i in zip(node.generators, iterables)]
        self.renames = saved
        return result

    def _yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        value = self._value(node.value)
        span = self.pos.span(node)
        if self.contextmanager:
            self._may_raise(span)  # Ex) yield conn   (the with-body's exception is raised here)
            self.yielded.append(value)
            return None
        if value is not None:
            self._emit(Store(span, value))
        self._suspend(span)
        return None

    # -- binding ------------------------------------------------------------------------------------
    def _proxied(self, value: ast.expr) -> ast.Name | None:
        """Returns the name an instance built by `value`, a call of a class this function defines,
        forwards every attribute to (infer.forwarded_to); None for any other value."""
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not value.args
                and not value.keywords and value.func.id in self.scope.classes):
            return None
        definition = next((n for n in ast.walk(self.node) if isinstance(n, ast.ClassDef) and n.name == value.func.id), None)
        owner = infer.forwarded_to(definition) if definition is not None else None
        return ast.copy_location(ast.Name(id=owner, ctx=ast.Load()), value) if owner else None

    def _bind_value(self, target: ast.expr, value: ast.expr) -> None:
        """Lowers `target = value`, binding a call's results directly when the targets are plain names."""
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                and len(target.elts) == len(value.elts) and not any(isinstance(e, ast.Starred) for e in value.elts):
            # Ex) sock, self.sock = self.sock, None   (every value is read before any target is bound)
            sources = [self._value(element) for element in value.elts]
            for element, source, item in zip(target.elts, sources, value.elts):
                if isinstance(element, ast.Name) and isinstance(item, _DISPLAYS):
                    self.containers.add(self._name(element.id))  # Ex) fdmap, helpers = {}, {}
                self._bind_path(element, source, item)
            return
        if isinstance(target, ast.Name) and isinstance(value, _DISPLAYS):
            self.containers.add(self._name(target.id))  # Ex) socks = []
        if _enters(value):
            # Ex) proc = proc.__enter__()   (a resource's __enter__ returns the resource itself)
            self._bind_path(target, self._value(value.func.value), None)
            return
        forwarded = self._proxied(value)
        if forwarded is not None:
            # Ex) class proxy: def __getattribute__(self, name): return getattr(conn, name)
            #     result = proxy()   (its close is conn's: the proxy stands for conn)
            self._bind_path(target, self._value(forwarded), None)
            return
        self._await(value)
        call = value.value if isinstance(value, ast.Await) else value
        results = self._result_names(target) if isinstance(call, ast.Call) and not self._element_call(call) else None
        if results is None:
            self._bind_path(target, self._value(value), value)
            return
        lowered = self._call(call, results)
        if lowered is not None:
            self._note_type(target, call)
            self._note_declared(target, lowered.callee)
        elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
        for element, result in zip(elements, results):
            if result is not None and result.startswith("$"):
                # Ex) self._ssock, self._csock = socket.socketpair()
                self._bind_path(element, result if lowered is not None else None, None)

    def _element_call(self, node: ast.Call) -> bool:
        """Reports whether a call reads a field or container element (`_value` gives its path)."""
        func = node.func
        return self._getattr_of(node) or self._cast_of(node) or isinstance(func, ast.Attribute) \
            and (func.attr in ("pop", "popleft", "popitem", "get") and self._plain_path(func.value) in self.containers
                 or func.attr in ("get", "wait", "result") and self._plain_path(func.value) in self.tasks)

    def _cast_of(self, node: ast.Call) -> bool:
        """Reports whether `node` is `typing.cast(T, value)`, which returns `value` itself."""
        return len(node.args) == 2 and not node.keywords and self._dotted(node.func) == "typing.cast"

    def _getattr_of(self, node: ast.Call) -> bool:
        """Reports whether `node` is `getattr(obj, "name"[, default])`, which reads the field `obj.name`."""
        return isinstance(node.func, ast.Name) and not self._is_local(node.func.id) \
            and self.module.resolve_global(node.func.id) == "builtins.getattr" and 2 <= len(node.args) <= 3 \
            and not node.keywords and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) \
            and node.args[1].value.isidentifier()

    def _result_names(self, target: ast.expr) -> tuple[str | None, ...] | None:
        """Returns the paths a call's results are bound to: names, or temporaries for other targets."""
        # Ex) s = socket.socket()   Ex) conn, addr = srv.accept()   Ex) self.a, self.b = socketpair()
        if isinstance(target, ast.Name) and self._assignable(target.id):
            return (self._name(target.id),)
        if isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in target.elts):
            return tuple(self._name(e.id) if isinstance(e, ast.Name) and self._assignable(e.id) else self._temp()
                         for e in target.elts)
        return None

    def _assignable(self, name: str) -> bool:
        return name not in self.scope.declared_global and name not in self.scope.declared_nonlocal

    def _bind_path(self, target: ast.expr, source: str | None, value: ast.expr | None) -> None:
        """Binds `target` to the value at `source` (None: a fresh, untracked value)."""
        span = self.pos.span(target)
        match target:
            case ast.Name(id=name) if self._assignable(name) and source == self._name(name):
                return  # Ex) with socket.create_connection(a) as sock, file as file:   (rebinds itself)
            case ast.Name(id=name) if self._assignable(name):
                self._emit(Assign(span, self._name(name), source))
                self._note_method(self._name(name), source)
                if value is not None and isinstance(value, ast.Call):
                    self._note_type(target, value)
            case ast.Name(id=name) if name in self.shared:
                self._emit(Assign(span, name, source))  # Ex) global _client; _client = httpx.Client()
            case ast.Name():
                if source is not None:
                    self._emit(Store(span, source))  # Ex) nonlocal conn; conn = make()
            case ast.Attribute():
                path = self._value(target.value)
                if path in self.types and self._injected(self.types[path]) == target.attr:
                    self.types.pop(path)  # Ex) conn.sock = FakeSocket()   (conn will never connect)
                if path is not None and source is not None and path == self.receiver and self.klass is not None \
                        and target.attr in exported_fields(self.module, self.klass):
                    # Ex) self.stdin = PipeIOStream(in_w)   (a public field the class never reads: its users')
                    self._emit(Store(span, source))
                    self._emit(Assign(span, f"{path}.{target.attr}", None))
                elif path is not None:
                    self._emit(Assign(span, f"{path}.{target.attr}", source))
                elif source is not None:
                    self._emit(Store(span, source))
            case ast.Subscript(value=base, slice=index):
                self._value(index)
                path = self._value(base)
                if path in self.containers and path in self.captured and source is not None:
                    self._emit(Store(span, source))  # Ex) cleanup = lambda: close_all(conns); conns[k] = c
                elif path in self.containers and source is not None:
                    self._emit(Assign(span, path, source, accumulate=True))  # Ex) conns[key] = conn
                elif source is not None:
                    self._emit(Store(span, source))
            case ast.Tuple() | ast.List():
                for element in target.elts:
                    self._bind_path(element, source, None)
            case ast.Starred(value=inner):
                self._bind_path(inner, source, None)

    def _note_method(self, name: str, source: str | None) -> None:
        """Remembers that local `name` holds the bound method `source` (`close = getattr(x, "close")`)."""
        # Ex) close = getattr(x, "close", x); close()   (calls x.close)
        base, _, method = (source or "").rpartition(".")
        if base and method[:1].islower() and not method.startswith("__"):
            self.methods[name] = source
        else:
            self.methods.pop(name, None)

    def _note_type(self, target: ast.expr, call: ast.Call) -> None:
        """Remembers what class a name holds (`s = socket.socket()`) or which library call made it."""
        if not isinstance(target, ast.Name):
            return
        name = self._name(target.id)
        # Ex) handler = self._makeOne(path)   (an object of the class a hook of self picks: factories.py)
        dotted = self._dotted(call.func) or next(iter(self._hook_class(call.func) or ()), None) \
            or self._built_by_self(call.func)
        self.types.pop(name, None)
        self.origins.pop(name, None)
        if dotted in CONTAINER_CALLS:
            self.containers.add(name)
        elif dotted in infer.UNTYPED_CONSTRUCTIONS:
            return  # Ex) o = urllib.request.OpenerDirector()   (no handler: its open() acquires nothing known)
        elif dotted in infer.HANDLER_FACTORIES and self._tree_handler(call, infer.HANDLER_FACTORIES[dotted]):
            return  # Ex) opener = build_opener(FakeHandler())   (its open() returns what FakeHandler's does)
        elif dotted and looks_like_class(dotted, self.module):
            self.types[name] = dotted
        elif dotted and not self.module.is_tree(dotted):
            self.origins[name] = dotted

    def _note_declared(self, target: ast.expr, callee: str) -> None:
        """Types a name bound to the result of a tree function by the class of the tree it is
        declared to return, when nothing else typed it."""
        # Ex) conn = pool._get_conn()   (def _get_conn(self) -> BaseHTTPConnection: conn.request() is its)
        if isinstance(target, ast.Name) and self._name(target.id) not in self.types:
            declared = declared_class(self.module, callee)
            if declared is not None and self._name(target.id) not in self.origins:
                self.types[self._name(target.id)] = declared

    def _tree_handler(self, call: ast.Call, methods: frozenset[str]) -> bool:
        """Reports whether a call is given an instance of a class of the tree (or of the function)
        that defines one of `methods`."""
        for arg in call.args:
            if isinstance(arg, ast.Name) and arg.id not in self.types:
                arg = self._constructed(arg.id) or arg  # Ex) handler = Handler(); build_opener(handler)
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and self._local_class(arg.func.id):
                local = next((n for n in ast.walk(self.node) if isinstance(n, ast.ClassDef) and n.name == arg.func.id))
                if any(isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in methods
                       for item in local.body):
                    return True
                continue
            dotted = self._dotted(arg.func) if isinstance(arg, ast.Call) else self.types.get(self._plain_path(arg) or "")
            info = self.module.class_of(dotted) if dotted else None
            if info is not None and any(self.module.find_method(info, method) for method in methods):
                return True
        return False

    def _constructed(self, name: str) -> ast.Call | None:
        """Returns the call a local name is bound to in the function, when it is bound once, to a call."""
        values = [n.value for n in ast.walk(self.node) if isinstance(n, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]
        return values[0] if len(values) == 1 and isinstance(values[0], ast.Call) else None

    def _injected(self, dotted: str) -> str:
        """Returns the field through which a test injects what objects of class `dotted` would open."""
        info = self.module.class_of(dotted)
        bases = self.module.library_bases(info) if info is not None else [dotted]
        return next((infer.INJECTED_FIELDS[b] for b in bases if b in infer.INJECTED_FIELDS), "")

    # -- closures ---------------------------------------------------------------------------------
    def _visible(self) -> frozenset[str]:
        return frozenset(self.scope.assigned) | frozenset(self.scope.params) | self.outer

    def _capture(self, name: str, mode: str, node: ast.AST) -> None:
        function = self.scope.functions[name]
        self._lower_closure(function)
        names = free_names(function, self._visible())
        if mode == "value":
            self.captured.update(names)
        self._emit(Capture(self.pos.span(node), f"{self.qualname}.<locals>.{name}", names, mode))

    def _reads_constants(self, node: ast.Lambda) -> bool:
        """Reports whether lambda `node` uses the method's own object only to read attributes that
        its class (or a tree base) binds in the class body and no method rebinds or defines."""
        if self.klass is None:
            return False
        uses = [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == self.receiver]
        reads = [n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                 and n.value.id == self.receiver and isinstance(n.ctx, ast.Load)]
        if len(reads) != len(uses):
            return False
        members = self.module.lineage(self.klass)[0]
        constants = {t.id for member in members for statement in member.node.body
                     if isinstance(statement, (ast.Assign, ast.AnnAssign))
                     for t in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
                     if isinstance(t, ast.Name)}
        fields = set().union(*(stored_attributes(member) for member in members))
        return all(name in constants and name not in fields and not any(name in m.methods for m in members)
                   for name in reads)

    def _capture_names(self, names: tuple[str, ...], mode: str, node: ast.AST) -> None:
        if mode == "value":
            self.captured.update(names)
        if names:
            self._emit(Capture(self.pos.span(node), f"{self.qualname}.<lambda>", names, mode))

    # -- guards -----------------------------------------------------------------------------------
    def _guards(self, test: ast.expr) -> tuple[Guard | None, Guard | None]:
        """Returns what the true and false edges of `if test` prove about None-ness."""
        match test:
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                true, false = self._guards(operand)
                return false, true
            case ast.BoolOp(op=ast.And() | ast.Or() as op, values=[first, *rest]):
                # Ex) if self._session is None or self._session.closed:   (true: nothing open to lose)
                # Ex) if self.file and self.file.closed:   (true: every side holds, so the file is closed)
                index = 1 if isinstance(op, ast.And) else 0
                parts = [self._guards(value) for value in (first, *rest)]
                sides = [part[index] for part in parts]
                shared = sides[0] if all(s is not None and s.kind == "nil" and s.subject == sides[0].subject
                                         for s in sides) else None
                every = _conjoin([part[1 - index] for part in parts])
                return (every, shared) if index == 1 else (shared, every)
            case ast.Attribute(value=base, attr="closed" | "is_closed"):
                # Ex) if self._client.is_closed:   (already closed: nothing to leak on the true edge)
                subject = self._plain_path(base)
                return (Guard(subject, "nil") if subject else None), None
            case ast.Compare(left=left, ops=[ast.Is() | ast.IsNot() | ast.Eq() | ast.NotEq() as op], comparators=[other]) \
                    if self._module_object(other):
                # Ex) if g is not sys.stdout.buffer: g.close()   (what this function opened is no module's)
                # Ex) if self._logFile != log.logfile: self._logFile.close()   (a file's == is identity)
                subject = self._plain_path(left)
                if subject is None:
                    return None, None
                same = isinstance(op, (ast.Is, ast.Eq))
                return (Guard(subject, "nil"), None) if same else (None, Guard(subject, "nil"))
            case ast.Compare(left=left, ops=[ast.Is() | ast.Eq() | ast.IsNot() | ast.NotEq() as op],
                             comparators=[ast.Constant(value=None)]):
                # Ex) if sock is None:   Ex) if resp is not None:   Ex) while (c := accept()) is not None:
                subject = self._plain_path(left.target if isinstance(left, ast.NamedExpr) else left)
                if subject is None:
                    return None, None
                nil, nonnil = Guard(subject, "nil"), Guard(subject, "nonnil")
                return (nil, nonnil) if isinstance(op, (ast.Is, ast.Eq)) else (nonnil, nil)
            case ast.Compare() if (stream := constant_tests.standard_stream_test(test)) is not None:
                # Ex) if slave_fd > STDERR_FILENO: os.close(slave_fd)   (else: it is a standard stream)
                subject = self._plain_path(stream[0])
                if subject is None:
                    return None, None
                return (None, Guard(subject, "nil")) if stream[1] else (Guard(subject, "nil"), None)
            case ast.NamedExpr(target=target):
                return self._guards(target)
            case ast.Call(func=ast.Name(id="isinstance"), args=[value, kinds]) if _plain_kinds(kinds):
                # Ex) if isinstance(f, str): code = f.encode()   (true: f is a string, no file)
                subject = self._plain_path(value)
                return (Guard(subject, "nil") if subject else None), None
        subject = self._plain_path(test)
        return (Guard(subject, "nonnil"), Guard(subject, "nil")) if subject else (None, None)

    def _module_object(self, node: ast.expr) -> bool:
        """Reports whether `node` is an attribute of an imported module (`sys.stdout.buffer`): an
        object that exists apart from anything the function acquires."""
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        return root is not node and isinstance(root, ast.Name) and not self.scope.is_local(root.id) \
            and self.module.kinds.get(root.id) == "import"

    def _plain_path(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Attribute):
            base = self._plain_path(node.value)
            return f"{base}.{node.attr}" if base else None
        return None


def free_names(node: ast.AST, visible: frozenset[str]) -> tuple[str, ...]:
    """Returns the names of the enclosing function that a nested function or lambda uses."""
    own = LocalScope.of(node, "") if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else None
    used = {n.id for n in walk(node) if isinstance(n, ast.Name)}
    if own is not None:
        used -= {n for n in used if own.is_local(n)}
    return tuple(sorted(used & visible))


def _enters(value: ast.expr) -> bool:
    """Reports whether `value` is `x.__enter__()`."""
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
        and value.func.attr == "__enter__" and not value.args


def _target_names(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _conjoin(guards: list[Guard | None]) -> Guard | None:
    """Returns one guard proving everything the given ones prove (the edge on which each holds)."""
    found = None
    for guard in reversed(guards):
        while guard is not None:
            found = Guard(guard.subject, guard.kind, also=found)
            guard = guard.also
    return found


# Builtin types whose values hold no resource: where a value proves one of them, it is not one.
_PLAIN = frozenset({"str", "bytes", "bytearray", "int", "float", "bool", "complex"})


def _plain_kinds(kinds: ast.expr) -> bool:
    """Reports whether an isinstance() type argument names only builtin types holding no resource."""
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return bool(names) and all(isinstance(n, ast.Name) and n.id in _PLAIN for n in names)
