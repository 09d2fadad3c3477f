"""Where a report goes (`-o FILE`, else standard output), checked before any analysis runs.

A regular file is written through a temporary file beside it and renamed over it, so a run killed
mid-write never leaves a truncated report for an upload step; a device or pipe (`/dev/stdout`) is
written in place. Every failure is a one-line UsageError naming the target. It knows nothing
about report formats.
"""
from __future__ import annotations

import io
import os
import stat
import sys
from typing import TextIO

from leaklint_gopy.config import UsageError
from leaklint_gopy.filesystem import temporary_file


_pending: set[ReportTarget] = set()  # targets whose temporary file is not yet renamed into place


def discard_pending() -> None:
    """Removes the temporary files of reports never written (the command failed or was interrupted)."""
    for target in list(_pending):
        target.discard()


class ReportTarget:
    """One report's destination, opened early by `open()`; `write(text)` delivers the report once."""

    def __init__(self, path: str | None, handle: TextIO, temporary: str | None = None, real: str = "") -> None:
        self.path, self.handle, self.temporary, self.real = path, handle, temporary, real
        if temporary is not None:
            _pending.add(self)

    @classmethod
    def open(cls, path: str | None) -> ReportTarget:
        """Returns the target for `path` (None: standard output); raises UsageError when it cannot be
        written: a missing or unwritable directory, a directory, a closed standard output."""
        if path is None:
            if sys.stdout is None:
                raise UsageError("standard output is closed: cannot write the report (use -o FILE)")
            return cls(None, sys.stdout)
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            raise UsageError(f"cannot write the report to {path}: {exc.strerror}") from None
        if mode is not None and stat.S_ISDIR(mode):
            raise UsageError(f"cannot write the report to {path}: it is a directory")
        if mode is not None and not stat.S_ISREG(mode):
            return cls(path, _opened(path, lambda: open(path, "w", encoding="utf-8", errors="backslashreplace")))
        return cls._beside(path, mode)

    @classmethod
    def _beside(cls, path: str, mode: int | None) -> ReportTarget:
        """Returns a target writing to a temporary file in the directory of `path` (a symlink's target)."""
        real = os.path.realpath(path)
        directory, name = os.path.split(real)
        fd, temporary = _opened(path, lambda: temporary_file(directory or ".", f".{name}.", ".tmp"))
        os.fchmod(fd, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        return cls(path, io.open(fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n"), temporary, real)

    def write(self, text: str) -> None:
        """Writes the whole report and, for a file, renames it into place; raises UsageError. A reader
        of standard output that left (`leaklint check | head`) is no error: the status still counts."""
        try:
            self.handle.write(text)
            self.handle.flush()
            if self.temporary is not None:
                self.handle.close()
                os.replace(self.temporary, self.real)
                self.temporary = None
                _pending.discard(self)
            elif self.path is not None:
                self.handle.close()
        except BrokenPipeError:
            if self.path is None:
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.handle.fileno())  # no second error at exit
                return
            self.discard()
            raise UsageError(f"cannot write the report to {self.path}: the reader closed the pipe") from None
        except OSError as exc:
            self.discard()
            raise UsageError(f"cannot write the report to {self.path or 'standard output'}: {exc.strerror}") from None

    def discard(self) -> None:
        """Removes the temporary file of a report never written (an error or Ctrl-C meanwhile)."""
        if self.temporary is None:
            return
        try:
            self.handle.close()
        except OSError:
            pass
        try:
            os.unlink(self.temporary)
        except OSError:
            pass
        self.temporary = None
        _pending.discard(self)


def _opened(path: str, opener):
    try:
        return opener()
    except OSError as exc:
        raise UsageError(f"cannot write the report to {path}: {exc.strerror}") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
