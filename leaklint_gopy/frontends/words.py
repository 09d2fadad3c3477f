"""Fast searches of source bytes for any of many identifiers, as whole words or as calls.

Python's `re` tries every branch of an alternation at every position, and a leading `\\b` disables
its first-character scan; over megabytes of Go that made the prefilter cost more than parsing. A
trie-shaped alternation (`Clo(?:se(?:r)?)|Cli...`) keeps the scan in C, and the byte before a
match is checked in Python only for the rare hits.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache

_DOT = ord(".")


def alternation(words: Iterable[bytes]) -> bytes:
    """Returns a regex alternation matching exactly `words`, shaped as a trie (longest match first)."""
    return _alternation(frozenset(words))


@lru_cache(maxsize=256)
def _alternation(words: frozenset[bytes]) -> bytes:
    trie: dict = {}
    for word in words:
        node = trie
        for byte in word:
            node = node.setdefault(byte, {})
        node[None] = {}
    return _emit(trie) if trie else b"(?!)"


_ESCAPED = tuple(re.escape(bytes([byte])) for byte in range(256))


def _emit(node: dict) -> bytes:
    branches = [_ESCAPED[byte] + _emit(child)
                for byte, child in sorted((b, c) for b, c in node.items() if b is not None)]
    if not branches:
        return b""
    body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
    return b"(?:" + body + b")?" if None in node else body


def _continues_word(data: bytes, index: int) -> bool:
    """Reports whether the byte before `index` is part of an identifier (non-ASCII counts)."""
    if index == 0:
        return False
    byte = data[index - 1]
    return byte >= 0x80 or byte == 0x5F or 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


class Words:
    """Finds any of `words` as a whole identifier."""

    def __init__(self, words: Iterable[bytes]) -> None:
        self.words = frozenset(words)
        self._pattern = re.compile(b"(?:" + alternation(self.words) + rb")\b")

    def search(self, data: bytes) -> bool:
        return any(not _continues_word(data, m.start()) for m in self._pattern.finditer(data))

    def within(self, data: bytes, start: int, end: int) -> bool:
        """Reports whether one of the words occurs in `data[start:end]` (which ends a line: no word
        runs past `end`)."""
        return any(not _continues_word(data, m.start()) for m in self._pattern.finditer(data, start, end))

    def starts(self, data: bytes) -> list[int]:
        """Returns the offset of every occurrence."""
        return [m.start() for m in self._pattern.finditer(data) if not _continues_word(data, m.start())]


_STARTS: OrderedDict[tuple[frozenset[bytes], frozenset[bytes], bytes], tuple[int, ...]] = OrderedDict()
_STARTS_KEPT = 1024


class Calls:
    """Finds a call of any of `names`: as a method or qualified call (`.Open(`, `c.Do[T](`), and for
    the `bare` ones also unqualified (`Open(`, a function of the package itself or a dot import)."""

    def __init__(self, names: Iterable[bytes], bare: Iterable[bytes] = ()) -> None:
        self.names = frozenset(names)
        self.bare = frozenset(bare) & self.names
        self._compiled: tuple[re.Pattern[bytes] | None, re.Pattern[bytes] | None] | None = None

    def _patterns(self) -> tuple[re.Pattern[bytes] | None, re.Pattern[bytes] | None]:
        """Returns the pattern of all calls, or (the second) of the dotted calls only, compiled on
        first use: a package's finder extended with its wrappers is seldom searched, and compiling
        an alternation of hundreds of names costs more than the search."""
        if self._compiled is None:
            # Without bare names only the dotted calls count: led by its `.`, the scan skips from dot to
            # dot in C, instead of stopping at every letter that starts a name (7x faster over the stdlib)
            alternatives = alternation(self.names)
            self._compiled = (re.compile(b"(" + alternatives + rb")(?:\[[^\]\n]*\])?\("), None) if self.bare \
                else (None, re.compile(rb"\.(" + alternatives + rb")(?:\[[^\]\n]*\])?\("))
        return self._compiled

    def search(self, data: bytes) -> bool:
        pattern, dotted = self._patterns()
        if dotted is not None:
            return dotted.search(data) is not None
        return any(self._is_call(data, match) for match in pattern.finditer(data))

    def starts(self, data: bytes) -> list[int]:
        """Returns the offset of every call (the last answers are kept: an editor's save and a fix's
        verification search the unchanged files of a package again)."""
        key = (self.names, self.bare, data)
        if key in _STARTS:
            _STARTS.move_to_end(key)
            return list(_STARTS[key])
        pattern, dotted = self._patterns()
        found = _STARTS[key] = tuple(m.start(1) for m in dotted.finditer(data)) if dotted is not None \
            else tuple(m.start() for m in pattern.finditer(data) if self._is_call(data, m))
        if len(_STARTS) > _STARTS_KEPT:
            _STARTS.popitem(last=False)
        return list(found)

    def _is_call(self, data: bytes, match: re.Match[bytes]) -> bool:
        start = match.start()
        if start and data[start - 1] == _DOT:
            return True
        return match.group(1) in self.bare and not _continues_word(data, start)

    def extended(self, names: Iterable[bytes]) -> Calls:
        """Returns a finder that also finds `names`, called in any form (the package's own wrappers)."""
        names = frozenset(names)
        return Calls(self.names | names, self.bare | names)
