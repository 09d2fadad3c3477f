"""The compiled code of the methods `dataclasses` generates, kept beside leaklint's bytecode: the
standard library writes each `__init__`, `__repr__`, `__eq__`... of a dataclass as source text and
compiles it on every start (about 270 compilations for a Go run's 52 classes, 0.05-0.07 s of CPU,
a tenth of a one-file pre-commit run). Here `dataclasses`' `exec` takes the code compiled for the
same text by an earlier process. It changes nothing else: the same text compiled with the same
flags, run in the same namespaces. It imports nothing of leaklint.
"""
from __future__ import annotations

import atexit
import marshal
import os
import sys
from types import CodeType

NAME = f"dataclass-code.{sys.implementation.cache_tag}.marshal"
KEPT = 1024  # compiled texts kept: every class of every front-end (about 400 texts), and those of edits since


class CodeCache:
    """Code objects by source text, read from and written to `path` (marshal, this Python's own), for
    the classes of the modules named `owner` or below it (another library's go to exec unchanged)."""

    def __init__(self, path: str, home: dict, owner: str) -> None:
        self.path = path
        self.home = home  # the globals of the module whose exec this replaces
        self.owner = owner
        self._codes: dict[str, CodeType] | None = None
        self._new = False

    def exec(self, source, globals=None, locals=None, /) -> None:  # noqa: A002 - exec's own parameters
        """Runs `source` as builtins.exec does, with the code compiled for the same text before."""
        if globals is None:  # (as exec called there without them: that module's namespace)
            globals, locals = self.home, self.home if locals is None else locals
        if not isinstance(source, str):
            return exec(source, globals, locals)
        module = globals.get("__name__", "")  # (dataclasses runs the text in the class's module)
        if not (module == self.owner or module.startswith(self.owner + ".")):
            return exec(_compiled(source), globals, locals)
        codes = self._load()
        code = codes.get(source)
        if code is None:
            code = codes[source] = _compiled(source)
            self._new = True
        return exec(code, globals, locals)

    def save(self) -> None:
        """Writes the codes when this process compiled a text the file did not hold (atomically: a
        concurrent run reads the old file or the new one)."""
        if not self._new or sys.dont_write_bytecode or self._codes is None:
            return
        kept = dict(list(self._codes.items())[-KEPT:])
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(temporary, "wb") as handle:
                marshal.dump((sys.version, kept), handle)
            os.replace(temporary, self.path)
        except (OSError, ValueError):  # Ex) a read-only installation: compiled again next time
            try:
                os.unlink(temporary)
            except OSError:
                pass

    def _load(self) -> dict[str, CodeType]:
        if self._codes is None:
            self._codes = {}
            try:
                with open(self.path, "rb") as handle:
                    version, codes = marshal.load(handle)
                if version == sys.version and isinstance(codes, dict):
                    self._codes = codes
            except (OSError, ValueError, EOFError, TypeError):
                pass
        return self._codes


def _compiled(source: str) -> CodeType:
    """Returns `source` compiled as dataclasses' own exec compiles it: with no future flags (an exec
    of text here would inherit this module's `annotations`, and make the generated `__init__`'s
    annotations strings)."""
    return compile(source, "<string>", "exec", dont_inherit=True)


def location(package: str) -> str:
    """Returns where the cache of package directory `package` lives: its `__pycache__`, or the tree
    under `sys.pycache_prefix` that Python itself would use for the package's bytecode."""
    if sys.pycache_prefix:
        return os.path.join(sys.pycache_prefix, os.path.abspath(package).lstrip(os.sep), NAME)
    return os.path.join(package, "__pycache__", NAME)


def install() -> CodeCache:
    """Makes `dataclasses` compile through the cache of this package, saved when the process exits."""
    import dataclasses

    cache = CodeCache(location(os.path.dirname(os.path.abspath(__file__))), vars(dataclasses), __package__)
    dataclasses.exec = cache.exec  # type: ignore[attr-defined]  # (shadows the builtin in that module only)
    atexit.register(cache.save)
    return cache
