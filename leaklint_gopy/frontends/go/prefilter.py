"""Which Go packages are worth analysing, decided from their bytes alone, and which acquiring names
each package can call: both derived from the rule specs. Also the import section of a file, which
the front-end and the cache key read too."""
from __future__ import annotations

import re

from leaklint_gopy.frontends.go.regions import after_lists, declares_resource_channel
from leaklint_gopy.frontends.words import alternation
from leaklint_gopy.spec import RuleSpec


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
            foreign = _foreign_methods(spec) if spec.language == "go" else frozenset()
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
                    # (not `.File(`, which LL103 names as a method of package net's sockets)
                    methods.setdefault(result_type.rpartition(".")[0], set()).update(spec.needles() - foreign)
        self.calls = frozenset(f"{path.rsplit('/', 1)[-1]}.{name}(".encode()
                               for path, names in functions.items() for name in names)
        by_path: dict[str, set[str]] = {}
        for path, found in [*functions.items(), *methods.items()]:
            by_path.setdefault(path, set()).update(found)
        self.names = {path: frozenset(n.encode() for n in found) for path, found in by_path.items()}
        self.methods = {f'"{path}"'.encode() if path else b"": re.compile(alternation(f".{n}(".encode() for n in names))
                        for path, names in methods.items()}
        self._calls = _QualifiedCalls(self.calls)

    def learn_exports(self, sources: dict[str, list[bytes]]) -> dict[str, frozenset[str]]:
        """Adds, for each package of the tree, its exported functions that may return a resource (their
        result types name one) as acquisitions of that package, so that a package calling only
        `netutil.Dial(` of another package of the tree is analysed, and `Dial` is found in it.
        Returns those names by package."""
        exports: dict[str, frozenset[str]] = {}
        # (each `os.Open(` of self.calls holds its `.Open(`, a name of self.names: the dotted names find them all,
        # without an alternation led by package names, which the regex engine tries at every lowercase letter)
        acquiring = re.compile(alternation(f".{n.decode()}(".encode() for names in self.names.values() for n in names))
        for key, files in sources.items():
            names = {name for name in _returning(files, acquiring) if name[:1].isupper()}
            # Ex) type connector interface { Connect() (net.Conn, error) }   (whoever implements it)
            names |= {m.group(1).decode() for data in files for m in _INTERFACE_METHOD.finditer(data)
                      if _RESOURCE.search(_results_of(m.group(), m.end(1) - m.start()))}
            # Ex) getWorkConnFn GetWorkConnFn   (a field holding a function declared to return one)
            names |= _function_fields(files)
            if names:
                exports[key] = frozenset(names)
                quoted = f'"{key}"'.encode()
                found = set(self.names.get(key, ())) | {n.encode() for n in names}
                self.names[key] = frozenset(found)
                self.methods[quoted] = re.compile(alternation(f".{n}(".encode() for n in sorted(names)))
        return exports

    def candidate(self, files: list[bytes], key: str = "") -> bool:
        """Reports whether package `key` (its files' bytes) may acquire: it calls an acquiring function
        or method of a package it imports, or a wrapper it declares itself (see learn_exports)."""
        if any(self._calls.search(data) for data in files):
            return True
        if any(b"<-" in data for data in files) and any(declares_resource_channel(data) for data in files):
            return True  # Ex) c := <-conns   (conns <-chan net.Conn: a receive acquires)
        imports = b"\n".join(import_section(data) for data in files)
        own = f'"{key}"'.encode()
        return any((not path or path == own or path in imports) and any(names.search(data) for data in files)
                   for path, names in self.methods.items())

    def needles(self, key: str, files: list[bytes]) -> frozenset[bytes]:
        """Returns the names of the acquiring calls the package can make: those of the packages it
        imports, of any receiver, and its own (`Open` within package os)."""
        imports = b"\n".join(import_section(data) for data in files)
        return frozenset().union(*(names for path, names in self.names.items()
                                   if not path or path == key or f'"{path}"'.encode() in imports))


def _foreign_methods(spec: RuleSpec) -> frozenset[str]:
    """Returns the names a rule acquires only as methods of types of packages none of its result
    types is in (LL103's `File` of net.TCPListener): no tree interface returning the result type
    is looked for by them."""
    typed = {result_type.rpartition(".")[0] for clause in spec.acquire for result_type in clause.result_types}
    owners: dict[str, set[str]] = {}
    for clause in spec.acquire:
        for pattern in clause.calls:
            head, _, name = pattern.rpartition(".")
            path, _, owner = head.rpartition(".")
            owners.setdefault(name, set()).add(path if owner[:1].isupper() and "/" not in owner else "*")
    return frozenset(name for name, paths in owners.items() if "*" not in paths and not paths & typed)


class _QualifiedCalls:
    """Finds any of `calls` (`os.Open(`) by its `.Open(`, then the package name written before it:
    as one alternation led by the package names, the search tried every lowercase letter of every
    file, and cost 15 times as much."""

    def __init__(self, calls: frozenset[bytes]) -> None:
        self._packages: dict[bytes, set[bytes]] = {}
        for call in calls:
            package, _, name = call[:-1].rpartition(b".")
            self._packages.setdefault(name, set()).add(package)
        self._pattern = re.compile(rb"\.(" + alternation(self._packages) + rb")\(")

    def search(self, data: bytes) -> bool:
        for match in self._pattern.finditer(data):
            dot = match.start()
            if any(dot >= len(package) and data[dot - len(package):dot] == package
                   for package in self._packages[match.group(1)]):
                return True
        return False


_FIRST_DECLARATION = re.compile(rb"\n(?:func|type|var|const) ")
# The resource types a signature may name (go-plugin's client by its package: a bare `Client` is
# mostly an HTTP or RPC client holding nothing).
_RESOURCE = re.compile(rb"(?:Response|Conn|Listener|Closer|File|Rows|Stmt|Tx|DB|Pool|plugin\.Client)\b")
# A function's exported name (a method's too).
_NAMED = re.compile(rb"\nfunc (?:\([^)]*\) )?([A-Za-z_]\w*)")
_INTERFACE_METHOD = re.compile(rb"\n\t([A-Za-z]\w*)\([^\n]*\)[ \t]*\(?[^\n=:{]*(?:Response|Conn|Listener|Closer|File|Rows|Stmt)\b[^\n]*")
_FUNCTION_TYPE = re.compile(rb"\ntype ([A-Za-z]\w*) func(\()[^\n]*")
_FUNCTION_FIELD = re.compile(rb"\n\t([A-Za-z]\w*)[ \t]+func(\()[^\n]*")


def _returning(files: list[bytes], acquiring: re.Pattern[bytes]) -> set[str]:
    """Returns the functions and methods of a package whose results name a resource and whose body
    makes an acquiring call, or calls such a function of the package (nomad's CreateExecutor returns
    what newExecutorClient launched), to a fixed point."""
    bodies = [(m.group(1).decode(), data, end, _body_end(data, end)) for data in files for start, end in _signatures(data)
              if (m := _NAMED.match(data, start, end)) and _RESOURCE.search(_results_of(data[start:end], m.end() - start))]
    # (a body found acquiring stays so: each later round asks only the others about the names found since)
    names = {name for name, data, start, end in bodies if acquiring.search(data, start, end)}
    new = names
    while new:
        calls = re.compile(rb"\b(?:" + b"|".join(sorted(n.encode() for n in names)) + rb")\(")
        new = {name for name, data, start, end in bodies if name not in names and calls.search(data, start, end)}
        names |= new
    return names


def _signatures(data: bytes) -> list[tuple[int, int]]:
    """Returns where each function signature naming a resource type starts (its `\\nfunc `) and
    ends (the end of the line naming it), the type searched up to the body's brace (the parameters
    may spread over lines). (`\\nfunc [^{]*?Conn...` tried every resource name at every byte of
    every signature, and cost twice as much.)"""
    spans = []
    start = data.find(b"\nfunc ")
    while start != -1:
        brace = data.find(b"{", start)
        found = _RESOURCE.search(data, start + 6, len(data) if brace == -1 else brace)
        if found is None:
            start = data.find(b"\nfunc ", start + 1)
            continue
        end = data.find(b"\n", found.end())
        end = len(data) if end == -1 else end
        spans.append((start, end))
        start = data.find(b"\nfunc ", end)
    return spans


def _function_fields(files: list[bytes]) -> set[str]:
    """Returns the struct fields of a package that hold a function declared to return a resource:
    of a function type written inline (`dial func() (net.Conn, error)`) or declared by the package
    (`type GetWorkConnFn func() (net.Conn, error)`)."""
    # (both patterns need ` func(` or a tab before it: a file without either is not read line by line)
    typing = [data for data in files if b" func(" in data or b"\tfunc(" in data]
    kinds = {m.group(1) for data in typing for m in _FUNCTION_TYPE.finditer(data)
             if _RESOURCE.search(_results_of(m.group(), m.start(2) - m.start()))}
    names = {m.group(1).decode() for data in typing for m in _FUNCTION_FIELD.finditer(data)
             if _RESOURCE.search(_results_of(m.group(), m.start(2) - m.start()))}
    if kinds:
        typed = re.compile(rb"\n\t([A-Za-z]\w*)[ \t]+\*?(?:" + b"|".join(sorted(kinds)) + rb")[ \t]*(?:\n|//)")
        names |= {m.group(1).decode() for data in files for m in typed.finditer(data)}
    return names


def _body_end(data: bytes, start: int) -> int:
    """Returns where the function whose signature ends at `start` ends (its closing `}` line)."""
    end = data.find(b"\n}", start)
    return len(data) if end == -1 else end


def _results_of(line: bytes, position: int) -> bytes:
    """Returns what follows the type and value parameter lists of a signature line: its results."""
    return line[after_lists(line, position, len(line)):]


def import_section(data: bytes) -> bytes:
    """Returns the head of a Go file up to its first declaration: its package clause and imports."""
    first = _FIRST_DECLARATION.search(data)
    return data[:first.start()] if first else data
