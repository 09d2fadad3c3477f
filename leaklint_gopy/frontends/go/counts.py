"""How many times a Go loop runs when the source fixes it: a count between integer constants
(`for i := 0; i < N; i++` under `const N = 3`), `range 5`, or a range over a literal table. It reads
syntax and the constants it is handed (the package's, the function's); it lowers nothing.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _items
from leaklint_gopy.frontends.go.regions import File
from leaklint_gopy.frontends.go.typeinfo import text

# A loop that runs at most this many times, as written, holds at most as many deferred resources:
# a test opening five connections at once (`for i := 0; i < 5; i++ { ...; defer nc.Close() }`)
# keeps them on purpose, and nothing grows with the input.
FEW = 64

Named = Callable[[str], "int | None"]  # the integer a name holds where it is read, if the source fixes it

# Ex) const N = 3   Ex) (in a const block) 	maxBadConnRetries = 2   Ex) const size int = 1_000
_INTEGER_CONSTANT = re.compile(rb"(?m)^(?:const[ \t]+|\t)(\w+)(?:[ \t]+\w+)?[ \t]*=[ \t]*(\d[\d_]*)[ \t]*(?://.*)?$")
_ARITHMETIC = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__}


def integer(literal: str) -> int | None:
    """Returns the value of a Go integer literal (`0x10`, `1_000`), None if it is not one."""
    try:
        return int(literal.replace("_", ""), 0)
    except ValueError:
        return None


def integer_constants(file: File) -> dict[str, int]:
    """Returns the file's top-level integer constants declared with a literal (`const N = 3`):
    constants are never parsed (see regions.plan), but a loop counting to one runs as often as it says."""
    found: dict[str, int] = {}
    for chunk in file.chunks:
        if chunk.kind == b"const":
            for name, value in _INTEGER_CONSTANT.findall(file.source, chunk.start, chunk.end):
                number = integer(value.decode())
                if number is not None:  # (a name declared again under another build tag: the larger)
                    found[name.decode()] = max(number, found.get(name.decode(), number))
    return found


def constant_value(node: Node | None, named: Named) -> int | None:
    """Returns the integer a constant expression is (`3`, `N`, `maxRetries + 1`), else None."""
    # Ex) maxBadConnRetries + 1   Ex) (N)   Ex) 2 * N
    match node.type if node is not None else "":
        case "int_literal":
            return integer(text(node))
        case "identifier":
            return named(text(node))
        case "parenthesized_expression" if node.named_children:
            return constant_value(node.named_children[0], named)
        case "binary_expression" if text(node.child_by_field_name("operator")) in _ARITHMETIC:
            left = constant_value(node.child_by_field_name("left"), named)
            right = constant_value(node.child_by_field_name("right"), named)
            if left is None or right is None:
                return None
            return _ARITHMETIC[text(node.child_by_field_name("operator"))](left, right)
    return None


def local_constants(declaration: Node, named: Named) -> dict[str, int]:
    """Returns the integers a `const` declaration inside a function gives its names (`const N = 3`)."""
    found: dict[str, int] = {}
    for spec in declaration.named_children:
        if spec.type != "const_spec":
            continue
        names = spec.children_by_field_name("name")
        values = _items(spec.child_by_field_name("value"))
        for name, value in zip(names, values) if len(names) == len(values) else ():
            number = constant_value(value, lambda n: found.get(n, named(n)))
            if number is not None:
                found[text(name)] = number
    return found


def few_iterations(loop: Node, clause: Node | None, table: Node | None, named: Named) -> bool:
    """Reports whether a loop's iterations are a small number fixed in the source: a count between
    integer constants the loop does not change, `range 5`, or a range over a literal slice or array
    (`table`: the literal a variable ranged over is initialised with, `for _, tt := range udpTests`)."""
    if clause is None:
        return False
    fixed: Named = lambda name: None if changes(loop, name) else named(name)
    if clause.type == "range_clause":
        right = table if table is not None else clause.child_by_field_name("right")
        if right is not None and right.type == "composite_literal":
            return len(_composite_items(right)) <= FEW
        count = constant_value(right, fixed)
        return count is not None and count <= FEW
    initializer, condition = clause.child_by_field_name("initializer"), clause.child_by_field_name("condition")
    if initializer is None or initializer.type != "short_var_declaration" or condition is None \
            or condition.type != "binary_expression":
        return False
    values = _items(initializer.child_by_field_name("right"))
    if len(values) != 1:
        return False
    start, bound = constant_value(values[0], fixed), constant_value(condition.child_by_field_name("right"), fixed)
    return start is not None and bound is not None and abs(bound - start) <= FEW


def changes(node: Node, name: str) -> bool:
    """Reports whether `node` assigns `name` (`n = x`, `n += 1`, `n++`, `n := ...`) or takes its address."""
    if name.encode() not in node.text:
        return False  # (a search of its bytes first: walking the tree costs a hundred times more)
    stack = [node]
    while stack:
        current = stack.pop()
        match current.type:
            case "assignment_statement" | "short_var_declaration":
                left = current.child_by_field_name("left")
                if left is not None and name in {text(n) for n in [left, *left.named_children]}:
                    return True
            case "inc_statement" | "dec_statement" if current.named_children and text(current.named_children[0]) == name:
                return True
            case "unary_expression" if text(current.children[0]) == "&" \
                    and text(current.child_by_field_name("operand")) == name:
                return True
        stack.extend(current.named_children)
    return False


def _composite_items(literal: Node) -> list[Node]:
    body = literal.child_by_field_name("body")
    return [child for child in body.named_children if child.type != "comment"] if body is not None else []


def bindings_of(node: Node, name: str) -> int:
    """Counts the places in `node` that bind `name` (an assignment, a declaration, a range clause,
    `n++`), with any `&name` counted twice: a variable bound once holds one value throughout."""
    if name.encode() not in node.text:
        return 0
    count, stack = 0, [node]
    while stack:
        current = stack.pop()
        if current.type in ("assignment_statement", "short_var_declaration", "range_clause", "var_spec"):
            lefts = [current.child_by_field_name("left"), *current.children_by_field_name("name")]
            items = [n for left in lefts if left is not None
                     for n in (left.named_children if left.type == "expression_list" else [left])]
            count += sum(1 for n in items if text(n) == name)
        elif current.type in ("inc_statement", "dec_statement") and current.named_children \
                and text(current.named_children[0]) == name:
            count += 1
        elif current.type == "unary_expression" and text(current.children[0]) == "&" \
                and text(current.child_by_field_name("operand")) == name:
            count += 2  # (as changes() reads `&name`)
        stack.extend(current.named_children)
    return count
