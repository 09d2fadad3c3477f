"""The model, the bottom layer: the position type (Span), a file that could not be analysed
(FileError), an in-source suppression (Directive) and the Finding value, one leaked acquisition, as
reporters and the baseline see it. It imports nothing of leaklint but frozen.py."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from leaklint_gopy.frozen import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Span:
    """A source range: 1-based lines and 1-based columns counted in code points."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True, slots=True)
class Directive:
    """An in-source suppression: on `line` (through `last` when it covers a declaration), `codes`
    are ignored (empty: malformed, kept for reporting; `("ALL",)`: every rule)."""

    line: int
    codes: tuple[str, ...]
    reason: str
    span: Span
    last: int = 0


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be read or parsed, and why, in one line.

    `severity` is `error` when findings of the file may be missing (it fails the run), `warning`
    when nothing was missed: a Go file whose other declarations were analysed (its message ends
    with PARTIAL), or a file unreadable but calling no acquisition.
    """

    path: str
    message: str
    line: int = 1
    col: int = 1
    severity: str = "error"


PARTIAL = "(the rest of the file is analysed)"


class UnparsableBody(Exception):
    """A function body parsed on demand has a syntax error at (line, col): `reason`."""

    def __init__(self, line: int, col: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.col, self.reason = line, col, reason


@dataclass(frozen=True, slots=True)
class Location:
    """A span with a short note (`returns here`, `acquired here`)."""

    span: Span
    note: str


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text of `span` (end exclusive; an empty span inserts) with `text`."""

    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A verified rewrite that removes one finding: `safe` keeps the program's meaning apart from
    the leak; `unsafe` may change when or whether something runs (a loop body in a closure)."""

    message: str
    applicability: str  # "safe" | "unsafe"
    edits: tuple[Edit, ...]

    @property
    def safe(self) -> bool:
        return self.applicability == "safe"


@dataclass(frozen=True, slots=True)
class Finding:
    """One acquisition that may stay open: where it was acquired and where it leaks.

    `related` are the leaking exits; `flow` is the path from the acquisition to the first
    leaking exit. `key` identifies the finding independent of line numbers (function, variable,
    callee, occurrence) and feeds the stable fingerprint.
    """

    rule_id: str
    message: str
    span: Span
    severity: str
    related: tuple[Location, ...] = ()
    flow: tuple[Location, ...] = ()
    key: str = ""
    suppressed: bool = False
    suppression_reason: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())
    origin: str = ""  # the rule that acquired the resource, when another rule reports it (LL105 from LL101)
    tags: tuple[str, ...] = ()  # `test` for a finding in test code
    uses: tuple[Span, ...] = ()  # the tree's functions whose summaries decided it (helpers it called)
    # What an automatic fix needs: the variable the acquisition was bound to (`$...`: none), the
    # kind of each leaking exit in `related` (return, end, discarded, defer-loop, exception...),
    # the acquiring rule's release (`Body.Close`, `close`) and the statement that closes it by
    # scope (`with`, `async with`), from the rule data.
    variable: str = ""
    exits: tuple[str, ...] = ()
    release: str = ""
    context: str = ""
    fix: Fix | None = None

    @property
    def fingerprint(self) -> str:
        """Returns the line-independent `leaklint/v1` fingerprint."""
        return fingerprint_of(self.rule_id, self.span.path, self.key)

    def covered_by(self, codes: tuple[str, ...] | frozenset[str]) -> bool:
        """Reports whether a suppression naming `codes` covers this finding: its rule, or the rule
        it was split off from (`//nolint:bodyclose` still covers a body read but never closed)."""
        return self.rule_id in codes or bool(self.origin) and self.origin in codes

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.path, self.span.line, self.span.col, self.rule_id)


def fingerprint_of(rule_id: str, path: str, key: str) -> str:
    """Returns the `leaklint/v1` fingerprint of a finding of `rule_id` at `path` with `key`."""
    text = f"{rule_id}\0{path}\0{key}"  # a file name's bytes that are not UTF-8 kept as bytes
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


@dataclass(slots=True)
class RunResult:
    """Everything one `leaklint check` produced, in the order reporters print it.

    `findings` are sorted and include suppressed ones (flagged); `errors` are files that could
    not be read or parsed; `root` is the directory URIs are made relative to; `unchanged` counts the
    active findings a gate on changes (`--new-from-rev`) left out because no change touched them.
    """

    findings: list[Finding]
    rules: list  # list[RuleSpec]; typed loosely so reporters need not import the spec loader
    errors: list  # list[leaklint_gopy.ir.FileError]
    files_checked: int
    root: str
    unused_directives: list = field(default_factory=list)  # list[leaklint_gopy.ir.Directive] with path
    unchanged: int = 0

    @property
    def active(self) -> list[Finding]:
        """Returns the findings not suppressed in source, by baseline or by configuration."""
        return [f for f in self.findings if not f.suppressed]
