"""What a Go call's arguments say about the struct they are (`&rest.Opts{NoResponse: true}`, or a
variable bound once to such a literal: `opts := rest.Opts{Method: "GET"}`, whose NoResponse is
false, or one whose flag the function's own level sets before the call), and what a function tests
of its parameters' boolean fields (`if opts.NoResponse {`): the engine summarises a callee for a
caller whose literal decides those tests. It also splits an `a || b` test into two branches. Text
and tree questions only; it emits nothing itself.
"""
from __future__ import annotations

import re

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _is_struct_literal, _keyed_values
from leaklint_gopy.frontends.go.guards import _conjoin, _guards, _plain_path, unparenthesized
from leaklint_gopy.frontends.go.typeinfo import text
from leaklint_gopy.ir import Guard

Guards = tuple[Guard | None, Guard | None]


def param_field_state(condition: Node | None, params: list[str], body: Node | None) -> tuple[str, bool] | None:
    """Returns the boolean field of a parameter a condition only tests (`opts.NoResponse`,
    `!opts.NoResponse`) and the value making it true, when the function never assigns that field."""
    condition = unparenthesized(condition)
    if condition is not None and condition.type == "unary_expression" and text(condition.children[0]) == "!":
        inner = param_field_state(condition.child_by_field_name("operand"), params, body)
        return (inner[0], not inner[1]) if inner else None
    if condition is None or condition.type != "selector_expression" or body is None:
        return None
    path = _plain_path(condition)
    if path is None or path.count(".") != 1 or path.split(".")[0] not in params:
        return None
    assigned = re.compile(rb"\b" + re.escape(path.encode()) + rb"\s*(=[^=]|:=)")
    return None if assigned.search(body.text) else (path, True)


def operand_guards(condition: Node | None, params: list[str], body: Node | None,
                   known: dict[str, bool]) -> Guards:
    """Returns what the true and false edges of one operand of `||` prove: a nil test, or a test
    of a parameter's boolean field (see param_field_state)."""
    guards = _guards(condition, known)
    if guards != (None, None):
        return guards
    state = param_field_state(condition, params, body)
    if state is None:
        return (None, None)
    kinds = ("true", "false") if state[1] else ("false", "true")
    return (Guard(state[0], kinds[0]), Guard(state[0], kinds[1]))


def disjunction(condition: Node | None, guards: Guards, params: list[str], body: Node | None,
                known: dict[str, bool]) -> tuple[Guards, Guards] | None:
    """Returns the guards of the two tests of `if a || b` taken one after the other, when the
    condition's true edge proves nothing as a whole but one operand's does (`response == nil ||
    opts.NoResponse`): each way into the branch then keeps what it proves."""
    condition = unparenthesized(condition)
    if condition is None or condition.type != "binary_expression" or guards[0] is not None \
            or text(condition.child_by_field_name("operator")) != "||":
        return None
    first = operand_guards(condition.child_by_field_name("left"), params, body, known)
    second = operand_guards(condition.child_by_field_name("right"), params, body, known)
    if first[0] is None and second[0] is None:
        return None
    return first, (second[0], _conjoin(guards[1], second[1]))


def literal_fields(node: Node | None) -> str | None:
    """Returns the fields a keyed struct literal sets (`&rest.Opts{Method: "GET", NoResponse: true}`:
    "Method=? NoResponse=true"; a boolean literal's value, else ?), or None for anything else. The
    fields of an embedded struct's literal are promoted (`Inner: Inner{Quiet: true}`: "Quiet=true");
    it starts with "~" (the fields left out are unknown, not false) when such a literal's are."""
    if node is not None and node.type == "unary_expression" and text(node.children[0]) == "&":
        node = node.child_by_field_name("operand")
    if node is None or node.type != "composite_literal" or not _is_struct_literal(node):
        return None
    pairs = _keyed_values(node)
    if any(not key for key, _ in pairs):
        return None  # Ex) &file{fd, name}   (positional: no field is left to its zero value)
    fields = {key: text(value) if value.type in ("true", "false") else "?" for key, value in pairs}
    partial = False
    for key, value in pairs:
        if _embedded_literal(key, value):
            # Ex) &Opts{Inner: Inner{Quiet: true}}   (opts.Quiet is Inner's, not left out of Opts)
            promoted = literal_fields(value)
            partial |= promoted is None or promoted.startswith("~")
            for pair in (promoted or "").removeprefix("~").split():
                fields.setdefault(*pair.split("=", 1))
    return ("~ " if partial else "") + " ".join(f"{key}={value}" for key, value in fields.items())


def _embedded_literal(key: str, value: Node) -> bool:
    """Reports whether a keyed value is a struct literal (or its address) of the type the key names:
    the literal of an embedded field (`Inner: Inner{...}`, `Base: &pkg.Base{...}`)."""
    if value.type == "unary_expression" and text(value.children[0]) == "&":
        value = value.child_by_field_name("operand")
    kind = value.child_by_field_name("type") if value is not None and value.type == "composite_literal" else None
    return kind is not None and text(kind).split("[")[0].split(".")[-1] == key


# One pass over a body's text finds every binding: `a, b := ...`, `x = ...`, `var x ...`, and what
# `name := <value>` starts with; and every field assignment `x.F = ...`.
# (possessive, led by the first name: `((?:\b\w+\s*,\s*)*\b\w+)` matched the same, but backtracked
# through every shorter list, quadratic in long lists of literals: a tenth of a body's lowering)
_BINDING = re.compile(rb"(\b\w++(?:\s*+,\s*+\b\w++)*+)\s*+(?::=|(?<![=!<>:+\-*/%&|^])=(?!=))|\bvar\s++(\w++)")
# (`\b(\w+)\s*:=\s*(...)`, found from the `:=`: a leading `\b` keeps `re` from skipping ahead to
# the first character, and scanning a body took it six times as long as finding the `:=`)
_DECLARED_VALUE = re.compile(rb":=\s*(&|new\(|make\(|[\w.]+\s*\{)")
_SPACE = frozenset(b" \t\n\r\f\v")
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DECLARING = re.compile(rb"\bvar\s+$")  # what a `var name` declaration puts before the name
# A word followed by `=` (not `==`): `\bname\s*=(?!=)` matches in a text exactly when `name` is one
# of these (a leftmost match starts at a word's start, and the word runs up to the spaces or `=`).
_ASSIGNED = re.compile(rb"\b(\w++)\s*+=(?!=)")
_FIELD_SET = re.compile(rb"\b(\w++)\.(\w++)\s*+(?<![=!<>:])=(?!=)")


class BoundLiterals:
    """The variables of one top-level function (closures included) bound once, by `:=`, to a value
    surely not nil or to a keyed struct literal, with the fields it sets minus those assigned
    elsewhere in the function; read from the body's text in one pass, on first use."""

    def __init__(self, body: Node | None) -> None:
        self._body = body
        self._text: bytes | None = None
        self._once: dict[str, bytes] | None = None  # name bound once, by `:=` -> what its value starts with
        self._candidates: dict[bytes, bytes] | None = None  # (see _declared)
        self._counts: dict[bytes, int] = {}  # name -> how many bindings the body's text makes
        self._set: dict[str, set[str]] = {}  # name -> fields assigned (`opts.NoResponse = quiet`)
        self._found: dict[tuple[str, bool], str | None] = {}
        self._assigned_names: frozenset[bytes] | None = None  # (see _assigned)
        self._bindings: list[tuple[int, tuple[bytes, ...]]] = []  # where each binding starts, its names (_bound_once)

    @property
    def text(self) -> bytes:
        """Returns the source of the function's body (read once)."""
        if self._text is None:
            self._text = self._body.text if self._body is not None else b""
        return self._text

    def nonnil(self, name: str, at: int | None = None) -> bool:
        """Reports whether `name` is bound once, by `:=`, to a value surely not nil (`&T{}`, `new(T)`),
        or, bound nowhere else in the body, is assigned one by a statement of the body's own level
        ending before the byte `at` (a named result: `list = &List{}`)."""
        if self._body is None:
            return False
        key = name.encode()
        if key not in self._declared() or key not in self._bound_once():
            # Ex) func list() (out *List, err error) { out = &List{}; ...; c.CallJSON(ctx, &opts, nil, out)
            # Ex) item := &out.Items[i]   (a field's address cannot rebind out)
            # (the text test first: most arguments are assigned nowhere, and counting bindings reads the body)
            if at is None or not self._assigned(key):
                return False
            self._bound_once()
            if self._counts.get(key) != 1:
                return False
            pointed = re.search(rb"&\s*" + re.escape(key) + rb"\b(?!\s*\.)", self.text)
            return pointed is None and any(surely_nonnil(value) for _, value, _ in _set_before(self._body, name, at))
        # Ex) a, p := &x, (*int)(nil)   (the text pairs p with &x: the tree says p is no single binding)
        value = _bound_literal(self._body, name)
        return value is not None and surely_nonnil(value)

    def _assigned(self, key: bytes) -> bool:
        """Reports whether the body's text has `key = ` (`out = &List{}`, also `x.key = `; not
        `key == ` nor `key := `). An ASCII name is looked up among the words so followed, found in
        one pass on first use (a search per argument compiled a pattern, and read the body again)."""
        if not key or any(byte not in _WORD for byte in key):
            return re.search(rb"\b" + re.escape(key) + rb"\s*=(?!=)", self.text) is not None
        if self._assigned_names is None:
            self._assigned_names = frozenset(_ASSIGNED.findall(self.text))
        return key in self._assigned_names

    def set_flags(self, name: str, at: int, addressed: bool = False) -> str | None:
        """Returns "~ F=true" (see literal_fields) for the boolean fields of `name` that statements of
        the body's own level set to a literal before the byte `at`, after every binding of `name`,
        and that nothing else sets (`opts := newOpts(u); opts.NoResponse = true`), or None. The
        other fields are unknown."""
        if self._body is None or name.encode() in self._bound_once() or name not in self._set \
                or self._taken(name, addressed, at):
            return None
        bound = [start for start, names in self._bindings if name.encode() in names]
        pairs = []
        for path, value, statement in _set_before(self._body, name, at, fields=True):
            start = statement.start_byte - self._body.start_byte
            setters = re.findall(rb"\b" + re.escape(path.encode()) + rb"\s*(?<![=!<>:])=(?!=)", self.text)
            if path != name and value.type in ("true", "false") and len(setters) == 1 \
                    and all(binding < start for binding in bound):
                pairs.append(f"{path.split('.')[1]}={value.type}")
        return "~ " + " ".join(pairs) if pairs else None

    def _taken(self, name: str, addressed: bool, at: int | None = None) -> bool:
        """Reports whether the body may change `name` another way than by binding it: it takes
        `&name` (other than as the noted argument) or calls a method on it; and, given the noted
        argument's byte `at`, whether it uses `name` bare anywhere but there (`unset(opts)`,
        `o2 := opts`: a pointer handed on or copied can be changed through the copy)."""
        named = re.escape(name.encode())
        if len(re.findall(rb"&\s*" + named + rb"\b", self.text)) > (1 if addressed else 0) \
                or re.search(rb"\b" + named + rb"\.\w+\s*\(", self.text) is not None:
            return True
        if at is None or self._body is None:
            return False
        noted = at - self._body.start_byte
        # a bare use: neither a selector's operand, nor a binding's target, nor `&name`, nor `var name`
        bare = re.compile(rb"(?<![\w.&])" + named + rb"\b(?!\s*(?:\.|,[\w\s,]*:?=(?!=)|:?=(?!=)))")
        return any(match.start() != noted and not _DECLARING.search(self.text, max(0, match.start() - 12), match.start())
                   for match in bare.finditer(self.text))

    def fields(self, name: str, addressed: bool = False) -> str | None:
        """Returns literal_fields of the one literal `name` is bound to, its fields assigned
        elsewhere marked unknown (?), or None. Starts with "~" (the fields left out are unknown, not
        false) when the body may change the variable another way: it takes `&name` other than as the
        noted argument (`addressed`: the argument is `&name`), or calls a method on it."""
        start = self._bound_once().get(name.encode(), b"") if name.encode() in self._declared() else b""
        if not start.endswith(b"{"):
            return None
        if (name, addressed) not in self._found:
            fields = literal_fields(_bound_literal(self._body, name)) if self._body is not None else None
            assigned = self._set.get(name, set())
            fields = None if fields is None else " ".join(
                f"{pair.split('=')[0]}=?" if pair.split("=")[0] in assigned else pair for pair in fields.split()) \
                + "".join(f" {key}=?" for key in sorted(assigned) if f" {key}=" not in f" {fields}")
            # Ex) p := &opts; p.NoResponse = true   Ex) opts.silence()   (a pointer-receiver setter)
            if fields is not None and self._taken(name, addressed):
                fields = "~ " + fields.removeprefix("~").strip()
            self._found[name, addressed] = fields
        return self._found[name, addressed]

    def _declared(self) -> dict[bytes, bytes]:
        """Returns the names some `name := <value>` declares, with what the last such value starts
        with: a name not among them is bound to no literal, and the body's bindings need not be
        counted (most calls' arguments are such names)."""
        if self._candidates is None:
            self._candidates = {}
            body = self.text
            for match in _DECLARED_VALUE.finditer(body):
                name = _name_before(body, match.start())
                if name:
                    self._candidates[name] = match.group(1)
        return self._candidates

    def _bound_once(self) -> dict[bytes, bytes]:
        if self._once is None:
            counts = self._counts
            self._bindings = [(match.start(), tuple(part.strip() for part in (match[1] or match[2]).split(b",")))
                              for match in _BINDING.finditer(self.text)]
            for _, names in self._bindings:
                for name in names:
                    counts[name] = counts.get(name, 0) + 1
            self._once = {name: start for name, start in self._declared().items() if counts.get(name) == 1}
            for match in _FIELD_SET.finditer(self.text):
                self._set.setdefault(match.group(1).decode(), set()).add(match.group(2).decode())
        return self._once


def _name_before(body: bytes, end: int) -> bytes:
    """Returns the identifier that ends, give or take white space, at `end` (b"" if none)."""
    while end and body[end - 1] in _SPACE:
        end -= 1
    start = end
    while start and body[start - 1] in _WORD:
        start -= 1
    return body[start:end]


def surely_nonnil(node: Node) -> bool:
    """Reports whether an expression is surely not nil: an address (`&out`, `&T{}`), a composite
    literal, `new(T)` or `make(...)`."""
    if node.type == "unary_expression":
        return bool(node.children) and text(node.children[0]) == "&"
    if node.type == "composite_literal":
        return True
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        return function is not None and function.type == "identifier" and text(function) in ("new", "make")
    return False


def _set_before(body: Node, name: str, at: int, fields: bool = False) -> list[tuple[str, Node, Node]]:
    """Returns the target, value and statement of each plain assignment `name = v` (or, with `fields`,
    `name.F = v`) that is a statement of the body's own level (not in a branch or loop) ending
    before the byte `at`."""
    statements = [node for child in body.named_children  # Ex) { // a comment before the statement list
                  for node in (child.named_children if child.type == "statement_list" else [child])]
    found = []
    for statement in statements:
        if statement.end_byte > at:
            break
        left, right = statement.child_by_field_name("left"), statement.child_by_field_name("right")
        if statement.type != "assignment_statement" or text(statement.child_by_field_name("operator")) != "=" \
                or len(left.named_children) != 1 or len(right.named_children) != 1:
            continue
        target = left.named_children[0]
        path = text(target) if target.type == "identifier" else _plain_path(target) \
            if fields and target.type == "selector_expression" else None
        if path is not None and (path == name or fields and path.startswith(name + ".") and path.count(".") == 1):
            found.append((path, right.named_children[0], statement))
    return found


def _bound_literal(body: Node, name: str) -> Node | None:
    """Returns the value of the short variable declaration `name := <value>` in `body`."""
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "short_var_declaration":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and text(left) == name and len(right.named_children) == 1:
                return right.named_children[0]
        stack.extend(node.named_children)
    return None
