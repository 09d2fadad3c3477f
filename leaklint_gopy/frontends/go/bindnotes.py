"""What a Go binding notes on the call it binds: a listener or dialer that makes no connection (in
memory, the tree's own transport), a process whose child keeps the files, a failed test, a request
whose URL never dials, a TLS dial that returns only after its handshake. The analysis reads these
notes from the call's kwargs. Also the notes on a call's arguments (CallNotes: surely not nil, the
fields of a struct literal). Mixins of lower.FunctionLowerer.
"""
from __future__ import annotations

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _BUILTINS, _args, _keyed_values, _served_by
from leaklint_gopy.frontends.go.fakes import HOLDING_TYPE, held_fakes, inner_value, wraps_fakes
from leaklint_gopy.frontends.go.guards import error_text, is_message, unparenthesized
from leaklint_gopy.frontends.go.literals import literal_fields, surely_nonnil
from leaklint_gopy.frontends.go.request_methods import is_head
from leaklint_gopy.frontends.go.transports import dials_in_memory, dials_nothing
from leaklint_gopy.frontends.go.typeinfo import ABORT_METHODS, TEST_FAILURES, text


class BindingNotes:
    """The notes half of FunctionLowerer's bindings (see lower.py, bindings.py)."""

    def _note_texts(self, left: list[Node], right: list[Node]) -> None:
        """Remembers which variables now hold an error's text, or a message no nil error prints."""
        for index, item in enumerate(left):
            if item.type != "identifier":
                continue
            name = text(item)
            value = right[index] if len(right) == len(left) else None
            err = error_text(value, self.error_texts)
            self.error_texts.pop(name, None)
            self.messages.discard(name)
            if err is not None:
                self.error_texts[name] = err  # Ex) got := fmt.Sprint(err)
            elif is_message(value):
                self.messages.add(name)  # Ex) want := "http: no Host in request URL"

    def _own_address(self, value: Node) -> bool:
        """Reports whether a type assertion asks a socket's own address for its network's type
        (`udpConn.LocalAddr().(*net.UDPAddr)` on a connection from net.ListenUDP)."""
        value = unparenthesized(value)
        if value.type != "type_assertion_expression":
            return False
        call = unparenthesized(value.child_by_field_name("operand"))
        function = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
        if function is None or function.type != "selector_expression" \
                or text(function.child_by_field_name("field")) not in ("LocalAddr", "Addr"):
            return False
        socket = self.addresses.get(text(function.child_by_field_name("operand")), "")
        return bool(socket) and self.scope.type_of_expr(value.child_by_field_name("type")) == socket

    def _dials_nothing(self, value: Node) -> tuple[str, str] | None:
        """Returns the note of an http.Transport, or an http.Client over one, that connects nowhere
        (see `dialless`), else None."""
        value = inner_value(value)
        if value.type == "identifier":
            return self.dialless.get(text(value))
        kind = self._type_of(value) if value.type == "composite_literal" else ""
        if kind == "net/http.Transport" and dials_nothing(value):
            return ("dial", "failing")
        if kind == "net/http.Transport" and dials_in_memory(value, self._built_in_memory):
            return ("transport", "injected")  # Ex) &Transport{Dial: func(n, a string) (net.Conn, error) { return &dumpConn{w, r}, nil }}
        if kind and self._fake_wrapper(value, kind):
            # Ex) rt := &bearerRoundTripper{next: RoundTripperFunc(func(req) (...) { return &http.Response{...}, nil })}
            return ("transport", "injected")
        transport = next((node for key, node in _keyed_values(value) if key == "Transport"), None)
        return self._dials_nothing(transport) if kind == "net/http.Client" and transport is not None else None

    def _fake_wrapper(self, literal: Node, kind: str) -> bool:
        """Reports whether `literal` builds a round tripper of the package over a test's functions
        answering in memory (see fakes.py)."""
        local = kind.removeprefix(self.scope.package.key + ".")
        if local == kind or (local, "RoundTrip") not in self.scope.package.methods:
            return False
        return wraps_fakes(literal, lambda name: self.scope.field_type(kind, name), self._type_of,
                           self.scope.package.in_memory_trippers)

    def _quiet_writer(self, name: str) -> frozenset[int]:
        """Returns the indexes of the ResponseWriter parameters the package's function `name` writes
        no body to (see transports.quiet_writers); none for a local of that name."""
        if name in self.locals or name in self.outer:
            return frozenset()
        return self.scope.package.quiet_writers().get(name, frozenset())

    def _note_held_fakes(self, name: str, value: Node) -> None:
        """Remembers the fields of `name`, a struct literal of the package, set to a round tripper of
        the package answering in memory, for the methods later called on it (see fakes.held_fakes)."""
        trippers = self.scope.package.in_memory_trippers
        own = self._type_of(inner_value(value)).startswith(self.scope.package.key + ".") if trippers else False
        held = held_fakes(value, self._type_of, trippers) if own else ()
        if held:
            # Ex) sr := &streamReader{tr: &Transport{streamRt: tr}}; sr.dial(t)   (tr: &roundTripperRecorder{})
            self.built[name] = tuple(("holds", f"{path}={kind}") for path, kind in held)

    def _forget_held(self, target: str | None) -> None:
        """Forgets the `holds` notes of the fields that assigning `target` may change."""
        # Ex) sr.tr.streamRt = http.DefaultTransport   Ex) sr.tr = other   (not service.resolver = r)
        name, _, path = (target or "").partition(".")
        notes = self.built.get(name, ()) if path else ()
        kept = tuple(note for note in notes if note[0] != "holds" or not _overlaps(note[1].partition("=")[0], path))
        if kept != notes:
            self.built[name] = kept

    def _built_in_memory(self, value: Node) -> bool:
        """Reports whether `value` makes a connection in memory: a literal of a struct type of the
        package none of whose fields, embedded ones included, is typed as a connection or a file
        (`&dumpConn{io.MultiWriter(&buf, pw), dr}`, an io.Writer and an io.Reader)."""
        value = inner_value(value)
        kind = self._type_of(value) if value.type == "composite_literal" else ""
        package = self.scope.package
        local = kind.removeprefix(package.key + ".")
        if local == kind or local not in package.structs:
            return False
        fields = [*package.structs[local].values(), *package.embedded.get(local, [])]
        return not any(HOLDING_TYPE.search(text(field)) for field in fields)

    def _tree_transport(self, value: Node) -> str:
        """Returns the qualname of the package's own RoundTrip that an http.Client literal's Transport
        is (`&http.Client{Transport: &fakeTransport{}}`), else ""."""
        value = inner_value(value)
        if value.type != "composite_literal" or self._type_of(value) != "net/http.Client":
            return ""
        transport = next((node for key, node in _keyed_values(value) if key == "Transport"), None)
        owner = self._type_of(transport) if transport is not None else ""
        prefix = self.scope.package.key + "."
        local = owner[len(prefix):] if owner.startswith(prefix) else ""
        return f"{owner}.RoundTrip" if local and (local, "RoundTrip") in self.scope.package.methods else ""

    def _fails_test(self, literal: Node) -> bool:
        """Reports whether a func literal's body marks the test failed in a statement of its own, so
        every call of it does (t.Errorf, t.Fatal, b.Error on the enclosing test's T or B)."""
        body = literal.child_by_field_name("body")
        statements = list(body.named_children) if body is not None else []
        while len(statements) == 1 and statements[0].type == "statement_list":
            statements = list(statements[0].named_children)
        for statement in statements:
            call = statement.named_children[0] if statement.type == "expression_statement" and statement.named_children else None
            function = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
            if function is None or function.type != "selector_expression":
                continue
            operand = function.child_by_field_name("operand")
            kind = self.types.get(text(operand), "") if operand.type == "identifier" else ""
            if f"{kind}.{text(function.child_by_field_name('field'))}" in TEST_FAILURES \
                    or kind.startswith("testing.") and text(function.child_by_field_name("field")) in ABORT_METHODS:
                return True
        return False

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

    def _lent_to_child(self, item: Node) -> bool:
        """Reports whether assigning to `item` gives a value to a child process that only borrows it:
        exec.Cmd passes an *os.File in ExtraFiles, Stdin, Stdout or Stderr to the child as it is and
        never closes it in the parent (it closes only the pipes it makes itself), nor a connection
        it copies from or to."""
        if item.type != "selector_expression":
            return False
        field = text(item.child_by_field_name("field"))
        return field in _CHILD_FILES and self._type_of(item.child_by_field_name("operand")) == "os/exec.Cmd"

    def _note_settled(self, call, left: list[Node], targets: list[str | None]) -> None:
        """Remembers the TLS connections crypto/tls dialed, whose handshake is done when the dial
        returns, and the errors their Handshake gives: that handshake's result again (conn.go
        returns c.handshakeErr at once once it is complete), nil, since the dial succeeded; and the
        errors of reading a command's output pipe to its end before Wait (nil)."""
        # Ex) tc, err := tls.Dial("tcp", addr, cfg); ...; if err := tc.Handshake(); err != nil { return nil, err }
        if call.callee in _HANDSHAKING_DIALS and targets[0] is not None:
            self.handshaken.add(targets[0])
        elif call.callee.rsplit(".", 1)[-1] in ("Handshake", "HandshakeContext") and call.receiver in self.handshaken \
                and len(left) == 1 and left[0].type == "identifier":
            self.settled[text(left[0])] = len(self.declared)
        # Ex) stdout, err := cmd.StdoutPipe(); ...; out, err := io.ReadAll(stdout)   (reading an *os.File
        # pipe fails only once it is closed, which only Wait does: ReadAll ends at EOF with a nil error)
        if call.callee in _OUTPUT_PIPES and targets[0] is not None and call.receiver is not None:
            self.pipes[targets[0]] = call.receiver
        elif call.callee == "io.ReadAll" and call.args and call.args[0] in self.pipes and len(left) == 2 \
                and left[1].type == "identifier":
            self.settled[text(left[1])] = len(self.declared)

    def _note_silent_url(self, name: str, value: Node, callee: str = "") -> None:
        """Remembers whether `name` now holds the URL of a server whose handler writes nothing, parsed
        (`u, err := url.Parse(ts.URL)`), and whether a request now names one (`&Request{URL: u}`)."""
        self.silent_urls.discard(name)
        if not self.silent:
            return
        arguments = _args(value) if callee == "net/url.Parse" else []
        if arguments and _served_by(text(arguments[0]), self.silent, self.silent_urls):
            self.silent_urls.add(name)
        literal = value.named_children[-1] if value.type == "unary_expression" and value.named_children else value
        if literal.type != "composite_literal" or self._type_of(literal) != "net/http.Request":
            return
        self.requests.pop(name, None)
        if any(key == "URL" and _served_by(text(node), self.silent, self.silent_urls) for key, node in _keyed_values(literal)):
            self.requests[name] = (("body", "empty"),)  # Ex) req := &Request{URL: u, Method: "GET"}; c.Do(req)

    def _note_request_methods(self, left: list[Node], right: list[Node]) -> None:
        """Follows a request's method set after it is built: a HEAD request set to another method
        holds a body again (`req.Method = "GET"`), one set to HEAD holds none."""
        for item, value in zip(left, right):
            operand = item.child_by_field_name("operand") if item.type == "selector_expression" else None
            if operand is None or operand.type != "identifier" or text(item.child_by_field_name("field")) != "Method" \
                    or text(operand) not in self.requests:
                continue
            notes = tuple(note for note in self.requests[text(operand)] if note != ("method", "HEAD"))
            # Ex) req, _ := http.NewRequest(http.MethodHead, u, nil); req.Method = "GET"   (a GET: it holds a body)
            self.requests[text(operand)] = notes + ((("method", "HEAD"),) if is_head(value) else ())

    def _note_request(self, call, node: Node, targets: list[str | None]) -> None:
        """Remembers what decides whether sending a request holds a connection: a HEAD method (the
        context it is built with is the Contexts' to follow)."""
        if not targets or targets[0] is None:
            return
        package = self.scope.package
        if call.callee.removeprefix(f"{package.key}.") in package.head_requests:
            # Ex) req, err := f.makeUploadHeadRequest(ctx, loc); resp, err := c.Do(req)
            self.requests[targets[0]] = (("method", "HEAD"),)
            return
        index = package.method_parameters.get(call.callee.removeprefix(f"{package.key}."))
        if index is not None:
            # Ex) req, err := newTestSignedRequest(http.MethodHead, u, 0, nil, ak, sk, signer)   (its method parameter)
            args = _args(node)
            self.requests[targets[0]] = (("method", "HEAD"),) if index < len(args) and is_head(args[index]) else ()
            return
        if call.callee not in _NEW_REQUEST:
            return
        args = _args(node)
        with_context = call.callee.endswith("WithContext")
        method = args[1 if with_context else 0] if len(args) > int(with_context) else None
        notes = []
        if method is not None and is_head(method):
            notes.append(("method", "HEAD"))
        url = args[1 + int(with_context)] if len(args) > 1 + int(with_context) else None
        if url is not None and (_served_by(text(url), self.silent)
                                or self.routes is not None and self.routes.answers_empty(url)):
            notes.append(("body", "empty"))  # Ex) req, _ := NewRequest("POST", ts.URL, nil)   (a silent server)
        self.requests[targets[0]] = tuple(notes)


class CallNotes:
    """The notes FunctionLowerer leaves on a call's arguments (see literals.py): which are surely not
    nil, and the fields of the struct literals they are."""

    def _nonnil_args(self, nodes: list[Node]) -> str:
        """Returns the positions (space-separated) of the arguments surely not nil: `&out`, `&T{}`,
        `new(T)`, or a variable bound once to one (`out := new(T)`, or a named result's `out = new(T)`
        on the function's own level before the call)."""
        return " ".join(str(index) for index, node in enumerate(nodes) if surely_nonnil(node) or (
            node.type == "identifier" and self.literals is not None and self._visible(text(node))
            and self.literals.nonnil(text(node), node.start_byte)))

    def _visible(self, name: str) -> bool:
        """Reports whether `name` is a variable of the function or of one enclosing it."""
        return name in self.locals or name in self.outer

    def _field_notes(self, nodes: list[Node]) -> str:
        """Returns, for the arguments that are keyed struct literals or variables bound once to one,
        or whose boolean fields the function's own level sets before the call (see literals.py),
        their positions and fields: "1 Method=? NoResponse=true|3~ NoResponse=true"."""
        notes = []
        for index, node in enumerate(nodes):
            fields = literal_fields(node)
            name = node.child_by_field_name("operand") if node.type == "unary_expression" else node
            if fields is None and name is not None and name.type == "identifier" and self.literals is not None \
                    and self._visible(text(name)):
                fields = self.literals.fields(text(name), addressed=name is not node)
                if fields is None:  # Ex) opts := newOpts(u); opts.NoResponse = true; c.Call(&opts)
                    fields = self.literals.set_flags(text(name), node.start_byte, addressed=name is not node)
            if fields is not None:
                partial = fields.startswith("~")  # the fields left out are unknown, not false
                notes.append(f"{index}{'~' if partial else ''} {fields.removeprefix('~').strip()}".rstrip())
        return "|".join(notes)


_CHILD_FILES = frozenset({"ExtraFiles", "Stdin", "Stdout", "Stderr"})
_NEW_REQUEST = frozenset({"net/http.NewRequest", "net/http.NewRequestWithContext"})
_OUTPUT_PIPES = frozenset({"os/exec.Cmd.StdoutPipe", "os/exec.Cmd.StderrPipe"})
# crypto/tls's dials: each returns a connection only once its handshake succeeded.
_HANDSHAKING_DIALS = frozenset({"crypto/tls.Dial", "crypto/tls.DialWithDialer", "crypto/tls.Dialer.Dial",
                                "crypto/tls.Dialer.DialContext"})


def _overlaps(path: str, other: str) -> bool:
    """Reports whether field paths `path` and `other` are one, or one leads to the other."""
    return path == other or path.startswith(other + ".") or other.startswith(path + ".")
