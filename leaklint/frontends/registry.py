"""Maps languages to their front-ends and derives each language's prefilter from the rule specs."""
from __future__ import annotations

import re
from functools import cache

from leaklint.spec import RuleSpec


@cache
def frontend(language: str):
    """Returns the front-end instance for `language` (imported lazily)."""
    if language == "go":
        from leaklint.frontends.go import GoFrontend

        return GoFrontend()
    from leaklint.frontends.python import PythonFrontend

    return PythonFrontend()


def needles(language: str, rules: list[RuleSpec]) -> frozenset[bytes]:
    """Returns the words one of which a function must mention to be worth lowering eagerly
    (the names of acquiring calls); helpers are lowered lazily when a summary needs them.

    For Python they also hold the top-level modules of the acquiring calls (`requests.get` is
    written with `requests`), and, for a method of an unknown receiver, a literal the call
    contains: its keyword argument (`stream=True`) or `.name(`. Non-word needles are literals.
    """
    words: set[str] = set()
    literals: set[str] = set()
    for spec in rules:
        if spec.language == language:
            words |= spec.needles()
            if language == "python":
                for clause in spec.acquire:
                    for pattern in clause.calls:
                        head, _, name = pattern.rpartition(".")
                        if head == "?":
                            literals.update([f"{k}={v}" for k, v in clause.kwargs] or [f".{name}("])
                        elif "*" not in pattern:
                            words.add(pattern.split(".", 1)[0])
    found = {w for w in words if re.fullmatch(r"\w+", w)} | literals
    return frozenset(w.encode() for w in found)


def markers(language: str, rules: list[RuleSpec]) -> frozenset[bytes]:
    """Returns byte strings one of which a package must contain to be parsed at all.

    For Go these are the quoted import paths of the acquiring calls (`"net/http"`); for Python the
    top-level module names (`socket`, `requests`), and for a method on a receiver of unknown type
    (`?.get` with `stream=True`, `?.accept`) its keyword argument as written or its name.
    """
    found: set[str] = set()
    for spec in rules:
        if spec.language != language:
            continue
        for clause in spec.acquire:
            for pattern in clause.calls:
                head = pattern.rsplit(".", 1)[0] if "." in pattern else pattern
                if head == "?" and language == "python":
                    found.update([f"{k}={v}" for k, v in clause.kwargs] or [pattern[2:]])
                if head.startswith("?") or "*" in head:
                    continue
                if language == "go":
                    found.add('"' + head.split(".")[0] + '"')
                else:
                    found.add(head.split(".")[0])
    return frozenset(m.encode() for m in found)


def is_candidate(language: str, data: bytes, found: frozenset[bytes]) -> bool:
    """Reports whether a file may hold an acquisition: for Go, one of the markers (quoted import
    paths) must appear in its import declarations, which Go places before any other declaration."""
    if language == "go":
        end = len(data)
        for keyword in (b"\nfunc ", b"\ntype ", b"\nvar ", b"\nconst "):
            position = data.find(keyword)
            if position != -1:
                end = min(end, position)
        data = data[:end]
    return any(marker in data for marker in found)
