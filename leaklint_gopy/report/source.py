"""Source text for reporters: the lines a finding points at, read once per file.

Spans count columns in code points; SARIF counts UTF-16 code units and the terminal counts cells.
This module converts between them and never analyses anything.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from leaklint_gopy.line_hash import LineHasher

if TYPE_CHECKING:
    from leaklint_gopy.finding import Finding

_PYTHON_LINE_END = re.compile(r"\r\n?|\n")
_SOURCE_BYTES = 256 * 1024 * 1024  # a file with a finding was read by the driver, within its own limit


_PIPED: dict[str, str] = {}


def remember(path: str, text: str) -> None:
    """Makes `text` the content of the absolute `path` for every reporter (source read from stdin)."""
    _PIPED[path] = text
    forget()


def forget() -> None:
    """Drops the texts read so far (the driver calls it as a run starts: a long-lived process, such
    as the language server, must never keep a file's old text in facts it stores)."""
    for cached in (text_of, lines_of, _hasher, one_unit_per_character, function_name):
        cached.cache_clear()


@lru_cache(maxsize=1024)
def text_of(path: str) -> str | None:
    """Returns the file's text as the upload action reads it (UTF-8, bad bytes replaced), or None."""
    if path in _PIPED:
        return _PIPED[path]
    from leaklint_gopy.filesystem import Unreadable, read_regular

    try:
        return read_regular(path, _SOURCE_BYTES).decode("utf-8", errors="replace")
    except Unreadable:
        return None


@lru_cache(maxsize=1024)
def lines_of(path: str) -> tuple[str, ...]:
    """Returns the file's lines split at LF, as parsers count them, without terminators."""
    text = text_of(path)
    if text is None:
        return ()
    text = text.removeprefix("\ufeff")  # a byte order mark is no column
    if "\r" not in text:
        return tuple(text.split("\n"))
    if path.endswith(".py"):
        return tuple(_PYTHON_LINE_END.split(text))  # Python also ends a line at a lone CR; Go does not
    return tuple(part.removesuffix("\r") for part in text.split("\n"))


def line(path: str, number: int) -> str | None:
    """Returns line `number` (1-based) of `path`, or None when it does not exist."""
    lines = lines_of(path)
    return lines[number - 1] if 0 < number <= len(lines) else None


@lru_cache(maxsize=None)
def one_unit_per_character(path: str) -> bool:
    """Reports whether every character of the file is one UTF-16 unit (none beyond the BMP), so its
    UTF-16 columns equal its code-point columns and no line need be read to convert them."""
    text = text_of(path)
    return text is None or text.isascii() or _ASTRAL.search(text) is None


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def utf16_column(text: str | None, column: int) -> int:
    """Returns the 1-based UTF-16 column of the 1-based code-point `column` in the line `text`."""
    if not text or text.isascii():
        return column
    prefix = text[: column - 1]
    extra = sum(1 for char in prefix if ord(char) > 0xFFFF)
    return column + extra


@lru_cache(maxsize=256)
def _hasher(path: str) -> LineHasher | None:
    text = text_of(path)
    return LineHasher(text) if text is not None else None


def line_hash(path: str, number: int) -> str | None:
    """Returns the upload action's `primaryLocationLineHash` for line `number`, or None."""
    hasher = _hasher(path)
    return hasher.at(number) if hasher is not None else None


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


_DECLARATION = re.compile(r"\b(?:func\s*(?:\([^)]*\)\s*)?|def\s+)(\w+)")


def facts(finding: Finding) -> tuple[tuple[str, str], ...]:
    """Returns, as Finding.extra pairs, what reporters read from source files for `finding`, read
    now: SAME_COLUMNS (`same` when every file its regions point into, helpers' included, has one
    UTF-16 unit per character, else `differ`) and, when it has `uses`, HELPERS (the name of each,
    one per line). The driver stores them with the package's result, so a warm report reads no
    file; they hold as long as that result does (the helpers' files are its dependencies)."""
    paths = {finding.span.path, *(x.span.path for x in (*finding.related, *finding.flow)), *(s.path for s in finding.uses),
             *(e.span.path for e in (finding.fix.edits if finding.fix is not None else ()))}
    from leaklint_gopy.report import absolute

    same = all(one_unit_per_character(absolute(path)) for path in paths)
    out = [(SAME_COLUMNS, "same" if same else "differ")]
    if finding.uses:
        out.append((HELPERS, "\n".join(_helper_names_now(finding))))
    return tuple(out)


SAME_COLUMNS = "utf16Columns"  # Finding.extra keys written by facts()
HELPERS = "helperNames"


def same_columns(finding: Finding) -> bool:
    """Reports whether facts() found the UTF-16 columns of all of `finding`'s regions equal to its
    code-point columns (False when it was not asked: the files are read then)."""
    return (SAME_COLUMNS, "same") in finding.extra


def helper_names(finding: Finding) -> list[str]:
    """Returns the names of `finding`'s helpers (its `uses`), as stored by facts() or read now."""
    for key, value in finding.extra:
        if key == HELPERS:
            names = value.split("\n")
            if len(names) == len(finding.uses):
                return names
    return _helper_names_now(finding)


def _helper_names_now(finding: Finding) -> list[str]:
    """Returns the names of `finding`'s helpers read from their files now."""
    from leaklint_gopy.report import absolute

    return [function_name(absolute(span.path), span.line) for span in finding.uses]


@lru_cache(maxsize=16384)
def function_name(path: str, number: int) -> str:
    """Returns the name of the function declared on line `number` of `path` (Go `func`, Python
    `def`), `a function literal` for an anonymous one, or `a function` when the line is gone."""
    text = line(path, number)
    if text is None:
        return "a function"
    match = _DECLARATION.search(text)
    return f"{match.group(1)}()" if match else "a function literal"
