"""Hypothesis strategies that break and reformat Go and Python sources, and an in-process harness
that runs leaklint on them. Shared by the property tests (few examples, derandomised) and by
bench/fuzz.py (many examples)."""
from __future__ import annotations

import io
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
SEEDS = {
    "python": [REPO / "fixtures/python/py-socket-not-closed/asyncio_streams.py",
               REPO / "fixtures/python/py-socket-not-closed/classes.py"],
    "go": [REPO / "fixtures/go/go-http-body-not-closed/basic.go",
           REPO / "fixtures/go/go-http-body-not-closed/exits.go"],
}
SUFFIX = {"python": ".py", "go": ".go"}
_TOKEN = re.compile(rb"\w+|\s+|[^\w\s]")
COMMENT = {"python": b"# note", "go": b"// note"}


def seed(language: str, index: int = 0) -> bytes:
    return SEEDS[language][index].read_bytes()


@st.composite
def broken(draw: st.DrawFn, language: str) -> bytes:
    """Returns a seed source after one to four edits: lines and tokens deleted, duplicated or
    swapped; comments, whitespace and odd bytes inserted; line ends and encodings changed; cut."""
    data = seed(language, draw(st.integers(0, len(SEEDS[language]) - 1)))
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(EDITS))
        data = edit(data, draw(st.integers(0, 1 << 20)), draw(st.integers(0, 1 << 20)), language)
    return data


def _lines(data: bytes, i: int, j: int, language: str) -> bytes:
    lines = data.split(b"\n")
    a, b = i % len(lines), j % len(lines)
    match j % 3:
        case 0:
            del lines[a]
        case 1:
            lines.insert(a, lines[a])
        case _:
            lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def _tokens(data: bytes, i: int, j: int, language: str) -> bytes:
    tokens = _TOKEN.findall(data)
    solid = [k for k, token in enumerate(tokens) if not token.isspace()] or [0]
    a, b = solid[i % len(solid)], solid[j % len(solid)]
    match j % 3:
        case 0:
            tokens[a] = b""
        case 1:
            tokens[a] = tokens[a] * 2
        case _:
            tokens[a], tokens[b] = tokens[b], tokens[a]
    return b"".join(tokens)


def _insert(data: bytes, i: int, j: int, language: str) -> bytes:
    pieces = [COMMENT[language] + b"\n", b" ", b"\t", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf",
              b"\x1b[31m", b"\\", b"'''", b'"', b"`", b"{", b"(", b"}", b")", b":", "é😀".encode()]
    at = i % (len(data) + 1)
    return data[:at] + pieces[j % len(pieces)] + data[at:]


def _whole(data: bytes, i: int, j: int, language: str) -> bytes:
    match j % 6:
        case 0:
            return data.replace(b"\n", b"\r\n")
        case 1:
            return data.replace(b"\n", b"\r")
        case 2:
            return b"\xef\xbb\xbf" + data
        case 3:
            return data.decode("utf-8", "replace").encode("utf-16")
        case 4:
            return data[: i % (len(data) + 1)]
        case _:
            return data.decode("utf-8", "replace").encode("latin-1", "replace")


EDITS = (_lines, _tokens, _insert, _whole)


@st.composite
def reformatted(draw: st.DrawFn, language: str) -> tuple[bytes, bytes]:
    """Returns (seed, the seed with formatting-only changes that move no line or column): CRLF or
    (Python) lone CR line ends, trailing whitespace, trailing comment lines, (Python) a BOM."""
    original = seed(language, draw(st.integers(0, len(SEEDS[language]) - 1)))
    lines = original.split(b"\n")
    padded = draw(st.sets(st.integers(0, len(lines) - 1), max_size=20))
    spaces = draw(st.sampled_from([b" ", b"\t", b"  \t "]))
    lines = [line + spaces if k in padded and not line.endswith(b"\\") else line for k, line in enumerate(lines)]
    data = b"\n".join(lines) + (COMMENT[language] + b"\n") * draw(st.integers(0, 3))
    ending = draw(st.sampled_from([b"\n", b"\r\n", b"\r"] if language == "python" else [b"\n", b"\r\n"]))
    data = data.replace(b"\n", ending)
    if language == "python" and draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return original, data


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run produced, as plain comparable values: findings and errors by relative path."""

    findings: tuple[tuple, ...]
    errors: tuple[tuple, ...]


class Harness:
    """Runs leaklint in-process on a set of files written to a fresh directory each time."""

    def __init__(self) -> None:
        from leaklint_gopy import driver
        from leaklint_gopy.spec import load_rules

        self.rules = tuple(load_rules(driver.default_rule_dirs()))
        self.root = Path(tempfile.mkdtemp(prefix="leaklint-props-"))
        self.count = 0

    def run(self, files: dict[str, bytes], reports: bool = False) -> Outcome:
        """Returns the outcome of checking `files` (relative path -> bytes); with `reports`, also
        renders every report format and checks that SARIF and JSON parse as strict JSON."""
        from leaklint_gopy import driver

        self.count += 1
        top = self.root / f"run{self.count}"
        for name, data in files.items():
            (top / name).parent.mkdir(parents=True, exist_ok=True)
            (top / name).write_bytes(data)
        result = driver.run([str(top)], driver.Settings(self.rules, root=str(top), jobs=1, use_cache=False))
        if reports:
            render(result, str(top))
        cut = len(str(top)) + 1
        return Outcome(tuple((f.span.path[cut:], f.rule_id, f.span.line, f.span.col, f.span.end_line, f.span.end_col,
                              f.message) for f in result.findings),
                       tuple((e.path[cut:], e.line, e.col, e.message) for e in result.errors))


def render(result, root: str) -> None:
    """Writes `result` in every format; raises when one fails or SARIF/JSON is not strict JSON."""
    from leaklint_gopy import report

    options = report.ReportOptions(cwd=root, source_root=root, version="0")
    for name in report.REPORTERS:
        out = io.StringIO()
        report.get(name).write(result, out, options)
        out.getvalue().encode("utf-8")
        if name in ("sarif", "json"):
            json.loads(out.getvalue(), parse_constant=_not_json)


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")
