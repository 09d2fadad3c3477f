"""What makes a Python file worth parsing and a function worth lowering now, from bytes alone:
the acquiring calls of the rule specs (prefilter.needles), the modules a file imports, and the
names of the tree's own modules that may acquire (acquirers.py)."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from leaklint_gopy.frontends.python.names import MODULE_ALIASES, canonical

_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([^\n#;]+))", re.MULTILINE)
_LOADED = re.compile(rb"^(\w+)[ \t]*=[ \t]*[\w.]+\([ \t]*['\"](\w+)['\"][ \t]*\)", re.MULTILINE)
# Ex) from gevent import socket, sleep   (the names a from-import binds, for the modules among them)
_FROM_NAMES = re.compile(rb"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([\w \t,]+)", re.MULTILINE)
_LOADED_CALL = re.compile(rb"\([ \t]*['\"]")  # what every line _LOADED matches holds


def line_matches(source: bytes, needle: bytes | re.Pattern[bytes], pattern: re.Pattern[bytes]) -> Iterator[re.Match[bytes]]:
    """Yields the matches of `pattern`, a MULTILINE pattern led by `^` that matches only where the
    line it starts on holds `needle` (a literal or a pattern), in order: what
    `pattern.finditer(source)` yields, tried only at the start of the lines holding `needle` that
    no earlier match covers. (A pattern led by `^` is tried at every byte of the file: 5x slower
    over the standard library.)"""
    position = _find(source, needle, 0)
    done = 0  # where the last match ended: finditer tries no position before it
    while position != -1:
        start = source.rfind(b"\n", 0, position) + 1
        if start >= done:
            match = pattern.match(source, start)
            if match is not None:
                yield match
                done = match.end()
        end = source.find(b"\n", position)
        position = -1 if end == -1 else _find(source, needle, max(end, done))


def has_word(source: bytes, word: bytes) -> bool:
    """Reports whether `word` (ASCII word characters) is a whole word of `source`, as
    `\\bword\\b` tells, found by the literal search that a pattern led by `\\b` loses."""
    position = source.find(word)
    while position != -1:
        end = position + len(word)
        if (position == 0 or source[position - 1] not in _WORD_BYTES) and \
                (end == len(source) or source[end] not in _WORD_BYTES):
            return True
        position = source.find(word, position + 1)
    return False


_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")  # bytes patterns' \w


def _find(source: bytes, needle: bytes | re.Pattern[bytes], start: int) -> int:
    if isinstance(needle, bytes):
        return source.find(needle, start)
    found = needle.search(source, start)
    return -1 if found is None else found.start()


@dataclass(frozen=True, slots=True)
class Needles:
    """What makes a file worth parsing and a function worth lowering now (see prefilter.needles)."""

    words: frozenset[str]
    literals: tuple[bytes, ...]
    patterns: frozenset[str] = frozenset()  # the qualified calls that acquire (`socket.socket`)

    @classmethod
    @functools.lru_cache(maxsize=8)  # once per run, not per package: every package of a run has the same needles
    def of(cls, needles: frozenset[bytes]) -> Needles:
        patterns = frozenset(n[1:].decode() for n in needles if n.startswith(b"="))
        literals = tuple(sorted(n for n in needles if not n.decode().isidentifier() and not n.startswith(b"=")))
        words = frozenset(n.decode() for n in needles if n not in literals and not n.startswith(b"="))
        return cls(words, literals, patterns)

    def call_words(self, modules: set[str], bindings: dict[str, str]) -> set[str]:
        """Returns the names whose mention can make a function acquire, in a file importing
        `modules` with these import `bindings`: the acquiring calls' own names (`create_connection`)
        and the aliases bound to them (`from socket import socket as S`); a module alias needs no
        word of its own (`s.socket()` names `socket`)."""
        words = {p.rpartition(".")[2] for p in self.patterns
                 if p.split(".", 1)[0] in modules or p.startswith("builtins.")}
        words.update(local for local, target in bindings.items() if local != target.rpartition(".")[2]
                     and target in self.patterns)
        return words

    def modules(self, source: bytes) -> set[str]:
        """Returns the acquiring modules (`socket`, `requests`) that a file imports, anywhere in it."""
        found: set[str] = set()
        dotted: list[bytes] = []  # the modules of `import a.b` statements, for drop-ins below
        for match in line_matches(source, b"import", _IMPORT):
            modules = [match.group(1)] if match.group(1) else match.group(2).split(b",")
            found.update(m.strip().split(b".")[0].split(b" ")[0].decode("ascii", "replace") for m in modules)
            if match.group(2) and b"." in match.group(2):
                dotted += [m.strip().split(b" ")[0] for m in modules]
        # Ex) socket = patcher.original('socket')   (a module loaded by name: names.py binds it so)
        found.update(m.group(1).decode("ascii", "replace") for m in line_matches(source, _LOADED_CALL, _LOADED)
                     if m.group(1) == m.group(2))
        if not _ALIAS_ROOTS.isdisjoint(found):
            # Ex) from gevent import socket   Ex) import gevent.socket   (a drop-in for a module: names.canonical)
            found.update(_aliased(f"{m.group(1).decode('ascii', 'replace')}.{name.decode('ascii', 'replace')}")
                         for m in _FROM_NAMES.finditer(source) for name in re.findall(rb"\w+", m.group(2)))
            found.update(_aliased(m.decode("ascii", "replace")) for m in dotted)
        return found & self.words

    def call_names(self, modules: frozenset[str]) -> frozenset[str]:
        """Returns the names of the acquiring calls of `modules` (`socket`: socket, accept, ...)."""
        return frozenset(p.rpartition(".")[2] for p in self.patterns if p.split(".", 1)[0] in modules)

    def within(self, source: bytes) -> Needles:
        """Returns these needles with only the literals `source` holds: a part of it holds no other
        (asked of every definition of a module, each literal would be looked for in each)."""
        return replace(self, literals=tuple(literal for literal in self.literals if literal in source))

    def literal_in(self, source: bytes) -> bool:
        return any(literal in source for literal in self.literals)

    def worth_parsing(self, source: bytes, module: str = "") -> set[str]:
        """Returns the acquiring modules a file (module `module`) imports when it also names one of
        their acquiring calls or holds a literal (`stream=True`, `open(`); else an empty set: nothing
        in it acquires (a file importing `os` only for `os.path` is not parsed). A drop-in module
        (gevent.socket) counts as importing the module it stands for, whose names it binds unseen."""
        modules = self.modules(source) | ({_aliased(module)} & self.words if module else set())
        # Ex) from socket import create_connection as dial
        if self.literal_in(source) or modules and any(has_word(source, name)
                                                      for name in _module_words(self, frozenset(modules))):
            return modules or {"builtins"}
        return set()


# The top-level packages of drop-in modules that stand for another top-level module (gevent for
# gevent.socket): a file importing none of them needs no second look at its imports.
_ALIAS_ROOTS = frozenset(alias.split(".")[0] for alias, target in MODULE_ALIASES.items()
                         if alias.split(".")[0] != target.split(".")[0])


def _aliased(module: str) -> str:
    """Returns the top-level module that `module` stands for when it is a drop-in for another
    (`gevent.socket` for `socket`), else ""."""
    target = canonical(module)
    return target.split(".", 1)[0] if target != module else ""


@functools.lru_cache(maxsize=256)
def _module_words(needles: Needles, modules: frozenset[str]) -> tuple[bytes, ...]:
    """Returns the acquiring call names of `modules` (`socket`: socket, accept, ...)."""
    return tuple(sorted({p.rpartition(".")[2].encode() for p in needles.patterns if p.split(".", 1)[0] in modules}))
