"""`primaryLocationLineHash`, computed exactly as github/codeql-action's upload step does: part of a
finding's identity for code scanning, so it sits beside the model (it imports nothing of leaklint)
and the driver stores it with each finding, where the file's bytes are at hand.

A port of the rolling hash in codeql-action `src/fingerprints.ts`: over UTF-16 code units,
ignoring spaces and tabs, with CR and CRLF read as LF, a window of 100 characters starting at each
line. It owns only that arithmetic; a wrong value is worse than none, so it is tested against the
action's own vectors. `hashes_at` gives the same values for chosen lines without the per-unit
loop, which is what a SARIF run needs: one hash per result, not one per line of every file.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import accumulate, repeat
from operator import add

_MASK = (1 << 64) - 1
_BLOCK = 100
_MOD = 37
_FIRST_MOD = pow(_MOD, _BLOCK, 1 << 64)
_TAB, _SPACE, _LF, _CR, _EOF = 9, 32, 10, 13, 65535


def line_hashes(text: str) -> list[str]:
    """Returns `<hex>:<occurrence>` for every line of `text`, in line order (index 0 is line 1)."""
    window = [0] * _BLOCK
    line_at = [-1] * _BLOCK
    hashes: dict[int, str] = {}
    seen: dict[str, int] = {}
    value = index = line = 0
    line_start, prev_cr = True, False

    def emit() -> None:
        key = format(value, "x")
        seen[key] = seen.get(key, 0) + 1
        hashes[line_at[index]] = f"{key}:{seen[key]}"
        line_at[index] = -1

    data = text.encode("utf-16-le")
    units = [data[k] | (data[k + 1] << 8) for k in range(0, len(data), 2)]
    units.append(_EOF)
    for unit in units:
        if unit in (_SPACE, _TAB) or (prev_cr and unit == _LF):
            prev_cr = False
            continue
        prev_cr = unit == _CR
        if prev_cr:
            unit = _LF
        if line_at[index] != -1:
            emit()
        if line_start:
            line_start = False
            line += 1
            line_at[index] = line
        if unit == _LF:
            line_start = True
        value = (_MOD * value + unit - _FIRST_MOD * window[index]) & _MASK
        window[index] = unit
        index = (index + 1) % _BLOCK
    for _ in range(_BLOCK):
        if line_at[index] != -1:
            emit()
        value = (_MOD * value - _FIRST_MOD * window[index]) & _MASK
        window[index] = 0
        index = (index + 1) % _BLOCK
    return [hashes[number] for number in sorted(hashes)]


def hashes_at(text: str, numbers: Iterable[int]) -> dict[int, str]:
    """Returns `{line: "<hex>:<occurrence>"}` for each of `numbers` that is a line of `text`, equal
    to `line_hashes(text)[line - 1]` (see LineHasher)."""
    hasher = LineHasher(text)
    return {number: value for number in numbers if (value := hasher.at(number)) is not None}


class LineHasher:
    """The hashes of chosen lines of one text, without the per-unit loop of line_hashes.

    A line's hash covers the 100 UTF-16 units from its first unit once spaces and tabs are dropped
    and CR/CRLF read as LF (zeros past the end of file), so it is computed from that window alone;
    its occurrence counts the earlier lines whose window is the same, found by a string search. Two
    different windows with the same 64-bit hash would count apart here and together in the upload
    action: for source text that is the only difference.
    """

    __slots__ = ("units", "starts", "first")

    def __init__(self, text: str) -> None:
        normal = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "") + chr(_EOF)
        if not normal.isascii() and _ASTRAL.search(normal):  # one character, two UTF-16 units
            normal = _ASTRAL.sub(_surrogates, normal)
        lengths = map(len, normal.split("\n")[:-1])
        self.starts = [0, *accumulate(map(add, lengths, repeat(1)))]  # C-level loops: files have 10^5 lines
        self.units = normal + "\0" * _BLOCK
        self.first = set(self.starts)

    def at(self, number: int) -> str | None:
        """Returns `<hex>:<occurrence>` for line `number` (1-based), or None when there is no such line."""
        if not 0 < number <= len(self.starts):
            return None
        start = self.starts[number - 1]
        window = self.units[start:start + _BLOCK]
        value = 0
        for unit in map(ord, window):
            value = (_MOD * value + unit) & _MASK
        occurrence, position = 0, self.units.find(window, 0, start + _BLOCK)
        while 0 <= position <= start:
            occurrence += position in self.first
            position = self.units.find(window, position + 1, start + _BLOCK)
        return f"{format(value, 'x')}:{occurrence}"


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _surrogates(match: re.Match[str]) -> str:
    code = ord(match.group()) - 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))
