"""Which Python files are worth analysing, decided from their bytes alone, and which names make a
function worth lowering eagerly: both derived from the rule specs."""
from __future__ import annotations

import re

from leaklint_gopy.frontends.python.needles import Needles
from leaklint_gopy.spec import RuleSpec


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
                    elif head == "builtins":
                        found.add(pattern[len("builtins."):] + "(")  # Ex) open(path)
                    elif not head.startswith("?") and "*" not in head:
                        found.add(head.split(".")[0])
        self.markers = frozenset(m.encode() for m in found)
        # One pass over a file for all the markers, not a search of the whole file for each marker it
        # lacks (the parent process asks this of every file of the run: 4x faster over the stdlib)
        self._marked = re.compile(b"|".join(re.escape(m) for m in sorted(self.markers)) or b"(?!)")
        self._needles = needles(rules)
        self._acquirers = None

    def learn_tree(self, modules) -> None:
        """Takes the run's modules (tree.TreeModules): a file importing one of them may call its
        acquiring functions (see acquirers.py) without naming any marker."""
        self._acquirers = modules.acquirers(Needles.of(self._needles))

    def candidate(self, files: list[bytes], key: str = "") -> bool:
        if any(self._marked.search(data) is not None for data in files):
            return True
        # Ex) from .net import dial   (decided in the worker, which reads the module imported)
        return self._acquirers is not None and any(self._acquirers.imports_tree(data, key) for data in files)

    def needles(self, key: str, files: list[bytes]) -> frozenset[bytes]:
        return self._needles


def needles(rules: list[RuleSpec]) -> frozenset[bytes]:
    """Returns what tells which functions are worth lowering eagerly (helpers are lowered lazily
    when a summary needs them), in three forms the front-end reads (frontend.Needles):

    - words: the names of acquiring calls and their top-level modules (`requests.get` is written
      with `requests`);
    - literals (not identifiers): for a method of an unknown receiver or a call acquiring only with
      a keyword argument, the argument as written (`stream=True`) or `.name(`; for a builtin, `name(`;
    - `=pattern`: the qualified acquiring calls that need no keyword argument (`=socket.socket`).
    """
    words: set[str] = set()
    literals: set[str] = set()
    for spec in rules:
        if spec.language == "python":
            words |= spec.needles()
            for clause in spec.acquire:
                for pattern in clause.calls:
                    literals |= _pattern_needles(pattern, clause.kwargs, words)
    found = {w for w in words if re.fullmatch(r"\w+", w)} | literals
    return frozenset(w.encode() for w in found)


def _pattern_needles(pattern: str, kwargs: tuple[tuple[str, str], ...], words: set[str]) -> set[str]:
    """Returns the literal and `=pattern` needles of one acquiring pattern; adds its module to `words`."""
    head, _, name = pattern.rpartition(".")
    keywords = {f"{k}={v}" for k, v in kwargs}
    if head == "?":
        return keywords or {f".{name}("}
    if "*" in pattern:
        return set()
    words.add(pattern.split(".", 1)[0])
    if head == "builtins":
        return keywords or {f"{name}(", f"={pattern}"}
    return keywords or {f"={pattern}"}
