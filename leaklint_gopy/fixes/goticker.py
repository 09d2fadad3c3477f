"""The Go fix for time.Tick (LL108), whose ticker can never be stopped: time.NewTicker with a
deferred Stop, or time.After where the channel is received from once.
"""
from __future__ import annotations

import tree_sitter as ts

from leaklint_gopy.finding import Fix
from leaklint_gopy.fixes.gotree import GoFile, block_list, bound_names, declaration, enclosing_function, fresh_name


def ticker(file: GoFile, call: ts.Node) -> Fix | None:
    """Returns the fix for the time.Tick `call`, or None for a shape it does not handle."""
    # Ex) tick := time.Tick(d)        ->  ticker := time.NewTicker(d); defer ticker.Stop(); tick := ticker.C
    # Ex) for range time.Tick(d) {    ->  ticker := ...; defer ticker.Stop(); for range ticker.C {
    function = call.child_by_field_name("function")
    qualifier = file.text(function)[: -len("Tick")]
    receive = call.parent
    if receive is not None and receive.type == "unary_expression" and file.text(receive).startswith("<-"):
        # Ex) case <-time.Tick(grace):   ->   case <-time.After(grace):   (received from once)
        return Fix(f"use `{qualifier}After`: the channel is received from once", "safe",
                   (file.edit(function.start_byte, function.end_byte, f"{qualifier}After"),))
    statement = declaration(call)
    if statement is not None and (statement.type != "short_var_declaration" or len(bound_names(file, statement)) != 1):
        return None
    if statement is None:
        clause = call.parent
        statement = clause.parent if clause is not None and clause.type == "range_clause" else None
        if statement is None or statement.type != "for_statement" or clause.child_by_field_name("right") != call \
                or block_list(statement) is None:
            return None
    name = fresh_name(file, enclosing_function(statement), "ticker")
    arguments = file.text(call.child_by_field_name("arguments"))
    indent = file.indent(statement)
    head = f"{name} := {qualifier}NewTicker{arguments}\n{indent}defer {name}.Stop()\n{indent}"
    return Fix(f"use `{qualifier}NewTicker` and stop it with `defer {name}.Stop()`", "safe",
               (file.edit(statement.start_byte, statement.start_byte, head),
                file.edit(call.start_byte, call.end_byte, f"{name}.C")))
