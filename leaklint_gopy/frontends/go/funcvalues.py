"""The named functions a package passes for a parameter of its unexported functions, read from the
package's source text (`api.callCodec(ctx, opts, request, response, json.Marshal, DecodeJSON, "")`
passes DecodeJSON for `decode`): a call through that parameter is a call of one of them. Only an
unexported function qualifies (no other package can call it), and only when every mention of its
name is a call passing a function of the package there; anything else leaves it unknown. It reads
text only: no tree, no types.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_DECLARED = re.compile(rb"func\s*(\([^()]*\)\s*)?$")
_OPEN, _CLOSE = b"([{", b")]}"


class FunctionValues:
    """Answers, per unexported function name and parameter index, the qualnames passed there."""

    def __init__(self, key: str, sources: list[bytes], functions: dict[str, object]) -> None:
        self._key, self._sources, self._functions = key, sources, functions
        self._found: dict[tuple[str, int], tuple[str, ...]] = {}

    def passed(self, name: str, index: int) -> tuple[str, ...]:
        """Returns the qualnames of the package's functions that every call of function `name`
        passes as argument `index` (each call's, joined), or () when some value is unknown."""
        if not name[:1].islower() or name == "main" or name == "init":
            return ()
        if (name, index) not in self._found:
            self._found[(name, index)] = self._scan(name, index)
        return self._found[(name, index)]

    def _scan(self, name: str, index: int) -> tuple[str, ...]:
        passed: set[str] = set()
        for source in self._sources:
            for match in _mentions(name.encode(), source):
                line_start = source.rfind(b"\n", 0, match.start()) + 1
                before = source[line_start:match.start()]
                if before.lstrip().startswith(b"//"):
                    continue  # Ex) // callCodec decodes the response   (a comment)
                if _DECLARED.search(before):
                    continue  # Ex) func (api *Client) callCodec(ctx context.Context, ...)
                args = _arguments(source, match.end())
                value = _named_function(args[index]) if args is not None and index < len(args) else None
                if value is None or value.decode() not in self._functions:
                    return ()  # Ex) api.callCodec(..., func(r *http.Response, v any) error {...})
                passed.add(f"{self._key}.{value.decode()}")
        return tuple(sorted(passed))


def _mentions(name: bytes, source: bytes) -> Iterator[re.Match[bytes]]:
    """Yields the mentions of the word `name` in `source`, as `\bname\b` finds them. An ASCII name
    is searched as itself followed by `\b` (a pattern led by a literal is searched for that literal;
    one led by `\b` is tried at every byte), the byte before each checked by hand."""
    if not _IDENT.fullmatch(name):
        yield from re.finditer(rb"\b" + re.escape(name) + rb"\b", source)
        return
    # (a mention preceded by a word byte is no word; skipping it skips no other: one would start inside it)
    for match in re.finditer(re.escape(name) + rb"\b", source):
        if not match.start() or source[match.start() - 1] not in _WORD_BYTES:
            yield match


_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _named_function(argument: bytes) -> bytes | None:
    """Returns the argument when it is a bare identifier (a function of the package, if any), else None."""
    argument = argument.strip()
    return argument if _IDENT.fullmatch(argument) else None


def _arguments(source: bytes, at: int) -> list[bytes] | None:
    """Returns the top-level arguments of the call whose `(` follows `at`, or None when no call does
    (the name is used as a value)."""
    if source[at:at + 1] != b"(":
        return None
    depth, start, args, position = 0, at + 1, [], at
    while position < len(source):
        char = source[position:position + 1]
        if char in (b'"', b"'", b"`"):
            end = _string_end(source, position, char)
            if end < 0:
                return None
            position = end
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth == 0:
                args.append(source[start:position])
                return [arg for arg in args if arg.strip()] if len(args) == 1 else args
        elif char == b"," and depth == 1:
            args.append(source[start:position])
            start = position + 1
        position += 1
    return None


def _string_end(source: bytes, start: int, quote: bytes) -> int:
    """Returns the position of the quote closing the literal opened at `start`, or -1."""
    position = start + 1
    while position < len(source):
        char = source[position:position + 1]
        if char == b"\\" and quote != b"`":
            position += 2
            continue
        if char == quote:
            return position
        position += 1
    return -1
