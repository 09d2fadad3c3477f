"""The Go fix for a defer inside a loop (LL106): the loop body runs in a function literal, so the
defer runs at the end of every iteration. Unsafe: `continue` becomes `return`, and the body's
variables move into a closure.
"""
from __future__ import annotations

import tree_sitter as ts

from leaklint_gopy.finding import Finding, Fix
from leaklint_gopy.fixes.gotree import FUNCTIONS, SWITCHES, GoFile, descendants, own_lines


def wrap_loop(file: GoFile, finding: Finding) -> Fix | None:
    """Returns the unsafe fix for the defer-in-loop exit of `finding`, or None."""
    # Ex) for _, u := range us { resp, err := get(u); ...; defer resp.Body.Close() }
    #     ->  for _, u := range us { func() { ...; defer resp.Body.Close() }() }
    exit_span = next((loc.span for loc, kind in zip(finding.related, finding.exits) if kind == "defer-loop"), None)
    if exit_span is None:
        return None
    start = file.byte(exit_span.line, exit_span.col)
    node = file.tree.root_node.descendant_for_byte_range(start, start)
    while node is not None and node.type != "defer_statement":
        node = node.parent
    loop = node
    while loop is not None and loop.type not in ("for_statement", *FUNCTIONS):
        loop = loop.parent
    if loop is None or loop.type != "for_statement":
        return None
    body = loop.child_by_field_name("body")
    continues = _loop_exits(body)
    if body is None or continues is None or not own_lines(file, body) or _multiline_strings(body):
        return None
    open_end = body.children[0].end_byte + 1  # past "{\n"
    close_line = file.data.rfind(b"\n", 0, body.end_byte) + 1
    segment = file.data[open_end:close_line]
    for node in sorted(continues, key=lambda n: -n.start_byte):  # `continue` ends the literal's run
        at = node.start_byte - open_end
        segment = segment[:at] + b"return" + segment[node.end_byte - open_end:]
    shifted = "".join("\t" + line if line.strip() else line for line in segment.decode().splitlines(keepends=True))
    inner = file.indent(loop) + "\t"
    what = "; `continue` becomes `return`" if continues else ""
    return Fix(f"run the loop body in a function literal so the defer runs every iteration{what}", "unsafe",
               (file.edit(open_end, close_line, f"{inner}func() {{\n{shifted}{inner}}}()\n"),))


def _loop_exits(body: ts.Node | None) -> list[ts.Node] | None:
    """Returns the loop body's own unlabeled `continue` statements (they become `return`), or None
    when the body has a break, return, goto or label that a function literal would change."""
    if body is None:
        return None
    continues: list[ts.Node] = []
    stack = [(child, False, False) for child in body.children]
    while stack:
        node, in_loop, in_switch = stack.pop()
        kind = node.type
        if kind == "func_literal":
            continue
        if kind in ("return_statement", "goto_statement", "labeled_statement", "fallthrough_statement"):
            return None
        if kind in ("break_statement", "continue_statement") and node.named_child_count:
            return None  # labeled
        if kind == "continue_statement" and not in_loop:
            continues.append(node)
        if kind == "break_statement" and not (in_loop or in_switch):
            return None
        stack.extend((child, in_loop or kind == "for_statement", in_switch or kind in SWITCHES)
                     for child in node.children)
    return continues


def _multiline_strings(body: ts.Node) -> bool:
    return any(n.type == "raw_string_literal" and n.start_point[0] != n.end_point[0] for n in descendants(body))
