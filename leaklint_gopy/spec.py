"""Rule specs: the RuleSpec values `rules/<lang>/*.toml` hold, how calls match them, and the set
of rules of some directories (specfile.py reads and validates each file).

A spec says which calls acquire a resource, which release or only borrow it, and how findings
read. It owns no analysis; the engine interprets it.
"""
from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leaklint_gopy.spec_cache import ParsedSpecs

SEVERITIES = ("error", "warning", "note")


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
    only_typed: tuple[str, ...] = ()  # `calls` acquire only where the front-end types the result so
    except_calls: tuple[str, ...] = ()  # calls that `calls` matches but that acquire nothing (in-memory pipes)
    awaited_release: bool = False  # an async resource: only an awaited close releases it
    release_methods: tuple[str, ...] = ()  # more methods releasing this clause's resource
    released: str = ""  # how messages say this clause's resource is released, if not as the rule says (`killed`)
    # With a `field`: the methods of the object holding the resource there that release it (a
    # Popen's communicate() closes its stdout pipe, its wait() does not); its other methods borrow
    # it. Empty: any release method of the spec called on the object releases it.
    object_release_methods: tuple[str, ...] = ()
    # The call also acquires what the rule's next clause matching it says: two resources of one
    # object (a Popen's stdout pipe, closed by its own close, and its child, reaped by wait()).
    with_next: bool = False
    release_calls: tuple[str, ...] = ()  # more calls releasing it (the cancel of the context it was acquired with)
    unless: tuple[tuple[str, str], ...] = ()  # a call with one of these arguments acquires nothing (HEAD)
    released_at_exit: tuple[tuple[str, str], ...] = ()  # with one of these, released when the function exits
    receiver: bool = False  # the call's receiver becomes the resource (`cmd.Start()` starts a process)
    injected: bool = False  # (summaries) acquired through an interface's RoundTrip: a fake in tests
    drained: bool = False  # (summaries) returned read to its end on every path (`io.ReadAll(r.Body); return r, b`)
    managed: bool = False  # (summaries) kept by a @contextmanager past its with-block: the with's exit releases nothing
    context: str = ""  # `with` / `async with` over the call closes the resource (automatic fixes)
    buffered_methods: tuple[str, ...] = ()  # methods (`write`, `stdin.write`) that only fill its buffer
    unbuffered: tuple[tuple[str, str], ...] = ()  # with one of these arguments it has no buffer (buffering=0)
    same_object_methods: tuple[str, ...] = ()  # methods returning the resource itself (SSLSocket.unwrap)
    handshake_errors: tuple[str, ...] = ()  # exceptions only the acquiring call raises (a TLS handshake)
    lazy: bool = False  # holds nothing until a call is made on it or given it (urllib3's pools connect on request)
    # With `lazy`: its methods that make it hold a connection (a Session's get/send); a call of another
    # method on it leaves it holding nothing, a call given it may still use it. Empty: any call on it.
    connects: tuple[str, ...] = ()

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
        if self.only_typed and result_type not in self.only_typed:
            return False  # Ex) path.open() whose result the function never reads as a file
        if self.except_calls and _matches_any(self.except_calls, callee):
            return False
        given = dict(kwargs)
        if any(given.get(key) == value for key, value in self.unless):
            return False
        return all(given.get(key) == value for key, value in self.kwargs)

    def is_release_call(self, callee: str) -> bool:
        """Reports whether `callee(x)` releases this clause's resource x (beyond the spec's release calls)."""
        return _matches_any(self.release_calls, callee)

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

    def is_release_call(self, callee: str, consts: tuple[str, ...] = ()) -> bool:
        """Reports whether `callee(x, ...)` releases x (a pattern may name its arguments: see
        _matches_call)."""
        return _matches_call(self.release_calls, callee, consts)

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
        rule's to say (`drained_rule`), or, without one, it releases x (a pattern may name its
        arguments: see _matches_call)."""
        return _matches_call(self.drain_calls, callee, consts)

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

    def declines_takeover(self, kwargs: tuple[tuple[str, str], ...]) -> bool:
        """Reports whether a call given `kwargs` says it takes no argument over: the `unless` of a
        clause that takes one over (closefd=False), forwarded by a helper to the open it makes
        (`self.check_flush_error_on_close(fd, "wb", closefd=False)`)."""
        given = dict(kwargs)
        return any(clause.takes_over_arg is not None and given.get(key) == value
                   for clause in self.acquire for key, value in clause.unless)

    def takes_over_by_name(self, callee: str, index: int, kwargs: tuple[tuple[str, str], ...]) -> bool:
        """Reports whether a call of code we cannot see takes over its argument `index` as a call
        of the same name that does (`self.open(fd)`, `_open(fd)`: open()'s name, with a leading
        underscore or not): Python code that rebinds open (a test's `open = io.open`, eventlet's
        `_open` built from _pyio.open's code) gives it open()'s semantics, and without a
        clause's `unless` (closefd=False) the file closes the descriptor."""
        name = callee.rpartition(".")[2].lstrip("_")
        given = dict(kwargs)
        return bool(name) and any(
            clause.takes_over_arg == index and any(call.rpartition(".")[2] == name for call in clause.calls)
            and not any(given.get(key) == value for key, value in clause.unless) for clause in self.acquire)

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
        self._last_error: dict[Acquire, Acquire] = {}
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
                return spec, self._typed_error(clause, callee)
        return None

    def _typed_error(self, clause: Acquire, callee: str) -> Acquire:
        """Returns `clause` as it applies to `callee`: one it matched only by the declared result
        type pairs the resource with the call's last result, where Go puts the error, not with the
        position the clause gives its named calls (net/http's Hijack returns (net.Conn,
        *bufio.ReadWriter, error): its second result is no error)."""
        if clause.error_result is None or _matches_any(clause.calls, callee):
            return clause
        if clause not in self._last_error:
            self._last_error[clause] = replace(clause, error_result=-1)
        return self._last_error[clause]

    def excluded(self, callee: str, kwargs: tuple[tuple[str, str], ...]) -> bool:
        """Reports whether a clause naming `callee` exactly says that, with these arguments, the call
        acquires nothing (a HEAD request, a transport that dials nowhere)."""
        given = dict(kwargs)
        return any(given.get(key) == value for _, _, clause in self._exact.get(callee, ())
                   for key, value in clause.unless)


@functools.lru_cache(maxsize=65536)
def _matches_any(patterns: tuple[str, ...], callee: str) -> bool:
    return any(_match(pattern, callee) for pattern in patterns)


@functools.lru_cache(maxsize=65536)
def _matches_call(patterns: tuple[str, ...], callee: str, consts: tuple[str, ...]) -> bool:
    """Reports whether a call of `callee` whose arguments are the constants `consts` (per argument,
    the package-level value or boolean literal it is, else "") matches one of `patterns`. A pattern
    without parentheses names the callee alone; one with them names its leading arguments too, `_`
    for any argument: `io.Copy(io.Discard)` (the first is io.Discard, the rest anything),
    `net/http/httputil.DumpResponse(_, true)`."""
    for pattern in patterns:
        name, parenthesis, arguments = pattern.partition("(")
        if not _match(name, callee):
            continue
        if not parenthesis:
            return True
        wanted = [argument.strip() for argument in arguments.rstrip(")").split(",")]
        given = consts or ("",) * len(wanted)  # () when no argument is a constant
        if len(wanted) <= len(given) and all(want in ("_", const) for want, const in zip(wanted, given)):
            return True
    return False


def _match(pattern: str, callee: str) -> bool:
    if "*" in pattern or "?" in pattern[1:]:
        return fnmatch.fnmatchcase(callee, pattern)
    return pattern == callee


def load_rules(directories: list[Path], specs: ParsedSpecs | None = None) -> list[RuleSpec]:
    """Returns every rule in `directories`, sorted by id (their TOML parsed by `specs` when given, which
    then stores what it parsed); raises SpecError on a bad file or duplicate id."""
    rules: dict[str, RuleSpec] = {}
    for directory in directories:
        for path in sorted(directory.rglob("*.toml")):
            spec = load_rule(path, specs)
            if spec.id in rules:
                raise SpecError(f"{path}: duplicate rule id {spec.id} (also in {rules[spec.id].source})")
            rules[spec.id] = spec
    if specs is not None:
        specs.save()
    return [rules[key] for key in sorted(rules)]


_LOADED: dict[tuple[str, int, int, int, int], RuleSpec] = {}


def load_rule(path: Path, specs: ParsedSpecs | None = None) -> RuleSpec:
    """Returns the validated spec in `path`; raises SpecError naming the file and key. A file
    unchanged since it was last loaded (size, mtime, ctime, inode) gives the same RuleSpec object,
    so a long-running process (the language server) keeps the engine's per-rule-set caches warm."""
    from leaklint_gopy.specfile import read

    try:
        stat = path.stat()
    except OSError:
        return read(path, specs)  # says why in the reader's words
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    if key not in _LOADED:
        _LOADED[key] = read(path, specs)
    return _LOADED[key]
