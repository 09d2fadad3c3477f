"""Which Python files are worth analysing, decided from their bytes alone, and which names make a
function worth lowering eagerly: both derived from the rule specs."""
from __future__ import annotations

import re

from leaklint.spec import RuleSpec


class PythonPrefilter:
    """A Python file is analysed when it mentions a marker: the top-level module of an acquiring call
    (`socket`, `requests`), or for a method on a receiver of unknown type (`?.get` with
    `stream=True`, `?.accept`) its keyword argument as written or its name."""

    def __init__(self, rules: list[RuleSpec]) -> None:
        found: set[str] = set()
        for spec in rules:
            for clause in spec.acquire if spec.language == "python" else ():
                for pattern in clause.calls:
                    head = pattern.rsplit(".", 1)[0] if "." in pattern else pattern
                    if head == "?":
                        found.update([f"{k}={v}" for k, v in clause.kwargs] or [pattern[2:]])
                    elif not head.startswith("?") and "*" not in head:
                        found.add(head.split(".")[0])
        self.markers = frozenset(m.encode() for m in found)
        self._needles = needles(rules)

    def candidate(self, files: list[bytes], key: str = "") -> bool:
        return any(marker in data for data in files for marker in self.markers)

    def needles(self, key: str, files: list[bytes]) -> frozenset[bytes]:
        return self._needles


def needles(rules: list[RuleSpec]) -> frozenset[bytes]:
    """Returns the words one of which a function must mention to be worth lowering eagerly
    (the names of acquiring calls); helpers are lowered lazily when a summary needs them.

    They also hold the top-level modules of the acquiring calls (`requests.get` is written with
    `requests`), and, for a method of an unknown receiver, a literal the call contains: its
    keyword argument (`stream=True`) or `.name(`. Non-word needles are literals.
    """
    words: set[str] = set()
    literals: set[str] = set()
    for spec in rules:
        if spec.language == "python":
            words |= spec.needles()
            for clause in spec.acquire:
                for pattern in clause.calls:
                    head, _, name = pattern.rpartition(".")
                    if head == "?":
                        literals.update([f"{k}={v}" for k, v in clause.kwargs] or [f".{name}("])
                    elif "*" not in pattern:
                        words.add(pattern.split(".", 1)[0])
    found = {w for w in words if re.fullmatch(r"\w+", w)} | literals
    return frozenset(w.encode() for w in found)
