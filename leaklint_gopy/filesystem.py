"""Reading files of trees leaklint does not control: only regular files are opened (a FIFO would
block and a device never end), never for more than a bound, and every failure is one line of
reason; and the temporary files that writes go through (without importing tempfile, whose imports
cost a warm run 9 ms). It knows nothing about languages or about what the bytes mean.
"""
from __future__ import annotations

import os
import stat

_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))
_CREATE = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
           | getattr(os, "O_BINARY", 0))  # as tempfile.mkstemp opens
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class Unreadable(Exception):
    """A file that was not read; the message says why in one line (`not a regular file (a named pipe)`)."""


class Missing(Unreadable):
    """A file that does not exist (or vanished before it was read)."""


class TooLarge(Unreadable):
    """A regular file larger than the bound it was read with; `size` is how large it is."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file too large ({size} bytes, limit {limit} bytes)")
        self.size, self.limit = size, limit


def kind(mode: int) -> str | None:
    """Returns what a file that is not regular is (`a named pipe`), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """Returns the bytes of the regular file at `path` (a symlink to one is followed) if it holds
    at most `limit` bytes; raises Unreadable (TooLarge) otherwise. The file is checked before it is
    opened and again once open (opened non-blocking, so a FIFO swapped in meanwhile never blocks)."""
    data = _read(path, limit, limit + 1)
    if len(data) > limit:
        raise TooLarge(len(data), limit)  # Ex) the file grew while it was read
    return data


def read_head(path: str | os.PathLike[str], size: int) -> bytes:
    """Returns at most the first `size` bytes of the regular file at `path`; raises Unreadable for
    anything else (see read_regular)."""
    return _read(path, None, size)


def _read(path: str | os.PathLike[str], limit: int | None, size: int) -> bytes:
    try:
        before = os.stat(path)
        _check(before.st_mode, before.st_size, limit)
        fd = os.open(path, _FLAGS)
    except FileNotFoundError as exc:
        raise Missing(f"cannot read file: {exc.strerror or exc}") from None
    except OSError as exc:
        raise Unreadable(f"cannot read file: {exc.strerror or exc}") from None
    try:
        opened = os.fstat(fd)
        _check(opened.st_mode, opened.st_size, limit)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            # A read of `size` bytes allocates that much first (the 8 MB limit, for every source
            # file: half the CPU time of reading the Go standard library): the size it has now,
            # and the rest only if it grew meanwhile (the bytes are the same as one read's).
            data = handle.read(min(size, opened.st_size + 1))
            return data + handle.read(size - len(data)) if len(data) > opened.st_size else data
    except OSError as exc:
        raise Unreadable(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _check(mode: int, size: int, limit: int | None) -> None:
    what = kind(mode)
    if what is not None:
        raise Unreadable(f"not a regular file ({what})")
    if limit is not None and size > limit:
        raise TooLarge(size, limit)


def read_named(path: str | os.PathLike[str], limit: int) -> bytes:
    """Returns the bytes of a file the user named (a configuration, a baseline, a SARIF log): a
    pipe is read too (`--config <(...)`), since someone writes it, but never more than `limit`
    bytes (`/dev/zero` ends in TooLarge). Raises Unreadable (Missing, TooLarge)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError as exc:
        raise Missing(f"cannot read file: {exc.strerror or exc}") from None
    except OSError as exc:
        raise Unreadable(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TooLarge(len(data), limit)
    return data


def read_text(path: str | os.PathLike[str], limit: int = 16 * 1024 * 1024, named: bool = False) -> str:
    """Returns the UTF-8 text of the file at `path`, read as read_named (`named`) or read_regular
    reads it; raises Unreadable, also for bytes that are not UTF-8."""
    data = read_named(path, limit) if named else read_regular(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"invalid UTF-8 at byte {exc.start}") from None


def temporary_file(directory: str, prefix: str, suffix: str) -> tuple[int, str]:
    """Returns (descriptor, path) of a new file in `directory`, readable and writable by its owner
    only, under a random name no other file had: what tempfile.mkstemp returns. Raises OSError."""
    for _ in range(100):
        path = os.path.abspath(os.path.join(directory, f"{prefix}{os.urandom(6).hex()}{suffix}"))  # as mkstemp
        try:
            return os.open(path, _CREATE, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no unused temporary name in {directory}")
