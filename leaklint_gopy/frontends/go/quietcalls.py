"""Which functions of a package call their needles only on receivers whose type cannot acquire
(`h.Get(k)` on an http.Header, `once.Do(f)`, a method of the package's own type returning a string),
decided on the parsed declaration before it is lowered: such a function can open nothing, so it is
lowered only when a summary asks for it, not checked.

A receiver is typed only from what the function itself declares (its receiver, parameters and
results, `var x T`, `x := T{}` / `&T{}` / `new(T)` / `NewT()`), package-level variables and the
fields of the package's structs, and only when every declaration of its name in the function agrees
and nothing assigns it; a method counts as quiet only when the rules name no acquisition it may be
and its declared results are basic types (nothing a summary could return open). Anything else is
unknown, and its function is lowered and checked as before. It never lowers nor reports.
"""
from __future__ import annotations

from bisect import bisect_left
from fnmatch import fnmatchcase
from functools import cache, lru_cache

from leaklint_gopy.frontends.go.typeinfo import STDLIB_RESULTS, FileScope, text

# Results no resource can be held in (frontend._returns_plain: a summary reads such a function as plain)
BASIC = frozenset({"error", "bool", "string", "byte", "rune", "int", "int8", "int16", "int32", "int64", "uint",
                   "uint8", "uint16", "uint32", "uint64", "uintptr", "float32", "float64", "complex64",
                   "complex128", "[]byte", "[]string", "[]int"})
# Method names expr._response_like may type as returning an HTTP response whatever the package
_REQUEST_METHODS = frozenset({"Do", "Get", "Head", "Post", "PostForm", "RoundTrip"})
_DOT = ord(".")
_HARMLESS = frozenset({"comment", "interpreted_string_literal", "raw_string_literal", "rune_literal"})
_DECLARATIONS = """
(parameter_declaration name: (identifier) @param)
(variadic_parameter_declaration name: (identifier) @other)
(var_spec name: (identifier) @var)
(const_spec name: (identifier) @other)
(short_var_declaration left: (expression_list (identifier) @short))
(range_clause left: (expression_list (identifier) @other))
(type_switch_statement alias: (expression_list (identifier) @other))
(receive_statement left: (expression_list (identifier) @other))
(assignment_statement left: (expression_list (identifier) @other))
(type_spec name: (type_identifier) @other)
(type_alias name: (type_identifier) @other)
"""


@cache
def _query():
    """Returns the compiled query finding every name a Go function declares or assigns."""
    import tree_sitter
    import tree_sitter_go

    return tree_sitter.Query(tree_sitter.Language(tree_sitter_go.language()), _DECLARATIONS)


class QuietCalls:
    """Tells the functions whose needle calls all go to receivers of types that cannot acquire.
    `acquiring` are the call patterns of the rules' acquisitions (`net/http.Client.Do`, `*.Dial`,
    `?.RoundTrip`), `typed` the result types some rule acquires by."""

    def __init__(self, acquiring: frozenset[str], typed: frozenset[str]) -> None:
        self._patterns = acquiring
        self._any_receiver = _any_receiver(acquiring)
        self._typed = typed

    def only_quiet(self, node, scope: FileScope, offsets: list[int], source: bytes, test: bool = False) -> bool:
        """Reports whether every needle call of function `node` (at `offsets` of its file, sorted)
        is a call that cannot acquire: a method on a receiver whose type cannot, or a function of
        another package that cannot; in a test file (`test`), a receive too (expr._receive: a test
        reads what its own fakes sent)."""
        start, end = node.start_byte, node.end_byte
        found = offsets[bisect_left(offsets, start):bisect_left(offsets, end)]
        if not found:
            return False
        if not test and any(source[at - 1] != _DOT for at in found):
            return False  # Ex) localPipe(t), <-conns   (a wrapper of the package's, a receive)
        calls = [_method_call(node, at, test) for at in found]
        if None in calls:
            return False
        calls = [call for call in calls if call != "harmless"]
        if any(text(call.child_by_field_name("function").child_by_field_name("field")) in self._any_receiver
               for call in calls):
            return False  # Ex) t.RoundTrip(req)   (the rules acquire it whatever the receiver)
        declared = _declarations(node) if calls else {}
        return all(self._quiet(call, declared, scope) for call in calls)

    def _quiet(self, call, declared: dict[str, list], scope: FileScope) -> bool:
        """Reports whether method call `call` cannot acquire: its receiver's type is known, and that
        type's method of the call's name is no acquisition and returns only basic types."""
        selector = call.child_by_field_name("function")
        method = text(selector.child_by_field_name("field"))
        operand = selector.child_by_field_name("operand")
        if operand.type == "identifier" and text(operand) in scope.imports and text(operand) not in declared:
            # Ex) godebug.Value("x")   (expr._response_like may type a request method's result a response)
            callee = f"{scope.package.resolve_import(scope.imports[text(operand)])}.{method}"
            return method not in _REQUEST_METHODS and not self._named_by_rules(callee) \
                and self._plain_results(callee, scope)
        owner = _type_of(operand, declared, scope)
        if not owner or owner.startswith("chan "):
            return False
        prefix = scope.package.key + "."
        local = owner[len(prefix):] if owner.startswith(prefix) else ""
        if method in scope.package.structs.get(local, {}) or scope.promoted_through(owner, method):
            return False  # Ex) c.dial(ctx)   (a field holding a function), or a promoted method
        owner = scope.method_owner(owner, method)
        if scope.implementation(owner, method):
            return False
        callee = f"{owner}.{method}"
        return not self._named_by_rules(callee) and self._plain_results(callee, scope)

    def _named_by_rules(self, callee: str) -> bool:
        return _named(self._patterns, callee)

    def _plain_results(self, callee: str, scope: FileScope) -> bool:
        """Reports whether `callee` is declared to return only basic types (or nothing): of the
        package's own types, or of another package of the tree (its signature says so); one of
        neither has no body a summary could read, and a typed result only from its signature."""
        package = scope.package
        prefix = package.key + "."
        if callee.startswith(prefix):
            owner, _, method = callee[len(prefix):].partition(".")
            results = package.methods.get((owner, method))
            return results is not None and all(text(node) in BASIC for node in results)
        written = scope.written_results(callee)
        if written is not None:
            return all(each.strip() in BASIC for each in written)
        if package.tree is not None and package.tree.owner(callee) is not None:
            return False  # declared where no signature line was found: not known
        return not self._typed & set(scope.result_types(callee))


@lru_cache(maxsize=16)
def _any_receiver(acquiring: frozenset[str]) -> frozenset[str]:
    """Returns the method names the rules acquire by whatever the receiver (`?.RoundTrip`)."""
    return frozenset(pattern[2:] for pattern in acquiring if pattern.startswith("?."))


@lru_cache(maxsize=4096)
def _named(acquiring: frozenset[str], callee: str) -> bool:
    """Reports whether a rule's acquisition pattern may name `callee` (exactly or as a glob)."""
    return any(fnmatchcase(callee, p) if "*" in p or "?" in p[1:] else p == callee for p in acquiring)


def _method_call(function, at: int, test: bool = False):
    """Returns the dotted call (`x.Name(...)`) whose name starts at `at` in `function`, "harmless"
    when `at` is inside a comment or string (or, in a test file, is a receive), or None for any
    other call (`Name(`, `<-ch`)."""
    node = function.descendant_for_byte_range(at, at + 1)
    if node is None:
        return None
    if node.type in _HARMLESS or node.parent is not None and node.parent.type in _HARMLESS:
        return "harmless"
    if test and node.type == "<-" and node.parent is not None and node.parent.type == "unary_expression":
        return "harmless"
    if node.type != "field_identifier":
        return None
    selector = node.parent
    call = selector.parent if selector is not None else None
    if selector is None or selector.type != "selector_expression" or call is None \
            or call.type != "call_expression" or call.child_by_field_name("function") != selector:
        return None
    return call


def _declarations(function) -> dict[str, list]:
    """Returns, by name, the capture kind and node of each declaration or assignment in `function`."""
    import tree_sitter

    found: dict[str, list] = {}
    for kind, nodes in tree_sitter.QueryCursor(_query()).captures(function).items():
        for node in nodes:
            found.setdefault(text(node), []).append((kind, node))
    return found


def _type_of(operand, declared: dict[str, list], scope: FileScope, depth: int = 0) -> str:
    """Returns the named type of a receiver: a name the function declares with one type and never
    assigns, a package-level variable it does not declare, or a field of one; else ""."""
    if operand is None or depth > 3:
        return ""
    if operand.type == "selector_expression":
        inner = operand.child_by_field_name("operand")
        if inner.type == "identifier" and text(inner) in scope.imports and text(inner) not in declared:
            return ""  # Ex) http.DefaultClient.Do(req)
        return scope.field_type(_type_of(inner, declared, scope, depth + 1), text(operand.child_by_field_name("field")))
    if operand.type == "call_expression":
        return _call_type(operand, declared, scope, depth)
    if operand.type != "identifier":
        return ""
    name = text(operand)
    if name in scope.imports:
        return ""  # a package, or a local shadowing one: left to the lowering
    if name not in declared:
        return scope.package.variable_type(name) if name in scope.package.variables else ""
    types = {_declared_type(kind, node, declared, scope) for kind, node in declared[name]}
    return types.pop() if len(types) == 1 else ""


def _call_type(call, declared: dict[str, list], scope: FileScope, depth: int) -> str:
    """Returns the type of a method call's first result as expr._call_type reads it, or ""."""
    # Ex) w.Header().Get("Etag")
    function = call.child_by_field_name("function")
    if function is None or function.type != "selector_expression":
        return ""
    inner, name = function.child_by_field_name("operand"), text(function.child_by_field_name("field"))
    if inner.type == "identifier" and text(inner) in scope.imports:
        return ""
    owner = _type_of(inner, declared, scope, depth + 1)
    if not owner:
        return ""
    types = scope.result_types(f"{owner}.{name}") or scope.field_call_types(owner, name)
    return types[0] if types else STDLIB_RESULTS.get(f"{owner}.{name}", "")


def _declared_type(kind: str, name, declared: dict[str, list], scope: FileScope) -> str:
    """Returns the type one declaration gives `name` (a node), "" when it does not tell it."""
    match kind:
        case "param":
            return scope.type_of_expr(name.parent.child_by_field_name("type"))
        case "var":
            spec = name.parent
            if spec.child_by_field_name("type") is not None:
                return scope.type_of_expr(spec.child_by_field_name("type"))
            return _value_type(_paired(spec.children_by_field_name("name"), spec.child_by_field_name("value"), name),
                               declared, scope)
        case "short":
            statement = name.parent.parent
            return _value_type(_paired(name.parent.named_children, statement.child_by_field_name("right"), name),
                               declared, scope)
    return ""


def _paired(names: list, values, name):
    """Returns the value written for `name` among `names` (one value per name), or None."""
    items = values.named_children if values is not None else []
    if len(items) != len(names):
        return None
    return next((value for each, value in zip(names, items) if each == name), None)


def _value_type(value, declared: dict[str, list], scope: FileScope) -> str:
    """Returns the type of an initial value that names no local: `T{}`, `&T{}`, `new(T)`, `NewT()`."""
    if value is None:
        return ""
    node = value
    while node.type in ("unary_expression", "parenthesized_expression") and node.named_children:
        if node.type == "unary_expression" and text(node)[:1] != "&":
            return ""
        node = node.named_children[-1]
    if node.type == "composite_literal":
        return scope.type_of_value(node)
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        if function is not None and function.type == "identifier" and text(function) not in declared:
            return scope.type_of_value(node)
    return ""
