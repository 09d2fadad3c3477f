"""Which functions of a Go package fail only into the end of the process: each call of them checks
the error they return and, where it is set, exits (os.Exit, log.Fatal; panic in a main without
defer) or returns from main, TestMain or a function process.py finds ending the process, or returns
that error from a function found here (`if err := generateOneFile(fd, p); err != nil { return err }`).
What such a function leaves open where it returns a non-nil error lives until the process ends. It
reads syntax only; lower.py makes those returns end the process.
"""
from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from leaklint_gopy.frontends.go.process import _descendants, _ending_site, _exits, _own_calls, _quick, name_uses
from leaklint_gopy.frontends.go.typeinfo import text

Scope = tuple[Node, dict[str, str], str]  # a body, its file's imports, and what its returns do


def failing_functions(roots: list[tuple[Node, dict[str, str]]], ending: frozenset[str], declared: set[str],
                      sources: list[bytes], bodies: Callable[[set[str]], list[tuple[Node, dict[str, str]]]]
                      ) -> frozenset[str]:
    """Returns the names of `declared` functions every use of which in `sources` is a call whose
    failure ends the process (see the module); `roots` are main and TestMain, `ending` the functions
    process.py found, `bodies(names)` the declarations of those functions with their imports."""
    scopes: list[Scope] = [(node, imports, "root") for node, imports in roots]
    helpers = set(ending) - {"main", "TestMain"}
    scopes += [(node, imports, "end") for node, imports in bodies(helpers)] if helpers else []
    found: frozenset[str] = frozenset()
    for _ in range(3):  # (a function found fails into its callers' failure: one more round each)
        sites: dict[str, int] = {}
        for node, imports, kind in scopes:
            for call in _own_calls(node.child_by_field_name("body")):  # (a func literal's return is its own)
                function = call.child_by_field_name("function")
                if function is not None and function.type == "identifier" and _failing_site(call, imports, kind, node):
                    sites[text(function)] = sites.get(text(function), 0) + 1
        names = {name for name in sites if name in declared and name not in ending and name not in ("main", "TestMain")}
        uses = name_uses(names, sources)
        new = frozenset(name for name in names if uses.get(name, 0) == sites[name] + 1)
        if new <= found:
            return new
        scopes += [(node, imports, "failing") for node, imports in bodies(set(new - found))]
        found = new
    return found


def _failing_site(call: Node, imports: dict[str, str], kind: str, function: Node) -> bool:
    """Reports whether the process ends where `call`'s error is set: `err := f()` (or `if err :=
    f(); err != nil`) followed by `if err != nil { ...; exit }` (see _fails_out). In main, TestMain
    and ending functions, a call after which the process ends (process._ending_site) counts too."""
    statement = call.parent
    if statement is not None and statement.type == "expression_list" and statement.named_child_count == 1:
        statement = statement.parent
    if statement is None or statement.type not in ("short_var_declaration", "assignment_statement") \
            or statement.child_by_field_name("right") != call.parent:
        return kind != "failing" and _ending_site(call, imports)
    left = statement.child_by_field_name("left")
    err = left.named_children[-1] if left is not None and left.named_children else None
    if err is None or err.type != "identifier" or text(err) == "_":
        return False
    check = statement.parent
    if check is None or check.type != "if_statement" or check.child_by_field_name("initializer") != statement:
        check = statement.next_named_sibling  # Ex) x, err := f(); if err != nil { log.Fatal(err) }
        if check is None or check.type != "if_statement" or check.child_by_field_name("initializer") is not None:
            return False
    condition = check.child_by_field_name("condition")
    if condition is None or text(condition).replace(" ", "") != f"{text(err)}!=nil":
        return False
    return _fails_out(check.child_by_field_name("consequence"), text(err), imports, kind, function)


def _fails_out(branch: Node | None, err: str, imports: dict[str, str], kind: str, function: Node) -> bool:
    """Reports whether a block runs nothing long and then ends the process: an exit, a panic in a
    main with no defer, a return from main or an ending function, or `return err` (also `return
    ..., err`, `return fmt.Errorf(..., err)`) from a function whose failure ends the process."""
    statements = _statements(branch)
    if not statements or not all(_quick(each, imports) for each in statements[:-1]):
        return False
    last = statements[-1]
    if _exits(last, imports):
        return True  # Ex) if err != nil { fmt.Fprintln(os.Stderr, err); os.Exit(1) }
    if last.type == "expression_statement" and text(last).startswith("panic("):
        return kind == "root" and not _descendants(function.child_by_field_name("body"), "defer_statement")
    if last.type != "return_statement" or not _quick(last, imports):
        return False
    if kind != "failing":
        return True  # Ex) if err := generateFiles(...); err != nil { log.Println(err); return }   (main)
    values = last.named_children[-1].named_children if last.named_children else []
    value = values[-1] if values else None
    if value is None:
        return False
    if value.type == "identifier":
        return text(value) == err
    callee = value.child_by_field_name("function") if value.type == "call_expression" else None
    return callee is not None and text(callee) == "fmt.Errorf" and imports.get("fmt") == "fmt"


def _statements(block: Node | None) -> list[Node]:
    """Returns a block's statements, in order."""
    if block is None:
        return []
    inner = next((each for each in block.named_children if each.type == "statement_list"), None)
    return [each for each in (inner or block).named_children if each.type != "comment"]
