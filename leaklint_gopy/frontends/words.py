"""Fast searches of source bytes for any of many identifiers, as whole words or as calls.

Python's `re` tries every branch of an alternation at every position, and a leading `\\b` disables
its first-character scan; over megabytes of Go that made the prefilter cost more than parsing. A
trie-shaped alternation (`Clo(?:se(?:r)?)|Cli...`) keeps the scan in C, and the byte before a
match is checked in Python only for the rare hits.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from functools import lru_cache


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


_CALL = rb"(?:\[[^\]\n]*\])?\("  # after a name: type arguments, if any, and the call's parenthesis
_LITERAL_HEADS = 8  # (20 first names: one alternation of all was faster)
_STARTS: OrderedDict[tuple[frozenset[bytes], frozenset[bytes], bytes], tuple[int, ...]] = OrderedDict()
_STARTS_KEPT = 1024


def _by_first_name(names: frozenset[bytes]) -> list[list[bytes]]:
    """Returns `names` grouped under the shortest name each starts with (`Post`, `PostForm`)."""
    groups: list[list[bytes]] = []
    for name in sorted(names):  # (a name sorts right before the names it starts)
        if groups and name.startswith(groups[-1][0]):
            groups[-1].append(name)
        else:
            groups.append([name])
    return groups


def _unqualified(data: bytes, patterns: tuple[re.Pattern[bytes], ...]) -> Iterator[int]:
    """Yields where `patterns` (of bare names) find a call that is not the tail of a longer word."""
    return (m.start() for pattern in patterns for m in pattern.finditer(data) if not _continues_word(data, m.start()))


class Calls:
    """Finds a call of any of `names`: as a method or qualified call (`.Open(`, `c.Do[T](`), and for
    the `bare` ones also unqualified (`Open(`, a function of the package itself or a dot import)."""

    def __init__(self, names: Iterable[bytes], bare: Iterable[bytes] = ()) -> None:
        self.names = frozenset(names)
        self.bare = frozenset(bare) & self.names
        self._compiled: tuple[re.Pattern[bytes], tuple[re.Pattern[bytes], ...]] | None = None

    def _patterns(self) -> tuple[re.Pattern[bytes], tuple[re.Pattern[bytes], ...]]:
        """Returns the pattern of the dotted calls of all names and the patterns of the calls of the bare
        names, compiled on first use: a package's finder extended with its wrappers is seldom searched,
        and compiling an alternation of hundreds of names costs more than the search."""
        if self._compiled is None:
            # Led by its `.`, the dotted scan skips from dot to dot in C. A pattern led by a literal (`Get`,
            # `Post(?:Form)?`) skips to it as fast; one led by an alternation of names is tried at every byte,
            # 3x slower for net/http's own `Get`, `Head`, `Post`, `PostForm` than one pattern per first
            # name, and 7x slower than the dotted scan over the stdlib. Many first names: one alternation.
            dotted = re.compile(rb"\.(" + alternation(self.names) + rb")" + _CALL)
            groups = _by_first_name(self.bare)
            if len(groups) > _LITERAL_HEADS:
                groups = [list(self.bare)]
            self._compiled = (dotted, tuple(re.compile(b"(" + alternation(group) + b")" + _CALL) for group in groups))
        return self._compiled

    def search(self, data: bytes) -> bool:
        dotted, bare = self._patterns()
        return dotted.search(data) is not None or next(_unqualified(data, bare), None) is not None

    def starts(self, data: bytes) -> list[int]:
        """Returns the offset of every call (the last answers are kept: an editor's save and a fix's
        verification search the unchanged files of a package again)."""
        key = (self.names, self.bare, data)
        if key in _STARTS:
            _STARTS.move_to_end(key)
            return list(_STARTS[key])
        dotted, bare = self._patterns()
        found = [m.start(1) for m in dotted.finditer(data)]
        if bare:  # (a bare name after a dot is found by both)
            found = sorted({*found, *_unqualified(data, bare)})
        _STARTS[key] = tuple(found)
        if len(_STARTS) > _STARTS_KEPT:
            _STARTS.popitem(last=False)
        return found

    def starts_within(self, data: bytes, ranges: list[tuple[int, int]]) -> list[int]:
        """Returns the offset of every call within `ranges` (sorted, each starting and ending a line):
        what starts finds there, since no call spans a line."""
        dotted, bare = self._patterns()
        found = [m.start(1) for start, end in ranges for m in dotted.finditer(data, start, end)]
        if bare:
            found = sorted({*found, *(m.start() for start, end in ranges for pattern in bare
                                      for m in pattern.finditer(data, start, end) if not _continues_word(data, m.start()))})
        return found

    def everywhere(self) -> Calls:
        """Returns a finder of the same names, each also called unqualified (under a dot import)."""
        return Calls(self.names, self.names)

    def extended(self, names: Iterable[bytes]) -> Calls:
        """Returns a finder that also finds `names`, called in any form (the package's own wrappers)."""
        names = frozenset(names)
        return Calls(self.names | names, self.bare | names)
