"""The other packages of the analysed tree, as one package's analysis sees them: their sources
(bytes read by the driver, else read on demand), lowered on demand so that a helper of another
package (`xhttp.DrainBody(resp.Body)`) is summarised like one of the same package, the way
go/analysis passes facts along the import graph. It also gives each package's content digest, so a
cached result that used another package's summaries is reused only while that package is unchanged.

It lowers nothing until asked, never analyses, and never reports.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache

from leaklint_gopy.analysis import Summaries
from leaklint_gopy.filesystem import Unreadable, read_regular
from leaklint_gopy.ir import LoweredFile


@dataclass(slots=True)
class TreeSources:
    """Go packages of the tree by import path: their (path, bytes) members, or paths to read when
    the driver did not read them (unchanged packages answered by the stat index)."""

    members: dict[str, list[tuple[str, bytes]]]
    paths: dict[str, list[str]] = field(default_factory=dict)
    exports: dict[str, frozenset[str]] = field(default_factory=dict)  # names that may return a resource
    summaries: Summaries = field(default_factory=Summaries)  # of their functions, for every package's analysis
    _params: dict[str, dict[str, tuple[bytes, int] | list[str]]] = field(default_factory=dict)
    _returning: dict[str, frozenset[str]] = field(default_factory=dict)
    _lowered: dict[str, list[LoweredFile]] = field(default_factory=dict)
    _digests: dict[str, str] = field(default_factory=dict)
    max_file_bytes: int = 8 * 1024 * 1024  # larger files are left out, as the driver leaves them out
    dependencies: object | None = None  # a frontends.go.modules.Dependencies: packages from vendor/ or the module cache
    signatures: dict[str, object] = field(default_factory=dict)  # the front-end's reading of each package's signatures
    programs: object | None = None  # the front-end's programs reaping every child (frontends/go/reaping.py)
    _consulted: set[str] = field(default_factory=set)
    # owner's answers (and the package a miss consults) while the packages known (members and
    # paths, which only grow) stay as many: Dependencies answers the same question the same way
    _owners: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    _owners_known: tuple[int, int] = (0, 0)

    def owner(self, qualname: str) -> str | None:
        """Returns the package of the tree, or of a dependency whose sources are on this machine, that
        declares `qualname` (`pkg.F` or `pkg.T.M`), if any (asked tens of thousands of times a run,
        mostly of the same names: answered again from memory while no package was added since)."""
        self._forget_owners_if_grown()
        answer = self._owners.get(qualname)
        if answer is None:
            answer = self._owner(qualname)
            self._forget_owners_if_grown()  # (_owner may have registered a dependency's package)
            self._owners[qualname] = answer
        found, consulted = answer
        if consulted is not None:
            self._consulted.add(consulted)
        return found

    def _forget_owners_if_grown(self) -> None:
        """Forgets owner's answers when packages were added since they were given."""
        known = (len(self.members), len(self.paths))
        if known != self._owners_known:
            self._owners.clear()
            self._owners_known = known

    def _owner(self, qualname: str) -> tuple[str | None, str | None]:
        """Returns owner's answer, and for none the package of the tree it names, if any."""
        keys = (qualname.rsplit(".", 1)[0], qualname.rsplit(".", 2)[0])
        for key in keys:
            if key in self.members or key in self.paths:
                return key, None
        found = next((key for key in keys if self._dependency(key)), None)
        if found is None and self.dependencies is not None:
            # Ex) b.Done(f) with example.com/g8/b not written yet: the package is watched as having no
            # files, so its importer's stored result is checked again once it has some (`pkg.F` or
            # `pkg.T.M`: the key whose last path element has no dot)
            key = next((key for key in keys if "." not in key.rpartition("/")[2]), None)
            if key is not None and self.dependencies.owns(key):
                return None, key
        return found, None

    def _dependency(self, key: str) -> bool:
        """Registers the files of dependency package `key` (Ex: github.com/BurntSushi/toml from vendor/
        or the module cache) and reports whether there are any."""
        files = self.dependencies.files(key) if self.dependencies is not None else []
        if files:
            self.paths[key] = files
        return bool(files)

    def borrows(self, qualname: str, index: int, readers_only: bool = False) -> bool:
        """Reports whether parameter `index` of `qualname`, of another package, has a type that
        cannot close what it is given (`io.Reader`, `[]byte`, `...any`), as its signature says:
        such a call borrows, whatever the body does, and the package need not be loaded.
        `readers_only` asks about the io interfaces alone (a function taking `any` may assert)."""
        key = self.owner(qualname)
        if key is None:
            return False
        if key not in self._params:
            self._params[key] = _parameter_types(self.sources(key))
        found, name = self._params[key], qualname[len(key) + 1:]
        types = found.get(name)
        if isinstance(types, tuple):
            types = found[name] = _split_parameters(*types)  # read once, where first asked
        if types is None or not types:
            return False
        kind = types[index] if index < len(types) else types[-1] if types[-1].startswith("...") else None
        return kind is not None and bool((_READERS if readers_only else _BORROWING).fullmatch(kind.strip()))

    def may_return(self, qualname: str) -> bool:
        """Reports whether `qualname`, of another package, may return a resource: its signature's
        results name one (`func FileConn(f *os.File) (c Conn, err error)`), or it is an export the
        prefilter learned (see GoPrefilter.learn_exports). Read from the sources alone, so the answer
        does not depend on which packages this process happened to load before."""
        key = self.owner(qualname)
        if key is None:
            return False
        if qualname.rsplit(".", 1)[-1] in self.exports.get(key, ()):
            return True
        if key not in self._returning:
            self._returning[key] = _resource_results(self.sources(key))
        return qualname[len(key) + 1:] in self._returning[key]

    def lowered(self, key: str, tree_packages: dict[str, str]) -> list[LoweredFile]:
        """Returns package `key` lowered as context: every function registered to be lowered when a
        summary needs it. Done once per process."""
        if key not in self._lowered:
            from leaklint_gopy.frontends import registry

            self._lowered[key] = []  # recursion guard
            files = self.sources(key)
            if files:
                lowered = registry.frontend("go").lower_package(key, files, tree_packages, frozenset(), frozenset(), self)
                for item in lowered:  # each helper is lowered once per process, whichever package asks
                    item.lazy = {qualname: _Once(thunk) for qualname, thunk in item.lazy.items()}
                self._lowered[key] = lowered
        return self._lowered[key]

    def sources(self, key: str) -> list[tuple[str, bytes]]:
        """Returns the (path, bytes) of package `key`, reading the files the driver did not read."""
        if key not in self.members:
            found = []
            if key not in self.paths:
                self._dependency(key)  # Ex) a warm run checking a dependency's digest
            for path in self.paths.get(key, ()):
                try:
                    found.append((path, read_regular(path, self.max_file_bytes)))
                except Unreadable:
                    continue
            self.members[key] = found
        return self.members[key]

    def files(self, key: str) -> list[str]:
        """Returns the paths of the files of package `key` (of the tree, or a dependency's once read)."""
        return list(self.paths[key]) if key in self.paths else [path for path, _ in self.members.get(key, ())]

    def declaring(self, qualname: str) -> str | None:
        """Returns the package declaring `qualname` (as `owner`) when the front-end reads its signatures
        to type a call's result (`h := connection.NewHTTP2Connection(c)`), and records it as consulted:
        a result typed so depends on that package."""
        key = self.owner(qualname)
        if key is not None:
            self._consulted.add(key)
        return key

    def consult(self, keys) -> None:
        """Records packages whose sources decided how the analysed one is lowered (see consulted)."""
        self._consulted.update(keys)

    def consulted(self) -> set[str]:
        """Returns the packages whose signatures typed a call, or that otherwise decided how the
        analysed package is lowered, since the last call (see declaring, consult)."""
        taken, self._consulted = self._consulted, set()
        return taken

    def digest(self, key: str) -> str:
        """Returns the content digest of package `key` (paths and bytes of its files)."""
        if key not in self._digests:
            digest = hashlib.sha256()
            for path, data in sorted(self.sources(key)):
                digest.update(f"{path}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
                digest.update(data)
            self._digests[key] = digest.hexdigest()[:32]
        return self._digests[key]


class _Once:
    """A thunk that runs once and then gives its first result (a raise is not remembered: it runs
    again), as functools.cache would, without copying the thunk's attributes onto a wrapper: a
    package lent as context registers thousands (syscall: 4,288, a tenth of its lowering)."""

    __slots__ = ("_thunk", "_result")

    def __init__(self, thunk) -> None:
        self._thunk = thunk

    def __call__(self):
        if self._thunk is not None:
            self._result = self._thunk()
            self._thunk = None
        return self._result


# Parameter types that cannot release what they are given (no Close in their method set): a
# function receiving a resource through one only borrows it.
_READERS = re.compile(r"(?:\.\.\.)?io\.(?:Reader|Writer|ReaderAt|WriterAt|ReadSeeker|ReadWriter|ByteReader|"
                      r"ByteScanner|RuneReader|StringWriter|WriterTo|ReaderFrom|Seeker)")
_BORROWING = re.compile(r"(?:\.\.\.)?(?:io\.(?:Reader|Writer|ReaderAt|WriterAt|ReadSeeker|ReadWriter|ByteReader|"
                        r"ByteScanner|RuneReader|StringWriter|WriterTo|ReaderFrom|Seeker)|context\.Context|error|"
                        r"string|bool|u?int(?:8|16|32|64)?|float(?:32|64)|byte|rune|\[\][\w.*]+|any|interface\{\}|"
                        r"func\(.*)")
_BRACKETS = re.compile(rb"[()\[\]{}]")
_SEPARATORS = re.compile(rb"[()\[\]{},]")
_FUNC = re.compile(rb"\nfunc (?:\(\s*\w*\s*\*?\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*)?(\w+)(?:\[[^\]\n]*\])?\(")


def _parameter_types(files: list[tuple[str, bytes]]) -> dict[str, tuple[bytes, int]]:
    """Returns, for each function (`F`) and method (`T.M`) of a package, where its parameter list
    opens (the file's bytes, the position after the parenthesis; the last declaration of a name):
    _split_parameters reads their types there when a call asks (reading every function's cost
    more than the rest of the answer)."""
    found: dict[str, tuple[bytes, int]] = {}
    for _, data in files:
        for match in _FUNC.finditer(data):
            name = match.group(2).decode()
            if match.group(1):
                name = f"{match.group(1).decode()}.{name}"
            found[name] = (data, match.end())
    return found


# A result list naming a resource type (what the Go prefilter looks for in signatures).
_RESOURCE_RESULT = re.compile(rb"(?:Response|Conn|Listener|Closer|File|Rows|Stmt|Tx|DB|Pool|Cmd|Process|plugin\.Client)\b")


def _resource_results(files: list[tuple[str, bytes]]) -> frozenset[str]:
    """Returns the functions (`F`) and methods (`T.M`) of a package whose results name a resource type."""
    found = set()
    for _, data in files:
        for match in _FUNC.finditer(data):
            end = _closing(data, match.end())
            line_end = data.find(b"\n", end)
            results = data[end:line_end if line_end != -1 else len(data)].split(b"{", 1)[0]
            if _RESOURCE_RESULT.search(results):
                name = match.group(2).decode()
                found.add(f"{match.group(1).decode()}.{name}" if match.group(1) else name)
    return frozenset(found)


def _closing(data: bytes, start: int) -> int:
    """Returns the position after the bracket that closes the list opening before `start`."""
    depth = 1
    for match in _BRACKETS.finditer(data, start):  # bracket to bracket: a byte-by-byte loop cost more than the rest
        depth += 1 if data[match.start()] in b"([{" else -1
        if not depth:
            return match.end()
    return max(start, len(data))


def _split_parameters(data: bytes, start: int) -> list[str]:
    """Returns the parameter types of the list opening before `start` (grouped names share a type)."""
    depth, position, segments, begin = 1, max(start, len(data)), [], start
    for match in _SEPARATORS.finditer(data, start):
        char = data[match.start()]
        if char in b"([{":
            depth += 1
        elif char in b")]}":
            depth -= 1
            if not depth:
                position = match.end()
                break
        elif depth == 1:  # a comma
            segments.append(data[begin:match.start()])
            begin = match.end()
    segments.append(data[begin:position - 1])
    parts = [" ".join(s.decode("utf-8", "replace").split()) for s in segments]
    parts = [p for p in parts if p]
    if not any(" " in p for p in parts):
        return parts  # Ex) func(int, string): types only
    types: list[str] = []
    following = ""
    for part in reversed(parts):
        name, _, kind = part.partition(" ")
        following = kind or following
        types.append(following)
    return list(reversed(types))


@dataclass(slots=True)
class ModuleSources:
    """The Python modules of the tree, keyed by file as the driver names Python packages: found
    through the front-end's module map (`modules`, frontends.python.tree.TreeModules), each lowered
    on demand as context so that a helper, factory or base class imported from another module is
    summarised like one of the same module."""

    modules: object
    summaries: Summaries = field(default_factory=Summaries)
    _names: dict[str, str] = field(default_factory=dict)  # file -> dotted module name
    _lowered: dict[str, list[LoweredFile]] = field(default_factory=dict)
    _digests: dict[str, str] = field(default_factory=dict)
    _owners: dict[str, str | None] = field(default_factory=dict)  # qualname -> owner(qualname)

    def owner(self, qualname: str) -> str | None:
        """Returns the file of the tree module that defines `qualname` (`pkg.mod.f`, `pkg.mod.C.m`),
        once per name (the analysis asks at every call it meets)."""
        if qualname in self._owners:
            return self._owners[qualname]
        split = self.modules.split(qualname)
        path = self.modules.path(split[0]) if split is not None else None
        if split is not None:
            self._names[path] = split[0]
        self._owners[qualname] = path
        return path

    def borrows(self, qualname: str, index: int, readers_only: bool = False) -> bool:
        return False  # Python signatures say nothing about what a parameter can do

    def may_return(self, qualname: str) -> bool:
        """Reports whether tree function `qualname` of another module may return a value."""
        key = self.owner(qualname)
        return key is not None and self.modules.may_return(qualname) \
            and all(qualname not in item.plain for item in self.lowered(key, {}))

    def lowered(self, key: str, tree_packages: dict[str, str]) -> list[LoweredFile]:
        """Returns module `key` lowered as context (every function lazily), once per process."""
        if key not in self._lowered:
            from leaklint_gopy.frontends import registry

            self._lowered[key] = []  # recursion guard
            parsed = self.modules.parsed(self._names.get(key, ""))
            if parsed is not None:
                item = registry.frontend("python").lower_context(key, *parsed)
                item.lazy = {qualname: cache(thunk) for qualname, thunk in item.lazy.items()}
                self._lowered[key] = [item]
        return self._lowered[key]

    def consulted(self) -> set[str]:
        """Returns the files the front-end read for names since the last call (their changes matter too)."""
        return self.modules.take_consulted()

    def files(self, key: str) -> list[str]:
        """Returns the paths of module `key`: the file itself."""
        return [key]

    def digest(self, key: str) -> str:
        """Returns the content digest of module file `key`."""
        if key not in self._digests:
            digest = hashlib.sha256(key.encode() + b"\0")
            try:
                with open(key, "rb") as handle:
                    digest.update(handle.read())
            except OSError:
                digest.update(b"\0unreadable")
            self._digests[key] = digest.hexdigest()[:32]
        return self._digests[key]
