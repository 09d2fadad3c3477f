"""Lowers Python calls: resolves the callee (`socket.create_connection`, `requests.Session.get`,
this module's `Client.connect`, or `?.get` for an unknown receiver), orders the arguments as the
callee's parameters, keeps keyword texts for the specs (`stream=True`) and types receivers from
assignments, annotations, fields and, lazily, astroid. Mixed into the expression lowerer."""
from __future__ import annotations

import ast

from leaklint_gopy.frontends.python import factories, idle_executors, infer, mocks
from leaklint_gopy.frontends.python.file_use import FILE_TYPE, used_as_files
from leaklint_gopy.frontends.python.localscope import LocalScope
from leaklint_gopy.frontends.python.names import canonical
from leaklint_gopy.ir import Assign, Call, Exit, Span, Store
from leaklint_gopy.frontends.python.callees import Callees, short

_CONTAINER_ADDS = frozenset({"append", "add", "extend", "insert", "appendleft", "extendleft", "update",
                             "setdefault"})
CONTAINER_CALLS = frozenset({"builtins.list", "builtins.set", "builtins.dict", "builtins.tuple",
                              "collections.deque", "collections.OrderedDict", "collections.defaultdict"})

CLASS_NOTE = "class"  # a call of a tree class the rules know by its library base: the class it makes
PATCHED_NOTE = "patched"  # ... and the methods of that class a test patches (see setup_patches.py)
_ABORTS = frozenset({"sys.exit", "os._exit", "os.abort", "builtins.exit", "builtins.quit", "pytest.fail",
                     "pytest.skip", "pytest.exit"})
_TEST_ABORTS = frozenset({"fail", "skipTest"})  # self.fail(...) ends a unittest test
# Calls that iterate their argument to its end (`list(it)`, `"".join(it)`).
_CONSUMERS = frozenset({"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.set", "builtins.frozenset",
                        "builtins.dict", "builtins.sum", "collections.deque"})
_REGISTRATIONS = frozenset({"addCleanup", "enterContext", "register", "callback", "push", "finalize", "call_soon",
                            "call_later", "call_at", "add_done_callback"})
# Registrations whose callback runs when the test or the process ends (after this function): a
# nested function handed to one closes, then, whatever the names it captures hold (a deferred closure).
_AT_EXIT = frozenset({"addCleanup", "addClassCleanup", "register", "callback", "finalize"})


class CallLowering(Callees):
    """The call half of the expression lowerer (see expr.ExpressionLowerer for its state)."""

    # -- calls ------------------------------------------------------------------------------------
    def _call(self, node: ast.Call, results: tuple[str | None, ...]) -> Call | None:
        """Lowers a call; returns its Call op (None for local closures and container updates)."""
        func = node.func
        proxy = infer.close_accessor(node)
        if proxy is not None and self._type_of(proxy, self._plain_path(proxy)) in infer.TRANSPORT_TAKERS:
            # Ex) server("close")()   (an XML-RPC proxy's accessor of its transport's close: server.close())
            func = ast.copy_location(ast.Attribute(value=proxy, attr="close", ctx=ast.Load()), func)
            node = ast.copy_location(ast.Call(func=func, args=[], keywords=[]), node)
        if node.args and not isinstance(node.args[0], ast.Starred) \
                and canonical(self._dotted(func) or "") in infer.TASK_STARTERS:
            return self._task_call(node, results)
        if self.rebound and isinstance(func, ast.Attribute) and (path := self._plain_path(func)) in self.rebound:
            node, func = self._rebound_call(node), self.rebound[path]
        if isinstance(func, ast.Name) and func.id in self.scope.functions and self.scope.is_local(func.id):
            return self._closure_call(node, func.id, results)
        if self._container_update(node):
            return None
        for value in infer.formatted_by_number(node):
            # Ex) """with open({:d}, "wb") as f: ...""".format(w)   (the script run in a subinterpreter owns w,
            # as with an f-string: see infer.opened_by_number)
            if isinstance(value, ast.Name):
                self._emit(Store(self.pos.span(value), self._name(value.id)))
        bound: list[tuple[str, str, ast.AST]] = []
        args, named, extra = self._arguments(node, bound)
        callee, display, receiver, prefix = self._callee(func)
        built = self._built_by_hook(func, args, named)
        if built is not None:
            (callee, display, receiver, prefix), args, named = built
        span = self.pos.span(node)
        positional = self._align(callee, prefix + args, named, extra, span)
        definition = None if callee.startswith(("?", "builtins.")) else self.module.function_node(callee)
        if definition is not None:
            # Ex) self.fakehttp(b"HTTP/1.1 200 OK\r\n\r\nHello!"); fp = urllib.request.urlopen(url)
            self.swapped |= self.unit.swaps(definition)
        if callee in self.patched or callee in self.swapped or self._built_inertly(callee, node) \
                or definition is not None and any(callee.startswith(p.rpartition(".")[0] + ".") and self._acquiring(p)
                                                  for p in self.patched) \
                or definition is not None and self.patched and self._builds_on_patched(callee, definition):
            # Ex) with mock.patch("pymongo.pool_shared._create_connection"): _configured_socket_interface(a)
            # (a function of the module whose helper is patched: what it returns is built on the fake;
            # not for a helper that acquires nothing: @patch("select_connection._is_resumable"), a predicate)
            callee = f"{callee}(inert)"  # Ex) with mock.patch("subprocess.Popen"): Popen(cmd)   (a test double)
        if canonical(callee) in infer.SPAWNERS and infer.names_no_program(node):
            # Ex) try: subprocess.Popen(["*"], stdout=fd) except OSError: os.close(fd)   (it cannot start)
            self._may_raise(span)
            self.cfg.current = None
            return None
        if callee in infer.BINDERS and infer.binds_any_port(node):
            callee = f"{callee}(port0)"  # Ex) sock.bind(("127.0.0.1", 0))   (the kernel picks a free port)
        elif callee in infer.CONNECTORS and infer.connects_locally(node):
            callee = f"{callee}(local)"  # Ex) client.connect(server.getsockname())   (its own listener)
        if callee in infer.TRANSPORT_TAKERS and infer.given_transport(node):
            callee = f"{callee}(transport)"  # Ex) ServerProxy(url, transport)   (the caller's transport holds it)
        elif callee in infer.TRANSPORT_TAKERS and not self._closes_a_proxy():
            callee = f"{callee}(unclosed)"  # Ex) return ServerProxy(url).system.listMethods()   (its server decides)
        if canonical(callee) in idle_executors.LAZY and id(node) in idle_executors.never_read(self.unit):
            callee = f"{callee}(idle)"  # Ex) self.pool = ThreadPoolExecutor()   (never submitted to: no thread)
        if callee in infer.URL_OPENERS and infer.opens_data_url(node):
            callee = f"{callee}(data)"  # Ex) urlopen("data:,")   (decoded in memory: no socket)
        if callee in infer.ON_FILE_OBJECT and self._on_file_object(callee, node, args, named):
            callee = f"{callee}(fileobj)"  # Ex) zipfile.ZipFile(io.BytesIO(data))   (holds no descriptor)
        kwargs = tuple((key, _source_text(value)) for key, value in
                       ((k.arg, k.value) for k in node.keywords) if key is not None)
        if (made := self._dotted(func)) and callee != made and not callee.startswith(f"{made}.") \
                and self.module.class_of(made) is not None:
            kwargs += ((CLASS_NOTE, made),)  # Ex) APIClient()   (a requests.Session class of the tree: its methods)
            if patched := self._patched_methods(made):
                kwargs += ((PATCHED_NOTE, ",".join(patched)),)  # Ex) setUp: mock.patch.object(APIClient, "send")
        if definition is not None and (given := mocks.mocked_positions(positional, self.types, self.origins)):
            kwargs += ((mocks.MOCKS_NOTE, given),)  # Ex) sock = Mock(); ssl_wrap_socket(sock)   (wraps no socket)
        # Ex) for line in self.filePath.open(): ...   (an unknown receiver's result read as a file)
        typed = FILE_TYPE if callee.startswith("?.") and self._read_as_file(node, callee[2:]) else ""
        call = Call(span, callee, display, receiver, tuple(positional), results, kwargs, in_loop=self.loop_depth > 0,
                    awaited=id(node) in self.awaited, result_type=typed, expected=self.expecting > 0,
                    fallible=self.fallible > 0)
        for path, method, where in bound:
            # Ex) atexit.register(session.close)   (a bound method handed over will be called)
            # Ex) Thread(target=server.handle_request_and_shutdown)   (a method of the tree: its summary)
            tree = self._bound_method(path, method)
            if tree is None and self._data_attribute(path, method):
                continue  # Ex) self.assertEqual(handler.mode, "a")   (a field of a class of the tree, not a method)
            self._emit(Call(self.pos.span(where), tree or f"?bound.{method}", f"{path}.{method}", path,
                            (path,) if tree else (), kwargs=BOUND))
        self._emit(call)
        params = LocalScope.parameter_names(definition) if definition is not None else []
        for path in infer.descriptors_owned(named, params, positional):
            self._emit(Store(span, path))  # Ex) socket(family, type, proto, fileno=fd)   (the socket owns fd)
        if id(node) in self.spawned:
            pass  # Ex) gevent.spawn(sys.exit, "bye")   (it ends its own green thread, later: this function goes on)
        elif canonical(callee) in _ABORTS or receiver in (self.receiver or "self", "self") \
                and callee.rsplit(".", 1)[-1] in _TEST_ABORTS:
            self._emit(Exit(span, "abort"))
        elif not (bound and callee.rsplit(".", 1)[-1] in _REGISTRATIONS):
            self._may_raise(span)  # registering a callback (addCleanup(s.close)) is taken not to raise
        if node.args and args and _consumes(node, canonical(callee)):
            self._exhausted(span, node.args[0], args[0])
        return call

    def _patched_methods(self, made: str) -> list[str]:
        """Returns the names of the methods of tree class `made` that an enclosing `mock.patch` or a
        patch in force from the test class's set-up (setup_patches.in_force) replaces, sorted."""
        return sorted({name.rpartition(".")[2] for name in self.patched if name.rpartition(".")[0] == made})

    def _rebind(self, target: ast.expr, value: ast.expr) -> None:
        """Remembers that attribute `target` now holds the function `value` (a name or a lambda):
        an instance attribute shadows the class's method, so later calls through it run `value`
        (read in statement order: one made on a branch also counts after the branch joins), until
        the path or its root is bound again (_unbind)."""
        path = self._plain_path(target) if isinstance(target, ast.Attribute) else None
        if path is not None and isinstance(value, (ast.Name, ast.Lambda)):
            self.rebound[path] = value  # Ex) listen_socket.accept = accept   (eventlet's test_partial_write_295)

    def _unbind(self, target: ast.expr) -> None:
        """Forgets the functions assigned to attributes at or under the paths `target` binds: the
        path names another object now, whose own methods later calls run."""
        # Ex) a.close = log_close; a.close(); a = socket.create_connection(addr); a.close()   (a's own close)
        match target:
            case ast.Tuple(elts=elements) | ast.List(elts=elements):
                for element in elements:
                    self._unbind(element)
            case ast.Starred(value=inner):
                self._unbind(inner)
            case ast.Name() | ast.Attribute() if self.rebound:
                path = self._plain_path(target)
                if path is not None:
                    for key in [k for k in self.rebound if k == path or k.startswith(path + ".")]:
                        del self.rebound[key]

    def _rebound_call(self, node: ast.Call) -> ast.Call:
        """Returns `node` as the call of the function its attribute was rebound to (a green thread's
        too, when `node` is the call a spawn stands for)."""
        # Ex) listen_socket.accept = accept; eventlet.spawn(listen_socket.accept)   (runs the local accept)
        call = ast.copy_location(ast.Call(func=self.rebound[self._plain_path(node.func)], args=node.args,
                                          keywords=node.keywords), node)
        if id(node) in self.spawned:
            self.spawned[id(call)] = call
        return call

    def _closes_a_proxy(self) -> bool:
        """Reports whether the function (nested functions included) closes an XML-RPC proxy through
        its accessor, `proxy("close")()`, the proxy being a name bound there to one (`p = q` too), a
        proxy made on the spot, or a value typed as one (`self.proxy`): only a keep-alive server keeps
        the proxy's connection, and that close says the author expects one."""
        if self.proxy_closed is None:
            proxies = self._proxy_names()
            self.proxy_closed = any(
                isinstance(node, ast.Call) and (proxy := infer.close_accessor(node)) is not None and (
                    (isinstance(proxy, ast.Name) and proxy.id in proxies) or self._makes_proxy(proxy)
                    or (not isinstance(proxy, ast.Name) and self._type_of(proxy, self._plain_path(proxy))
                        in infer.TRANSPORT_TAKERS))
                for node in ast.walk(self.node))
        return self.proxy_closed

    def _proxy_names(self) -> set[str]:
        """Returns the names the function binds to a new XML-RPC proxy, or to such a name."""
        pairs = [(node.targets[0].id, node.value) for node in ast.walk(self.node) if isinstance(node, ast.Assign)
                 and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)]
        names = {name for name, value in pairs if self._makes_proxy(value)}
        grown = True
        while grown:  # Ex) q = p
            more = {name for name, value in pairs if isinstance(value, ast.Name) and value.id in names} - names
            names |= more
            grown = bool(more)
        return names

    def _makes_proxy(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and canonical(self._dotted(node.func) or "") in infer.TRANSPORT_TAKERS

    def _task_call(self, node: ast.Call, results: tuple[str | None, ...]) -> Call | None:
        """Lowers `spawn(f, *args)` of a green-thread starter as the call `f(*args)`, whose result the
        task it returns keeps (Greenlet.value, until `get()`): the task holds what `f` acquires."""
        # Ex) self.acceptor = gevent.spawn(self.server.accept)   (the accepted connection stays in it)
        inner = ast.copy_location(ast.Call(func=node.args[0], args=node.args[1:], keywords=node.keywords), node)
        self.tasks.update(r for r in results if r)
        self.spawned[id(inner)] = inner  # (kept alive: its id is never another node's)
        return self._call(inner, results)

    def _built_by_hook(self, func: ast.expr, args: list[str | None], named: list[tuple[str, str | None]]):
        """Returns the callee, display, receiver, leading and given arguments of a call building an
        object of the class a hook method of this function's object chooses (factories.py), as a
        call of that class; None for any other call."""
        found = self._hook_class(func)
        if found is None:
            return None
        dotted, forwarding = found
        if forwarding is not None and not forwarding.passthrough:
            args, named = _ordered(list(forwarding.positional), args, named), []
        return self._resolved(dotted, func), args, named

    def _hook_class(self, func: ast.expr) -> tuple[str, factories.Forwarding | None] | None:
        """Returns the class of the tree a call of `func` builds through a hook method of this
        function's object, with how a factory method passes the arguments on (None: `func` is the class)."""
        if self.klass is None or not self.receiver:
            return None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self.receiver:
            # Ex) handler = self._makeOne(path)   (def _makeOne(self, *a, **kw): return self._getTargetClass()(*a, **kw))
            return factories.factory_forwarding(self.module, self.klass, func.attr)
        if isinstance(func, ast.Call) or isinstance(func, ast.Name) and self.scope.is_local(func.id):
            # Ex) klass = self._getTargetClass(); inst = klass(path)   Ex) self._getTargetClass()(path)
            dotted = factories.hooked_class(self.module, self.klass, func, self.receiver, self.node.body)
            return (dotted, None) if dotted is not None else None
        return None

    def _built_by_self(self, func: ast.expr) -> str | None:
        """Returns the tree class a helper method of this function's object returns an instance of
        (factories.class_built), for a call of `func`: the type of what it binds, not an acquisition."""
        if self.klass is None or not self.receiver:
            return None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self.receiver:
            # Ex) pool = self.get_pool(addr, 1); pool.get_socket()   (def get_pool(self, ...): return Pool(...))
            return factories.class_built(self.module, self.klass, func.attr) or self._field_class(func.attr)
        return None

    def _field_class(self, name: str) -> str | None:
        """Returns the class a field of this function's object holding classes of the tree builds
        (`self.pool_class(...)`): the nearest class of the tree that every class bound to it derives
        from (`BasePool`, for `Pool` and `GreenletPool`), whose methods they share; None when there
        is none."""
        for member in self.module.lineage(self.klass)[0]:
            classes = self.module.fields(member).field_classes.get(name)
            if classes:
                infos = [self.module.class_of(c) for c in sorted(classes)]
                if any(info is None for info in infos):
                    return None
                lineages = [[m.qualname for m in self.module.lineage(info)[0]] for info in infos]
                return next((q for q in lineages[0] if all(q in line for line in lineages[1:])), None)
        return None

    def _read_as_file(self, node: ast.Call, method: str) -> bool:
        """Reports whether the function uses the result of a call of `method` (a name some rule
        acquires on) as a file (file_use); the function is read for it once, when first asked."""
        if method not in self.unit.needles:
            return False
        if self.file_results is None:
            self.file_results = used_as_files(self.node.body)
        return id(node) in self.file_results

    def _bound_method(self, path: str, method: str) -> str | None:
        """Returns the qualname of `method` when `path` holds an instance of a class of the tree
        that defines it (a bound method handed over runs it on that object)."""
        owner = self.types.get(path) or (self.klass.qualname if self.klass is not None and path == self.receiver else "")
        info = self.module.class_of(owner) if owner else None
        found = self.module.find_method(info, method) if info is not None else None
        return found if found is not None and self.module.method_kind(found) == "instance" else None

    def _data_attribute(self, path: str, name: str) -> bool:
        """Reports whether `path` holds an instance of a class of the tree whose methods are all
        known and none of which is `name`: `path.name` is a value, not a bound method."""
        info = self.module.class_of(self.types.get(path, ""))
        if info is None or not self.module.knows_all_methods(info):
            return False
        members = self.module.lineage(info)[0]
        # Ex) class socket: recv = _wrapped   Ex) def __getattr__(self, name)   (methods made otherwise)
        made = {t.id for m in members for s in m.node.body if isinstance(s, (ast.Assign, ast.AnnAssign))
                for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) if isinstance(t, ast.Name)}
        methods = self.module.all_methods(info)
        return name not in methods and name not in made and not {"__getattr__", "__getattribute__"} & (methods.keys() | made) \
            and not any(self.module.fields(member).field_functions.get(name) for member in members)

    def _built_inertly(self, callee: str, node: ast.Call) -> bool:
        """Reports whether a factory builds its object from a class of the tree given as an argument
        that opens nothing (`make_server(h, p, app, MockServer)`)."""
        if callee not in infer.CLASS_ARGUMENTS:
            return False
        index, keyword = infer.CLASS_ARGUMENTS[callee]
        given = node.args[index] if len(node.args) > index else next(
            (k.value for k in node.keywords if k.arg == keyword), None)
        dotted = self._dotted(given) if given is not None else None
        if dotted is None or self.module.class_of(dotted) is None:
            return False
        return self._resolved(dotted, given)[0] not in self.unit.patterns

    def _exhausted(self, span: Span, node: ast.expr, path: str | None) -> None:
        """Emits `__exhausted__` on what a completed loop or a consuming call iterated to its end:
        the iterable, and the receiver of the method that made it (`resp.iter_content()`). Rules
        whose resource releases itself when exhausted (os.scandir, a response) list it."""
        # Ex) for entry in os.scandir(p): ...   Ex) list(resp.iter_content())   Ex) b"".join(resp)
        paths = [path]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            paths.append(self._plain_path(node.func.value))
        for target in dict.fromkeys(p for p in paths if p is not None):
            self._emit(Call(span, "?.__exhausted__", f"{short(node)} exhausted", target))
        for inner, iterable in self.generated.pop(id(node), ()):
            # Ex) dict((e.name, e) for e in os.scandir(p))   (the generator's iterables run to their end)
            self._exhausted(span, inner, iterable)

    def _closure_call(self, node: ast.Call, name: str, results: tuple[str | None, ...]) -> Call:
        """Lowers a call of a nested function: it runs now on the names it captures (Capture), and
        its summary tells what it does with its arguments and returns (Call)."""
        # Ex) cleanup()   Ex) sock = connect()
        args, named, _ = self._arguments(node, [])
        self._capture(name, "call", node)
        positional = _ordered(LocalScope.parameter_names(self.scope.functions[name]), args, named)
        span = self.pos.span(node)
        # Ex) try: call_create_and_bind(conf); self.fail()   (meant to raise, as a call of any other function)
        call = Call(span, f"{self.qualname}.<locals>.{name}", name, None, tuple(positional), results,
                    in_loop=self.loop_depth > 0, expected=self.expecting > 0)
        self._emit(call)
        self._may_raise(span)
        return call

    def _arguments(self, node: ast.Call, bound: list) -> tuple[list[str | None], list[tuple[str, str | None]], list]:
        """Returns the paths of the positional, keyword and `**` arguments; bound methods go to `bound`."""
        args: list[str | None] = []
        at_exit = isinstance(node.func, ast.Attribute) and node.func.attr in _AT_EXIT
        for arg in node.args:
            if at_exit and isinstance(arg, ast.Name) and arg.id in self.scope.functions and self.scope.is_local(arg.id):
                # Ex) def cleanup_fds(): for fd in fds: os.close(fd)   self.addCleanup(cleanup_fds)
                self._capture(arg.id, "defer", arg)
                args.append(None)
                continue
            args.append(self._argument(arg, bound))
        named: list[tuple[str, str | None]] = []
        extra: list[str | None] = []
        for keyword in node.keywords:
            path = self._argument(keyword.value, bound)
            if keyword.arg is None:
                extra.append(path)
            else:
                named.append((keyword.arg, path))
        return args, named, extra

    def _argument(self, node: ast.expr, bound: list) -> str | None:
        if isinstance(node, ast.Attribute) and node.attr[:1].islower():
            base = self._value(node.value)
            if base is not None and (self._is_local(root := base.split(".", 1)[0]) or root in self.shared):
                bound.append((base, node.attr, node))  # maybe a bound method: s.close
            return f"{base}.{node.attr}" if base else None
        return self._value(node)

    def _container_update(self, node: ast.Call) -> bool:
        # Ex) conns.append(conn)   (a local list keeps the socket reachable)
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, (ast.Name, ast.Attribute))
                and func.attr in _CONTAINER_ADDS):
            return False
        container = self._plain_path(func.value)
        if container not in self.containers:
            return False
        span = self.pos.span(node)
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            path = self._value(arg)
            if path is not None and container in self.captured:
                # Ex) self.addCleanup(lambda: [c.close() for c in clients]); clients.append(c)
                self._emit(Store(span, path))
            elif path is not None:
                self._emit(Assign(span, container, path, accumulate=True))
        return True

    def _align(self, callee: str, args: list[str | None], named: list[tuple[str, str | None]],
               extra: list[str | None], span: Span) -> list[str | None]:
        """Returns the argument paths in the callee's parameter order when it is a function of the
        tree; the positional arguments a `*args` parameter collects are one tuple there."""
        node = None if callee.startswith(("?", "builtins.")) else self.module.function_node(callee)
        if node is None:
            return args + [path for _, path in named] + extra
        at = len(node.args.posonlyargs) + len(node.args.args)
        if node.args.vararg is not None and len(args) > at:
            # Ex) TimerService(0.1, watch, open(path))   (def __init__(self, step, callable, *args))
            args = args[:at] + [self._packed(args[at:], span)]
        return _ordered(LocalScope.parameter_names(node), args, named)

    def _packed(self, paths: list[str | None], span: Span) -> str | None:
        """Returns a temporary tuple holding `paths` (None when none is a path)."""
        if not any(paths):
            return None
        temp = self._temp()
        self.containers.add(temp)
        for path in paths:
            if path is not None:
                self._emit(Assign(span, temp, path, accumulate=True))
        return temp

# Marks the call a bound method handed over stands for (`assertRaises(E, log.getLog, 2)`): what it
# does to its object counts; what it returns is whoever calls it's.
BOUND = (("<bound>", "1"),)


def _consumes(node: ast.Call, callee: str) -> bool:
    """Reports whether a call iterates its first argument to the end (`list(x)`, `b"".join(x)`)."""
    func = node.func
    joined = callee == "?.join" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant)
    return joined or callee in _CONSUMERS


def _ordered(params: list[str], args: list[str | None], named: list[tuple[str, str | None]]) -> list[str | None]:
    """Returns positional argument paths with keyword arguments moved to their parameter's index."""
    out = list(args)
    for name, path in named:
        if name in params:
            index = params.index(name)
            out.extend([None] * (index + 1 - len(out)))
            out[index] = path if out[index] is None else out[index]
    return out


def _source_text(node: ast.expr) -> str:
    """Returns a keyword argument's value as the spec compares it (`True`, `'GET'`, `stream`)."""
    match node:
        case ast.Constant(value=value):
            return repr(value) if isinstance(value, str) else str(value)
        case ast.Name(id=name):
            return name
        case ast.Attribute(value=base, attr=attr):
            return f"{_source_text(base)}.{attr}"
    return "..."
