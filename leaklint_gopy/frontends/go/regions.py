"""Which parts of a Go file are worth parsing.

Over half the bytes of the Go files that mention an acquisition are functions that cannot acquire,
close or type a resource, and constant or variable tables. The file is cut at its top-level
declarations (gofmt puts them at column 0), and tree-sitter parses only the included byte ranges,
keeping every position absolute:

- the package clause, imports and type declarations: always;
- a function that calls an acquisition or a wrapper, or names a closer or a resource type
  (`Close`, `Conn`): whole;
- any other function: its signature with an empty body, so its result types stay known; its
  body is parsed on its own only if a summary needs it (a helper the resource is passed to);
- variables: when they mention a relevant word or are short; constants: never.

Code that is not gofmt-shaped makes the ranged parse fail, and the caller then parses it whole.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Iterator

from leaklint_gopy.frontends.words import Calls, Words
from leaklint_gopy.frozen import fast_init

_DECLARATION = re.compile(rb"\n(func|type|var|const|import|package)\b")
# Comments, strings and runes, so that a backtick inside one opens no raw string
_TOKENS = re.compile(rb"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|`[^`]*`", re.DOTALL)
_FUNCTION_NAME = re.compile(rb"func\s*(?:(\()[^)]*\)\s*)?(\w+)")
_RESOURCE_RESULT = re.compile(rb"Response|Conn|Listener|Closer|File|Rows|Stmt|\binterface\b|\bany\b")
_STRUCT_NAME = re.compile(rb"(?m)^(?:type\s+|\t)(\w+)(?:\[[^\]\n]*\])?\s+struct\b")
SHORT_VARIABLES = 512
# Ex) const debug = false   Ex) (in a const block) 	verbose bool = true
_BOOLEAN_CONSTANT = re.compile(rb"(?m)^(?:const[ \t]+|\t)(\w+)(?:[ \t]+bool)?[ \t]*=[ \t]*(true|false)[ \t]*(?://.*)?$")


@fast_init
@dataclass(frozen=True, slots=True)
class Chunk:
    kind: bytes  # func, type, var, const, import, package, or b"" for the head before them
    start: int
    end: int
    name: bytes = b""
    named_at: int = -1  # the offset of a function's name
    method: bool = False
    body: int = -1  # a function's body `{`, and its closing `}`; -1 when not found (one-liners)
    close: int = -1


@dataclass(slots=True)
class File:
    """A file cut at its declarations, with where it calls an acquisition or wrapper: everywhere, or
    for a file lending only context (`searched` set), only where find_calls and plan ask, until a
    question about the whole file completes it."""

    source: bytes
    chunks: list[Chunk]
    calls: list[int] = field(default_factory=list)  # offsets, sorted
    searched: list[tuple[int, int]] | None = None  # the only ranges searched so far; None: the whole file
    recorded: list[Calls | None] = field(default_factory=list)  # (of a partly searched file: None, its receives)

    def record(self, calls: Calls | None) -> None:
        """Adds the offsets where the file calls `calls` (a declaration `func Open(` is no call), or
        with None, where it receives from a channel (`<-ch`)."""
        if self.searched is not None:
            self.recorded.append(calls)
        if calls is None:
            found = [m.start() for start, end in self.searched or [(0, len(self.source))]
                     for m in _RECEIVE.finditer(self.source, start, end)]
            self.calls = sorted(self.calls + found)
            return
        declared = {chunk.named_at for chunk in self.chunks}
        found = calls.starts(self.source) if self.searched is None else calls.starts_within(self.source, self.searched)
        self.calls = sorted(self.calls + [at for at in found if at not in declared])

    def complete(self) -> None:
        """Searches the rest of a partly searched file for what was recorded in its searched ranges."""
        if self.searched is not None:
            recorded, self.searched, self.calls = self.recorded, None, []
            for calls in recorded:
                self.record(calls)

    def functions(self) -> list[Chunk]:
        return [chunk for chunk in self.chunks if chunk.kind == b"func" and chunk.name]


@dataclass(slots=True)
class Plan:
    """The byte ranges of a file to parse; the functions parsed without body (start -> end), and
    those that call an acquisition or a wrapper (by start)."""

    ranges: list[tuple[int, int]]
    elided: dict[int, int]
    calling: frozenset[int] | None  # None: unknown (a whole-file parse), search the bodies


def declaration_starts(source: bytes, raw_strings: bool = False) -> list[tuple[int, bytes]]:
    """Returns the offset and keyword of each top-level declaration (a keyword at column 0); with
    `raw_strings`, not those inside a raw string (Go source a test or generator embeds: `func inner()
    {` at column 0). cut does not ask it: 102 of the Go stdlib's 5,564 files would be cut otherwise,
    for 0.5 s more over all of them; a ranged parse that fails there is redone whole anyway."""
    starts = [(m.start() + 1, m.group(1)) for m in _DECLARATION.finditer(source)]
    first = re.match(rb"(func|type|var|const|import|package)\b", source)
    if first:
        starts.insert(0, (0, first.group(1)))
    if raw_strings and _between_backticks(source):  # (a cheap test first: the tokens only then)
        raw = [(m.start(), m.end()) for m in _TOKENS.finditer(source) if m.group().startswith(b"`")]
        ends = [end for _, end in raw]
        starts = [(at, kind) for at, kind in starts
                  if (i := bisect_left(ends, at)) == len(raw) or not raw[i][0] < at]
    return starts


def _between_backticks(source: bytes) -> bool:
    """Reports whether a column-0 keyword lies between two backticks: a raw string can hold one
    only then. (The same answer as a search for a backtick, a keyword line and a backtick with no
    backtick between, since every place between the first and last backtick lies between two
    consecutive ones; that search backtracked through every raw string: 0.06 s on h2_bundle.go.)"""
    first = source.find(b"`")
    return first != -1 and _DECLARATION.search(source, first, source.rfind(b"`")) is not None


def cut(source: bytes) -> File:
    """Returns the file cut at each top-level declaration, with the head before the first one."""
    starts = declaration_starts(source)
    found = [Chunk(b"", 0, starts[0][0] if starts else len(source))]
    for (start, kind), end in zip(starts, [s for s, _ in starts[1:]] + [len(source)]):
        if kind != b"func":
            found.append(Chunk(kind, start, end))
            continue
        name = _FUNCTION_NAME.match(source, start, end)
        body, close = _body(source, start, end)
        found.append(Chunk(kind, start, end, name.group(2) if name else b"", name.start(2) if name else -1,
                           bool(name and name.group(1)), body, close))
    return File(source, found)


def _body(source: bytes, start: int, end: int) -> tuple[int, int]:
    """Returns the offsets of a function's body braces: the `{` ending the signature's last line and
    the `}` opening the chunk's last closing line; (-1, -1) for a one-liner or a body-less stub."""
    close = source.rfind(b"\n}", start, end)
    line_end = source.find(b"{\n", start, end)
    if close == -1 or line_end == -1 or line_end > close:
        return -1, -1
    return line_end, close + 1


def find_calls(files: list[File], calls: Calls, rounds: int = 3, everywhere: frozenset[int] = frozenset(),
               context: frozenset[int] = frozenset()) -> Calls:
    """Records where each file calls `calls` or a wrapper of them, and returns `calls` plus the
    wrappers: the package's functions that may return a resource and call one (and their callers
    up to `rounds` levels). The files at the indexes `everywhere` (a dot import's) may call any name
    unqualified. Of the files at the indexes `context` (lending only context to a run on others),
    only the functions that may return a resource and the long variable blocks (see plan) are
    searched at first (File.searched). With no names (a package lowered only as context) nothing is
    called, so nothing wraps a call either: no file is searched."""
    if not calls.names:
        for file in files:
            file.calls = []
        return calls
    holding = _holding_types(files)
    functions = [(chunk, file) for file in files for chunk in file.functions()]
    returning: dict[int, bool] = {}  # (by index in `functions`: a function's signature is read once, not each round)
    if context:
        _search_partly(files, context, functions, returning, holding)
    unqualified = calls.everywhere()
    for index, file in enumerate(files):
        file.calls = []
        file.record(unqualified if index in everywhere else calls)
    if _carries_resources(files, holding):
        for file in files:
            # Ex) resp := <-pw.responseC   (a receive of a resource is an acquisition: see ExpressionLowerer._receive)
            file.record(None)
    for _ in range(rounds):
        new = {chunk.name for index, (chunk, file) in enumerate(functions)
               if chunk.name not in calls.names and _within(file.calls, chunk)
               and _returning(returning, index, file.source, chunk, holding)}
        if not new:
            break
        calls, found = calls.extended(new), Calls(new, new)
        for file in files:
            if any(name + b"(" in file.source or name + b"[" in file.source for name in new):
                file.record(found)
    return calls


def _search_partly(files: list[File], context: frozenset[int], functions: list[tuple[Chunk, File]],
                   returning: dict[int, bool], holding: re.Pattern | None) -> None:
    """Marks the files at the indexes `context` as searched only in the ranges find_calls and plan
    ask about: functions that may return a resource (a wrapper's candidates) and long variable blocks."""
    wanted: dict[int, list[tuple[int, int]]] = {id(files[index]): [] for index in context}
    for index, (chunk, file) in enumerate(functions):
        if id(file) in wanted and _returning(returning, index, file.source, chunk, holding):
            wanted[id(file)].append((chunk.start, chunk.end))
    for index in context:
        file = files[index]
        file.searched = _merged(sorted(wanted[id(file)] + [(chunk.start, chunk.end) for chunk in file.chunks
                                                         if chunk.kind == b"var" and _long(chunk)]))
        file.recorded = []


def _long(chunk: Chunk) -> bool:
    return chunk.end - chunk.start > SHORT_VARIABLES


def _returning(known: dict[int, bool], index: int, source: bytes, chunk: Chunk, holding: re.Pattern | None) -> bool:
    """Returns _may_return of a function, remembered in `known` under its `index`."""
    found = known.get(index)
    if found is None:
        found = known[index] = _may_return(source, chunk, holding)
    return found


def _may_return(source: bytes, chunk: Chunk, holding: re.Pattern | None) -> bool:
    """Reports whether a function may return a resource: its signature and its results name one."""
    signature = source[chunk.start:chunk.body if chunk.body != -1 else chunk.end]
    return _returns_resource(signature, holding) and _returns_resource(_results(source, chunk), holding)


def _holding_types(files: list[File]) -> re.Pattern | None:
    """Returns a pattern of the package's struct types whose declaration names a resource type
    (`type server struct{ ln net.Listener }`): a function returning one may return a resource."""
    names: set[bytes] = set()
    for file in files:
        for chunk in file.chunks:  # (searched in place: a chunk starts a line, and no copy of its bytes is made)
            if chunk.kind == b"type" and _RESOURCE_RESULT.search(file.source, chunk.start, chunk.end):
                names.update(_STRUCT_NAME.findall(file.source, chunk.start, chunk.end))
    return re.compile(rb"\b(?:" + b"|".join(sorted(names)) + rb")\b") if names else None


# A channel type and its element's name (`chan *http.Response`, `<-chan response`), and a receive
# (`<-ch`, not the type `<-chan T` nor a send `ch <- v`).
_CHANNEL = re.compile(rb"chan\s+\*?(?:\w+\.)?(\w+)")  # at a word's start (see _channel_elements)
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_RESOURCE_ELEMENT = re.compile(rb"Response|Conn|Listener|File|Rows|Stmt|Tx")
_RECEIVE = re.compile(rb"<-(?!chan\b)[\w(]")


def _channel_elements(source: bytes) -> Iterator[bytes]:
    """Yields the element type names of the channel types `source` writes (`chan *http.Response` ->
    Response). (A word boundary checked by hand: led by `\\b`, the pattern lost the regex engine's
    literal search and cost 17 times as much.)"""
    found = _CHANNEL.search(source)
    while found is not None:
        start = found.start()
        if start == 0 or source[start - 1] not in _WORD:
            yield found.group(1)
            found = _CHANNEL.search(source, found.end())
        else:
            found = _CHANNEL.search(source, start + len(b"chan"))


def declares_resource_channel(source: bytes) -> bool:
    """Reports whether `source` declares a channel of a resource type (`conns <-chan net.Conn`):
    receives from it may acquire (the prefilter's question, before the package's own types are known)."""
    return b"chan" in source and any(_RESOURCE_ELEMENT.search(element) for element in _channel_elements(source))


def _carries_resources(files: list[File], holding: re.Pattern | None) -> bool:
    """Reports whether the package declares a channel of a resource type, or of one of its own
    struct types that names one: then its receives may acquire."""
    return any(_RESOURCE_ELEMENT.search(element) or holding is not None and holding.fullmatch(element)
               for file in files if b"chan" in file.source for element in _channel_elements(file.source))


def _returns_resource(results: bytes, holding: re.Pattern | None) -> bool:
    return bool(_RESOURCE_RESULT.search(results) or holding is not None and holding.search(results))


def _results(source: bytes, chunk: Chunk) -> bytes:
    """Returns the text of a function's result types: what follows its parameter list."""
    position = chunk.named_at + len(chunk.name)
    end = chunk.body if chunk.body != -1 else source.find(b"\n", position, chunk.end)
    return source[after_lists(source, position, end):end]


_LISTS = ((b"[", re.compile(rb"[\[\]]")), (b"(", re.compile(rb"[()]")))  # type parameters, then parameters


def after_lists(source: bytes, position: int, end: int) -> int:
    """Returns the position after the type parameter and parameter lists that open at `position`
    (either may be absent), read no further than `end`; from bracket to bracket, not byte by byte."""
    for opening, brackets in _LISTS:
        if source[position:position + 1] != opening:
            continue
        depth = 0
        for match in brackets.finditer(source, position, max(position, end)):
            depth += 1 if source[match.start()] == opening[0] else -1
            if depth == 0:
                position = match.end()
                break
        else:
            position = max(position, end)  # Ex) a list still open at `end`
    return position


def _within(offsets: list[int], chunk: Chunk) -> bool:
    index = bisect_left(offsets, chunk.start)
    return index < len(offsets) and offsets[index] < chunk.end


def plan(file: File, context: Words, bodies: bool = True, names: frozenset[bytes] | None = None) -> Plan | None:
    """Returns what to parse of a file, or None when nothing in it can acquire, close or type a resource.
    Without `bodies` (a file lending only context), every function body is left to on-demand parsing;
    with `names`, the bodies of functions of other names (a file of which only some functions are
    checked: a pre-commit run's callers)."""
    if bodies:
        file.complete()
        mentions = sorted(file.calls + context.starts(file.source))
        if not mentions:
            return None

        def mentioned(chunk: Chunk) -> bool:
            return _within(mentions, chunk)
    else:
        # (no body is parsed whatever it mentions: only whether the file mentions anything, and what
        # a long variable block does, are asked; a search answers those without finding every word)
        if not file.calls and not context.search(file.source):
            file.complete()  # (a call outside the ranges searched yet would still make it worth parsing)
            if not file.calls:
                return None

        def mentioned(chunk: Chunk) -> bool:
            return _within(file.calls, chunk) or context.within(file.source, chunk.start, chunk.end)
    ranges: list[tuple[int, int]] = []
    elided: dict[int, int] = {}
    for chunk in file.chunks:
        if chunk.kind == b"func" and chunk.body != -1 and not (bodies and mentioned(chunk)
                                                               and (names is None or chunk.name in names)):
            ranges += [(chunk.start, chunk.body + 1), (chunk.close, chunk.end)]
            elided[chunk.start] = chunk.end
        elif chunk.kind == b"const" or (chunk.kind == b"var" and _long(chunk) and not mentioned(chunk)):
            continue
        else:
            ranges.append((chunk.start, chunk.end))
    calling = frozenset(chunk.start for chunk in file.chunks if chunk.kind == b"func" and _within(file.calls, chunk))
    return Plan(_merged(ranges), elided, calling)


def boolean_constants(file: File) -> dict[str, bool]:
    """Returns the file's top-level boolean constants declared with a literal (`const debug = false`):
    constants are never parsed (see plan), but a condition naming one is decided in the source."""
    found: dict[str, bool] = {}
    for chunk in file.chunks:
        # a block naming neither literal (Ex: a syscall table) cannot match: not searched line by line
        if chunk.kind == b"const" and (file.source.find(b"true", chunk.start, chunk.end) != -1
                                      or file.source.find(b"false", chunk.start, chunk.end) != -1):
            for name, value in _BOOLEAN_CONSTANT.findall(file.source, chunk.start, chunk.end):
                found[name.decode()] = value == b"true"
    return found


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def points(source: bytes, ranges: list[tuple[int, int]],
           known: tuple[int, int] = (0, 0)) -> list[tuple[tuple[int, int], tuple[int, int], int, int]]:
    """Returns each range with its start and end (row, byte column), as tree-sitter's Range wants;
    rows are counted from `known` (an offset at or before the first range, and its row): a function
    parsed again on its own counts from its own start, not from the file's (once per function, that
    read each file again up to each of its functions)."""
    out = []
    offset, row = known  # `row` is the row of `offset`
    for start, end in ranges:
        row += source.count(b"\n", offset, start)
        start_point = (row, start - source.rfind(b"\n", 0, start) - 1)
        row += source.count(b"\n", start, end)
        offset = end
        out.append((start_point, (row, end - source.rfind(b"\n", 0, end) - 1), start, end))
    return out

