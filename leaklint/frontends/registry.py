"""Maps languages to their front-ends and derives each language's prefilter from the rule specs."""
from __future__ import annotations

import re
from functools import cache

from leaklint.frontends.words import alternation
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


def prefilter(language: str, rules: list[RuleSpec]) -> GoPrefilter | PythonPrefilter:
    """Returns what decides, from the bytes alone, whether a package of `language` is analysed."""
    if language == "go":
        return GoPrefilter(rules)
    return PythonPrefilter(rules)


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
        self._needles = needles("python", rules)

    def candidate(self, files: list[bytes]) -> bool:
        return any(marker in data for data in files for marker in self.markers)

    def needles(self, key: str, files: list[bytes]) -> frozenset[bytes]:
        return self._needles


class GoPrefilter:
    """A Go package is analysed when a file calls an acquiring package function as written with its
    default import name (`os.Open(`), or a file imports a package (in its import declarations,
    which Go places first) and a file calls one of that package's acquiring methods (`.Do(`).

    Within it, only the names of acquisitions whose package it imports (or is) are worth finding:
    `Do` in a package that never imports "net/http" is `sync.Once.Do`.
    """

    def __init__(self, rules: list[RuleSpec]) -> None:
        functions: dict[str, set[str]] = {}
        methods: dict[str, set[str]] = {}  # by import path; "" for methods of any receiver (`?.RoundTrip`)
        for spec in rules:
            for clause in spec.acquire if spec.language == "go" else ():
                for pattern in clause.calls:
                    head, _, name = pattern.rpartition(".")
                    if not re.fullmatch(r"\w+", name):
                        continue
                    if head == "?":
                        methods.setdefault("", set()).add(name)
                        continue
                    path, _, owner = head.rpartition(".") if "/" not in head.rpartition(".")[2] else ("", "", "")
                    if owner[:1].isupper():
                        methods.setdefault(path, set()).add(name)
                    else:
                        functions.setdefault(head, set()).add(name)
                for result_type in clause.result_types:
                    # Ex) a tree interface declared to return *os.File: it imports "os", calls `.Open(`
                    methods.setdefault(result_type.rpartition(".")[0], set()).update(spec.needles())
        self.calls = frozenset(f"{path.rsplit('/', 1)[-1]}.{name}(".encode()
                               for path, names in functions.items() for name in names)
        by_path: dict[str, set[str]] = {}
        for path, found in [*functions.items(), *methods.items()]:
            by_path.setdefault(path, set()).update(found)
        self.names = {path: frozenset(n.encode() for n in found) for path, found in by_path.items()}
        self.methods = {f'"{path}"'.encode() if path else b"": re.compile(alternation(f".{n}(".encode() for n in names))
                        for path, names in methods.items()}
        self._calls = re.compile(alternation(self.calls))

    def candidate(self, files: list[bytes]) -> bool:
        if any(self._calls.search(data) for data in files):
            return True
        imports = b"\n".join(import_section(data) for data in files)
        return any((not path or path in imports) and any(names.search(data) for data in files)
                   for path, names in self.methods.items())

    def needles(self, key: str, files: list[bytes]) -> frozenset[bytes]:
        """Returns the names of the acquiring calls the package can make: those of the packages it
        imports, of any receiver, and its own (`Open` within package os)."""
        imports = b"\n".join(import_section(data) for data in files)
        return frozenset().union(*(names for path, names in self.names.items()
                                   if not path or path == key or f'"{path}"'.encode() in imports))


_FIRST_DECLARATION = re.compile(rb"\n(?:func|type|var|const) ")


def import_section(data: bytes) -> bytes:
    """Returns the head of a Go file up to its first declaration: its package clause and imports."""
    first = _FIRST_DECLARATION.search(data)
    return data[:first.start()] if first else data
