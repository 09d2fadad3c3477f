"""The one place the Python front-end asks astroid: what class a library function returns, for a
receiver whose type nothing else tells (`opener = build_opener(); opener.open(u)`).

astroid is imported on first use only and every answer is cached per process, so files without
such receivers never pay for it. It never sees the file under analysis, only installed libraries.
For the standard library the answers are a table (importing astroid and building its module
trees costs about a second, more than a whole pre-commit run may take), which also covers the
factories astroid cannot see through (`ssl._create_stdlib_context` is an alias).
"""
from __future__ import annotations

import ast
import re
import string
import sys
from functools import cache

from leaklint_gopy.frontends.python.classes import statements

STDLIB_RETURNS = {
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "socket.create_server": "socket.socket",
    "socket.fromshare": "socket.socket",
    "socket.fromfd": "socket.socket",
    "contextlib.closing": "contextlib.closing",
    "ssl.create_default_context": "ssl.SSLContext",
    "ssl._create_default_https_context": "ssl.SSLContext",
    "ssl._create_unverified_context": "ssl.SSLContext",
    "ssl._create_stdlib_context": "ssl.SSLContext",
}

# Factories of objects whose methods release what they are given, read for any method called on
# their results (STDLIB_RETURNS only for the methods that acquire): xml.sax's default (and only
# bundled) parser is expat's, whose parse() closes the source's stream.
RELEASING_FACTORIES = {
    "xml.sax.make_parser": "xml.sax.expatreader.ExpatParser",
    "xml.sax.expatreader.create_parser": "xml.sax.expatreader.ExpatParser",
}


# Classes whose instances, built directly, hold nothing a rule tracks: an OpenerDirector() has no
# handler (its open() returns whatever the handlers a test adds return; build_opener's has HTTP).
UNTYPED_CONSTRUCTIONS = frozenset({"urllib.request.OpenerDirector"})

# Factories whose object opens through the handlers given to it: given an instance of a class of
# the tree that overrides one of these methods, its opening returns what that method returns.
HANDLER_FACTORIES = {"urllib.request.build_opener": frozenset({"http_open", "https_open", "default_open"})}

# Fields whose assignment replaces what the object would open itself: a connection given a
# socket (`conn.sock = FakeSocket()`) never connects.
INJECTED_FIELDS = {"http.client.HTTPConnection": "sock", "http.client.HTTPSConnection": "sock"}

# Methods that open what the object holds: a subclass of the tree that overrides one opens what
# its own method opens (`class FakeConnection(HTTPConnection): def connect(self): self.sock = Fake()`),
# so its instances are not typed as the library's class.
OPENING_METHODS = {"http.client.HTTPConnection": "connect", "http.client.HTTPSConnection": "connect",
                   "subprocess.Popen": "_execute_child"}

# Test doubles: `with mock.patch.object(subprocess.Popen, "_execute_child"):` or
# `with mock.patch("subprocess.Popen"):` makes the class open nothing inside the block.
PATCHERS = frozenset({"unittest.mock.patch", "mock.patch", "unittest.mock.patch.object", "mock.patch.object"})


# Archives built on a file object rather than a path hold no descriptor of their own (the file's
# owner closes it); the front-end calls them `zipfile.ZipFile(fileobj)`, which no rule acquires.
ON_FILE_OBJECT = frozenset({"zipfile.ZipFile", "zipfile.PyZipFile", "tarfile.TarFile", "tarfile.open",
                            "tarfile.TarFile.open"})
FILE_OPENERS = frozenset({"builtins.open", "io.open", "gzip.open", "bz2.open", "lzma.open", "os.fdopen"})

# A `data:` URL is decoded in memory: urlopen returns an addinfourl over a BytesIO, holding no
# socket; the front-end calls it `urllib.request.urlopen(data)`, which no rule acquires.
URL_OPENERS = frozenset({"urllib.request.urlopen", "urllib2.urlopen", "urllib.request.OpenerDirector.open"})


def opens_data_url(node: ast.Call) -> bool:
    """Reports whether a URL opener's first argument is a literal `data:` URL."""
    url = node.args[0] if node.args else None
    return isinstance(url, ast.Constant) and isinstance(url.value, str) and url.value.startswith("data:")


# Starting a program that no file can name (`Popen(["*"])`, a test expecting the exec to fail)
# raises OSError and starts nothing: only the path through the exception is feasible.
# Binding port 0 lets the kernel pick a free port, and connecting to the address of a socket the
# process holds (`server.getsockname()`) reaches its own listener: neither fails in ordinary
# operation. The front-end calls them `socket.socket.bind(port0)` and `socket.socket.connect(local)`,
# which the exception rule lists as quiet.
BINDERS = frozenset({"?.bind", "socket.socket.bind", "ssl.SSLSocket.bind"})
# Green-thread starters running their first argument with the rest, whose task keeps its result
# (gevent's Greenlet.value and get(), eventlet's GreenThread.wait()) until someone takes it
TASK_STARTERS = frozenset({"gevent.spawn", "gevent.Greenlet.spawn", "gevent.greenlet.Greenlet.spawn",
                           "eventlet.spawn", "eventlet.greenthread.spawn"})
CONNECTORS = frozenset({"?.connect", "socket.socket.connect", "ssl.SSLSocket.connect"})


def binds_any_port(node: ast.Call) -> bool:
    """Reports whether a bind call's address is a literal (host, 0) or IPv6 (host, 0, flow, scope)."""
    address = node.args[0] if len(node.args) == 1 and not node.keywords else None
    return isinstance(address, ast.Tuple) and len(address.elts) in (2, 4) \
        and isinstance(address.elts[1], ast.Constant) and address.elts[1].value == 0


def connects_locally(node: ast.Call) -> bool:
    """Reports whether a connect call's address is another socket's `getsockname()`."""
    address = node.args[0] if len(node.args) == 1 and not node.keywords else None
    return isinstance(address, ast.Call) and isinstance(address.func, ast.Attribute) \
        and address.func.attr == "getsockname" and not address.args


# An XML-RPC proxy given a transport of the caller's (`ServerProxy(url, transport)`) holds no
# connection of its own: the transport does, and its owner closes it. Calling a proxy with "close"
# returns its transport's close (`proxy("close")()`, xmlrpc.client's documented accessor). Whether a
# proxy holds a connection after a call is the server's choice: a keep-alive server's (supervisord's)
# stays open, an HTTP/1.0 server (xmlrpc.server's default handler) closes it with the response. So
# a proxy is a resource only in a function that closes one through the accessor, which says its
# server keeps them (CPython's keep-alive tests); elsewhere nothing shows that it holds anything.
TRANSPORT_TAKERS = frozenset({"xmlrpc.client.ServerProxy", "xmlrpclib.ServerProxy"})


def given_transport(node: ast.Call) -> bool:
    """Reports whether a ServerProxy call is given a transport (its second argument)."""
    return len(node.args) > 1 or any(keyword.arg == "transport" for keyword in node.keywords)


def close_accessor(node: ast.Call) -> ast.expr | None:
    """Returns `proxy` for a call `proxy("close")()`, else None."""
    func = node.func
    if node.args or node.keywords or not isinstance(func, ast.Call) or func.keywords:
        return None
    match func.args:
        case [ast.Constant(value="close")]:
            return func.func
    return None


SPAWNERS = frozenset({"subprocess.Popen", "subprocess.run", "subprocess.call", "subprocess.check_call",
                      "subprocess.check_output"})
NO_PROGRAM = frozenset({"*", ""})


def names_no_program(node: ast.Call) -> bool:
    """Reports whether a spawning call's program (`["*", ...]` or `"*"`) can name no executable."""
    first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "args"), None)
    if isinstance(first, (ast.List, ast.Tuple)) and first.elts:
        first = first.elts[0]
    return isinstance(first, ast.Constant) and first.value in NO_PROGRAM and isinstance(first.value, str)


# A descriptor whose number is written into a script's source where the script opens or closes it
# (`f"with open({w}, 'wb') as chan: ..."`, run in a subinterpreter of the same process) is the
# script's: it closes it.
_BY_NUMBER = re.compile(r"(?:\bopen|\bfdopen|\bclose)\(\s*$")


def opened_by_number(node: ast.JoinedStr) -> list[ast.expr]:
    """Returns the values an f-string writes where its text opens or closes a descriptor by number."""
    found = []
    for before, value in zip(node.values, node.values[1:]):
        if isinstance(value, ast.FormattedValue) and isinstance(before, ast.Constant) \
                and isinstance(before.value, str) and _BY_NUMBER.search(before.value):
            found.append(value.value)
    return found


def formatted_by_number(node: ast.Call) -> list[ast.expr]:
    """Returns the arguments a `"...".format(...)` call writes where its text opens or closes a
    descriptor by number (`"with open({:d}, 'wb') as f: ...".format(w)`), as opened_by_number."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant)
            and isinstance(func.value.value, str)):
        return []
    try:
        fields = list(string.Formatter().parse(func.value.value))
    except ValueError:
        return []
    keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
    found: list[ast.expr] = []
    automatic = 0
    for before, name, _, _ in fields:
        if name is None:
            continue
        key = re.split(r"[.\[]", name, maxsplit=1)[0]
        if not key:
            key, automatic = str(automatic), automatic + 1
        value = node.args[int(key)] if key.isdigit() and int(key) < len(node.args) else keywords.get(key)
        if value is not None and _BY_NUMBER.search(before):
            found.append(value)
    return found


# A descriptor passed as `fileno` (socket.socket(fileno=fd), and the socket classes that follow its
# signature) belongs to the object built on it: closing the object closes the descriptor.
DESCRIPTOR_OWNING_PARAMETERS = frozenset({"fileno"})


def descriptors_owned(named: list[tuple[str, str | None]], params: list[str],
                      positional: list[str | None]) -> list[str]:
    """Returns the argument paths given as a `fileno` parameter: by keyword, or by position to a
    function of the tree declaring `params` (`socket(family, type, proto, nfd)`)."""
    owned = [path for name, path in named if name in DESCRIPTOR_OWNING_PARAMETERS and path]
    return owned + [path for name, path in zip(params, positional)
                    if name in DESCRIPTOR_OWNING_PARAMETERS and path and path not in owned]


# Module attributes a test swaps for a fake class (CPython test_urllib's fakehttp: a subclass of
# HTTPConnection whose connect() makes a BytesIO socket): from the swap on, the calls that reach the
# library's class through them open no socket.
_URLLIB_OPENERS = ("urllib.request.urlopen", "urllib.request.OpenerDirector.open")
SWAPPED_CLASSES = {"http.client.HTTPConnection": _URLLIB_OPENERS, "http.client.HTTPSConnection": _URLLIB_OPENERS}
_SWAPPED_NAMES = frozenset(name.rpartition(".")[2] for name in SWAPPED_CLASSES)


def swapped_by(node: ast.AST) -> set[str]:
    """Returns the calls made inert by `http.client.HTTPConnection = ...` assignments in `node`'s body."""
    inert: set[str] = set()
    for child in statements(node):  # an assignment is a statement: expressions need no visit
        if isinstance(child, ast.Assign):
            for target in child.targets:
                if isinstance(target, ast.Attribute) and target.attr in _SWAPPED_NAMES:
                    inert.update(SWAPPED_CLASSES.get(ast.unparse(target), ()))
    return inert


def forwarded_to(node: ast.ClassDef) -> str | None:
    """Returns the name of the object every other attribute of an instance of class `node` is read
    from (`def __getattribute__(self, name): return getattr(conn, name)`): Python's attribute lookup
    gives the proxy's `close` as that object's bound `close`, so closing the proxy closes it. None
    when the class has bases, defines `close` or `__exit__`, or names "close" in its hook."""
    methods = {s.name: s for s in node.body if isinstance(s, ast.FunctionDef)}
    if node.bases and not all(isinstance(b, ast.Name) and b.id == "object" for b in node.bases) \
            or "close" in methods or "__exit__" in methods:
        return None
    for hook in ("__getattribute__", "__getattr__"):
        method = methods.get(hook)
        if method is None or len(method.args.args) != 2:
            continue
        attribute = method.args.args[1].arg
        if any(isinstance(n, ast.Constant) and n.value == "close" for n in ast.walk(method)):
            return None
        for child in ast.walk(method):
            match child:
                case ast.Return(value=ast.Call(func=ast.Name(id="getattr"), args=[ast.Name(id=owner), ast.Name(id=name)]))\
                        if name == attribute:
                    return owner
    return None


# A constructor of the tree that closes its own object (a test server handling one request and
# closing itself): instances of its class hold nothing when they are returned.
_SELF_CLOSING = frozenset({"close", "server_close", "terminate", "wait", "communicate"})


# Factories that build an object of the class given as an argument: with a class of the tree that
# opens nothing (a test's MockServer), they open nothing either.
CLASS_ARGUMENTS = {"wsgiref.simple_server.make_server": (3, "server_class")}


def initializes(init: ast.FunctionDef | ast.AsyncFunctionDef, bases: set[str]) -> bool:
    """Reports whether an `__init__` runs the initializer of its class's base: `super().__init__()`
    or the `__init__` of a class named in `bases` (`TCPServer.__init__(self, ...)`)."""
    for node in ast.walk(init):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
            target = node.func.value
            if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "super":
                return True
            if isinstance(target, (ast.Name, ast.Attribute)) and _last(target) in bases:
                return True
    return False


def _last(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def closes_self(init: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Reports whether an `__init__` calls a closing method on its own object (`self.server_close()`)."""
    receiver = init.args.args[0].arg if init.args.args else "self"
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SELF_CLOSING
               and isinstance(node.func.value, ast.Name) and node.func.value.id == receiver for node in ast.walk(init))


@cache
def return_type(function: str) -> str:
    """Returns the qualified class of what library `function` (`urllib.request.build_opener`) returns, or ""."""
    module_name, _, name = function.rpartition(".")
    if not module_name:
        return ""
    if module_name.split(".", 1)[0] in sys.stdlib_module_names:
        return STDLIB_RETURNS.get(function, "")
    import astroid

    try:
        module = _manager().ast_from_module_name(module_name)
        found: set[str] = set()
        for node in module.getattr(name):
            for inferred in node.infer_call_result(None):
                if isinstance(inferred, astroid.Instance):
                    found.add(inferred.pytype())
    except Exception:  # noqa: BLE001 - astroid raises many kinds of errors on odd libraries; unknown is fine
        return ""
    return found.pop() if len(found) == 1 else ""


@cache
def _manager():  # noqa: ANN202 - astroid is imported lazily, so its type cannot be named here
    """Returns astroid's manager, set never to import a module to inspect it: it only parses source.
    (By default astroid imports C extensions on its allow-list; nothing here is on it.)"""
    import astroid

    manager = astroid.MANAGER
    manager.always_load_extensions = False
    manager.extension_package_whitelist = set()
    return manager

