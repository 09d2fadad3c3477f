"""What the Go front-end knows about names and types in one package: imports, struct fields,
function results and package variables, gathered from tree-sitter trees of all its files.

Types are strings: an import path plus a name without pointers (`net/http.Client`), the
package key plus a name for the tree's own types (`svc.Client`), or "" when unknown.
"""
from __future__ import annotations

import os
import re

from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from leaklint_gopy.frontends.go.foreign import Signatures, named_type, read_signatures
from leaklint_gopy.frontends.go.platforms import BUILD_CONSTRAINT, GOOS

# Package-level variables of the standard library whose type decides which rule applies.
# Results of standard-library calls that decide which rule applies to a later method call.
STDLIB_RESULTS = {
    "net/http/httptest.NewServer": "net/http/httptest.Server",
    "net/http/httptest.NewTLSServer": "net/http/httptest.Server",
    "net/http/httptest.NewUnstartedServer": "net/http/httptest.Server",
    "net/http/httptest.Server.Client": "net/http.Client",
    "net/http.NewRequest": "net/http.Request",
    "os/exec.Command": "os/exec.Cmd",
    "os/exec.CommandContext": "os/exec.Cmd",
    # (not the standard library's: hashicorp/go-plugin's client, whose Client() launches a process, LL109)
    "github.com/hashicorp/go-plugin.NewClient": "github.com/hashicorp/go-plugin.Client",
}
# The address type of what these return: its LocalAddr (a listener's Addr) is always one (net's
# sockets keep the address they were bound to, of their network's type).
LOCAL_ADDRESSES = {
    **dict.fromkeys(("net.ListenUDP", "net.DialUDP", "net.ListenMulticastUDP"), "net.UDPAddr"),
    **dict.fromkeys(("net.ListenTCP", "net.DialTCP"), "net.TCPAddr"),
    **dict.fromkeys(("net.ListenUnix", "net.DialUnix", "net.ListenUnixgram"), "net.UnixAddr"),
    **dict.fromkeys(("net.ListenIP", "net.DialIP"), "net.IPAddr"),
}
STDLIB_VARS = {
    "net/http.DefaultClient": "net/http.Client",
    "net/http.DefaultTransport": "net/http.RoundTripper",
}
# Interfaces print without a star in messages: (net.Listener).Accept, (*http.Client).Do.
STDLIB_INTERFACES = frozenset({
    "net.Listener", "net.Conn", "net.PacketConn", "net/http.RoundTripper", "io.Closer", "io.ReadCloser",
})
ABORT_FUNCTIONS = frozenset({
    "os.Exit", "log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln",
    "runtime.Goexit",
})
# The calls among them that end the process (log.Panic panics, runtime.Goexit ends a goroutine).
PROCESS_EXITS = frozenset({"os.Exit", "log.Fatal", "log.Fatalf", "log.Fatalln"})
# Test assertions on an error: after those of the first set the error is not nil, after those of
# the second it is nil, or the test stops (require, must) or has failed (assert): a resource open
# only on the other path is open only in a failing test.
ERROR_ASSERTIONS = {
    **dict.fromkeys(("github.com/stretchr/testify/require", "github.com/stretchr/testify/assert"),
                    (frozenset({"Error", "ErrorIs", "ErrorAs", "ErrorContains", "EqualError", "Errorf", "ErrorIsf"}),
                     frozenset({"NoError", "NoErrorf"}))),
    **dict.fromkeys(("github.com/shoenig/test/must", "github.com/shoenig/test"),
                    (frozenset({"Error", "ErrorIs", "ErrorAs", "ErrorContains", "EqError"}), frozenset({"NoError"}))),
    **dict.fromkeys(("gotest.tools/v3/assert", "gotest.tools/assert"),
                    (frozenset({"Error", "ErrorContains", "ErrorIs", "ErrorType"}), frozenset({"NilError"}))),
}
ABORT_METHODS = frozenset({"Fatal", "Fatalf", "Fatalln", "FailNow", "Skip", "Skipf", "SkipNow", "Panic", "Panicf"})
# A test marked failed goes on running, but what it leaks past that point is a failed test's, not the
# code's: a path through t.Errorf is not followed (`_, err = nats.Connect(...); if !errors.Is(err,
# nats.ErrAuthorization) { t.Errorf(...) }` expects the connect to fail; it holds nothing when it does).
TEST_FAILURES = frozenset(f"testing.{kind}.{method}" for kind in ("T", "B", "F", "TB")
                          for method in ("Error", "Errorf", "Fail"))


# The methods of io's interfaces that the package's interfaces embed (`type ShimInstance interface { io.Closer; ... }`).
_IO_METHODS = {"Closer": {"Close"}, "Reader": {"Read"}, "Writer": {"Write"}, "ReadCloser": {"Read", "Close"},
               "WriteCloser": {"Write", "Close"}, "ReadWriteCloser": {"Read", "Write", "Close"}}


def text(node: Node | None) -> str:
    """Returns the source of `node` ("" for None), remembered until forget_texts: lowering one
    function asks the same nodes' text again and again (each tree-sitter read copies and decodes it)."""
    if node is None:
        return ""
    found = _TEXTS.get(node)  # (a Node hashes and compares by its tree and position: a kept key keeps its tree)
    if found is None:
        found = _TEXTS[node] = node.text.decode("utf-8", "replace")
    return found


_TEXTS: dict[Node, str] = {}


def forget_texts() -> None:
    """Drops the texts text() remembers (and with them the trees of their nodes)."""
    _TEXTS.clear()


@dataclass(slots=True)
class PackageTypes:
    """The declarations of one package directory, shared by all its files."""

    key: str
    tree_packages: dict[str, str]
    structs: dict[str, dict[str, Node]] = field(default_factory=dict)
    interfaces: set[str] = field(default_factory=set)
    funcs: dict[str, list[Node]] = field(default_factory=dict)
    methods: dict[tuple[str, str], list[Node]] = field(default_factory=dict)
    variables: dict[str, tuple[Node | None, Node | None, dict[str, str]]] = field(default_factory=dict)
    type_names: set[str] = field(default_factory=set)
    embedded: dict[str, list[Node]] = field(default_factory=dict)
    resolved: dict[str, str] = field(default_factory=dict)
    var_types: dict[str, str] = field(default_factory=dict)
    arity: dict[str, int] = field(default_factory=dict)  # parameters of the package's functions (`F`, `T.M`)
    # The package's own test assertions (`func require_NoError(t testing.TB, err error)`): name ->
    # (the asserted parameter's index, what the test goes on with: "nil", "set" or "true").
    assertions: dict[str, tuple[int, str]] = field(default_factory=dict)
    func_types: dict[str, list[Node]] = field(default_factory=dict)  # named function types -> their results
    name: str = ""  # the package clause's name (`main`)
    ending: frozenset[str] = frozenset()  # functions returning only into the process's end (see process.py)
    failing: frozenset[str] = frozenset()  # functions failing only into the process's end (failing_exit.py)
    head_requests: frozenset[str] = frozenset()  # functions returning only HEAD requests (transports.py)
    method_parameters: dict[str, int] = field(default_factory=dict)  # request builders -> their method's parameter (request_methods.py)
    in_memory_trippers: frozenset[str] = frozenset()  # types whose RoundTrip answers in memory (fakes.py)
    quiet_writers: Callable[[], dict[str, frozenset[int]]] = dict  # (see transports.quiet_writers)
    muxes: Callable[[], object] | None = None  # what makes handlers and muxes (see routes.mux_facts)
    test_types: set[str] = field(default_factory=set)  # types declared in the package's _test.go files
    embeds: dict[str, list[str]] = field(default_factory=dict)  # interface -> the interfaces it embeds (`io.Closer`)
    implementers: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)  # (see FileScope.implementation)
    # Functions declared again in files built only for one GOOS (`newICMPProxy` in icmp_linux.go and
    # icmp_windows.go): name -> the GOOS of each variant other than the default declaration, and file -> its GOOS.
    variants: dict[str, set[str]] = field(default_factory=dict)
    goos: dict[str, str] = field(default_factory=dict)
    variant_files: set[tuple[str, str]] = field(default_factory=set)  # (file, name) of each such variant
    booleans: dict[str, bool] = field(default_factory=dict)  # `const debug = false` (see regions.boolean_constants)
    integers: dict[str, int] = field(default_factory=dict)  # `const N = 3` (see counts.integer_constants)
    foreign_integers: dict[str, dict[str, int]] = field(default_factory=dict)  # other tree packages' (comparisons.py)
    declared_in: dict[int, dict[str, str]] = field(default_factory=dict)  # type node id -> its file's imports
    # The tree's other packages (a treesources.TreeSources), whose signatures type calls of their functions.
    tree: object | None = None
    package_name: object = None  # import path -> the name it is used under unaliased (frontend._package_name)
    reaped: bool = False  # the package runs only in a program reaping every child (reaping.py)
    # type -> the qualified names of its methods, sorted: read once every file is collected (frontend._owner)
    method_index: dict[str, tuple[str, ...]] | None = None
    function_values: object = None  # what its calls pass for parameters of function type (funcvalues.py)
    _tree_keys: frozenset[str] | None = None
    _in_tree: dict[str, bool] = field(default_factory=dict)  # (see in_tree)

    def in_tree(self, callee: str) -> bool:
        """Reports whether `callee` (`key.F`, `key.T.M`) belongs to a package of the tree (asked
        once per callee: a package's functions call the same few hundred callees)."""
        found = self._in_tree.get(callee)
        if found is None:
            if self._tree_keys is None:
                self._tree_keys = frozenset(self.tree_packages.values()) | {self.key}
            # Ex) gopkg.in/yaml.v3.Decoder.Decode   (the package is the longest key before a dot, not the first)
            start = callee.rfind("/") + 1
            found = self._in_tree[callee] = any(callee[:at] in self._tree_keys
                                                for at, char in enumerate(callee[start:], start) if char == ".")
        return found

    def collect(self, declarations: list[Node], imports: dict[str, str]) -> None:
        """Records the top-level declarations of one file, whose imports are `imports`."""
        for child in declarations:
            match child.type:
                case "package_clause":
                    self.name = text(child.named_children[0]) if child.named_children else ""
                case "type_declaration":
                    for spec in child.named_children:
                        self._type_spec(spec, imports)
                case "function_declaration":
                    self.funcs[text(child.child_by_field_name("name"))] = self._declared(result_nodes(child), imports)
                    self.arity[text(child.child_by_field_name("name"))] = _param_count(child)
                case "method_declaration":
                    receiver = receiver_type_name(child)
                    self.methods[(receiver, text(child.child_by_field_name("name")))] = \
                        self._declared(result_nodes(child), imports)
                    self.arity[f"{receiver}.{text(child.child_by_field_name('name'))}"] = _param_count(child)
                case "var_declaration":
                    # Ex) var client = &http.Client{Timeout: 5 * time.Second}   Ex) var db *sql.DB
                    for spec in _specs(child):
                        declared = spec.child_by_field_name("type")
                        names = spec.children_by_field_name("name")
                        values = spec.child_by_field_name("value")
                        items = list(values.named_children) if values is not None else []
                        for index, name in enumerate(names):
                            value = items[index] if len(items) == len(names) else None
                            self.variables[text(name)] = (declared, value, imports)

    def _declared(self, nodes: list[Node], imports: dict[str, str]) -> list[Node]:
        """Remembers that type expressions `nodes` are read with `imports` (their file's), and returns them."""
        for node in nodes:
            if node is not None:
                self.declared_in[node.id] = imports
        return nodes

    def _type_spec(self, spec: Node, imports: dict[str, str]) -> None:
        if spec.type not in ("type_spec", "type_alias"):
            return
        name = text(spec.child_by_field_name("name"))
        self.type_names.add(name)
        body = spec.child_by_field_name("type")
        if body is not None and body.type == "struct_type":
            fields: dict[str, Node] = {}
            embedded: list[Node] = []
            for decl in _descendants_of_type(body, "field_declaration"):
                declared = decl.child_by_field_name("type")
                names = decl.children_by_field_name("name")
                self._declared([declared], imports)
                if declared is not None and declared.type == "function_type":
                    self._declared(result_nodes(declared), imports)  # Ex) create func(ctx) Connector
                for field_name in names:
                    fields[text(field_name)] = declared
                if not names and decl.named_children:
                    # Ex) type API struct{ *http.Client }   (field Client, methods promoted)
                    kind = decl.named_children[0]
                    self._declared([kind], imports)
                    embedded.append(kind)
                    fields[text(kind).lstrip("*").rsplit(".", 1)[-1]] = kind
            self.structs[name] = fields
            self.embedded[name] = embedded
        elif body is not None and body.type == "function_type":
            # Ex) type GetWorkConnFn func() (net.Conn, error)   (a field of this type is called like a method)
            self.func_types[name] = self._declared(result_nodes(body), imports)
        elif body is not None and body.type == "interface_type":
            self.interfaces.add(name)
            self.embeds[name] = [text(elem) for elem in body.named_children if elem.type == "type_elem"]
            for method in body.named_children:
                if method.type == "method_elem" and method.child_by_field_name("name") is not None:
                    self.methods[(name, text(method.child_by_field_name("name")))] = \
                        self._declared(result_nodes(method), imports)

    def function_qualname(self, name: str, path: str) -> str:
        """Returns the qualname of the package's function `name` as declared in, or called from,
        file `path`: a variant built only for that file's GOOS is `key.name@goos`."""
        goos = self.goos.get(path, "")
        if goos and goos in self.variants.get(name, ()):
            return f"{self.key}.{name}@{goos}"
        return f"{self.key}.{name}"

    def note_variants(self, declared: list[tuple[str, str]]) -> None:
        """Records the GOOS variants among the (file, function name) declarations of the package."""
        by_name: dict[str, list[str]] = {}
        for path, name in declared:
            by_name.setdefault(name, []).append(path)
        for name, paths in by_name.items():
            if len(paths) < 2 or name in ("main", "init", "TestMain"):
                continue
            # the variant built for linux/amd64 (see platforms.py), else one built for every GOOS
            default = next((path for path in paths if self.goos.get(path) == "linux"),
                           next((path for path in paths if not self.goos.get(path)), paths[0]))
            for path in paths:
                if path != default and self.goos.get(path):
                    self.variants.setdefault(name, set()).add(self.goos[path])
                    self.variant_files.add((path, name))

    def variable_type(self, name: str) -> str:
        """Returns the type of package-level variable `name` (declared, or of its initial value), read
        with the imports of the file declaring it."""
        if name not in self.var_types:
            declared, value, imports = self.variables[name]
            scope = FileScope(self, imports)
            self.var_types[name] = scope.type_of_expr(declared) if declared is not None else scope.type_of_value(value)
        return self.var_types[name]

    def resolve_import(self, path: str) -> str:
        """Returns the tree package key an import path points to, or the path itself."""
        if path not in self.resolved:
            self.resolved[path] = self._resolve_import(path)
        return self.resolved[path]

    def _resolve_import(self, path: str) -> str:
        if path in self.tree_packages:
            return self.tree_packages[path]
        if "." not in path.split("/", 1)[0]:
            return path  # the standard library (or a module named without a domain): only its exact path
        best = ""  # a tree without go.mod, named by directory: `github.com/acme/svc/db` is directory `db`
        for suffix, key in self.tree_packages.items():
            if (path == suffix or path.endswith("/" + suffix)) and len(suffix) > len(best):
                best = suffix
        return self.tree_packages[best] if best else path


@dataclass(slots=True)
class FileScope:
    """One file's view of its package: the package declarations plus the file's imports."""

    package: PackageTypes
    imports: dict[str, str]
    dots: tuple[str, ...] = ()  # the paths it imports as `.` (dotimports.py)

    def type_of_expr(self, node: Node | None) -> str:
        """Returns the named type a type expression denotes (`*http.Client` -> net/http.Client), read
        with the imports of the file that declares it (a field or result declared in another file)."""
        imports = self.package.declared_in.get(node.id) if node is not None else None
        if imports is not None and imports is not self.imports:
            return FileScope(self.package, imports).type_of_expr_here(node)
        return self.type_of_expr_here(node)

    def type_of_expr_here(self, node: Node | None) -> str:
        """Returns the named type a type expression denotes, read with this file's imports."""
        while node is not None and node.type in ("pointer_type", "parenthesized_type"):
            node = node.named_children[0] if node.named_children else None
        if node is None:
            return ""
        if node.type == "qualified_type":
            package = self.imports.get(text(node.child_by_field_name("package")))
            if package is None:
                return ""
            return f"{self.package.resolve_import(package)}.{text(node.child_by_field_name('name'))}"
        if node.type == "type_identifier" and text(node) in self.package.type_names:
            return f"{self.package.key}.{text(node)}"
        if node.type == "generic_type":
            return self.type_of_expr(node.child_by_field_name("type"))
        if node.type == "channel_type" and node.named_children:
            # Ex) responseC <-chan response   (what a receive from it yields: ExpressionLowerer._receive)
            element = self.type_of_expr_here(node.named_children[-1])
            return f"chan {element}" if element else ""
        return ""

    def type_of_value(self, node: Node | None) -> str:
        """Returns the named type of an initial value that needs no local names: a composite literal,
        its address, `new(T)`, or a call whose result type the package or a table tells."""
        if node is None:
            return ""
        match node.type:
            case "composite_literal":
                return self.type_of_expr(node.child_by_field_name("type"))
            case "unary_expression" | "parenthesized_expression":
                return self.type_of_value(node.named_children[-1]) if node.named_children else ""
            case "call_expression":
                function = node.child_by_field_name("function")
                arguments = node.child_by_field_name("arguments")
                if function is not None and function.type == "identifier" and text(function) == "new":
                    return self.type_of_expr(arguments.named_children[0]) if arguments and arguments.named_children else ""
                if function is not None and function.type == "identifier":
                    types = self.result_types(f"{self.package.key}.{text(function)}")
                    return types[0] if types else ""
                if function is not None and function.type == "selector_expression":
                    operand = function.child_by_field_name("operand")
                    package = self.imports.get(text(operand)) if operand.type == "identifier" else None
                    if package is not None:
                        callee = f"{self.package.resolve_import(package)}.{text(function.child_by_field_name('field'))}"
                        types = self.result_types(callee)
                        return types[0] if types else STDLIB_RESULTS.get(callee, "")
        return ""

    def method_owner(self, owner: str, method: str) -> str:
        """Returns the type that declares `method` for a value of `owner`: the owner itself, or
        the embedded type the method is promoted from (`API{*http.Client}.Get` -> net/http.Client)."""
        prefix = self.package.key + "."
        if not owner.startswith(prefix) or (owner[len(prefix):], method) in self.package.methods:
            return owner
        candidates = [self.type_of_expr(node) for node in self.package.embedded.get(owner[len(prefix):], [])]
        for candidate in candidates:
            if candidate.startswith(prefix) and (candidate[len(prefix):], method) in self.package.methods:
                return candidate
        external = [c for c in candidates if c and not c.startswith(prefix)]
        return external[0] if len(external) == 1 else owner

    def implementation(self, owner: str, method: str) -> str:
        """Returns the type whose `method` a call through the package's interface `owner` runs, when
        the interface has an unexported method (only the package's types can implement it) and
        exactly one type of the package, none of its tests', implements it; else ""."""
        # Ex) w.conn.close() where conn is a serverConn and netConn is its only implementation
        # (testing's testDeps has only exported methods: the real one is testdeps.TestDeps, elsewhere)
        prefix = self.package.key + "."
        local = owner[len(prefix):] if owner.startswith(prefix) else ""
        if local not in self.package.interfaces:
            return ""
        if local not in self.package.implementers:
            self.package.implementers[local] = self._implementer(local)
        implementer, wanted = self.package.implementers[local]
        return prefix + implementer if implementer and method in wanted else ""

    def _implementer(self, local: str) -> tuple[str, frozenset[str]]:
        """Returns the one type of the package (not of its tests) implementing interface `local`
        when it has an unexported method, else "", and the interface's methods."""
        wanted = frozenset(self._interface_methods(local))
        if all(each[:1].isupper() for each in wanted):
            return "", wanted
        implementers = [name for name in self.package.type_names - self.package.interfaces
                        if all((name, each) in self.package.methods for each in wanted)]
        if len(implementers) != 1 or implementers[0] in self.package.test_types:
            return "", wanted
        return implementers[0], wanted

    def _interface_methods(self, local: str, depth: int = 0) -> set[str]:
        """Returns the methods of the package's interface `local`, with those of the interfaces it
        embeds (io's Closer, Reader and Writer, or the package's own)."""
        methods = {method for owner, method in self.package.methods if owner == local}
        for embedded in self.package.embeds.get(local, []) if depth < 4 else ():
            if embedded in self.package.interfaces:
                methods |= self._interface_methods(embedded, depth + 1)
            else:
                methods |= _IO_METHODS.get(embedded.rsplit(".", 1)[-1], set())
        return methods

    def promoted_through(self, owner: str, name: str) -> str:
        """Returns the embedded field through which a value of the package's struct `owner` reaches
        field or method `name` that it does not declare itself (Go's promotion), when it embeds
        exactly one type; else ""."""
        prefix = self.package.key + "."
        local = owner[len(prefix):] if owner.startswith(prefix) else ""
        fields = self.package.structs.get(local)
        embedded = self.package.embedded.get(local, [])
        if fields is None or name in fields or (local, name) in self.package.methods or len(embedded) != 1:
            return ""
        return text(embedded[0]).lstrip("*").rsplit(".", 1)[-1]

    def embedded_type(self, owner: str) -> tuple[str, str]:
        """Returns the field name and named type of the one type the package's struct `owner`
        embeds (`type response struct { *http.Response; err error }`), or ("", "")."""
        prefix = self.package.key + "."
        local = owner[len(prefix):] if owner.startswith(prefix) else ""
        embedded = self.package.embedded.get(local, []) if local in self.package.structs else []
        if len(embedded) != 1:
            return "", ""
        return text(embedded[0]).lstrip("*").rsplit(".", 1)[-1], self.type_of_expr(embedded[0])

    def error_field(self, owner: str) -> str:
        """Returns the first field of type `error` of the package's struct `owner`, or ""."""
        prefix = self.package.key + "."
        fields = self.package.structs.get(owner[len(prefix):], {}) if owner.startswith(prefix) else {}
        return next((name for name, declared in fields.items() if text(declared) == "error"), "")

    def field_type(self, owner: str, name: str, depth: int = 0) -> str:
        prefix = self.package.key + "."
        if not owner.startswith(prefix):
            return ""
        declared = self.package.structs.get(owner[len(prefix):], {}).get(name)
        if declared is None and depth < 4:
            # Ex) sv.helper where SUDPVisitor embeds *BaseVisitor, which declares `helper Helper`
            via = self.promoted_through(owner, name)
            return self.field_type(prefix + via, name, depth + 1) if via else ""
        return self.type_of_expr(declared)

    def field_call_types(self, owner: str, name: str) -> list[str]:
        """Returns the declared result types of a call of field `name` of the package's struct `owner`
        when the field is of function type (`connectorCreator func(ctx) Connector`), else []."""
        prefix = self.package.key + "."
        if not owner.startswith(prefix):
            return []
        return [self.type_of_expr(node) for node in self._func_field_results(owner[len(prefix):], name)]

    def result_types(self, callee: str) -> list[str]:
        """Returns the declared result types of a tree function or method (`key.F`, `key.T.M`)."""
        prefix = self.package.key + "."
        if not callee.startswith(prefix):
            return self._foreign_result_types(callee)
        rest = callee[len(prefix):]
        if "." in rest:
            owner, method = rest.split(".", 1)
            results = self.package.methods.get((owner, method))
            if results is None:
                results = self._func_field_results(owner, method)
        else:
            results = self.package.funcs.get(rest)
        return [self.type_of_expr(node) for node in results or []]

    def _foreign_result_types(self, callee: str) -> list[str]:
        """Returns the result types of another package's function or method of the tree, or of a
        dependency with sources (`connection.NewHTTP2Connection` -> connection.HTTP2Connection), as
        its signature writes them; [] when no signature is found."""
        signatures = self._signatures(callee)
        if signatures is None:
            return []
        key, declared = signatures
        written, imports = declared.results.get(callee[len(key) + 1:], ((), {}))
        return [self._concrete(named_type(each, key, imports, self.package.resolve_import)) for each in written]

    def _signatures(self, qualname: str) -> tuple[str, Signatures] | None:
        """Returns the other package of the tree declaring `qualname` and its signatures, or None."""
        tree = self.package.tree
        key = tree.declaring(qualname) if tree is not None and "." in qualname else None
        if key is None or key == self.package.key:
            return None
        if key not in tree.signatures:
            tree.signatures[key] = read_signatures(tree.sources(key), self.package.package_name)
        return key, tree.signatures[key]

    def _concrete(self, type_name: str) -> str:
        """Returns `type_name` unless it is an interface of another package of the tree: a method
        called through one stays unresolved, for the analysis to find its one implementation among
        the methods of the package whose function handed the value back (atomicfile.New's File)."""
        signatures = self._signatures(type_name) if type_name else None
        return "" if signatures is not None and type_name[len(signatures[0]) + 1:] in signatures[1].interfaces \
            else type_name

    def _func_field_results(self, owner: str, name: str) -> list[Node]:
        """Returns the declared results of the package's struct `owner`'s field `name` when it holds a
        function (`getWorkConnFn GetWorkConnFn`, `dial func() (net.Conn, error)`), else []."""
        declared = self.package.structs.get(owner, {}).get(name)
        if declared is not None and declared.type == "function_type":
            return result_nodes(declared)
        if declared is not None and declared.type == "type_identifier":
            return self.package.func_types.get(text(declared), [])
        return []

    def display_type(self, type_name: str) -> str:
        """Returns a type as messages show a method's receiver: `*http.Client`, `net.Listener`, `*Client`."""
        path, _, name = type_name.rpartition(".")
        local = path == self.package.key
        short = name if local else f"{path.rsplit('/', 1)[-1]}.{name}"
        interface = name in self.package.interfaces if local else type_name in STDLIB_INTERFACES
        return short if interface else f"*{short}"


def file_goos(path: str, source: bytes) -> str:
    """Returns the one GOOS a file is built for, by its name (`icmp_windows_test.go`) or its
    `//go:build windows && cgo` line, else ""."""
    parts = os.path.basename(path).removesuffix(".go").removesuffix("_test").split("_")
    for part in parts[1:][-2:]:
        if part in GOOS:
            return part
    match = BUILD_CONSTRAINT.search(source[:4096])
    if match is None or b"||" in match.group(1):
        return ""
    positive = [term for term in re.split(r"\s*&&\s*", match.group(1).decode(errors="replace").strip()) if term in GOOS]
    return positive[0] if len(positive) == 1 else ""


def receiver_type_name(method: Node) -> str:
    receiver = method.child_by_field_name("receiver")
    for param in receiver.named_children if receiver is not None else ():
        node = param.child_by_field_name("type")
        while node is not None and node.type in ("pointer_type", "generic_type", "parenthesized_type"):
            inner = node.child_by_field_name("type") if node.type == "generic_type" else None
            node = inner or (node.named_children[0] if node.named_children else None)
        return text(node)
    return ""


def result_nodes(function: Node) -> list[Node]:
    """Returns the type node of each result of a function, method or func literal, in order."""
    result = function.child_by_field_name("result")
    if result is None:
        return []
    if result.type != "parameter_list":
        return [result]
    out = []
    for param in result.named_children:
        if param.type == "parameter_declaration":
            names = param.children_by_field_name("name")
            out.extend([param.child_by_field_name("type")] * max(1, len(names)))
    return out


def _param_count(function: Node) -> int:
    """Returns how many parameters a function or method declares (a variadic one counts once)."""
    params = function.child_by_field_name("parameters")
    count = 0
    for param in params.named_children if params is not None else ():
        if param.type in ("parameter_declaration", "variadic_parameter_declaration"):
            count += max(1, len(param.children_by_field_name("name")))
    return count


def _specs(declaration: Node) -> list[Node]:
    specs = []
    for child in declaration.named_children:
        if child.type == "var_spec":
            specs.append(child)
        elif child.type == "var_spec_list":
            specs.extend(c for c in child.named_children if c.type == "var_spec")
    return specs


def subtree(node: Node | None, literals: bool = True) -> list[Node]:
    """Returns `node` and the named nodes under it (inside func literals only when `literals`),
    each before its children."""
    out, stack = [], [node] if node is not None else []
    while stack:
        current = stack.pop()
        out.append(current)
        if literals or current.type != "func_literal" or current is node:
            stack.extend(current.named_children)
    return out


def _descendants_of_type(node: Node, kind: str) -> list[Node]:
    """Returns the outermost descendants of type `kind`, in source order."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            found.append(current)
            continue
        stack.extend(reversed(current.named_children))
    return found


def var_specs(declaration: Node) -> list[Node]:
    return _specs(declaration)


# A function whose body starts (after t.Helper()) by stopping the test on its error parameter's
# value: `if err != nil { ...; t.Fatalf(...) }` (it returns only with err nil), `== nil` (only set),
# or on a condition: `if !ok { t.Fatalf(...) }` (only true).
_ASSERTION = re.compile(
    rb"\nfunc ([A-Za-z_]\w*)\(([^)\n]*)\)\s*\{\s*\n(?:[ \t]*\w+\.Helper\(\)\s*\n)?([ \t]*)"
    rb"if (?:(\w+) ([!=])= nil|!(\w+)) \{\s*\n")
_STOPS = re.compile(rb"\.(?:Fatal|Fatalf|Fatalln|FailNow)\(")


def assertion_helpers(sources: list[bytes]) -> dict[str, tuple[int, str]]:
    """Returns the package's own test assertions on an error, read from its bytes (their bodies are
    rarely parsed: they call no acquisition): nats-server's `require_NoError(t, err)` and
    `require_Error(t, err)` work as testify's require.NoError and require.Error do."""
    found: dict[str, tuple[int, str]] = {}
    for data in sources:
        if b".Fatal" not in data and b".FailNow" not in data:
            continue
        for match in _ASSERTION.finditer(data):
            end = data.find(b"\n" + match.group(3) + b"}", match.end())
            block = data[match.end():end] if end != -1 else b""
            if not _STOPS.search(block) or b"return" in block:
                continue  # Ex) if err != nil { log(err); return }   (not an assertion)
            params = match.group(2).decode("utf-8", "replace")
            names = [part.split()[0] if part.split() else "" for part in params.split(",")]
            name = (match.group(4) or match.group(6)).decode()
            kind = "true" if match.group(6) else "set" if match.group(5) == b"=" else "nil"
            declared = "bool" if kind == "true" else "error"
            if name in names and re.search(rf"\b{re.escape(name)}\s+{declared}\b", params):
                found[match.group(1).decode()] = (names.index(name), kind)
    return found
