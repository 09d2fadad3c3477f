"""Positions in a source text: 1-based lines and code-point columns to offsets and back, edits
applied to a text, and unified diffs. It knows no language."""
from __future__ import annotations

import bisect
import difflib

from leaklint_gopy.finding import Edit, Fix, Span


class SourceText:
    """A text with its line starts, for turning spans into offsets (code points) and back."""

    def __init__(self, text: str, path: str = "") -> None:
        self.text, self.path = text, path
        self.starts = [0]
        self.starts += [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def offset(self, line: int, col: int) -> int:
        """Returns the offset of 1-based (line, col); a line past the end maps to the end."""
        if line > len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + col - 1, len(self.text))

    def position(self, offset: int) -> tuple[int, int]:
        """Returns the 1-based (line, col) of `offset`."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        return Span(self.path, *self.position(start), *self.position(end))

    def edit(self, start: int, end: int, text: str) -> Edit:
        return Edit(self.span(start, end), text)

    def line_of(self, offset: int) -> tuple[int, int]:
        """Returns the (start, end) offsets of the line holding `offset`, its newline included."""
        line, _ = self.position(offset)
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.starts[line - 1], end

    def indent_at(self, offset: int) -> str:
        """Returns the leading whitespace of the line holding `offset`."""
        start, end = self.line_of(offset)
        line = self.text[start:end]
        return line[: len(line) - len(line.lstrip(" \t"))]


def apply(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """Returns `text` with non-overlapping `edits` applied; raises ValueError when two overlap."""
    source = SourceText(text)
    ranges = sorted((source.offset(e.span.line, e.span.col), source.offset(e.span.end_line, e.span.end_col), e.text)
                    for e in edits)
    out, cursor = [], 0
    for start, end, insert in ranges:
        if start < cursor:
            raise ValueError("overlapping edits")
        out += [text[cursor:start], insert]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def overlaps(fix: Fix, taken: list[tuple[int, int, int, int]]) -> bool:
    """Reports whether some edit of `fix` touches a range in `taken` ((line, col, end_line, end_col));
    an insertion at the edge of a range counts (two inserts at one place would be ordered by chance)."""
    for edit in fix.edits:
        start, end = (edit.span.line, edit.span.col), (edit.span.end_line, edit.span.end_col)
        for line, col, end_line, end_col in taken:
            if start <= (end_line, end_col) and (line, col) <= end:
                return True
    return False


def ranges(fix: Fix) -> list[tuple[int, int, int, int]]:
    return [(e.span.line, e.span.col, e.span.end_line, e.span.end_col) for e in fix.edits]


def unified_diff(path: str, before: str, after: str) -> str:
    """Returns the unified diff of one file, as `diff -u` labels it (a/PATH, b/PATH)."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{path}", f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def byte_to_char(data: bytes, offset: int) -> int:
    """Returns the code-point offset of byte `offset` in UTF-8 `data`."""
    return offset if data.isascii() else len(data[:offset].decode("utf-8", "replace"))


BOM = "\ufeff"


def apply_keeping_bom(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """Returns `apply(text, edits)` for edits placed as the findings are, after a byte order mark
    (which is no column); the mark stays in front."""
    mark = BOM if text.startswith(BOM) else ""
    return mark + apply(text[len(mark):], edits)
