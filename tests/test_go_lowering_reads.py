"""The Go front-end's cheaper reads answer as the ones they replaced: a function parsed again on its
own counts its rows from its own start, a function's mentions are searched led by its
name, and node texts are remembered only until forgotten."""
from __future__ import annotations

import re

from leaklint_gopy.frontends.go import regions
from leaklint_gopy.frontends.go.frontend import _parser
from leaklint_gopy.frontends.go.funcvalues import _mentions
from leaklint_gopy.frontends.go.typeinfo import _TEXTS, forget_texts, text

SOURCE = """package p

// conn_ is no conn; xconn neither
func a(conn net.Conn) { conn.Close() }

func b() {
	c := conn(1)
	_ = "é"; c2 := connét(c)
}
""".encode()


def _counted_points(source: bytes, start: int, end: int) -> tuple:
    """regions.points of one range as it counted rows before: every line from the file's start."""
    row = source.count(b"\n", 0, start)
    end_row = row + source.count(b"\n", start, end)
    return ((row, start - source.rfind(b"\n", 0, start) - 1), (end_row, end - source.rfind(b"\n", 0, end) - 1),
            start, end)


def test_rows_counted_from_a_known_place_are_the_file_rows() -> None:
    for start in range(0, len(SOURCE) + 1):
        for end in (start, min(len(SOURCE), start + 7), len(SOURCE)):
            expected = [_counted_points(SOURCE, start, end)]
            assert regions.points(SOURCE, [(start, end)]) == expected
            for known in range(0, start + 1, 5):
                assert regions.points(SOURCE, [(start, end)], (known, SOURCE.count(b"\n", 0, known))) == expected


def test_mentions_are_the_words_a_boundary_search_finds() -> None:
    for name in ("conn", "c", "c2", "a", "b", "p", "connét", "ét", "é", "missing"):
        word = name.encode()
        expected = [m.span() for m in re.finditer(rb"\b" + re.escape(word) + rb"\b", SOURCE)]
        assert [m.span() for m in _mentions(word, SOURCE)] == expected, name


def test_texts_are_the_nodes_and_are_forgotten() -> None:
    tree = _parser().parse(SOURCE)
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        assert text(node) == node.text.decode("utf-8", "replace") == text(node)
        stack.extend(node.children)
    assert text(None) == "" and _TEXTS
    forget_texts()
    assert not _TEXTS
