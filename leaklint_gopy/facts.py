"""The values the dataflow engine tracks: acquisition sites, facts (a site that may be open, held by
access paths) and leaks, and the questions it may ask about the tree (the Oracle). Plain data;
it analyses nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from leaklint_gopy.frozen import fast_init
from leaklint_gopy.ir import Call, Owner, Span
from leaklint_gopy.spec import Acquire, RuleSpec

Holder = tuple[str, str]  # (access path, field path still to follow to the releasable handle)


@fast_init
@dataclass(frozen=True, slots=True)
class Site:
    """One acquiring call: its spec and clause, and the variable it was first bound to."""

    index: int
    spec: RuleSpec
    clause: Acquire
    call: Call
    variable: str | None
    pseudo: bool = False
    owned: str = ""  # a field of the method's object open on entry: "strict" or "lazy" (see _overwrite)
    lent: bool = False  # started on the caller's value (a Cmd parameter): only a failing return leaves it open


@fast_init
@dataclass(frozen=True, slots=True)
class Fact:
    """Site `site` may be open here, held by `holders`; `err` is its paired error variable.
    `raised` is where an exception was raised on the way here: whatever leaks it then leaks on an
    exception path."""

    site: int
    holders: frozenset[Holder]
    err: str | None = None
    deferred: bool = False
    raised: Span | None = None
    raised_by: str = ""  # the callee whose exception `raised` is
    pending: Span | None = None  # closed by a defer inside a loop: leaks if the loop goes round again
    unowned: Span | None = None  # stored at this span in a shared field its owner never closes (see _store_field)
    discarded: Span | None = None  # a result discarded at this call, open only where its error is nil
    closed_unless: str | None = None  # a helper closed it unless it failed: gone where this error is nil
    drained: bool = False  # read to its end (`io.ReadAll(resp.Body)`): see RuleSpec.drained_rule
    unbound: frozenset[str] = frozenset()  # Python locals bound on no path since it was acquired (unbound.py)
    detached: frozenset[str] = frozenset()  # the variable whose resource it took over (`conn = wrap_socket(s)`: s)
    used: bool = False  # a summary's seeded resource was operated on (`self._sock.send(b)`) on the way here
    # Stored by a method in a field its object releases: the object's from then on (it never leaks at an
    # exit, nor is it returned), kept only so that dropping the field before closing it leaks (see _store_field)
    kept: bool = False


@fast_init
@dataclass(frozen=True, slots=True)
class Leak:
    """Where a site leaks: `kind` is return/end/continue/break/iteration/overwrite/replaced/discarded/defer-loop/raise/exception/abandon/unowned;
    for an exception, `detail` is the callee that raised it."""

    site: int
    kind: str
    span: Span
    detail: str = ""
    owner: str = ""  # unowned: the object (`class Client`, `module app`) that never closes it
    drained: bool = False  # the resource had been read to its end on the way here
    used: bool = False  # a summary's seeded resource was operated on before it was left open (see Fact.used)


State = frozenset[Fact]
Reporter = Callable[[Leak], None]


def joined(holder: Holder) -> str:
    """Returns the access path of the releasable handle a holder leads to."""
    path, rest = holder
    return f"{path}.{rest}" if rest else path


def refers(path: str | None, holder: Holder) -> bool:
    """Reports whether passing `path` hands over the resource held by `holder` (itself, the value
    whose field leads to it, or a value that holds it in a field: `c` for `c.resp.Body`)."""
    return path is not None and (path == holder[0] or path == joined(holder) or holder[0].startswith(path + "."))


def remainder(path: str, holder: Holder) -> str:
    """Returns the field path from `path` (which refers to `holder`) to the releasable handle."""
    if path == joined(holder):
        return ""
    if path == holder[0]:
        return holder[1]
    return joined((holder[0][len(path) + 1:], holder[1]))


def root(path: str) -> str:
    return path.split(".", 1)[0]


class Oracle:
    """What the engine may ask about callees: acquisition clauses and tree-function summaries."""

    def acquisition(self, call: Call, receiver_type: str) -> tuple[RuleSpec, Acquire] | None: ...
    def param_effect(self, callee: str, index: int, rest: str, spec: RuleSpec, paired: int | None = None) -> str: ...
    def closure_effect(self, function: str, name: str, rest: str, spec: RuleSpec, mode: str,
                       clause: Acquire | None = None) -> str: ...
    def is_tree_function(self, callee: str) -> bool: ...
    def cleaned_results(self, qualname: str) -> frozenset[tuple[int, str, str]]: ...
    def made_method(self, clause: Acquire, method: str) -> str: ...
    def held_method(self, within: str, method: str, field: str) -> str: ...
    def mock_method(self, method: str, results: tuple) -> bool: ...
    def kept_by_object(self, init: str, index: int, rest: str, spec: RuleSpec, unreleased: bool = False) -> str | None: ...
    def keeps_given(self, cls: str, name: str) -> bool: ...
    def hands_over_receiver(self, method: str, spec: RuleSpec, actual: str = "") -> bool: ...
    def method_releases(self, method: str, rest: str, spec: RuleSpec) -> bool: ...
    def borrows_by_type(self, callee: str, index: int, own: bool = False) -> bool: ...
    def receiver_effect(self, callee: str, rest: str, spec: RuleSpec) -> str: ...
    def never_releases(self, callee: str, index: int, rest: str, spec: RuleSpec) -> bool: ...
    def receiver_left_open(self, callee: str, rest: str, spec: RuleSpec) -> bool: ...
    def passed_back(self, callee: str, index: int, rest: str, spec: RuleSpec,
                    paired: int | None = None) -> tuple[int, frozenset[str], bool] | None: ...
    def handed_errors(self, function: str) -> tuple[tuple[Site, str], ...]: ...
    def specs(self) -> list[RuleSpec]: ...
    def quiet(self, call: Call) -> bool: ...
    def sends(self, callee: str, index: int, site: Site) -> bool: ...
    def owner_releases(self, owner: Owner, field: str, spec: RuleSpec, held: Acquire | None = None) -> bool: ...
