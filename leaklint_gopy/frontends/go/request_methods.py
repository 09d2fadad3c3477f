"""The package's request builders whose method the caller chooses: a function returning a request
first, every request it returns built by net/http's NewRequest(WithContext), directly or through
another such builder of the package, with one of its parameters as the method. A call of one with
`http.MethodHead` builds a HEAD request (its response holds no body); a builder that assigns a
request's Method itself (`req.Method = http.MethodGet`) is none. Syntax only: it does not
follow a request through fields or other packages, and it never decides what a call holds.
"""
from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _args, _items
from leaklint_gopy.frontends.go.package_facts import whole_declarations
from leaklint_gopy.frontends.go.typeinfo import text

_NEW_REQUESTS = {"NewRequest": 0, "NewRequestWithContext": 1}


def method_parameters(parsed: list, parse: Callable) -> dict[str, int]:
    """Returns the package's functions (`F`) whose every returned request takes its method from
    one parameter -> that parameter's index; builders calling builders are settled to a fixpoint."""
    candidates = {}
    for node, whole, imports in whole_declarations(parsed, parse, _returns_request):
        if node.type == "function_declaration" and len(whole) == 1:
            candidates[text(node.child_by_field_name("name"))] = (whole[0], imports)
    found: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for name, (node, imports) in candidates.items():
            index = _method_parameter(node, imports, found)
            if index is not None and found.get(name) != index:
                found[name] = index
                changed = True
    return found


def is_head(node: Node) -> bool:
    """Reports whether an argument names the HEAD method (`"HEAD"`, `http.MethodHead`)."""
    value = text(node)
    return value == '"HEAD"' or value.endswith("MethodHead")


def _returns_request(node: Node, source: bytes, end: int) -> bool:
    # (a request first among its results, and a call of something named *Request in its body)
    result = node.child_by_field_name("result")
    return result is not None and b"Request" in result.text and b"Request(" in source[node.start_byte:end]


def _method_parameter(function: Node, imports: dict[str, str], found: dict[str, int]) -> int | None:
    """Returns the index of the parameter every request `function` returns takes its method from,
    or None (a request of another method, or one not built here, may be returned)."""
    # Ex) func newTestRequest(method, u string, n int64, body io.ReadSeeker) (*http.Request, error) {
    #         if method == "" { method = http.MethodPost }; req, err := http.NewRequest(method, u, body); ...; return req, nil }
    parameters = _parameters(function)
    body = function.child_by_field_name("body")
    if body is None or not parameters:
        return None
    returned, assigned = _returns_and_assignments(body)
    if ".Method" in assigned:
        return None  # Ex) req.Method = http.MethodGet   (the builder sets a method of its own)
    sources = [value for item in returned if item.type != "nil"
               for value in ([item] if item.type == "call_expression" else assigned.get(text(item), [None]))]
    names = {_method_name(value, imports, found) for value in sources}
    if not sources or len(names) != 1:
        return None
    name = names.pop()
    if name not in parameters or any(not _defaulted(node, name) for node in assigned.get(name, [])):
        return None
    return parameters.index(name)


def _parameters(function: Node) -> list[str]:
    names = []
    parameters = function.child_by_field_name("parameters")
    for declaration in parameters.named_children if parameters is not None else ():
        identifiers = declaration.children_by_field_name("name")
        names.extend(text(each) for each in identifiers) if identifiers else names.append("_")
    return names


def _returns_and_assignments(body: Node) -> tuple[list[Node], dict[str, list[Node | None]]]:
    """Returns the first item of each return of `body` (a bare return gives its identifier-less
    statement) and, per name, the values assigned to it (None: not one expression per name)."""
    returned: list[Node] = []
    assigned: dict[str, list[Node | None]] = {}
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "func_literal":
            continue  # Ex) a callback inside: its returns and assignments are its own
        if node.type == "return_statement":
            items = _items(node.named_children[0]) if node.named_children else []
            returned.append(items[0] if items else node)
        if node.type in ("short_var_declaration", "assignment_statement", "var_spec"):
            _note_assignments(node, assigned)
        stack.extend(node.named_children)
    return returned, assigned


def _note_assignments(node: Node, assigned: dict[str, list[Node | None]]) -> None:
    if node.type == "var_spec":
        value = node.child_by_field_name("value")
        right = _items(value) if value is not None else []
        left = node.children_by_field_name("name")
    else:
        left = _items(node.child_by_field_name("left"))
        right = _items(node.child_by_field_name("right"))
    for index, item in enumerate(left):
        if item.type == "selector_expression" and text(item.child_by_field_name("field")) == "Method":
            assigned.setdefault(".Method", []).append(None)  # Ex) req.Method = http.MethodGet
        if item.type == "identifier":
            value = right[index] if len(right) == len(left) else right[0] if index == 0 and right else None
            # Ex) req, err := http.NewRequest(m, u, nil)   (req: the call's first result)
            assigned.setdefault(text(item), []).append(value if value is not None else item)


def _method_name(call: Node | None, imports: dict[str, str], found: dict[str, int]) -> str | None:
    """Returns the parameter name a request-building call passes as the method, or None."""
    if call is None or call.type != "call_expression":
        return None
    function = call.child_by_field_name("function")
    args = _args(call)
    if function is not None and function.type == "selector_expression":
        operand, field = function.child_by_field_name("operand"), function.child_by_field_name("field")
        index = _NEW_REQUESTS.get(text(field)) if imports.get(text(operand)) == "net/http" else None
    elif function is not None and function.type == "identifier":
        index = found.get(text(function))  # Ex) return newTestRequest(method, u, n, body)
    else:
        index = None
    if index is None or index >= len(args) or args[index].type != "identifier":
        return None
    return text(args[index])


def _defaulted(node: Node | None, name: str) -> bool:
    """Reports whether an assignment to parameter `name` only fills in a method left empty
    (`if method == "" { method = http.MethodPost }`): a HEAD passed in stays a HEAD."""
    current = node
    while current is not None and current.type != "if_statement":
        if current.type in ("function_declaration", "func_literal"):
            return False
        current = current.parent
    if current is None or node is None:
        return False
    condition, consequence = current.child_by_field_name("condition"), current.child_by_field_name("consequence")
    return condition is not None and text(condition).replace(" ", "") == f'{name}==""' \
        and consequence is not None and consequence.start_byte <= node.start_byte < consequence.end_byte
