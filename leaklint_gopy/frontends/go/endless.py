"""Loops that never end by themselves: a range over a ticker's channel, which nothing closes (Stop
does not), runs until the program ends. Reads syntax and the tickers it is handed; it lowers nothing.
"""
from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from leaklint_gopy.frontends.go.typeinfo import text

# what each call makes: the channel itself (time.Tick) or a ticker whose C is one (time.NewTicker)
_TICKERS = {"Tick": "channel", "NewTicker": "ticker"}


def ticker_made(value: Node | None, package_of: Callable[[str], str]) -> str:
    """Returns "channel" for `time.Tick(d)`, "ticker" for `time.NewTicker(d)`, else ""; `package_of`
    gives the import path an identifier names as a package ("" for a variable)."""
    function = value.child_by_field_name("function") if value is not None and value.type == "call_expression" else None
    if function is None or function.type != "selector_expression":
        return ""
    operand = function.child_by_field_name("operand")
    if operand is None or operand.type != "identifier" or package_of(text(operand)) != "time":
        return ""
    return _TICKERS.get(text(function.child_by_field_name("field")), "")


def endless_range(clause: Node | None, tickers: dict[str, str], package_of: Callable[[str], str]) -> bool:
    """Reports whether a range clause iterates a ticker's channel (`range time.Tick(d)`, `range c`
    after `c := time.Tick(d)`, `range t.C` after `t := time.NewTicker(d)`), which never ends."""
    right = clause.child_by_field_name("right") if clause is not None and clause.type == "range_clause" else None
    if right is None:
        return False
    # Ex) for now := range time.Tick(time.Second) { ... }
    if ticker_made(right, package_of) == "channel":
        return True
    if right.type == "identifier":
        return tickers.get(text(right)) == "channel"  # Ex) c := time.Tick(d); for next := range c { ... }
    if right.type == "selector_expression" and text(right.child_by_field_name("field")) == "C":
        operand = right.child_by_field_name("operand")
        return operand is not None and tickers.get(text(operand)) == "ticker"  # Ex) for range t.C { ... }
    return False
