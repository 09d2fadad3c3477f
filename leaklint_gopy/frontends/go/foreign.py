"""The result types of another package's functions and methods, read from their signature lines
(never parsed, never lowered): a call of one types its result, so that a method called on it is
that package's method and its summary applies (`h := connection.NewHTTP2Connection(c)`, then
`h.Serve(ctx)` is `connection.HTTP2Connection.Serve`, which closes `c`).

It knows only what a signature writes; it never reads a body or reports.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from leaklint_gopy.frontends.go.prefilter import import_section
from leaklint_gopy.frontends.go.regions import after_lists

# Ex) func NewH2(conn net.Conn) *H2 {   Ex) func (c *Client[T]) Dial(ctx context.Context) (net.Conn, error) {
_FUNC = re.compile(rb"\nfunc (?:\(\s*\w*\s*\*?\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*)?(\w+)(?:\[[^\]\n]*\])?\(")
# Ex) import "net"   Ex) (in an import block) 	h2 "golang.org/x/net/http2"
_IMPORT = re.compile(rb'(?m)^[ \t]*(?:import[ \t]+)?(?:(\w+)[ \t]+)?"([^"\n]+)"')
_NAMED = re.compile(r"\*?(?:(\w+)\.)?(\w+)(?:\[.*\])?")
_PREDECLARED = frozenset({"error", "string", "bool", "byte", "rune", "any", "uintptr", "int", "int8", "int16", "int32",
                          "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "complex64",
                          "complex128"})
# Ex) type File interface {   Ex) (in a type block) 	Conn interface {   (matched at a line's start)
_INTERFACE = re.compile(rb"(?:type[ \t]+|\t)(\w+)(?:\[[^\]\n]*\])?[ \t]+interface\b")


@dataclass(frozen=True, slots=True)
class Signatures:
    """Written results by function (`F`) or method (`T.M`), with the imports of the file declaring
    it, and the package's interface types."""

    results: Mapping[str, tuple[tuple[str, ...], dict[str, str]]]
    interfaces: frozenset[str]


class _Written(Mapping):
    """Results by function or method as `Signatures.results` gives them, each read from its signature
    line when first asked for: a call asks about a few functions of a package, and reading them
    all cost two thirds of reading a package's signatures."""

    __slots__ = ("_at", "_read")

    def __init__(self, at: dict[str, tuple[bytes, int, dict[str, str]]]) -> None:
        self._at = at  # name -> (its file's bytes, where its parameter list opens + 1, the file's imports)
        self._read: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {}

    def __getitem__(self, name: str) -> tuple[tuple[str, ...], dict[str, str]]:
        if name not in self._read:
            data, end, imports = self._at[name]
            start = after_lists(data, end - 1, len(data))  # Ex) parameters over several lines
            line_end = data.find(b"\n", start)
            line_end = len(data) if line_end == -1 else line_end
            self._read[name] = (_results(data[start:line_end].decode("utf-8", "replace")), imports)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def read_signatures(files: list[tuple[str, bytes]], package_name) -> Signatures:
    """Returns the results of each function and method of a package as written (`*H2`, `net.Conn`),
    with its file's imports by the name they are used under (`package_name` names an unaliased one)."""
    found: dict[str, tuple[bytes, int, dict[str, str]]] = {}
    interfaces: set[str] = set()
    for path, data in files:
        if path.endswith("_test.go"):
            continue
        interfaces.update(_interfaces(data))
        imports = file_imports(data, package_name)
        for match in _FUNC.finditer(data):
            name = match.group(2).decode()
            if match.group(1):
                name = f"{match.group(1).decode()}.{name}"
            found.setdefault(name, (data, match.end(), imports))  # the first declaration of a name
    return Signatures(_Written(found), frozenset(interfaces))


def _interfaces(data: bytes) -> set[str]:
    """Returns the interface types a file declares. (Found from each `interface` back to its line's
    start: as one multiline pattern, the regex tried every tab-indented line of every file, 24 times
    the cost over the Go standard library.)"""
    found, at = set(), data.find(b"interface")
    while at != -1:
        declared = _INTERFACE.match(data, data.rfind(b"\n", 0, at) + 1)
        if declared is not None and declared.end() == at + len(b"interface"):
            found.add(declared.group(1).decode())
        at = data.find(b"interface", at + len(b"interface"))
    return found


def file_imports(data: bytes, package_name) -> dict[str, str]:
    """Returns a file's imports by the name they are used under (`package_name` names an unaliased one)."""
    return {(alias or b"").decode() or package_name(target.decode()): target.decode()
            for alias, target in _IMPORT.findall(import_section(data))}


def _results(written: str) -> tuple[str, ...]:
    """Returns the result types of what follows a parameter list on its line (`(c Conn, err error) {`)."""
    written = written.split("{", 1)[0].strip() if not written.lstrip().startswith("interface") else ""
    if not written.startswith("("):
        return (written,) if written else ()
    parts, depth, begin = [], 0, 1
    for index, char in enumerate(written):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth == 0:
                parts.append(written[begin:index])
                break
        elif char == "," and depth == 1:
            parts.append(written[begin:index])
            begin = index + 1
    parts = [" ".join(part.split()) for part in parts if part.strip()]
    if not any(" " in part and not part.startswith(("func", "chan", "<-", "map", "struct", "interface"))
               for part in parts):
        return tuple(parts)
    types, following = [], ""
    for part in reversed(parts):  # Ex) (a, b net.Conn, err error): named, a group shares its type
        _, _, kind = part.partition(" ")
        following = kind or following
        types.append(following)
    return tuple(reversed(types))


def named_type(written: str, key: str, imports: dict[str, str], resolve) -> str:
    """Returns the named type a written result denotes (`*H2` -> `key.H2`, `net.Conn` -> `net.Conn`,
    with `resolve` mapping an import path to its tree package), or "" for any other type."""
    match = _NAMED.fullmatch(written.strip())
    if match is None:
        return ""
    qualifier, name = match.groups()
    if qualifier is None:
        return "" if name in _PREDECLARED else f"{key}.{name}"
    path = imports.get(qualifier)
    return f"{resolve(path)}.{name}" if path is not None else ""
