"""The dataflow engine's helpers that need no analysis state: copying facts fast, reading ops and
calls (their roots, pairings, promotions), the effects a summary word has on a caller's fact, and
building leaks. Used by dataflow.py and its mixins (callflow.py, lifetimes.py); it never parses.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace as _replace

from leaklint_gopy.facts import Fact, Holder, Leak, Site, State, joined, refers, root
from leaklint_gopy.ir import Assign, Call, Edge, Guard, Kill, Pair, Span, Store
from leaklint_gopy.spec import Acquire, RuleSpec


_FACT_NAMES = frozenset(f.name for f in fields(Fact))
_FACT_COPIED = frozenset({"site", "holders", "err", "deferred", "raised", "raised_by", "pending", "unowned", "discarded",
                          "closed_unless", "drained", "unbound", "detached", "used", "kept"})  # what `replace` copies, one by one
assert _FACT_COPIED == _FACT_NAMES, "a field of Fact that leaklint_gopy.flowops.replace does not copy"
_new, _set = object.__new__, object.__setattr__


def replace(value, **changes):
    """Returns dataclasses.replace(value, **changes); a Fact (the fixpoint replaces them by the
    hundred thousand) is copied field by field, in half the time of the generic replace."""
    if value.__class__ is not Fact or not changes.keys() <= _FACT_NAMES:
        return _replace(value, **changes)  # (an unknown field raises there)
    get, copy = changes.get, _new(Fact)
    _set(copy, "site", get("site", value.site))
    _set(copy, "holders", get("holders", value.holders))
    _set(copy, "err", get("err", value.err))
    _set(copy, "deferred", get("deferred", value.deferred))
    _set(copy, "raised", get("raised", value.raised))
    _set(copy, "raised_by", get("raised_by", value.raised_by))
    _set(copy, "pending", get("pending", value.pending))
    _set(copy, "unowned", get("unowned", value.unowned))
    _set(copy, "discarded", get("discarded", value.discarded))
    _set(copy, "closed_unless", get("closed_unless", value.closed_unless))
    _set(copy, "drained", get("drained", value.drained))
    _set(copy, "unbound", get("unbound", value.unbound))
    _set(copy, "detached", get("detached", value.detached))
    _set(copy, "used", get("used", value.used))
    _set(copy, "kept", get("kept", value.kept))
    return copy


# What a tree function's summary says it does to a resource -> its effect on the caller's fact.
_EFFECTS = {"closes": "release", "escapes": "escape", "pools": "release", "closes-on-success": "release-on-success",
            "closes-on-failure": "release-on-failure", "drains": "drain", "passes": "borrow", "borrows": "borrow",
            "escapes-on-success": "escape-on-success", "passes-on-success": "borrow",
            "closes-unless-raising": "release-unless-raising", "escapes-unless-raising": "escape-unless-raising"}


def _constructs_tree_object(call: Call) -> bool:
    """Reports whether `call` builds an object of a class of the tree (`Conn(sock)`: its `__init__`,
    given no object of the caller's), rather than running an initializer on one (`super().__init__`)."""
    return call.callee.endswith(".__init__") and call.receiver is None and call.args[:1] == (None,)


def _contradicts(guard: Guard | None, assume: dict[str, bool | None]) -> bool:
    """Reports whether an edge's guard cannot hold for parameters known to be True or None: True
    is neither falsy nor None (a `nil` edge of `if x:` or of `if x is None:`), None is both; or for
    a Go method's own state known true or false (see irquery.own_decisions)."""
    while guard is not None:
        if guard.subject in assume and guard.kind in ("nil", "nonnil") \
                and (guard.kind == "nil") == (assume[guard.subject] is True):
            return True
        if guard.subject in assume and guard.kind in ("true", "false") \
                and (guard.kind == "true") != assume[guard.subject]:
            return True  # Ex) if c.closed { return }   (the closed state assumed false: not taken)
        guard = guard.also
    return False


def _reads_bound(call: Call, state: State) -> State:
    """Returns the facts of the paths on which `call` can run: one that calls a method of, or
    passes, a local bound on no path since the resource was acquired raises UnboundLocalError
    there, a programming error, not a path the author means.
    Ex) for m in msgs: if m == "STARTTLS": conn = wrap(s) elif m == "ENDTLS": s = conn.unwrap()"""
    if not any(f.unbound for f in state):
        return state
    roots = _call_roots(call)
    if all(roots.isdisjoint(f.unbound) for f in state):
        return state
    return frozenset(f for f in state if not f.unbound & roots)


def _read_later(state: State, live: frozenset[str]) -> State:
    """Returns the facts of `state` counting unbound only the locals of `live`, those a call may still
    read before binding them (unbound.Bindings.live): facts that differed only in names no later call
    reads become one (a loop's paths binding ten locals in turn multiplied them by the hundred)."""
    if all(f.unbound <= live for f in state):
        return state
    return frozenset(replace(f, unbound=f.unbound & live) if not f.unbound <= live else f for f in state)


_PASSIVE = (Call, Assign, Store, Kill, Pair)  # the ops that touch a fact only through the names they carry


def _roots(op: Call | Assign | Store | Kill | Pair) -> frozenset[str]:
    """Returns the variables whose facts `op` may read or change (see FunctionAnalysis._passes_through)."""
    match op:
        case Call(receiver=receiver, args=args, results=results):
            return frozenset(root(path) for path in (receiver, *args, *results) if path is not None)
        case Assign(target=target, source=source):
            return frozenset({root(target), root(source)} if source is not None else {root(target)})
        case Store(source=source):
            return frozenset({root(source)})
        case Kill(names=names):
            return frozenset(names)
        case Pair(target=target):
            return frozenset({root(target)})
    raise TypeError(op)


def _call_roots(call: Call) -> frozenset[str]:
    """Returns the variables a call is given (receiver and arguments): only what they hold can it touch."""
    return frozenset(root(path) for path in (call.receiver, *call.args) if path is not None)


def _reports_error(call: Call) -> bool:
    """Reports whether a call binds a trailing error result (`x, err := f(conn)`)."""
    return bool(call.results) and call.results[-1] is not None and "err" in call.results[-1].lower()


def _constructs(callee: str) -> bool:
    """Reports whether a call of code we cannot see builds an object: its name is a class's
    (`Pipe(fd)`) or a base class's initializer (`FileMessage.__init__(self, fp)`)."""
    name = callee.rsplit(".", 1)[-1]
    return name[:1].isupper() or name == "__init__"


def _in_place(call: Call, arg: str | None) -> bool:
    """Reports whether `arg` is a variable the result of a call of a named function is assigned back to
    (`c = wrap(ctx, c)`; not a function value's, `c, err = tlsWrap(c)`, which may close it when it fails)."""
    return arg is not None and "." not in arg and not arg.startswith("$") and arg in call.results \
        and not call.callee.startswith("?func")


def _spawned(call: Call) -> bool:
    """Reports whether `call` runs in a goroutine of its own (`go serve(conn)`)."""
    return ("spawn", "go") in call.kwargs


def _promoted(call: Call) -> str | None:
    """Returns the value whose embedded field a promoted method is called on (`conn` of conn.Close()
    where the front-end wrote the receiver `conn.conn`), if any."""
    return next((value for key, value in call.kwargs if key == "promoted"), None)


def _paired(call: Call, fact: Fact) -> int | None:
    """Returns the position of the argument that is the resource's paired error, if passed along."""
    return call.args.index(fact.err) if fact.err is not None and fact.err in call.args else None


def closes_through(path: str | None, holder: Holder, spec: RuleSpec, clause: Acquire) -> bool:
    """Reports whether `path` is a method value that releases the resource (`resp.Body.Close`, `sock.close`)."""
    if path is None or "." not in path:
        return False
    base, _, method = path.rpartition(".")
    return base == joined(holder) and (method in spec.release_methods or method in clause.release_methods)


def _leak(fact: Fact, kind: str, span: Span, detail: str = "") -> Leak:
    """Returns the leak of `fact` at `span`; one that follows a raised exception is an exception leak."""
    if fact.raised is not None:
        return Leak(fact.site, "exception", fact.raised, fact.raised_by, drained=fact.drained, used=fact.used)
    if fact.discarded is not None:
        return Leak(fact.site, "discarded", fact.discarded, drained=fact.drained)
    return Leak(fact.site, kind, span, detail, drained=fact.drained, used=fact.used)


def _at(items: tuple[str | None, ...], index: int | None) -> str | None:
    if index is not None and index < 0:
        index += len(items)  # Ex) error_result = -1: the last result, when there is more than one
        if index <= 0:
            return None
    if index is None or index >= len(items):
        return None
    return items[index]


def _drop(state: State, gone: Callable[[Holder], bool]) -> State:
    """Returns the state without the facts one of whose holders satisfies `gone` (handed away)."""
    return frozenset(f for f in state if f.site < 0 or not any(gone(h) for h in f.holders))


def _along(edge: Edge, state: State, sites: list[Site]) -> State:
    """Returns the facts that can hold on `edge`, given what its guard proves."""
    guard: Guard | None = edge.guard
    while guard is not None:
        if guard.kind in ("true", "false"):
            # Ex) if write { cmd.Start() } ... if !write { return }   (started only where write is true)
            other = ("flag", f"{guard.subject}={'false' if guard.kind == 'true' else 'true'}")
            state = frozenset(f for f in state if f.site < 0 or other not in sites[f.site].call.kwargs)
        elif guard.kind == "nonnil":
            state = frozenset(f for f in state if f.site < 0 or f.err != guard.subject)
        else:
            state = frozenset(f for f in state if f.site < 0 or f.closed_unless != guard.subject
                              and not any(refers(guard.subject, h) for h in f.holders))
        guard = guard.also
    return state


def _companion(call: Call, spec: RuleSpec, clause: Acquire) -> Acquire | None:
    """Returns the second clause a call acquires under when its first says `with_next`: the next
    clause of the rule that matches the call and says no such thing itself."""
    if not clause.with_next or clause not in spec.acquire:
        return None
    later = spec.acquire[spec.acquire.index(clause) + 1:]
    return next((c for c in later if not c.with_next and c.matches(call.callee, call.kwargs, call.result_type)), None)
