"""How Python reads the bytes of a source file: a UTF-8 byte order mark, a coding cookie on the
first two lines (PEP 263), and CR, LF or CRLF line ends. It turns any file Python would read into
the UTF-8 bytes with LF or CRLF line ends that the rest of leaklint reads, keeping every line and
column where Python has it. It never parses code.
"""
from __future__ import annotations

import codecs
import re

BOM = codecs.BOM_UTF8
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
_LONE_CR = re.compile(rb"\r(?!\n)")


class EncodingProblem(ValueError):
    """Bytes Python would refuse to read; the message says why in one line, `line` where."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def normalise(data: bytes) -> bytes:
    """Returns `data` as UTF-8 without a byte order mark, with every lone CR made a LF (Python ends
    a line there), and with a coding cookie naming another encoding decoded and rewritten to
    `utf-8`; raises EncodingProblem for an unknown encoding or bytes invalid in the file's encoding."""
    marked = data.startswith(BOM)
    if marked:
        data = data[len(BOM):]  # Ex) a file saved by Notepad: Python skips the mark, columns start after it
    head = data[:_second_line_end(data)]
    cookie = _COOKIE.search(head) if b"coding" in head else None
    codec = _codec(cookie) if cookie is not None else "utf-8"
    if codec == "utf-8":
        _check_utf8(data)
    elif marked or codec.startswith(("utf-16", "utf-32")):
        raise EncodingProblem(f"Python cannot read this file: coding cookie {codec}"
                              f"{' after a UTF-8 byte order mark' if marked else ''}", _line(data, cookie.start()))
    else:
        data = _transcode(data, cookie, codec)
    return _LONE_CR.sub(b"\n", data) if b"\r" in data else data


def _second_line_end(data: bytes) -> int:
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    return len(data) if second < 0 else second


def _line(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _codec(cookie: re.Match[bytes]) -> str:
    name = cookie.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise EncodingProblem(f"unknown encoding {name!r} in the coding cookie",
                              _line(cookie.string, cookie.start(1))) from None


def _transcode(data: bytes, cookie: re.Match[bytes], codec: str) -> bytes:
    """Returns `data` decoded with `codec` and encoded as UTF-8, the cookie now naming utf-8 (it
    sits on a comment line, so no column of code moves)."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise EncodingProblem(f"invalid {codec} at byte {exc.start} (the coding cookie names it)",
                              _line(data, exc.start)) from None
    before = data[: cookie.start(1)].decode(codec)
    name = data[cookie.start(1): cookie.end(1)].decode(codec)
    return (before + "utf-8" + text[len(before) + len(name):]).encode("utf-8")


def _check_utf8(data: bytes) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingProblem(f"invalid UTF-8 at byte {exc.start}", _line(data, exc.start)) from None
