"""Resolves what a Python call calls: the callee's qualified name (`socket.create_connection`,
`requests.Session.get`, this module's `Client.connect`, `?.get` for an unknown receiver), the
receiver's type from assignments, annotations, fields and, lazily, astroid, and whether the call
opens a file. Mixed into the expression lowerer through calls.CallLowering.
"""
from __future__ import annotations

import ast

from leaklint_gopy.frontends.python import infer, mocks
from leaklint_gopy.frontends.python.classes import looks_like_class
from leaklint_gopy.frontends.python.names import canonical


class Callees:
    """The callee half of CallLowering (see calls.py)."""

    def _callee(self, func: ast.expr) -> tuple[str, str, str | None, list[str | None]]:
        """Returns (callee, display, receiver path, leading arguments) for the called expression."""
        dotted = self._dotted(func)
        if dotted is None and isinstance(func, ast.Name) and self.scope.is_local(func.id):
            # Ex) pool_class = urllib3.HTTPConnectionPool; if ssl: pool_class = urllib3.HTTPSConnectionPool
            #     self.pool = pool_class(host)   (a local bound only to library or tree callables)
            targets = [self._dotted(value) for value in self.scope.callable_alias(func.id)]
            dotted = targets[0] if targets and all(targets) else None
        if dotted is None and isinstance(func, ast.Name) and func.id == self.class_param and self.klass is not None:
            # Ex) @classmethod def fromFullPath(cls, path): return cls(path)   (builds an object of the
            # class; a subclass's `cls` is read as the class that defines the method)
            dotted = self.klass.qualname
        if dotted is not None:
            return self._resolved(dotted, func)
        if isinstance(func, ast.Attribute):
            return self._method(func)
        if isinstance(func, ast.Name) and self._name(func.id) in self.methods:
            base, _, method = self.methods[self._name(func.id)].rpartition(".")  # Ex) close = x.close; close()
            return f"?.{method}", f"{base}.{method}", base, []
        if isinstance(func, ast.Name) and self._local_class(func.id):
            return f"?class.{func.id}", func.id, None, []  # Ex) class Message(Base): ...; Message(fp)
        if isinstance(func, ast.Name):
            return "?func", func.id, None, []
        configured = self._configured(func) if isinstance(func, ast.Subscript) else None
        if configured is not None:
            # Ex) selector = self.config['selector']()   (DEFAULT_CONFIG = {'selector': selectors.DefaultSelector})
            return self._resolved(configured, func)
        self._value(func)
        return "?func", short(func), None, []

    def _configured(self, func: ast.Subscript) -> str | None:
        """Returns the callable a `self.config['key']` subscript holds by default: the value of `key`
        in a dict literal bound in the class body (or a tree base's), when a method of the class sets
        `self.config` from that dict (`self.config = copy.copy(self.DEFAULT_CONFIG)`)."""
        value, key = func.value, func.slice
        if self.klass is None or not isinstance(key, ast.Constant) or not isinstance(key.value, str) \
                or not (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)
                        and value.value.id == self.receiver and self.receiver):
            return None
        members = self.module.lineage(self.klass)[0]
        for member in members:
            for statement in member.node.body:
                if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                        and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Dict)):
                    continue
                name = statement.targets[0].id
                default = next((v for k, v in zip(statement.value.keys, statement.value.values)
                                if isinstance(k, ast.Constant) and k.value == key.value), None)
                if default is not None and self._sets_from(members, value.attr, name):
                    return self._dotted(default)
        return None

    def _sets_from(self, members: tuple, field: str, name: str) -> bool:
        """Reports whether a method of `members` assigns `self.<field>` a value naming `name`."""
        return any(isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == field
                                                         for t in node.targets)
                   and any(isinstance(n, ast.Attribute) and n.attr == name or isinstance(n, ast.Name) and n.id == name
                           for n in ast.walk(node.value))
                   for member in members for method in member.methods.values() for node in ast.walk(method))

    def _resolved(self, dotted: str, func: ast.expr) -> tuple[str, str, str | None, list[str | None]]:
        display = self._display(dotted)
        info = self.module.class_of(dotted)
        acquiring = next((b for b in self.module.library_bases(info) if b in self.unit.patterns), None) if info else None
        if acquiring is not None and not self._closed_by_constructor(info) and self._opens(info, acquiring):
            # Ex) class Server(ThreadingMixIn, TCPServer): ...; Server(addr, Handler)   (a TCPServer)
            return acquiring, display, None, []
        if info is not None and not self.module.find_method(info, "__new__"):
            # Ex) Conn(sock)   (a class of the tree: its __init__ receives the arguments)
            init = self.module.find_method(info, "__init__")
            return (init or dotted), display, None, [None] if init else []
        owner, _, attribute = dotted.rpartition(".")
        klass = self.module.class_of(owner) if info is None and owner else None
        inherited = self.module.find_method(klass, attribute) if klass is not None else None
        if inherited is not None and inherited != dotted:
            # Ex) logfile.LogFile.fromFullPath(p)   (a classmethod LogFile inherits from BaseLogFile)
            return inherited, display, None, [None] if self.module.method_kind(inherited) == "class" else []
        return dotted, display, None, []  # Ex) GreenSSLSocket(sock)   (its __new__ builds it: unknown)

    def _display(self, dotted: str) -> str:
        """Returns how messages name a callee: `open`, this module's `Client.connect`, another tree
        module's `helpers.open_connection`, a library's `socket.create_connection`."""
        if self.module.is_tree(dotted):
            return dotted[len(self.module.name) + 1:]
        split = self.module.tree.split(dotted) if self.module.tree is not None else None
        if split is not None:
            return f"{split[0].rpartition('.')[2]}.{split[1]}"
        return dotted.removeprefix("builtins.")  # Ex) open(path)

    def _method(self, func: ast.Attribute) -> tuple[str, str, str | None, list[str | None]]:
        base = func.value
        if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super" and self.klass:
            # Ex) super().close()
            for parent in self.klass.bases:
                info = self.module.class_of(parent)
                method = self.module.find_method(info, func.attr) if info else None
                if method:
                    return method, f"super().{func.attr}", self.receiver or None, [self.receiver or None]
            return f"?.{func.attr}", f"super().{func.attr}", None, []
        receiver = self._value(base)
        owner = self._type_of(base, receiver, func.attr)
        display = f"{short(base)}.{func.attr}"
        info = self.module.class_of(owner)
        if info is not None:
            method = self.module.find_method(info, func.attr)
            if method is not None:
                static = self.module.method_kind(method)
                lead = [] if static == "static" else [None] if static == "class" else [receiver]
                return method, f"{info.node.name}.{func.attr}", receiver, lead
            bound = self.module.fields(info).field_functions.get(func.attr) if receiver == self.receiver else None
            if bound:
                return bound, display, None, []  # Ex) self.openfile = open; fp = self.openfile(path)
            # Ex) class Conn(http.client.HTTPSConnection): ...; conn.request(...)   (the library's method)
            bases = self.module.library_bases(info)
            if not any(self.module.find_method(info, infer.OPENING_METHODS.get(b, "")) for b in bases):
                owner = next(iter(bases), owner)
        if owner:
            return f"{owner}.{func.attr}", f"{owner}.{func.attr}", receiver, []
        return f"?.{func.attr}", display, receiver, []

    def _opens(self, info, acquiring: str) -> bool:
        """Reports whether a class of the tree built on acquiring library class `acquiring` runs its
        initializer: a nearest `__init__` of its own that calls neither `super().__init__` nor an
        acquiring base's (`BaseServer.__init__(self, ...)` in a test's MockServer) opens nothing."""
        for member in [info, *self.module.tree_bases(info)]:
            node = member.methods.get("__init__")
            if node is not None:
                names = {acquiring.rpartition(".")[2]} | {m.node.name for m in self.module.tree_bases(member)}
                return infer.initializes(node, names | {b.rpartition(".")[2] for b in self.module.library_bases(member)
                                                        if b in self.unit.patterns})
        return True

    def _closed_by_constructor(self, info) -> bool:
        """Reports whether an `__init__` of a class or of its bases in this module releases the
        object it builds (`super().__init__(addr, H); try: ... finally: self.server_close()`)."""
        for member in [info, *self.module.tree_bases(info)]:
            node = member.methods.get("__init__")
            if node is not None and infer.closes_self(node):
                return True
        return False

    def _on_file_object(self, callee: str, node: ast.Call, args: list[str | None],
                        named: list[tuple[str, str | None]]) -> bool:
        """Reports whether an archive call works on a file object rather than a path: its first
        argument, or tarfile's `fileobj` (`tarfile.open(fileobj=io.BytesIO(b))`, third positionally)."""
        if node.args and self._file_object(node.args[0], args[0]):
            return True
        third = node.args[2] if len(node.args) > 2 and callee.startswith("tarfile.") else None
        given = next((k.value for k in node.keywords if k.arg == "fileobj"), third)
        if given is None or isinstance(given, ast.Constant) and given.value is None:
            return False
        # Ex) with tar(base) as archive: tarfile.open(fileobj=archive)   (only read: writes no end blocks)
        return self._file_object(given, dict(named).get("fileobj")) or _reads_only(node)

    def _file_object(self, node: ast.expr, path: str | None) -> bool:
        """Reports whether an argument is an object rather than a path: a class instance built here
        (`io.BytesIO(b)`, `g = GridOut(...)`) or a file this function opened."""
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and self._local_class(node.func.id):
                return True  # Ex) class MyBytesIO(io.BytesIO): ...   tarfile.open(fileobj=MyBytesIO(data))
            dotted = self._dotted(node.func)
            return bool(dotted) and looks_like_class(dotted, self.module)
        return path is not None and (path in self.types or self.origins.get(path) in infer.FILE_OPENERS)

    def _acquiring(self, patched: str) -> bool:
        """Reports whether patched name `patched` is a function or class of the tree that may return
        what it acquires (see acquirers.py); True when the tree is not known."""
        tree = self.module.tree
        return tree is None or tree.may_return(patched)

    def _builds_on_patched(self, callee: str, definition: ast.AST) -> bool:
        """Reports whether tree function `callee` returns only what a name an enclosing `mock.patch`
        replaced built (`create_connection` returning its `socket.socket` under `@patch("socket.socket")`):
        what it returns is the mock. Only acquiring names count: a patched `getaddrinfo` makes no socket."""
        tree = self.module.tree
        acquiring = frozenset(p for p in self.patched if p in self.unit.patterns or tree is not None and tree.may_return(p))
        scope = self.module.defining_scope(callee) if acquiring else None
        return scope is not None and mocks.returns_patched(scope, definition, acquiring)

    def _local_class(self, name: str) -> bool:
        """Reports whether `name` is a class the function defines itself."""
        return name in self.scope.classes

    def _type_of(self, node: ast.expr, path: str | None, method: str = "") -> str:
        """Returns the class a receiver holds, from assignments, annotations, fields or astroid."""
        if isinstance(node, ast.Call):
            # Ex) pathlib.Path(p).open()   (the receiver is a new instance of the class called)
            dotted = self._dotted(node.func)
            return dotted if dotted and looks_like_class(dotted, self.module) else ""
        if path is None:
            return ""
        if path in self.types:
            return self.types[path]
        if self.klass is not None and path == self.receiver and path:
            return self.klass.qualname
        origin = self.origins.get(path, "")
        if self.klass is not None and path.startswith(self.receiver + ".") and self.receiver and path.count(".") == 1:
            name = path.split(".", 1)[1]
            # Ex) self.ioloop._get_poller()   (self.ioloop = IOLoop() in the base class's setUp); the
            # nearest class of the lineage assigning the field decides
            for member in self.module.lineage(self.klass)[0]:
                self.module.fields(member)
                if name in member.field_types:
                    return member.field_types[name]
                if name in member.field_origins:
                    origin = member.field_origins[name]
                    break
        if "." not in path and not self._is_local(path):
            declared = self.module.variable_types.get(path)
            if declared:
                return declared
        if origin in infer.RELEASING_FACTORIES:
            return infer.RELEASING_FACTORIES[origin]  # Ex) parser = make_parser(); parser.parse(f)
        if not origin or method not in self.unit.needles:
            return ""
        return infer.return_type(origin)  # Ex) opener = build_opener(); opener.open(u)

    def _dotted(self, node: ast.expr) -> str | None:
        """Returns the qualified name an expression refers to when it is a module, class or function
        (`socket.create_connection`, `requests.Session`), None for values such as local variables."""
        match node:
            case ast.Name(id=name):
                if self.scope.is_local(name):
                    target = self.scope.imports.get(name)  # Ex) def f(): from .net import dial; dial(h)
                    return self.module.defined(canonical(target)) if target else None
                if name in self.outer or name in self.renames:
                    return None
                if self.module.kinds.get(name) == "var":
                    return None
                return self.module.resolve_global(name)
            case ast.Attribute(value=base, attr=attr):
                prefix = self._dotted(base)
                return self.module.defined(canonical(f"{prefix}.{attr}")) if prefix else None
        return None


def short(node: ast.expr) -> str:
    """Returns a short source-like text of an expression for messages (`self.client`, `make()`)."""
    match node:
        case ast.Name(id=name):
            return name
        case ast.Attribute(value=base, attr=attr):
            return f"{short(base)}.{attr}"
        case ast.Call(func=func):
            return f"{short(func)}()"
        case ast.Subscript(value=base):
            return f"{short(base)}[...]"
        case ast.Await(value=inner):
            return short(inner)
    return "..."


def _reads_only(node: ast.Call) -> bool:
    """Reports whether a `tarfile.open` call's mode is absent or a literal for reading (`"r:gz"`): a
    TarFile reading a file object it was given holds nothing of its own and writes nothing at close."""
    mode = next((k.value for k in node.keywords if k.arg == "mode"), node.args[1] if len(node.args) > 1 else None)
    return mode is None or isinstance(mode, ast.Constant) and isinstance(mode.value, str) and mode.value.startswith("r")
