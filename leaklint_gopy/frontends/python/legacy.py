"""Python 2 source rewritten in Python 3 syntax, line for line, so that `ast` can read it: the print
and exec statements become calls, `except E, e:` becomes `except E as e:`, `raise E, v` becomes
`raise E(v)`, and backquotes, `<>`, old octal and long literals and `ur''` prefixes their Python 3
spellings. Every statement stays on its lines (columns on a rewritten line may move by a few
characters); what a statement does with a resource is unchanged. It must not guess at anything
else: source it cannot turn into Python 3 stays unread."""
from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections.abc import Iterator

_STARTS = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT}
_COMPOUND = {"if", "elif", "else", "for", "while", "try", "except", "finally", "with", "def", "class"}
_NUMBER = re.compile(r"0[0-7]+$")
_LONG = re.compile(r"(0[xX][0-9a-fA-F]+|0[oObB]?[0-7]+|\d+)$")
_INDENT = re.compile(r"[ \t]+")

Edit = tuple[int, int, int, str]  # line (0-based), start column, end column, replacement


def read(path: str, source: bytes) -> tuple[ast.Module, bytes] | None:
    """Returns the tree of `source` (which Python 3 cannot parse) rewritten in Python 3 syntax, with
    the rewritten source; None where it is not Python 2 source either."""
    modern = modernised(source)
    if modern is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(modern, filename=path), modern
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def modernised(source: bytes) -> bytes | None:
    """Returns `source` rewritten in Python 3 syntax with every line where it was, or None when it
    cannot be read as tokens (not Python 2 source either)."""
    try:
        # Ex) a Python 2 module with a `# coding: latin-1` line: written back in the same encoding
        encoding = tokenize.detect_encoding(io.BytesIO(source).readline)[0]
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None
    # Ex) a tab-indented block under space-indented code (Python 2 counts a tab to the next 8th column)
    lines = [_INDENT.sub(lambda m: m.group().expandtabs(8), line, count=1) if line[:1] in " \t" else line
             for line in text.split("\n")]
    # (split on "\n" only, with it kept: splitlines also breaks at a form feed, which tokenize does
    # not count as a line, and every edit after one would land a line early)
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("".join(lines)).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    edits = sorted(_edits(tokens), reverse=True)
    for row, start, end, text in edits:
        lines[row] = lines[row][:start] + text + lines[row][end:]
    try:
        return "".join(lines).encode(encoding)
    except UnicodeEncodeError:
        return None


def _edits(tokens: list[tokenize.TokenInfo]) -> Iterator[Edit]:
    """Yields the replacements that make `tokens` Python 3, statement by statement."""
    statement: list[tokenize.TokenInfo] = []
    for token in tokens:
        if token.type in (tokenize.COMMENT, tokenize.NL) or token.type == tokenize.ERRORTOKEN and not token.string.strip():
            continue
        yield from _literal(token, statement[-1] if statement else None)
        if token.type in _STARTS or token.type == tokenize.ENDMARKER or token.string == ";" and _depth(statement) == 0:
            yield from _statement(statement)
            statement = []
            continue
        statement.append(token)
        if token.string == ":" and _depth(statement) == 0 and statement[0].string in _COMPOUND \
                and not any(t.string == "lambda" for t in statement):
            # Ex) if debug: print "childFDs", childFDs   (a simple statement after the header's colon)
            yield from _statement(statement)
            statement = []


def _literal(token: tokenize.TokenInfo, before: tokenize.TokenInfo | None) -> Iterator[Edit]:
    """Yields the Python 3 spelling of one Python 2 token: `0777`, `10L`, `<>`, `ur''`, a backquote."""
    (row, col), (_, end) = token.start, token.end
    adjacent = before is not None and before.end == token.start
    if token.type == tokenize.NUMBER and adjacent and before.type == tokenize.NUMBER and not before.string.strip("0"):
        yield row - 1, before.start[1], before.end[1], "0o"  # Ex) os.chmod(path, 0755)   (tokens "0" and "755")
    elif token.type == tokenize.NAME and token.string in ("async", "await"):
        yield row - 1, col, end, token.string + "_"  # Ex) def write(self, data, async=False):   (a name in Python 2)
    elif token.type == tokenize.NAME and token.string in ("L", "l") and adjacent and before.type == tokenize.NUMBER \
            and _LONG.match(before.string):
        yield row - 1, col, end, ""  # Ex) 10L
    elif token.type == tokenize.OP and token.string == ">" and adjacent and before.string == "<":
        yield row - 1, col - 1, end, "!="  # Ex) if a <> b:
    elif token.type == tokenize.STRING and adjacent and before.type == tokenize.NAME and before.string.lower() == "ur":
        yield row - 1, before.start[1], col, "r"  # Ex) ur"\d+"
    elif token.type == tokenize.NUMBER and _NUMBER.match(token.string) and not adjacent:
        yield row - 1, col + 1, col + 1, "o"  # Ex) 0755 read whole (a tokenizer that keeps it one token)


def _statement(tokens: list[tokenize.TokenInfo]) -> Iterator[Edit]:
    """Yields the edits of one simple statement (or an except clause's header)."""
    if not tokens:
        return
    first = tokens[0]
    yield from _backquotes(tokens)
    if first.string in ("print", "exec") and (len(tokens) == 1 or tokens[1].string != "(" or first.string == "exec"
                                               and _depth(tokens[1:]) == 0 and not _wraps_all(tokens[1:])):
        yield from _call_statement(tokens)
    elif first.string == "except":
        comma = _top_comma(tokens[1:])
        target = tokens[tokens.index(comma) + 1:-1] if comma is not None else []
        if len(target) == 1 and target[0].type == tokenize.NAME:
            yield comma.start[0] - 1, comma.start[1], comma.end[1], " as"  # Ex) except socket.error, e:
        elif target and target[0].start[0] == tokens[-1].start[0] == comma.start[0]:
            # Ex) except socket.error, (err, msg):   (the handler's names unpacked from the exception: unknown here)
            yield comma.start[0] - 1, comma.start[1], tokens[-1].start[1], " as _exception"
    elif first.string == "def":
        yield from _tuple_parameters(tokens)
    elif first.string == "raise":
        comma = _top_comma(tokens[1:])
        if comma is not None:
            last = tokens[-1]
            yield last.end[0] - 1, last.end[1], last.end[1], ")"  # Ex) raise KeyError, 'id already open'
            yield comma.start[0] - 1, comma.start[1], comma.end[1], "("


def _tuple_parameters(tokens: list[tokenize.TokenInfo]) -> Iterator[Edit]:
    """Yields a plain name for each tuple parameter of a def header (`def f(self, (host, port)):`):
    the names it unpacks are then unknown in the body, as any value of a parameter is."""
    depth = 0
    for index, token in enumerate(tokens):
        if token.type != tokenize.OP or token.string not in "(),":
            continue
        if token.string == "(" and depth == 1 and tokens[index - 1].string in "(,":
            close = _closing(tokens, index)
            if close is not None and tokens[close].start[0] == token.start[0]:
                yield token.start[0] - 1, token.start[1], tokens[close].end[1], f"_tuple{index}"
        depth += (token.string == "(") - (token.string == ")")


def _closing(tokens: list[tokenize.TokenInfo], index: int) -> int | None:
    """Returns the index of the bracket closing the one at `tokens[index]`."""
    depth = 0
    for position in range(index, len(tokens)):
        if tokens[position].type == tokenize.OP:
            depth += (tokens[position].string in "([{") - (tokens[position].string in ")]}")
            if depth == 0:
                return position
    return None


def _call_statement(tokens: list[tokenize.TokenInfo]) -> Iterator[Edit]:
    """Yields the edits making a print or exec statement a call: `print >>f, x` -> `print(f, x)`,
    `exec code in ns` -> `exec(code, ns)`."""
    first, last = tokens[0], tokens[-1]
    yield last.end[0] - 1, last.end[1], last.end[1], ")"
    depth = 0
    for token in tokens[1:]:
        depth += token.string in "([{" and token.type == tokenize.OP
        depth -= token.string in ")]}" and token.type == tokenize.OP
        if depth == 0 and token.string == "in" and first.string == "exec":
            yield token.start[0] - 1, token.start[1], token.end[1], ","
    rest = tokens[1:]
    if rest and rest[0].string == ">>":
        yield rest[0].start[0] - 1, rest[0].start[1], rest[0].end[1], ""
    yield first.end[0] - 1, first.end[1], (rest[0].start[1] if rest and rest[0].start[0] == first.end[0]
                                             else first.end[1]), "("


def _backquotes(tokens: list[tokenize.TokenInfo]) -> Iterator[Edit]:
    """Yields `repr(` and `)` for each pair of backquotes (Ex) `x`)."""
    quotes = [t for t in tokens if t.type == tokenize.ERRORTOKEN and t.string == "`"]
    for opening, closing in zip(quotes[::2], quotes[1::2]):
        yield opening.start[0] - 1, opening.start[1], opening.end[1], "repr("
        yield closing.start[0] - 1, closing.start[1], closing.end[1], ")"


def _depth(tokens: list[tokenize.TokenInfo]) -> int:
    """Returns how many brackets `tokens` leave open."""
    return sum((t.string in "([{") - (t.string in ")]}") for t in tokens if t.type == tokenize.OP)


def _wraps_all(tokens: list[tokenize.TokenInfo]) -> bool:
    """Reports whether the first bracket of `tokens` closes at their last token (`exec(code)`)."""
    depth = 0
    for index, token in enumerate(tokens):
        if token.type == tokenize.OP:
            depth += (token.string in "([{") - (token.string in ")]}")
        if depth == 0:
            return index == len(tokens) - 1
    return False


def _top_comma(tokens: list[tokenize.TokenInfo]) -> tokenize.TokenInfo | None:
    """Returns the first comma of `tokens` outside brackets."""
    depth = 0
    for token in tokens:
        if token.type == tokenize.OP:
            depth += (token.string in "([{") - (token.string in ")]}")
            if depth == 0 and token.string == ",":
                return token
    return None
