"""Source text for reporters: the lines a finding points at, read once per file.

Spans count columns in code points; SARIF counts UTF-16 code units and the terminal counts cells.
This module converts between them and never analyses anything.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from leaklint.report.line_hash import line_hashes

_PYTHON_LINE_END = re.compile(r"\r\n?|\n")
_SOURCE_BYTES = 256 * 1024 * 1024  # a file with a finding was read by the driver, within its own limit


@lru_cache(maxsize=256)
def text_of(path: str) -> str | None:
    """Returns the file's text as the upload action reads it (UTF-8, bad bytes replaced), or None."""
    from leaklint.filesystem import Unreadable, read_regular

    try:
        return read_regular(path, _SOURCE_BYTES).decode("utf-8", errors="replace")
    except Unreadable:
        return None


@lru_cache(maxsize=256)
def lines_of(path: str) -> tuple[str, ...]:
    """Returns the file's lines split at LF, as parsers count them, without terminators."""
    text = text_of(path)
    if text is None:
        return ()
    text = text.removeprefix("\ufeff")  # a byte order mark is no column
    if path.endswith(".py") and "\r" in text:
        return tuple(_PYTHON_LINE_END.split(text))  # Python also ends a line at a lone CR; Go does not
    return tuple(part.removesuffix("\r") for part in text.split("\n"))


def line(path: str, number: int) -> str | None:
    """Returns line `number` (1-based) of `path`, or None when it does not exist."""
    lines = lines_of(path)
    return lines[number - 1] if 0 < number <= len(lines) else None


def utf16_column(text: str | None, column: int) -> int:
    """Returns the 1-based UTF-16 column of the 1-based code-point `column` in the line `text`."""
    if not text or text.isascii():
        return column
    prefix = text[: column - 1]
    extra = sum(1 for char in prefix if ord(char) > 0xFFFF)
    return column + extra


@lru_cache(maxsize=64)
def _hashes(path: str) -> tuple[str, ...]:
    text = text_of(path)
    return tuple(line_hashes(text)) if text is not None else ()


def line_hash(path: str, number: int) -> str | None:
    """Returns the upload action's `primaryLocationLineHash` for line `number`, or None."""
    hashes = _hashes(path)
    return hashes[number - 1] if 0 < number <= len(hashes) else None


def cells(text: str, tab: int = 4) -> int:
    """Returns how many terminal cells `text` takes, with tabs expanded to `tab` columns."""
    width = 0
    for char in text:
        if char == "\t":
            width += tab - width % tab
        elif unicodedata.combining(char):
            continue
        else:
            width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width
