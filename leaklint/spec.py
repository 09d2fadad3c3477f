"""Rule specs: loads and validates `rules/<lang>/*.toml` into RuleSpec values.

A spec says which calls acquire a resource, which release or only borrow it, and how findings
read. It owns no analysis; the engine interprets it.
"""
from __future__ import annotations

import fnmatch
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

SEVERITIES = ("error", "warning", "note")
_ID = re.compile(r"^[A-Z]{2}\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SPEC_BYTES = 1024 * 1024
_DOC_SECTIONS = ("what", "why", "example", "use_instead")


class SpecError(Exception):
    """A rule file that cannot be used; the message names the file and key."""


@dataclass(frozen=True, slots=True)
class Acquire:
    """Calls matching `calls` acquire; the resources are the results at `results`."""

    calls: tuple[str, ...]
    results: tuple[int, ...] = (0,)
    error_result: int | None = None
    kwargs: tuple[tuple[str, str], ...] = ()
    takes_over_arg: int | None = None
    resource: str = ""
    type: str = ""
    field: str | None = None  # overrides the spec's release field (a wrapper returning resp.Body)
    more_fields: tuple[str, ...] = ()  # more paths to the handle (a wrapper returned with it in a field)
    result_types: tuple[str, ...] = ()
    awaited_release: bool = False  # an async resource: only an awaited close releases it
    release_methods: tuple[str, ...] = ()  # more methods releasing this clause's resource
    unless: tuple[tuple[str, str], ...] = ()  # a call with one of these arguments acquires nothing (HEAD)
    released_at_exit: tuple[tuple[str, str], ...] = ()  # with one of these, released when the function exits
    receiver: bool = False  # the call's receiver becomes the resource (`cmd.Start()` starts a process)
    injected: bool = False  # (summaries) acquired through an interface's RoundTrip: a fake in tests
    context: str = ""  # `with` / `async with` over the call closes the resource (automatic fixes)
    buffered_methods: tuple[str, ...] = ()  # methods (`write`, `stdin.write`) that only fill its buffer
    unbuffered: tuple[tuple[str, str], ...] = ()  # with one of these arguments it has no buffer (buffering=0)

    def fills_buffer(self, method: str, kwargs: tuple[tuple[str, str], ...]) -> bool:
        """Reports whether calling `method` (a path from the resource: `write`, `stdin.write`) on
        what a call with `kwargs` acquired only fills the resource's buffer: the I/O, and its
        errors, come at a flush or at close, and close releases the resource even when its flush
        fails, so no exception path that leaks it starts there. A write larger than the buffer
        (8 KiB by default) goes through at once; the model treats writes as small."""
        return method in self.buffered(kwargs)

    def buffered(self, kwargs: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
        """Returns the buffered methods of what a call with `kwargs` acquired: none when one of
        them turns buffering off."""
        given = dict(kwargs)
        return () if any(given.get(k) == v for k, v in self.unbuffered) else self.buffered_methods

    def matches(self, callee: str, kwargs: tuple[tuple[str, str], ...], result_type: str = "") -> bool:
        """Reports whether a call of `callee` (declared to return `result_type`) acquires under this clause."""
        by_type = bool(result_type) and result_type in self.result_types
        if not by_type and not _matches_any(self.calls, callee):
            return False
        given = dict(kwargs)
        if any(given.get(key) == value for key, value in self.unless):
            return False
        return all(given.get(key) == value for key, value in self.kwargs)

    def released_on_exit(self, kwargs: tuple[tuple[str, str], ...]) -> bool:
        """Reports whether a call with `kwargs` acquires what the function's exit releases (a request
        whose context a deferred cancel ends)."""
        given = dict(kwargs)
        return any(given.get(key) == value for key, value in self.released_at_exit)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    name: str
    language: str
    severity: str
    precision: str
    resource: str
    title: str
    cwe: tuple[int, ...]
    tags: tuple[str, ...]
    acquire: tuple[Acquire, ...]
    release_methods: tuple[str, ...]
    release_calls: tuple[str, ...]
    release_field: str
    borrow_calls: tuple[str, ...]
    drain_calls: tuple[str, ...]
    drain_methods: tuple[str, ...]
    handoff_calls: tuple[str, ...]
    wrap_calls: tuple[str, ...]
    unresolved_calls: str  # handoff | borrow | classes-take (functions borrow, constructors take over)
    exception_rule: str | None
    subject: str
    released: str  # how messages say it is released: `closed`, `stopped`, `waited for`
    docs: dict[str, str]
    source: str
    drained_rule: str | None = None  # where a resource read to its end but never released is reported
    defer_loop_rule: str | None = None  # where one closed only by a defer inside a loop is reported
    derived_from: tuple[str, ...] = ()  # a rule reporting only what these rules route to it (no acquisitions)
    before_go: tuple[int, int] | None = None  # applies only to Go modules whose go.mod says an older `go`
    quiet_calls: tuple[str, ...] = ()  # calls that do not fail in practice: no exception path leaves them
    fix_release: str = ""  # what an automatic fix calls to release it (`Body.Close`, `close`); "" offers none
    raising_calls: tuple[str, ...] = ()  # calls that fail in ordinary operation (connect, bind): see is_raising
    handle_calls: tuple[str, ...] = ()  # calls that release a resource given one of its `handles`
    handles: tuple[str, ...] = ()  # fields naming the resource to the system (a child's `pid`)

    def acquire_clause(self, callee: str, kwargs: tuple[tuple[str, str], ...], result_type: str = "") -> Acquire | None:
        """Returns the first acquire clause matching the call, if any."""
        return next((a for a in self.acquire if a.matches(callee, kwargs, result_type)), None)

    def is_release_call(self, callee: str) -> bool:
        return _matches_any(self.release_calls, callee)

    def releases_by_handle(self, callee: str, path: str, holder: str) -> bool:
        """Reports whether `callee(path)` releases the resource of `holder` through one of its
        handles (`os.waitpid(proc.pid, 0)` reaps the child of `proc`)."""
        base, _, field = path.rpartition(".")
        return base == holder and field in self.handles and _matches_any(self.handle_calls, callee)

    def is_borrow(self, callee: str) -> bool:
        return _matches_any(self.borrow_calls, callee) or (self.language == "go" and callee.startswith(_GO_ASSERTIONS))

    def is_wrap(self, callee: str) -> bool:
        """Reports whether `callee(x, ...)` returns a wrapper whose Close closes x (tls.Client)."""
        return _matches_any(self.wrap_calls, callee)

    def is_drain(self, callee: str, consts: tuple[str, ...] = ()) -> bool:
        """Reports whether `callee(x)` reads x to its end (`io.ReadAll`): what that means is the
        rule's to say (`drained_rule`), or, without one, it releases x. A pattern may name the
        package-level value its first argument must be: `io.Copy(io.Discard)`."""
        if _matches_any(self.drain_calls, callee):
            return True
        first = consts[0] if consts else ""
        return bool(first) and _matches_any(self.drain_calls, f"{callee}({first})")

    def is_quiet(self, callee: str) -> bool:
        """Reports whether a call of `callee` does not fail in practice (`sock.setblocking(False)`):
        no exception path starts at it."""
        return _matches_any(self.quiet_calls, callee)

    def is_raising(self, callee: str) -> bool:
        """Reports whether `callee` fails in ordinary operation (a refused connection, an address
        in use): a resource left open when it raises is held on a path the program takes in
        normal use, reported by this rule rather than its exception-path rule."""
        return _matches_any(self.raising_calls, callee)

    def is_handoff(self, callee: str) -> bool:
        return _matches_any(self.handoff_calls, callee)

    def needles(self) -> frozenset[str]:
        """Returns identifiers one of which must appear in a file that can acquire this resource."""
        words: set[str] = set()
        for clause in self.acquire:
            for pattern in clause.calls:
                words.add(re.split(r"[./]", pattern)[-1])
        return frozenset(w for w in words if w and "*" not in w)


# Go test assertion libraries only read what they are given (`assert.NotNil(t, conn)`), whatever the rule.
_GO_ASSERTIONS = tuple(f"{package}." for package in (
    "github.com/stretchr/testify/assert", "github.com/stretchr/testify/require", "gotest.tools/v3/assert",
    "gotest.tools/assert", "github.com/shoenig/test/must", "github.com/shoenig/test", "github.com/google/go-cmp/cmp",
))


class ClauseIndex:
    """Finds the first rule and acquire clause matching a call, as RuleSpec.acquire_clause tried in
    rule order would, without trying every pattern of every rule: exact callees and declared
    result types are looked up, only glob patterns are matched (the Go standard library makes
    about 8,000 distinct calls; trying each against every clause cost a tenth of a run)."""

    def __init__(self, rules: list[RuleSpec]) -> None:
        self._exact: dict[str, list[tuple[int, RuleSpec, Acquire]]] = {}
        self._typed: dict[str, list[tuple[int, RuleSpec, Acquire]]] = {}
        globs: list[tuple[int, RuleSpec, Acquire, str]] = []
        order = 0
        for spec in rules:
            for clause in spec.acquire:
                for pattern in clause.calls:
                    if "*" in pattern or "?" in pattern[1:]:
                        globs.append((order, spec, clause, pattern))
                    else:
                        self._exact.setdefault(pattern, []).append((order, spec, clause))
                for result_type in clause.result_types:
                    self._typed.setdefault(result_type, []).append((order, spec, clause))
                order += 1
        self._globs = globs

    def find(self, callee: str, kwargs: tuple[tuple[str, str], ...], result_type: str = "",
             patterns: bool = False) -> tuple[RuleSpec, Acquire] | None:
        """Returns the clause naming `callee` (or its declared type) exactly, or with `patterns` the
        first whose pattern matches it: callers try the exact names first, so `grpc.Dial` is LL107's,
        not LL102's `*.Dial`, and a tree function's own summary before a pattern."""
        if patterns:
            return next(((spec, clause) for _, spec, clause, pattern in self._globs
                         if fnmatch.fnmatchcase(callee, pattern) and clause.matches(callee, kwargs, result_type)), None)
        found = [*self._exact.get(callee, ()), *(self._typed.get(result_type, ()) if result_type else ())]
        for _, spec, clause in sorted(found, key=lambda item: item[0]):
            if clause.matches(callee, kwargs, result_type):
                return spec, clause
        return None


@functools.lru_cache(maxsize=65536)
def _matches_any(patterns: tuple[str, ...], callee: str) -> bool:
    return any(_match(pattern, callee) for pattern in patterns)


def _match(pattern: str, callee: str) -> bool:
    if "*" in pattern or "?" in pattern[1:]:
        return fnmatch.fnmatchcase(callee, pattern)
    return pattern == callee


def load_rules(directories: list[Path]) -> list[RuleSpec]:
    """Returns every rule in `directories`, sorted by id; raises SpecError on a bad file or duplicate id."""
    rules: dict[str, RuleSpec] = {}
    for directory in directories:
        for path in sorted(directory.rglob("*.toml")):
            spec = load_rule(path)
            if spec.id in rules:
                raise SpecError(f"{path}: duplicate rule id {spec.id} (also in {rules[spec.id].source})")
            rules[spec.id] = spec
    return [rules[key] for key in sorted(rules)]


_LOADED: dict[tuple[str, int, int, int, int], RuleSpec] = {}


def load_rule(path: Path) -> RuleSpec:
    """Returns the validated spec in `path`; raises SpecError naming the file and key. A file
    unchanged since it was last loaded (size, mtime, ctime, inode) gives the same RuleSpec object,
    so a long-running process (the language server) keeps the engine's per-rule-set caches warm."""
    try:
        stat = path.stat()
    except OSError:
        return _load_rule(path)  # says why in the reader's words
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    if key not in _LOADED:
        _LOADED[key] = _load_rule(path)
    return _LOADED[key]


def _load_rule(path: Path) -> RuleSpec:
    from leaklint.filesystem import Unreadable, read_text

    try:
        data = tomllib.loads(read_text(path, _SPEC_BYTES))
    except (Unreadable, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: cannot read rule spec: {str(exc).removeprefix('cannot read file: ')}") from None
    reader = _Reader(path, data)
    derived = tuple(reader.strings("options.derived_from", required=False))
    spec = RuleSpec(
        id=reader.text("id", pattern=_ID),
        name=reader.text("name", pattern=_NAME),
        language=reader.text("language", choices=("go", "python")),
        severity=reader.text("severity", choices=SEVERITIES),
        precision=reader.text("precision", choices=("very-high", "high", "medium", "low")),
        resource=reader.text("resource"),
        title=reader.text("title"),
        cwe=tuple(reader.ints("cwe")),
        tags=tuple(reader.strings("tags", required=False)),
        acquire=tuple(_acquire(reader, i, item) for i, item in enumerate(reader.tables("acquire", derived))),
        release_methods=tuple(reader.strings("release.methods", required=False)),
        release_calls=tuple(reader.strings("release.calls", required=False)),
        release_field=reader.text("release.field", required=False),
        borrow_calls=tuple(reader.strings("borrow.calls", required=False)),
        drain_calls=tuple(reader.strings("drain.calls", required=False)),
        drain_methods=tuple(reader.strings("drain.methods", required=False)),
        handoff_calls=tuple(reader.strings("handoff.calls", required=False)),
        wrap_calls=tuple(reader.strings("wrap.calls", required=False)),
        unresolved_calls=reader.text("options.unresolved_calls", required=False,
                                     choices=("handoff", "borrow", "classes-take"))
        or "handoff",
        exception_rule=reader.text("options.exception_rule", required=False) or None,
        subject=reader.text("subject", required=False) or "{resource} `{var}`",
        released=reader.text("released", required=False) or "closed",
        docs={key: reader.text(f"docs.{key}") for key in _DOC_SECTIONS},
        source=str(path),
        drained_rule=reader.text("options.drained_rule", required=False) or None,
        defer_loop_rule=reader.text("options.defer_loop_rule", required=False) or None,
        derived_from=derived,
        before_go=_version(reader, "options.before_go"),
        quiet_calls=tuple(reader.strings("quiet.calls", required=False)),
        fix_release=reader.text("fix.release", required=False),
        raising_calls=tuple(reader.strings("raising.calls", required=False)),
        handle_calls=tuple(reader.strings("release.handle_calls", required=False)),
        handles=tuple(reader.strings("release.handles", required=False)),
    )
    reader.reject_unknown()
    if path.stem != spec.name:
        raise SpecError(f"{path}: file name must equal the rule name {spec.name!r}")
    return spec


def _version(reader: _Reader, key: str) -> tuple[int, int] | None:
    """Returns a `major.minor` Go version key as a tuple; raises SpecError for another form."""
    value = reader.text(key, required=False)
    if not value:
        return None
    match = re.fullmatch(r"(\d+)\.(\d+)", value)
    if match is None:
        raise SpecError(f"{reader.path}: key {key} must be a Go version like \"1.23\"")
    return int(match.group(1)), int(match.group(2))


def _acquire(reader: _Reader, index: int, item: dict) -> Acquire:
    prefix = f"acquire[{index}]"
    sub = _Reader(reader.path, item, prefix)
    kwargs = sub.table("kwargs", required=False)
    unless = sub.table("unless", required=False)
    at_exit = sub.table("released_at_exit", required=False)
    clause = Acquire(
        calls=tuple(sub.strings("calls", required=not item.get("result_types"))),
        result_types=tuple(sub.strings("result_types", required=False)),
        awaited_release=sub.bool("awaited_release"),
        release_methods=tuple(sub.strings("release_methods", required=False)),
        results=tuple(sub.ints("results", required=False) or [0]),
        error_result=sub.int("error_result", required=False),
        kwargs=tuple(sorted((str(k), str(v)) for k, v in kwargs.items())),
        unless=tuple(sorted((str(k), str(v)) for k, v in unless.items())),
        released_at_exit=tuple(sorted((str(k), str(v)) for k, v in at_exit.items())),
        receiver=sub.bool("receiver"),
        more_fields=tuple(sub.strings("fields", required=False)),
        takes_over_arg=sub.int("takes_over_arg", required=False),
        resource=sub.text("resource", required=False),
        type=sub.text("type", required=False),
        context=sub.text("context", required=False, choices=("with", "async with")),
        buffered_methods=tuple(sub.strings("buffered_methods", required=False)),
        unbuffered=tuple(sorted((str(k), str(v)) for k, v in sub.table("unbuffered", required=False).items())),
    )
    sub.reject_unknown()
    return clause


class _Reader:
    """Reads typed keys from a TOML table, remembering which keys were used."""

    def __init__(self, path: Path, data: dict, prefix: str = "") -> None:
        self.path, self.data, self.prefix, self.used = path, data, prefix, set()

    def _get(self, dotted: str, required: bool):
        node = self.data
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            self.used.add(".".join(parts[: i + 1]))
            if not isinstance(node, dict) or part not in node:
                if required:
                    raise SpecError(f"{self.path}: missing key {self._name(dotted)}")
                return None
            node = node[part]
        return node

    def _name(self, dotted: str) -> str:
        return f"{self.prefix}.{dotted}" if self.prefix else dotted

    def _fail(self, dotted: str, what: str) -> SpecError:
        return SpecError(f"{self.path}: key {self._name(dotted)} must be {what}")

    def text(self, dotted: str, required: bool = True, pattern: re.Pattern | None = None,
             choices: tuple[str, ...] = ()) -> str:
        value = self._get(dotted, required)
        if value is None:
            return ""
        if not isinstance(value, str) or (pattern and not pattern.match(value)):
            raise self._fail(dotted, f"a string{' matching ' + pattern.pattern if pattern else ''}")
        if choices and value not in choices:
            raise self._fail(dotted, f"one of {', '.join(choices)}")
        return value

    def strings(self, dotted: str, required: bool = True) -> list[str]:
        value = self._get(dotted, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(dotted, "a list of strings")
        return value

    def ints(self, dotted: str, required: bool = True) -> list[int]:
        value = self._get(dotted, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            raise self._fail(dotted, "a list of integers")
        return value

    def int(self, dotted: str, required: bool = True) -> int | None:
        value = self._get(dotted, required)
        if value is not None and type(value) is not int:
            raise self._fail(dotted, "an integer")
        return value

    def bool(self, dotted: str) -> bool:
        value = self._get(dotted, False)
        if value is not None and not isinstance(value, bool):
            raise self._fail(dotted, "true or false")
        return bool(value)

    def table(self, dotted: str, required: bool = True) -> dict:
        value = self._get(dotted, required)
        if value is not None and not isinstance(value, dict):
            raise self._fail(dotted, "a table")
        return value or {}

    def tables(self, dotted: str, optional: bool = False) -> list[dict]:
        value = self._get(dotted, not optional)
        if value is None and optional:
            return []
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise self._fail(dotted, "a non-empty array of tables ([[acquire]])")
        return value

    def reject_unknown(self) -> None:
        """Raises SpecError for the first key that no reader asked for (a typo, not a silent no-op)."""
        for key in _flatten(self.data):
            if key not in self.used and not key.startswith("acquire"):
                raise SpecError(f"{self.path}: unknown key {self._name(key)}")


def _flatten(data: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key not in ("kwargs", "unless", "released_at_exit", "unbuffered"):
            keys.extend(_flatten(value, name + "."))
        else:
            keys.append(name)
    return keys
