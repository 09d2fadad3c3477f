"""Facts about a Go package read once from its whole function and method declarations, before any
is lowered: the types whose RoundTrip answers in memory (fakes.py), the functions writing no body
to a ResponseWriter parameter (transports.quiet_writers), and the bodies failing_exit.py reads.
Declarations first parsed without their bodies are parsed again here. It reads syntax only.
"""
from __future__ import annotations

from collections.abc import Callable

from leaklint_gopy.frontends.go import fakes
from leaklint_gopy.frontends.go.transports import quiet_writers
from leaklint_gopy.frontends.go.typeinfo import PackageTypes, receiver_type_name, text


def in_memory_trippers(parsed: list, package: PackageTypes, parse: Callable) -> frozenset[str]:
    """Returns the package's types (`key.T`) whose RoundTrip method answers only in memory (see
    fakes.round_trips_in_memory)."""
    kinds = set()
    for node, whole, imports in whole_declarations(parsed, parse, _round_trip):
        if any(fakes.answers_in_memory(each, imports, package) for each in whole):
            kinds.add(f"{package.key}.{receiver_type_name(node)}")
    return frozenset(kinds)


def _round_trip(node, source: bytes, end: int) -> bool:
    return node.type == "method_declaration" and text(node.child_by_field_name("name")) == "RoundTrip"


def writer_candidates(parsed: list) -> list[tuple[bytes, int, int, int, dict[str, str]]]:
    """Returns (source, start, end, row, imports) of each function declaration of `parsed` naming a
    ResponseWriter: what `quiet_writers_of` parses again when first asked (keeping no tree alive)."""
    return [(source, node.start_byte, plan.elided.get(node.start_byte, node.end_byte), node.start_point[0], imports)
            for _, source, nodes, imports, plan in parsed for node in nodes
            if node.type == "function_declaration"
            and source.find(b"ResponseWriter", node.start_byte, plan.elided.get(node.start_byte, node.end_byte)) >= 0]


def quiet_writers_of(candidates: list[tuple[bytes, int, int, int, dict[str, str]]],
                     parse: Callable) -> dict[str, frozenset[int]]:
    """Returns transports.quiet_writers of the functions `candidates` (see writer_candidates)."""
    return quiet_writers([(each, imports) for source, start, end, row, imports in candidates
                          for each in parse(source, [(start, end)], (start, row)).root_node.named_children
                          if each.type == "function_declaration"])


def whole_declarations(parsed: list, parse: Callable, wanted: Callable) -> list:
    """Returns (declaration, its whole parses, its file's imports) for each function or method
    declaration of `parsed` that `wanted(node, source, end)` accepts; one parsed without its body is
    parsed again whole (by `parse`, frontend._parse_ranges)."""
    out = []
    for _, source, nodes, imports, plan in parsed:
        for node in nodes:
            if node.type not in ("function_declaration", "method_declaration"):
                continue
            end = plan.elided.get(node.start_byte, node.end_byte)
            if not wanted(node, source, end):
                continue
            whole = [node] if end == node.end_byte else [
                each for each in parse(source, [(node.start_byte, end)],
                                       (node.start_byte, node.start_point[0])).root_node.named_children
                if each.type == node.type]
            out.append((node, whole, imports))
    return out


def function_bodies(parsed: list, parse: Callable, names: set[str]) -> list[tuple[object, dict[str, str]]]:
    """Returns the package's function declarations named `names`, whole, with their files' imports."""
    return [(each, imports) for _, whole, imports in whole_declarations(
        parsed, parse, lambda node, source, end: node.type == "function_declaration"
        and text(node.child_by_field_name("name")) in names) for each in whole] if names else []
