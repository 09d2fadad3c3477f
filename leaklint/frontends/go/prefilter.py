"""Which Go packages are worth analysing, decided from their bytes alone, and which acquiring names
each package can call: both derived from the rule specs. Also the import section of a file, which
the front-end and the cache key read too."""
from __future__ import annotations

import re

from leaklint.frontends.words import alternation
from leaklint.spec import RuleSpec


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
