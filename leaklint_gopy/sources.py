"""Reads the source files of a run as their front-ends read them: regular files only, within a
size limit, UTF-8 (Python's byte order mark, coding cookie and lone CR resolved by its front-end).
Every file that cannot be used is a one-line FileError; nothing here raises for a bad file.
"""
from __future__ import annotations

import codecs

from leaklint_gopy.filesystem import TooLarge, Unreadable, read_regular
from leaklint_gopy.finding import FileError

MAX_FILE_BYTES = 8 * 1024 * 1024


def read_source(path: str, limit: int = MAX_FILE_BYTES, language: str = "") -> tuple[bytes, FileError | None]:
    """Returns the bytes of a source file as its front-end reads them (Python's: BOM, coding
    cookie and lone CR resolved), or a FileError saying in one line why it cannot be used: not a
    regular file (never opened), over `limit` bytes, unreadable, binary or not in its encoding."""
    try:
        data = read_regular(path, limit)
    except TooLarge as exc:
        return b"", FileError(path, f"file too large to analyse ({exc.size} bytes, limit {limit} bytes: "
                                    "see --max-file-size)")
    except Unreadable as exc:
        return b"", FileError(path, f"{exc}, not read" if str(exc).startswith("not a regular") else str(exc))
    return usable_source(path, data, language)


def usable_source(path: str, data: bytes, language: str = "") -> tuple[bytes, FileError | None]:
    """Returns `data`, the bytes of the source file `path` (read from disk or stdin), as its
    front-end reads them, or a FileError saying why they cannot be used: binary or not in its encoding."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return b"", FileError(path, "UTF-16 text: source must be UTF-8")
    if b"\0" in data[:8192]:
        return b"", FileError(path, "binary file, not source code")
    from leaklint_gopy.frontends import registry

    try:
        return registry.decode(language, data), None
    except ValueError as exc:
        return b"", FileError(path, str(exc), getattr(exc, "line", 1))
