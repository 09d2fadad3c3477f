"""Where the sources of a Go package outside the analysed paths are on this machine: the module's
own directory for its own packages (checking one package of a checkout, its siblings are there), for
a tree no go.mod claims (GOPATH-era code) the directory its import path ends with, the vendor/ directory of a module of the tree, else the module cache (GOMODCACHE, else GOPATH/pkg/mod,
else ~/go/pkg/mod) at the version the module's go.mod requires (after its replace directives).

They are read so that a call into a dependency (`toml.DecodeReader(f, &v)`, `googleapi.CheckResponse(resp)`)
is summarised like one of the tree's own functions; they are never analysed for findings. The standard
library is never looked up here: the rule specs describe it. Nothing is downloaded and no `go` command
runs; a package found nowhere stays an unknown call.
"""
from __future__ import annotations

import os
import re

from leaklint_gopy.filesystem import Unreadable, read_regular

_GO_MOD_BYTES = 1024 * 1024
_REQUIRE_BLOCK = re.compile(r"(?ms)^\s*require\s*\((.*?)^\s*\)")
_REQUIRE_LINE = re.compile(r"(?m)^\s*require\s+(\S+)\s+(\S+)")
_REPLACE_BLOCK = re.compile(r"(?ms)^\s*replace\s*\((.*?)^\s*\)")
_REPLACE_LINE = re.compile(r"(?m)^\s*replace\s+(.+)$")
_PAIR = re.compile(r"^\s*(\S+)\s+(v\S+)")
_MODULE_LINE = re.compile(r"(?m)^\s*module\s+\"?([^\s\"]+)")
_REPLACEMENT = re.compile(r"^\s*(\S+)(?:\s+(v\S+))?\s*=>\s*(\S+)(?:\s+(v\S+))?")


class Dependencies:
    """Finds the files of packages the modules rooted at `roots` import from elsewhere; with
    `directories`, packages no go.mod claims are named by their directory below it (see _by_directory)."""

    def __init__(self, roots: set[str], cache_dir: str | None = None, directories: str | None = None) -> None:
        self._roots = sorted(roots)
        self._directories = directories
        self._cache = cache_dir if cache_dir is not None else module_cache()
        self._modules: dict[str, tuple[list[tuple[str, str]], dict[str, tuple[str, str]], str]] = {}
        self._found: dict[str, list[str]] = {}
        self._vendor: dict[str, bool] = {}
        self._required: dict[str, dict[str, str]] = {}  # per root: module path -> the version _in_cache uses
        self._own_modules: list[tuple[str, str]] | None = None  # (root, its module path), made once
        self._listed: dict[str, list[str]] = {}  # _go_files' answer by directory, for this run

    def files(self, import_path: str) -> list[str]:
        """Returns the .go files (tests excluded) of package `import_path`, or [] when it is not here."""
        if import_path not in self._found:
            self._found[import_path] = self._own(import_path) or (
                self._locate(import_path) or self._by_directory(import_path) if _third_party(import_path) else [])
        return self._found[import_path]

    def sibling(self, import_path: str) -> bool:
        """Reports whether `import_path` is a package of the tree itself found outside the analysed
        paths: of a root's own module, or directory-named (not a vendored or cached dependency)."""
        return bool(self._own(import_path) or _third_party(import_path) and self._by_directory(import_path))

    def owns(self, import_path: str) -> bool:
        """Reports whether `import_path` lies under one of the roots' own module paths: a package of
        the tree, whether or not it has files yet."""
        return any(module and (import_path == module or import_path.startswith(module + "/"))
                   for module in (self._read_mod(root)[2] for root in self._roots))

    def _own(self, import_path: str) -> list[str]:
        """Returns the files of a package of one of the roots' own modules (`github.com/fatedier/frp/pkg/msg`
        while checking server/proxy of frp's checkout): where the go command would build it from."""
        if self._own_modules is None:
            self._own_modules = [(root, self._read_mod(root)[2]) for root in self._roots]
        for root, module in self._own_modules:
            if module and (import_path == module or import_path.startswith(module + "/")):
                return self._go_files(os.path.join(root, *import_path[len(module):].split("/")))
        return []

    def _by_directory(self, import_path: str) -> list[str]:
        """Returns the files of the directory below `directories` that `import_path` ends with, longest
        first (`github.com/gohugoio/hugo/helpers` is `helpers/` of a 2018 hugo checkout, which had no
        go.mod and was built at $GOPATH/src/github.com/gohugoio/hugo): the directory-named packages of
        such a tree are resolved the same way (see typeinfo.PackageTypes.resolve_import)."""
        if self._directories is None:
            return []
        parts = import_path.split("/")
        for start in range(1, len(parts)):
            found = self._go_files(os.path.join(self._directories, *parts[start:]))
            if found:
                return found
        return []

    def _locate(self, import_path: str) -> list[str]:
        prefixes = _prefixes(import_path)
        for root in self._roots:
            vendored = self._go_files(os.path.join(root, "vendor", *import_path.split("/"))) if self._vendors(root) else []
            if vendored:
                return vendored
            directory = self._in_cache(root, import_path, prefixes)
            if directory:
                found = self._go_files(directory)
                if found:
                    return found
        return []

    def _go_files(self, directory: str) -> list[str]:
        """Returns _go_files(directory), listed once per run (several roots require one module: a
        warm run on a 20,000-file tree listed 2,019 directories for 468 look-ups)."""
        if directory not in self._listed:
            self._listed[directory] = _go_files(directory)
        return self._listed[directory]

    def _vendors(self, root: str) -> bool:
        """Reports whether the module at `root` has a vendor/ directory, asked once per run (a warm
        run on /work/corpus looked up 526 packages in each of its modules' missing vendor/)."""
        if root not in self._vendor:
            self._vendor[root] = os.path.isdir(os.path.join(root, "vendor"))
        return self._vendor[root]

    def _in_cache(self, root: str, import_path: str, prefixes: list[str]) -> str | None:
        requires, replaces, _ = self._read_mod(root)
        for module, version in self._requiring(root, prefixes):  # longest module path first
            below = import_path[len(module):].lstrip("/")
            target = replaces.get(f"{module}@{version}") or replaces.get(module)
            if target is not None:
                path, new_version = target
                if not new_version:  # Ex) replace example.com/x => ../x   (a directory)
                    return os.path.join(root, path, *below.split("/")) if path.startswith(".") else None
                module, version = path, new_version
            if not self._cache:
                return None
            return os.path.join(self._cache, f"{_escape(module)}@{_escape(version)}", *below.split("/"))
        return None

    def _requiring(self, root: str, prefixes: list[str]) -> list[tuple[str, str]]:
        """Returns the first requirement of the go.mod at `root` (in _read_mod's order) whose module
        path is an import path or a prefix of it by whole elements (`prefixes`: _prefixes' answer),
        longest first, or []: found by the prefixes rather than by trying each requirement (a warm
        run on /work/corpus tried hundreds of requirements for each of 4,233 look-ups)."""
        if root not in self._required:
            first: dict[str, str] = {}
            for module, version in self._read_mod(root)[0]:
                first.setdefault(module, version)
            self._required[root] = first
        first = self._required[root]
        for module in prefixes:
            if module in first:
                return [(module, first[module])]
        return []

    def _read_mod(self, root: str) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]], str]:
        """Returns the requirements (longest module path first), replacements and module path of the
        go.mod at `root`."""
        if root not in self._modules:
            try:
                text = read_regular(os.path.join(root, "go.mod"), _GO_MOD_BYTES).decode("utf-8", "replace")
            except Unreadable:
                text = ""
            text = re.sub(r"//[^\n]*", "", text)
            pairs = [m.groups() for m in _REQUIRE_LINE.finditer(text) if m.group(1) != "("]
            for block in _REQUIRE_BLOCK.findall(text):
                pairs += [m.groups() for m in map(_PAIR.match, block.splitlines()) if m]
            replaces: dict[str, tuple[str, str]] = {}
            lines = [m.group(1) for m in _REPLACE_LINE.finditer(text) if not m.group(1).startswith("(")]
            for block in _REPLACE_BLOCK.findall(text):
                lines += block.splitlines()
            for line in lines:
                match = _REPLACEMENT.match(line)
                if match:
                    old, old_version, new, new_version = match.groups()
                    replaces[f"{old}@{old_version}" if old_version else old] = (new, new_version or "")
            requires = sorted(set(pairs), key=lambda pair: -len(pair[0]))
            module = _MODULE_LINE.search(text)
            self._modules[root] = (requires, replaces, module.group(1) if module else "")
        return self._modules[root]


def module_cache() -> str | None:
    """Returns Go's module cache directory as `go env GOMODCACHE` would, without running go."""
    if os.environ.get("GOMODCACHE"):
        return os.environ["GOMODCACHE"]
    gopath = os.environ.get("GOPATH", "").split(os.pathsep)[0] or os.path.join(os.path.expanduser("~"), "go")
    return os.path.join(gopath, "pkg", "mod")


def _third_party(import_path: str) -> bool:
    """Reports whether `import_path` names a module outside the standard library (`github.com/...`)."""
    return "." in import_path.split("/", 1)[0]


def _prefixes(import_path: str) -> list[str]:
    """Returns `import_path` and its prefixes by whole elements, longest first (`a/b/c`, `a/b`, `a`)."""
    parts = import_path.split("/")
    return ["/".join(parts[:end]) for end in range(len(parts), 0, -1)]


def _escape(path: str) -> str:
    """Returns a module path or version as the module cache spells it (upper case as `!` + lower)."""
    if path.lower() == path:  # Ex) golang.org/x/net: nothing to escape (most paths)
        return path
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), path)


def _go_files(directory: str) -> list[str]:
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return []
    return [entry.path for entry in entries
            if entry.name.endswith(".go") and not entry.name.endswith("_test.go") and entry.is_file()]
