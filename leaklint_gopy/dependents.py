"""The Go files whose findings a change in some named files can cause: the files of the same
package directory that call a function declared there, directly or through each other.
Pre-commit names only the staged files; a helper changed there can leak in a caller that was not
staged.

It reads bytes only (declarations and calls by name), never parses. A file picked for nothing
costs time, not a wrong result: the project keeps only the findings whose `uses` reach a named
file. Callers in other packages are left to the CI gate (`--new-from-rev`), which analyses the
whole tree: following importers made a one-file run on containerd take 2 to 9 s instead of 0.3 s
(a helper package is imported by hundreds of files, and their own helpers by more). So are the
callers in test files of a package's own code (`_test.go`): they are followed only from a named
test file, whose functions nothing else can call. A package's tests call nearly all of it, so
following them made one staged file check the whole package: net/http/client.go had 41
dependents, 25 of them tests (a cold run took 1.7-2.2 s of CPU instead of 0.9-1.1 s, on a loaded
machine).

A pre-commit run (files named, no gate on changes) narrows this further, function by function
(`named_callers`): a function of a sibling is checked only when its own signature or body names
something a named file declares (a function, a method's receiver type, a type, a package-level
variable or constant), or a plain function so found, transitively (`OpenOSFile` calls `OpenFile`,
which calls a staged `openFile`). A method so found is not followed (its callers name its
receiver's type, which most of a package does), and a caller reaching a named file's method
through a receiver or field whose type it does not name (`d := reg.get(); d.drain(resp)`) is left
to the CI gate, as test callers are; the other functions lend their helpers like context.
net/http/client.go: 16 functions in 5 files instead of every function of 16 files.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from leaklint_gopy.frontends.go.regions import declaration_starts

_DECLARATION = re.compile(rb"(?m)^func\s*(?:\(\s*(?:\w+\s+)?\*?\s*(\w+)[^)]*\)\s*)?(\w+)")


@dataclass(slots=True)
class _Declared:
    """What one package directory declares in the files chosen so far: functions, and methods by
    receiver type."""

    functions: set[bytes] = field(default_factory=set)
    methods: dict[bytes, set[bytes]] = field(default_factory=dict)
    tests: bool = False  # a chosen file is a test file: test files may call it

    def add(self, data: bytes) -> None:
        for receiver, name in _DECLARATION.findall(data):
            if receiver:
                self.methods.setdefault(name, set()).add(receiver)
            else:
                self.functions.add(name)

    def called_in(self, names: _Names) -> bool:
        """Reports whether a file (its `names`) may call one of these functions (`F(`) or methods
        (`.M(` where the receiver type is named)."""
        if self.functions and not self.functions.isdisjoint(names.functions):
            return True
        called = self.methods.keys() & names.methods
        return bool(called) and any(not self.methods[method].isdisjoint(names.words()) for method in called)


class _Names:
    """What one sibling file calls, read once per call of dependents however many rounds ask: one
    pass over the file's words, whatever the number of declared names (an alternation of
    net/http's thousands of names took 0.4 s per one-file run); re-reading and re-scanning every
    sibling in every round was a tenth of a one-file run."""

    __slots__ = ("data", "functions", "methods", "_words")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.functions = frozenset(_FUNCTION_CALL.findall(data))
        self.methods = frozenset(_METHOD_CALL.findall(data))
        self._words: frozenset[bytes] | None = None

    def words(self) -> frozenset[bytes]:
        if self._words is None:
            self._words = frozenset(_WORD.findall(self.data))
        return self._words


_FUNCTION_CALL = re.compile(rb"(?<![\w.])(\w+)\(")
_METHOD_CALL = re.compile(rb"\.(\w+)\(")
_WORD = re.compile(rb"\w+")


def dependents(named: list[str]) -> list[str]:
    """Returns the Go files, not among `named`, of the package directories of named Go files that
    may call a function declared in a named file (transitively), as paths relative to the working
    directory when below it."""
    chosen = {os.path.abspath(p) for p in named if p.endswith(".go") and os.path.isfile(p)}
    declared: dict[str, _Declared] = {}
    listed: dict[str, list[str]] = {}
    read: dict[str, _Names] = {}
    frontier = set(chosen)
    while frontier:
        changed = set()
        for path in frontier:
            directory = os.path.dirname(path)
            if any(sibling not in chosen for sibling in _siblings(directory, listed)):  # else no caller is left to find
                declared.setdefault(directory, _Declared()).add(read[path].data if path in read else _read(path))
                declared[directory].tests |= path.endswith("_test.go")
                changed.add(directory)
        frontier = _callers(changed, declared, chosen, listed, read)
        chosen |= frontier
    start = {os.path.abspath(p) for p in named}
    return sorted(_display(path) for path in chosen - start)


def _callers(directories: set[str], declared: dict[str, _Declared], chosen: set[str],
             listed: dict[str, list[str]], read: dict[str, _Names]) -> set[str]:
    """Returns the files of `directories`, not yet `chosen`, that may call what those directories
    declare; test files only where a chosen file is one (see the module docstring). Each file is
    read and scanned once (`read`, by path)."""
    found = set()
    for directory in directories:
        for path in _siblings(directory, listed):
            if path in chosen or not (declared[directory].tests or not path.endswith("_test.go")):
                continue
            if path not in read:
                read[path] = _Names(_read(path))
            if declared[directory].called_in(read[path]):
                found.add(path)
    return found


def _siblings(directory: str, listed: dict[str, list[str]]) -> list[str]:
    """Returns the Go files of `directory` (listed once per call of dependents, in `listed`)."""
    if directory not in listed:
        try:
            entries = sorted(os.listdir(directory))
        except OSError:
            entries = []
        listed[directory] = [os.path.join(directory, name) for name in entries if name.endswith(".go")
                             and name[0] not in "._" and os.path.isfile(os.path.join(directory, name))]
    return listed[directory]


def _read(path: str) -> bytes:
    """Returns the bytes of a sibling Go file, or nothing when it is unreadable, no regular file or
    larger than the default --max-file-size (the driver reports such a file if it is analysed)."""
    from leaklint_gopy.filesystem import Unreadable, read_regular
    from leaklint_gopy.sources import MAX_FILE_BYTES

    try:
        return read_regular(path, MAX_FILE_BYTES)
    except Unreadable:
        return b""


def _display(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


_SINGLE = re.compile(rb"(?:type|var|const)[ \t]+(\w+(?:[ \t]*,[ \t]*\w+)*)")
_IN_BLOCK = re.compile(rb"(?m)^\t(\w+(?:[ \t]*,[ \t]*\w+)*)")
_NAMES = re.compile(rb"(?:(?<![\w.])|(?<=\.\.\.))\w+")  # not after a dot (`c.Get(` names no package-level Get), but `...T`
_COMMENT_LINE = re.compile(rb"(?m)^[ \t]*//.*\n")
_UNNAMED = frozenset({b"_", b"init"})


def named_callers(named: list[str]) -> dict[str, frozenset[str]]:
    """Returns, for each Go file of the package directories of named Go files (not itself named,
    test files only beside a named test file), the functions whose signature or body names
    something a named file of its directory declares: `Name`, or `Type.Name` for a method, by file
    path (relative to the working directory when below it); files with none are left out."""
    chosen = {os.path.abspath(p) for p in named if p.endswith(".go") and os.path.isfile(p)}
    declared: dict[str, set[bytes]] = {}
    tests: set[str] = set()
    for path in sorted(chosen):
        declared.setdefault(os.path.dirname(path), set()).update(_declarations(_read(path)))
        if path.endswith("_test.go"):
            tests.add(os.path.dirname(path))
    out = {}
    listed: dict[str, list[str]] = {}
    for directory, names in declared.items():
        callers = [path for path in _siblings(directory, listed)
                   if path not in chosen and (not path.endswith("_test.go") or directory in tests)]
        out.update(_callers_of(names - _UNNAMED, {path: _read(path) for path in callers}))
    return out


def _callers_of(names: set[bytes], texts: dict[str, bytes]) -> dict[str, frozenset[str]]:
    """Returns, by displayed path, the functions of `texts` naming one of `names`, or a plain
    function so found, transitively (`OpenOSFile` calls `OpenFile`, which calls a staged `openFile`);
    a method found is not followed: its callers name its receiver's type, which most of the package
    does."""
    found: dict[str, frozenset[str]] = {path: frozenset() for path in texts}
    functions = {path: _functions(text) for path, text in texts.items()}  # (cut once, asked every round)
    looked_for: set[bytes] = set()
    while names:  # each round looks for the plain functions the previous one found
        for path in texts:
            found[path] |= _naming(functions[path], names)
        looked_for |= names
        names = {name.encode() for functions in found.values() for name in functions if "." not in name} - looked_for
    return {_display(path): functions for path, functions in found.items() if functions}


def _declarations(data: bytes) -> set[bytes]:
    """Returns what a Go file declares at its top level: functions, methods' receiver types, types,
    variables and constants (those of a parenthesised block by its lines indented once)."""
    names = set()
    for kind, chunk in _chunks(data):
        if kind == b"func" and (declaration := _DECLARATION.match(chunk)):
            names.add(declaration.group(1) or declaration.group(2))
        if kind == b"func" or kind == b"import":
            continue
        head = chunk[len(kind):].lstrip()
        found = _IN_BLOCK.findall(chunk) if head.startswith(b"(") else [m.group(1) for m in [_SINGLE.match(chunk)] if m]
        names.update(name.strip() for group in found for name in group.split(b","))
    return names


@dataclass(slots=True)
class _Function:
    """A function of a sibling file: its name (`Name`, `Type.Name`), receiver type, the text after
    its name (its own name is no use of a staged one: `Header.Get`), and the words it names, read
    once when first asked (a round looks for new names in the same text)."""

    name: str
    receiver: bytes | None
    rest: bytes
    words: set[bytes] | None = None

    def names_any(self, names: set[bytes], few: bool) -> bool:
        """Reports whether the text names one of `names`, as a word not after a dot, outside comment
        lines (with `few` names, a substring search of each first: it rules most functions out)."""
        if self.words is None:
            if few and not any(name in self.rest for name in names):
                return False
            self.words = set(_NAMES.findall(_COMMENT_LINE.sub(b"", self.rest)))
        return not names.isdisjoint(self.words)


def _functions(data: bytes) -> list[_Function]:
    """Returns the functions of a Go file."""
    out = []
    for kind, chunk in _chunks(data):
        declaration = _DECLARATION.match(chunk) if kind == b"func" else None
        if declaration is not None:
            receiver, name = declaration.groups()
            out.append(_Function((receiver + b"." + name if receiver else name).decode(), receiver,
                                 chunk[declaration.end():]))
    return out


def _naming(functions: list[_Function], names: set[bytes]) -> frozenset[str]:
    """Returns the names of the `functions` whose text names one of `names`."""
    few = len(names) <= 64
    return frozenset(function.name for function in functions
                     if function.receiver in names or function.names_any(names, few))


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Returns the top-level declarations of a Go file (gofmt puts them at column 0) as (keyword,
    text), each cut after its last closing line (the next one's doc comment is no part of it)."""
    starts = [(at, kind) for at, kind in declaration_starts(data, raw_strings=True) if kind != b"package"]
    out = []
    for (start, kind), end in zip(starts, [s for s, _ in starts[1:]] + [len(data)]):
        close = data.rfind(b"\n)", start, end) if kind != b"func" else data.rfind(b"\n}", start, end)
        out.append((kind, data[start:close + 2 if close != -1 else end]))
    return out
