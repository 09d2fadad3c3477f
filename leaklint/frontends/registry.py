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


def go_calls(rules: list[RuleSpec]) -> tuple[frozenset[bytes], dict[bytes, frozenset[bytes]]]:
    """Returns what a Go file must contain to be able to acquire: the package functions as written
    with their default import name (`os.Open(`), and, by quoted import path, the methods of that
    package's types (`"net/http"` -> `.Do(`); methods of any receiver (`?.RoundTrip`) go under b""."""
    functions: set[bytes] = set()
    methods: dict[bytes, set[bytes]] = {}
    for spec in rules:
        if spec.language != "go":
            continue
        for clause in spec.acquire:
            for pattern in clause.calls:
                head, _, name = pattern.rpartition(".")
                if not re.fullmatch(r"\w+", name):
                    continue
                if head == "?":
                    methods.setdefault(b"", set()).add(f".{name}(".encode())
                    continue
                path, _, owner = head.rpartition(".") if "/" not in head.rpartition(".")[2] else ("", "", "")
                if owner[:1].isupper():
                    methods.setdefault(f'"{path}"'.encode(), set()).add(f".{name}(".encode())
                else:
                    functions.add(f"{head.rsplit('/', 1)[-1]}.{name}(".encode())
            for result_type in clause.result_types:
                # Ex) a tree interface declared to return *os.File: it imports "os", calls `.Open(`
                path = f'"{result_type.rpartition(".")[0]}"'.encode()
                methods.setdefault(path, set()).update(f".{word}(".encode() for word in spec.needles())
    return frozenset(functions), {key: frozenset(value) for key, value in methods.items()}


def is_candidate(language: str, files: list[bytes], found: frozenset[bytes],
                 calls: tuple[frozenset[bytes], dict[bytes, frozenset[bytes]]] | None = None) -> bool:
    """Reports whether a package may hold an acquisition. Python: a file mentions a marker. Go: a
    file calls an acquiring package function (`os.Open(`), or a file imports a package (in its
    import declarations, which Go places first) and a file calls one of that package's acquiring
    methods (`.Do(`)."""
    if language != "go":
        return any(marker in data for data in files for marker in found)
    assert calls is not None, "Go packages are tested with go_calls()"
    imports = b"\n".join(import_section(data) for data in files)
    functions, methods = calls
    if any(call in data for data in files for call in functions):
        return True
    return any((not path or path in imports) and any(m in data for data in files for m in names)
               for path, names in methods.items())


def import_section(data: bytes) -> bytes:
    """Returns the head of a Go file up to its first declaration: its package clause and imports."""
    end = len(data)
    for keyword in (b"\nfunc ", b"\ntype ", b"\nvar ", b"\nconst "):
        position = data.find(keyword)
        if position != -1:
            end = min(end, position)
    return data[:end]
