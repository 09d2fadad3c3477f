"""The language-neutral intermediate representation: one control-flow graph per function.

Front-ends lower source to these values; the dataflow engine reads nothing else. Values are
named by access paths (`resp`, `resp.Body`, `self.sock`); an expression that is not a path is
`None`. Nothing here knows about Go or Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Literal, Protocol, TypeAlias

from leaklint_gopy.finding import PARTIAL, Directive, FileError, Span  # (the model's: re-exported here)
from leaklint_gopy.frozen import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Call:
    """A call `callee(args)` whose results are bound to `results` (None: discarded).

    `callee` is the resolved qualified name (`net/http.Get`, `net/http.Client.Do`,
    `socket.socket`), or `?.NAME` for a method on a receiver of unknown type. `display` is the
    short human form used in messages (`http.Get`, `(*http.Client).Do`). `result_type` is the
    declared type of the first result when the front-end knows it (an interface method's).
    """

    span: Span
    callee: str
    display: str
    receiver: str | None = None
    args: tuple[str | None, ...] = ()
    results: tuple[str | None, ...] = ()
    kwargs: tuple[tuple[str, str], ...] = ()
    in_loop: bool = False
    result_type: str = ""
    awaited: bool = False
    consts: tuple[str, ...] = ()  # per argument, the package-level value it names (`io.Discard`) or its boolean literal, else ""
    # In a block meant to raise (`with self.assertRaises(E):`): it may raise, quiet or not, and
    # acquires nothing, since the block completing fails the test.
    expected: bool = False
    # In the body of a try whose handler catches a lookup error (`except IndexError:` around
    # `deque.popleft()`): the handler says it may raise, quiet or not.
    fallible: bool = False


# In a Call's kwargs: a context manager's exit called on an exception's way out of its block.
UNWINDING = ("<unwinding>", "1")


@fast_init
@dataclass(frozen=True, slots=True)
class Assign:
    """`target = source`: source is an access path (an alias) or None (a fresh, untracked value).

    `accumulate` adds `source` to what `target` already holds instead of replacing it: an element
    put into a local container (`conns.append(c)`, `[a, b]`), which keeps it reachable. `field`
    names the field of a new struct value `target` that `source` goes into (`&Client{conn: c}`):
    the value owns it (closing the value closes it) and `target.field` reaches it.
    """

    span: Span
    target: str
    source: str | None
    accumulate: bool = False
    field: str | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class Store:
    """The value at `source` escapes: stored in a field, global, container or channel."""

    span: Span
    source: str


@fast_init
@dataclass(frozen=True, slots=True)
class Capture:
    """A closure (`function`, the qualname of its FunctionIR) capturing outer `names`.

    mode: `call` runs it now, `defer` at function exit, `go` concurrently, `value` stores it.
    `registered`: a value handed to a registration that runs it when the test ends (Go's
    `t.Cleanup`): it releases then what its names hold, even what they get after it was registered.
    """

    span: Span
    function: str
    names: tuple[str, ...]
    mode: Literal["call", "defer", "go", "value"]
    growing: bool = True  # deferred in a loop whose count the input decides (or not in a loop at all)
    registered: bool = False


@fast_init
@dataclass(frozen=True, slots=True)
class Defer:
    """A call registered to run when the function returns; `in_loop` when inside a loop body."""

    span: Span
    call: Call
    in_loop: bool = False


@fast_init
@dataclass(frozen=True, slots=True)
class Kill:
    """Variables going out of scope on this path (loop iteration end, continue, break)."""

    span: Span
    names: tuple[str, ...]
    reason: Literal["continue", "break", "iteration", "scope"]


ExitKind: TypeAlias = Literal["return", "end", "raise", "exception", "abort", "abandon"]


@fast_init
@dataclass(frozen=True, slots=True)
class Exit:
    """Leaves the function. `values` escape to the caller; `abort` (panic, os.Exit) never reports;
    `abandon` is a suspended generator that its consumer drops (its `finally` runs, nothing else).
    `failing` marks a return that reports failure to the caller: a Go function's trailing error is
    non-nil there (`return fmt.Errorf(...)`, or `return err` under `if err != nil`); `succeeding` a
    return whose trailing error is surely nil (`return resp, nil`). `ends` marks an abort after which
    nothing returns to any caller: the process ends (os.Exit, log.Fatal, a return from main), or the
    path is never taken; a panic (recover) or t.Fatal (ends only the test's goroutine) is not one."""

    span: Span
    kind: ExitKind
    values: tuple[str | None, ...] = ()
    failing: bool = False
    succeeding: bool = False
    ends: bool = False


@fast_init
@dataclass(frozen=True, slots=True)
class Pair:
    """`flag` is falsy wherever what `target` holds was just acquired (`ok = False; try: foo =
    accept() except OSError: ok = True`): where `flag` proves truthy later, that resource is absent,
    as a Go resource is where its error is non-nil. Rebinding `flag` ends the pairing."""

    span: Span
    target: str
    flag: str


Op: TypeAlias = Call | Assign | Store | Capture | Defer | Kill | Exit | Pair


@fast_init
@dataclass(frozen=True, slots=True)
class Guard:
    """What an edge proves: `subject` is nil/None (`nil`) or not (`nonnil`) on that edge, or a
    boolean the function never assigns is `true` or `false` there, and what `also` proves with it
    (`err4 != nil && err6 != nil`: both errors are set)."""

    subject: str
    kind: Literal["nil", "nonnil", "true", "false"]
    also: Guard | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class Edge:
    target: int
    guard: Guard | None = None
    exceptional: bool = False
    handled: bool = False  # into an `except` clause: the exception is caught, later exits are normal
    catches: tuple[str, ...] = ()  # the qualified exception classes that clause catches (empty: any or unknown)
    tests: tuple[str, ...] = ()  # the names a branch's condition reads (`if s is self.req:`: s, self)


@dataclass(slots=True)
class Block:
    """A basic block: ops run in order, then control moves along one of `succs`."""

    id: int
    ops: list[Op] = field(default_factory=list)
    succs: list[Edge] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Owner:
    """The object whose fields a method reaches through `receiver` (`self`; "" for module globals).

    `methods` are the owner's functions that may release a field (finalizers excluded): a resource
    stored in a field that none of them releases leaks. `constructor` marks the function creating
    the object (`__init__`, a module body): what it stores stays its own until it returns normally.
    `fresh` marks functions that run while the object is built (the methods `__init__` calls): its
    fields hold nothing yet. `cached` fields are created lazily and rebinding one while it is open
    leaks the old value. `acquiring` are the methods that acquire resources themselves: only they
    can store a new one. `shared` are the owner's fields this function names without a receiver
    (module globals it rebinds): storing into one is storing into a field. `promoted` are the
    releasing methods a Go struct gets from the type it embeds, with the field they release.
    """

    name: str
    display: str
    receiver: str
    methods: tuple[str, ...]
    constructor: bool = False
    cached: tuple[str, ...] = ()
    acquiring: tuple[str, ...] = ()
    fresh: bool = False
    shared: tuple[str, ...] = ()
    promoted: tuple[tuple[str, str], ...] = ()  # (method, embedded field): a Go struct's promoted releases


@dataclass(slots=True)
class FunctionIR:
    """The CFG of one function. Block 0 is the entry; blocks whose last op is an Exit end it.

    `qualname` keys interprocedural summaries (`pkg/path.Func`, `pkg/path.Type.Method`,
    `module.func`); `params` are the parameter names in call order (Go's receiver excluded,
    Python's explicit `self` included; a Go method's receiver is `receiver`). `owner` is set for
    methods whose class the front-end knows.
    """

    qualname: str
    display: str
    span: Span
    params: tuple[str, ...]
    blocks: list[Block]
    is_closure: bool = False
    free_names: tuple[str, ...] = ()
    owner: Owner | None = None
    receiver: str = ""  # a Go method's receiver name: what a call on a value of its type passes
    receiver_error: str = ""  # its `error` field (`r.err`): set, the value holds no resource (`&Row{err: err}`)
    meant_to_raise: bool = False  # used only where a test expects an exception: returning fails the test
    # Python parameters defaulting to True, None or False, with that default: a call leaving one to its
    # default (or passing the same literal) runs only the branches that value takes (make_socket(cleanup=True))
    switches: tuple[tuple[str, bool | None], ...] = ()
    # A Python @contextmanager generator: leaving its with-block resumes it, and what its end still
    # holds of the value it yielded is the with's (returned), so the with's exit releases nothing more
    managed: bool = False


@dataclass(slots=True)
class LoweredFile:
    """A file's lowered functions; `lazy` lowers, on demand, helpers needed only for summaries;
    `plain` names functions declared to return nothing that could hold a resource (Go: no results,
    or only basic types), whose results need no summary."""

    path: str
    language: str
    functions: list[FunctionIR]
    directives: list[Directive] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    lazy: dict[str, Callable[[], list[FunctionIR]]] = field(default_factory=dict)
    plain: set[str] = field(default_factory=set)
    elsewhere: bool = False  # built only for other platforms than the reference one (Go: `dir_darwin.go`)


class Frontend(Protocol):
    """Lowers source files of one language into FunctionIR."""

    language: str
    extensions: tuple[str, ...]

    def lower_package(self, key: str, files: list[tuple[str, bytes]], tree_packages: dict[str, str],
                      needles: frozenset[bytes], focus: frozenset[str] | None = None,
                      tree: object | None = None,
                      selected: dict[str, frozenset[str]] | None = None) -> list[LoweredFile]:
        """Returns one LoweredFile per input file of package `key`, lowered together; only the
        functions of files in `focus` (all, when None) are lowered to be checked, and of a file in
        `selected` only the functions it names (a front-end may ignore it: pre-commit selects Go
        callers only); the other packages of the tree (`tree`) may lend what the front-end reads of them."""
        ...
