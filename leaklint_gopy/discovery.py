"""Finds the source files a run analyses: walks directories, honours excludes and .gitignore,
and names each file's language and package: for Python the file; for Go its directory's import
path (the module path from the nearest go.mod plus the directory below it, or the directory's
own path when no go.mod claims it), so a package is named the same from any working directory
and a directory called `http` is never taken for net/http.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

from leaklint_gopy.filesystem import Missing, Unreadable, kind, read_head, read_regular
from leaklint_gopy.finding import FileError
from leaklint_gopy.frozen import fast_init

LANGUAGES = {".go": "go", ".py": "python", ".pyi": None}
SKIPPED_DIRS = frozenset({"vendor", "testdata", "node_modules", "__pycache__", "site-packages"})


def is_test_file(path: str) -> bool:
    """Reports whether `path` (relative to the project root) is test code: a Go `_test.go` file, a
    Python `test_*.py`, `*_test.py` or `conftest.py`, or any file under a `tests/` directory."""
    name = os.path.basename(path)
    if name.endswith("_test.go") or name == "conftest.py":
        return True
    if name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
        return True
    return "tests" in os.path.normpath(os.path.dirname(path)).split(os.sep)


@fast_init  # (a warm run on a 20,000-file tree makes one per file from the stored walk)
@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    language: str
    package: str


@dataclass(slots=True)
class Watch:
    """What one walk's answer depends on, for discovery_cache: the directories it listed, the
    .gitignore and go.mod files in them it could read, and what git answered when asked which
    ignored files it tracks ({walked top: those files}); `volatile` when it met a symbolic link to
    a source file (what such a link points to can change without any listing changing)."""

    directories: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    tracked: dict[str, list[str]] = field(default_factory=dict)
    volatile: bool = False


def discover(paths: list[str], exclude: tuple[str, ...] = (), force_exclude: bool = False,
             respect_gitignore: bool = True, watch: Watch | None = None) -> tuple[list[SourceFile], list[FileError]]:
    """Returns the source files under `paths` (sorted, unique) and an error for each missing path;
    records in `watch` what the walk read."""
    excluded = ignore_spec(exclude)[0] if exclude else None
    remember_modules({})  # go.mod files are read afresh each run
    found: dict[str, SourceFile] = {}
    errors: list[FileError] = []
    packages: dict[str, str] = {}  # a Go directory's import path, looked up once per directory
    for given in paths:
        if not os.path.exists(given):
            errors.append(FileError(given, "no such file or directory"))
            continue
        if not os.path.isdir(given):
            if not os.path.isfile(given):  # Ex) a FIFO named on the command line
                errors.append(FileError(given, _not_regular(given)))
                continue
            if force_exclude and excluded is not None and excluded.match_file(_relative(given)):
                continue
            source = _source(given)
            if source is not None:
                found[source.path] = source
            continue
        for path, directory, language in _walk(_canonical(given), excluded, respect_gitignore, errors, watch):
            if language == "go":
                if directory not in packages:
                    packages[directory] = go_package(directory)
                found[path] = SourceFile(path, language, packages[directory])
            elif language is not None:
                found[path] = SourceFile(path, language, path.replace(os.sep, "/"))
    return _unique_packages([found[key] for key in sorted(found)]), errors


def _not_regular(path: str) -> str:
    try:
        return f"not a regular file ({kind(os.stat(path).st_mode)}), not read"
    except OSError as exc:  # Ex) it vanished meanwhile
        return f"cannot read file: {exc.strerror or exc}"


def _unique_packages(files: list[SourceFile]) -> list[SourceFile]:
    """Names by their directory the Go packages of directories that claim the same import path
    (two modules declaring one module path)."""
    claims: dict[str, set[str]] = {}
    for f in files:
        if f.language == "go":
            claims.setdefault(f.package, set()).add(os.path.dirname(f.path))
    clashing = {package for package, directories in claims.items() if len(directories) > 1}
    if not clashing:
        return files
    return [replace(f, package=(os.path.dirname(f.path) or ".").replace(os.sep, "/"))
            if f.language == "go" and f.package in clashing else f for f in files]


def go_package(directory: str) -> str:
    """Returns the import path of the Go package in `directory` (see the module docstring)."""
    absolute = os.path.abspath(directory)
    module = _module(absolute)
    if module is None:
        return (directory or ".").replace(os.sep, "/")
    root, name = module
    below = os.path.relpath(absolute, root).replace(os.sep, "/")
    if below == ".":
        return name
    return below if name == "std" else f"{name}/{below}"  # the Go tree's own module: paths are bare


_GO_MOD_BYTES = 65536
_IGNORE_BYTES = 8 * 1024 * 1024
_MODULE = re.compile(r'(?m)^\s*module\s+"?([^\s"/]+[^\s"]*)"?')
_GO_DIRECTIVE = re.compile(rb"(?m)^\s*go\s+(\d+)\.(\d+)")


def go_version(directory: str) -> tuple[int, int] | None:
    """Returns the `go` version of the module holding `directory` (its go.mod's go directive), or
    None when no go.mod claims it or it names none."""
    module = _module(os.path.abspath(directory))
    if module is None:
        return None
    try:
        match = _GO_DIRECTIVE.search(read_head(os.path.join(module[0], "go.mod"), _GO_MOD_BYTES))
    except Unreadable:
        return None
    return (int(match.group(1)), int(match.group(2))) if match else None


def module_root(directory: str) -> str | None:
    """Returns the directory of the go.mod that claims `directory`, if any."""
    module = _module(os.path.abspath(directory))
    return module[0] if module is not None else None


def modules_of(files: list[SourceFile]) -> dict[str, tuple[str, str] | None]:
    """Returns _module's answer for the directory of each Go file of `files`, by absolute path."""
    directories = {os.path.abspath(os.path.dirname(f.path)) for f in files if f.language == "go"}
    return {directory: _module(directory) for directory in sorted(directories)}


def remember_modules(answers: dict[str, tuple[str, str] | None]) -> None:
    """Forgets the go.mod files read so far and makes _module give `answers` (modules_of's, for a stored
    walk found still valid: see discovery_cache) without reading any: the go.mod files and directories
    they came from are those the walk watched."""
    _module.cache_clear()
    _REMEMBERED.clear()
    _REMEMBERED.update(answers)


_REMEMBERED: dict[str, tuple[str, str] | None] = {}


@cache
def _module(directory: str) -> tuple[str, str] | None:
    """Returns (directory, module path) of the nearest go.mod at or above `directory` naming a module."""
    if directory in _REMEMBERED:  # Ex) a warm run: 2,708 Go directories' go.mod not opened again
        return _REMEMBERED[directory]
    try:
        match = _MODULE.search(read_head(os.path.join(directory, "go.mod"), _GO_MOD_BYTES).decode("utf-8", "replace"))
        if match:
            return directory, match.group(1)
    except Unreadable:
        pass
    parent = os.path.dirname(directory)
    return None if parent == directory else _module(parent)


class _Tracked:
    """The files git tracks although an ignore pattern matches them, asked of git once, on the first
    match: such files are analysed (git never ignores a tracked file), and so are their directories."""

    def __init__(self, top: str) -> None:
        self.top, self.files, self.directories = top, None, None

    def _load(self) -> None:
        from leaklint_gopy.gitdiff import tracked_ignored

        self.files = tracked_ignored(self.top)
        self.directories = {parent for path in self.files for parent in _parents(path)}

    def has(self, path: str) -> bool:
        if self.files is None:
            self._load()
        return os.path.abspath(path) in self.files

    def holds(self, directory: str) -> bool:
        if self.directories is None:
            self._load()
        return os.path.abspath(directory) in self.directories


def _parents(path: str):
    parent = os.path.dirname(path)
    while parent and parent != path:
        yield parent
        path, parent = parent, os.path.dirname(parent)


def _walk(top: str, excluded, respect_gitignore: bool, errors: list[FileError], watch: Watch | None = None):
    """Yields (path, its directory, language) for the source files below `top`, directory by
    directory as os.walk goes (sorted, each directory's files before its subdirectories'; symbolic
    links to directories are not followed); a directory that cannot be listed, a broken .gitignore
    and a symbolic link to a file outside `top` become `errors`. An ignored directory is pruned, not
    walked; a directory is listed once (os.scandir, no stat per file) and its path relative to each
    applying .gitignore computed once; a file's extension is read once, and its path joined only
    where an ignore pattern or a symbolic link needs it (a warm run on 25,000 files spent a fifth
    of its discovery in splitext and join)."""
    tracked = _Tracked(top)
    inside = os.path.realpath(top)
    pending: list[tuple[str, tuple[tuple[str, _Patterns], ...]]] = [(top, ())]
    while pending:
        directory, ignores = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            errors.append(FileError(os.path.normpath(error.filename or directory),
                                    f"cannot read directory: {error.strerror or error}"))
            continue
        if watch is not None:
            watch.directories.append(directory)
            watch.files.extend(os.path.join(directory, entry.name) for entry in entries
                               if entry.name in ("go.mod", ".gitignore"))
        # (a directory listing no .gitignore has none: not opened, one failed stat per directory less)
        if respect_gitignore and any(entry.name == ".gitignore" for entry in entries) \
                and (patterns := _gitignore(directory, errors)) is not None:
            ignores = (*ignores, (directory, patterns))
        below = [(_below(directory, base), patterns) for base, patterns in ignores]
        shown = _prefix(_relative(directory)) if excluded is not None else ""
        plain = _prefix(os.path.normpath(directory))
        home = os.path.dirname(plain + "_")  # the directory of `plain + name`, as os.path.dirname gives it
        subdirectories = []
        for entry in entries:
            name = entry.name
            if _is_directory(entry):  # Ex) a link to a directory: listed by os.walk, never walked
                if not entry.is_symlink() and not _skip_dir(directory, name, excluded, shown, below, tracked):
                    subdirectories.append((os.path.join(directory, name), ignores))
                continue
            dot = name.rfind(".")  # (os.path.splitext's extension, for a name not starting with a dot)
            extension = name[dot:] if dot > 0 else ""
            if extension not in LANGUAGES or name.startswith("."):
                continue
            if excluded is not None and excluded.match_file(shown + name):
                continue
            if any(patterns.match_file(rel + name) for rel, patterns in below) \
                    and not tracked.has(os.path.join(directory, name)):
                continue
            if entry.is_symlink():
                if watch is not None:
                    watch.volatile = True
                if not _within(os.path.realpath(os.path.join(directory, name)), inside):
                    errors.append(FileError(plain + name, "symbolic link to a file outside the analysed tree, not read"))
                    continue
            yield plain + name, home, LANGUAGES[extension]
        pending.extend(reversed(subdirectories))
    if watch is not None and tracked.files is not None:
        watch.tracked[top] = sorted(tracked.files)


def _is_directory(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # Ex) a name that vanished meanwhile: os.walk lists it among the files
        return False


def _prefix(directory: str) -> str:
    """Returns what precedes an entry's name in a path below `directory`: "" for ".", else "dir/"."""
    return "" if directory == "." else directory.rstrip("/") + "/"


def _below(directory: str, base: str) -> str:
    """Returns the prefix of `directory`'s entries relative to `base`: "" or "sub/dir/"."""
    rel = os.path.relpath(directory, base)
    return "" if rel == "." else rel + os.sep


def _skip_dir(parent: str, name: str, excluded, shown: str, below: list, tracked: _Tracked) -> bool:
    """Reports whether subdirectory `name` of `parent` is not walked: hidden, vendored, excluded
    (`shown`: the prefix of `parent`'s entries relative to the working directory), or ignored by a
    .gitignore (`below`: the prefix of its entries below each one) and holding no file git tracks."""
    if name.startswith(".") or name in SKIPPED_DIRS:
        return True
    if excluded is not None and excluded.match_file(shown + name + "/"):
        return True
    ignored = any(patterns.match_file(rel + name + "/") for rel, patterns in below)
    return ignored and not tracked.holds(os.path.join(parent, name))


def _gitignore(directory: str, errors: list[FileError]) -> _Patterns | None:
    """Returns the patterns of `directory`'s .gitignore (without its invalid lines, which git skips
    too), or None when it has none or it cannot be read (an error then says so)."""
    path = os.path.join(directory, ".gitignore")
    try:
        text = read_regular(path, _IGNORE_BYTES).decode("utf-8", "replace")
    except Missing:
        return None
    except Unreadable as exc:
        errors.append(FileError(os.path.normpath(path), f"{exc}; its patterns are not applied"))
        return None
    return _patterns(text)


@lru_cache(maxsize=256)
def _patterns(text: str) -> _Patterns:
    """Returns the patterns of a .gitignore holding `text` (one object per distinct text: the same
    file recurs in copies of a project)."""
    return _Patterns(tuple(text.splitlines()))


class _Patterns:
    """A .gitignore's patterns, matched as pathspec's GitIgnoreSpec of them matches (`match_file`),
    but first asked, in one regular expression, whether any of them matches the path at all: for
    almost every path none does, and then the spec, which tries its patterns one by one (hundreds
    in some projects), is not needed, nor compiled. Paths are relative to the .gitignore's
    directory, with `/` after a directory."""

    __slots__ = ("lines", "_spec", "_any")

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines, self._spec = lines, None
        try:
            self._any = _alternation([regex for regex, include in map(_pattern_class().pattern_to_regex, lines)
                                      if include is not None])
        except Exception:  # noqa: BLE001 - an invalid line: pathspec raises its own error, or re.error
            try:
                self._any = _alternation([pattern.regex.pattern for pattern in self.spec().patterns
                                          if pattern.include is not None])
            except re.error:
                self._any = _always

    def spec(self):
        """Returns the pathspec spec of the valid lines, compiled on first use."""
        if self._spec is None:
            self._spec = ignore_spec(self.lines)[0]
        return self._spec

    def match_file(self, path: str) -> bool:
        return self._any is not None and self._any(path) is not None and self.spec().match_file(path)


@cache
def _pattern_class():
    """Returns the pattern class GitIgnoreSpec compiles lines with (its name differs across pathspec versions)."""
    import pathspec

    return type(pathspec.GitIgnoreSpec.from_lines(["x"]).patterns[0])


def _always(path: str) -> bool:
    return True


_GROUP_NAME = re.compile(r"\(\?P<\w+>")


def _alternation(regexes: list[str]):
    """Returns the `search` of one regular expression that finds what any of `regexes` finds (as
    pathspec searches each), or None when there are none; raises re.error when one
    does not compile."""
    if not regexes:
        return None
    joined = "|".join(f"(?:{_GROUP_NAME.sub('(', regex)})" for regex in regexes)  # Ex) (?P<ps_d>/) in every one
    return re.compile(joined).search


def ignore_spec(lines: list[str] | tuple[str, ...]):
    """Returns the spec of the valid gitignore-style patterns among `lines`, and the invalid ones
    with the reason each is invalid (`!` alone, a trailing backslash, a range such as `[z-a]`)."""
    import pathspec

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        spec.match_file("")  # Ex) [z-a]: its regular expression fails only when first used
        return spec, []
    except Exception:  # noqa: BLE001 - pathspec raises its own error, ValueError or re.error
        pass
    valid, invalid = [], []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line]).match_file("")
            valid.append(line)
        except Exception as exc:  # noqa: BLE001 - as above
            invalid.append((line, str(exc)))
    return pathspec.GitIgnoreSpec.from_lines(valid), invalid


def _within(directory: str, base: str) -> bool:
    return directory == base or directory.startswith(base.rstrip(os.sep) + os.sep)


def _canonical(path: str) -> str:
    """Returns `path` relative to the working directory when below it, else absolute, however it was typed."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative


def _relative(path: str) -> str:
    return os.path.relpath(path).replace(os.sep, "/")


def describe(path: str) -> SourceFile | None:
    """Returns the SourceFile `path` would be (its canonical path, language and package), whether
    or not it exists; None when it is no Go or Python file. For source read from stdin."""
    return _source(path)


def _source(path: str, canonical: bool = False, packages: dict[str, str] | None = None) -> SourceFile | None:
    path = path if canonical else _canonical(path)
    language = LANGUAGES.get(os.path.splitext(path)[1])
    if language is None:
        return None
    if language == "go":
        directory = os.path.dirname(path)
        if packages is None:
            return SourceFile(path, language, go_package(directory))
        if directory not in packages:
            packages[directory] = go_package(directory)
        return SourceFile(path, language, packages[directory])
    return SourceFile(path, language, path.replace(os.sep, "/"))
