"""Which functions of a Go package return only into the end of the process: those called nowhere
but from `main` (package main) or `TestMain` (whose return ends the test binary), where nothing
after the call can run for long before the process exits. What they leave open lives as long as
the process, as what main leaves open does. It reads syntax only; it never lowers.
"""
from __future__ import annotations

import re

from tree_sitter import Node

from leaklint_gopy.frontends.go.typeinfo import ABORT_FUNCTIONS, subtree, text

# Statements that may run for long, or jump where this walk does not follow.
_LONG = frozenset({"for_statement", "go_statement", "select_statement", "func_literal", "labeled_statement",
                   "break_statement", "continue_statement", "goto_statement", "fallthrough_statement"})
_CLIMB = frozenset({"block", "statement_list", "expression_case", "default_case", "type_case",
                    "communication_case", "if_statement", "expression_switch_statement", "type_switch_statement"})
_TOKENS = rb'"(?:\\.|[^"\\\n])*"|`[^`]*`|\'(?:\\.|[^\'\\\n])*\'|//[^\n]*|/\*.*?\*/'


def ending_functions(roots: list[tuple[Node, dict[str, str]]], declared: set[str],
                     sources: list[bytes]) -> frozenset[str]:
    """Returns the names of the package's functions (`declared`) that only the process roots
    (`main`, `TestMain`: see process_root, each with its file's imports) call, each time with the
    process ending right after; `sources` are every file of the package, where any other use of
    the name counts against it."""
    sites: dict[str, int] = {}
    for root, imported in roots:
        for call in _own_calls(root.child_by_field_name("body")):
            function = call.child_by_field_name("function")
            if function is not None and function.type == "identifier" and _ending_site(call, imported):
                sites[text(function)] = sites.get(text(function), 0) + 1
    names = {name for name in sites if name in declared and name not in ("main", "TestMain")}
    if not names:
        return frozenset()
    # Ex) childFlood(false) in TestMain, and nowhere else (comments and strings aside)
    uses = name_uses(names, sources)
    return frozenset(name for name in names if uses.get(name, 0) == sites[name] + 1)


def name_uses(names: set[str], sources: list[bytes]) -> dict[str, int]:
    """Returns how often each name appears in `sources` (comments and strings aside)."""
    alternatives = b"|".join(re.escape(n.encode()) for n in sorted(names))
    pattern = re.compile(_TOKENS + rb"|\b(" + alternatives + rb")\b", re.DOTALL)
    mentions = re.compile(rb"\b(?:" + alternatives + rb")\b")
    uses: dict[str, int] = {}
    for source in sources:
        if mentions.search(source) is None:
            continue  # (most files name none of them: the token-aware scan is for those that do)
        for name in pattern.findall(source):  # (the name group; empty for a string or comment)
            if name:
                uses[name.decode()] = uses.get(name.decode(), 0) + 1
    return uses


def process_root(node: Node, path: str, package_name: str) -> bool:
    """Reports whether the declaration is a function whose return ends the process."""
    if node.type != "function_declaration":
        return False
    name = text(node.child_by_field_name("name"))
    return name == "main" and package_name == "main" or name == "TestMain" and path.endswith("_test.go")


def _ending_site(call: Node, imported: dict[str, str]) -> bool:
    """Reports whether the process ends soon after `call` returns: the call is a statement of its
    own, the only value of a declaration or assignment (`err := run()`), or the initializer of an
    `if` whose condition and branches run nothing long, and what follows ends the process; or its
    value is what an exit reports (`log.Fatal(run())`). A call inside a func literal never counts:
    the literal's `return` ends a handler or a goroutine, not the process."""
    if _enclosing_function(call) is None:
        return False  # Ex) http.HandleFunc("/", func(w, r) { serve(r); return })   (in main)
    statement = call.parent
    if statement is not None and statement.type == "expression_list" and statement.named_child_count == 1:
        statement = statement.parent  # Ex) err := generate()
    if statement is None:
        return False
    if statement.type == "argument_list":
        return _exits(statement.parent.parent, imported) if statement.parent.parent is not None else False
    if statement.type in ("short_var_declaration", "assignment_statement") \
            and statement.child_by_field_name("right") == call.parent:
        owner = statement.parent
        if owner is not None and owner.type == "if_statement" and owner.child_by_field_name("initializer") == statement:
            # Ex) if err := generate(); err != nil { fmt.Fprintln(os.Stderr, err); os.Exit(1) }
            rest = [each for each in owner.named_children if each != statement]
            return all(_quick(each, imported) for each in rest) and _ends_after(owner, imported)
        return _ends_after(statement, imported)
    return statement.type == "expression_statement" and _ends_after(statement, imported)


def _ends_after(statement: Node, imported: dict[str, str]) -> bool:
    """Reports whether, once `statement` has run, the process ends with nothing long on the way:
    the statements after it (and after each enclosing one) only call other packages' functions,
    until a return, an exit, or the end of the function."""
    node = statement
    while node.parent is not None and node.parent.type != "function_declaration":
        parent = node.parent
        if parent.type not in _CLIMB or parent.type.endswith("statement") and not node.type.endswith(("block", "case", "if_statement")):
            return False  # Ex) a for loop: the call runs again   Ex) if setup(); ok {   (the branch runs after)
        if parent.type == "statement_list":
            sibling = node.next_named_sibling
            while sibling is not None:
                if sibling.type == "return_statement" or _exits(sibling, imported):
                    return _quick(sibling, imported)
                if not _quick(sibling, imported):
                    return False
                sibling = sibling.next_named_sibling
        node = parent
    return node.parent is not None


def _exits(statement: Node, imported: dict[str, str]) -> bool:
    call = statement.named_children[0] if statement.type == "expression_statement" and statement.named_children else None
    return call is not None and call.type == "call_expression" and _callee(call, imported) in ABORT_FUNCTIONS


def _quick(statement: Node, imported: dict[str, str]) -> bool:
    """Reports whether a statement runs nothing long: no loop, goroutine, select or jump, no channel
    receive, and calls only of other packages' functions (`fmt.Println`, `os.Exit`)."""
    for node in _descendants(statement, None):
        if node.type in _LONG or node.type == "unary_expression" and text(node.children[0]) == "<-":
            return False
        if node.type == "call_expression" and not _callee(node, imported):
            function = node.child_by_field_name("function")
            if function is None or function.type != "identifier" or text(function) not in ("len", "append", "panic"):
                return False  # Ex) code := m.Run()   Ex) serve()
    return True


def _callee(call: Node, imported: dict[str, str]) -> str:
    """Returns `path.Name` for a call of an imported package's function, else ""."""
    function = call.child_by_field_name("function")
    if function is None or function.type != "selector_expression":
        return ""
    operand = function.child_by_field_name("operand")
    path = imported.get(text(operand)) if operand is not None and operand.type == "identifier" else None
    return f"{path}.{text(function.child_by_field_name('field'))}" if path else ""


def _own_calls(body: Node | None) -> list[Node]:
    """Returns the calls in a function's body outside its func literals (whose returns are their own)."""
    out: list[Node] = []
    stack = [body] if body is not None else []
    while stack:
        current = stack.pop()
        if current.type == "call_expression":
            out.append(current)
        stack.extend(each for each in current.named_children if each.type != "func_literal")
    return out


def _enclosing_function(node: Node) -> Node | None:
    """Returns the function declaration whose own body holds `node`, or None inside a func literal."""
    current = node.parent
    while current is not None and current.type not in ("function_declaration", "method_declaration", "func_literal"):
        current = current.parent
    return current if current is not None and current.type != "func_literal" else None


def _descendants(node: Node | None, kind: str | None) -> list[Node]:
    return [each for each in subtree(node) if kind is None or each.type == kind]