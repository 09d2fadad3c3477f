"""The one dataflow engine: a forward may-analysis of open resources over a FunctionIR.

Each acquisition site is tracked through aliases, releases, defers and escapes as a set of
facts per program point; a site still open at an exit, an overwrite or a scope end is a leak.
Rule specs say what acquires, releases and borrows; summaries of the analysed tree's own
functions (the Oracle, see analysis.py) say which helpers close their parameters or return
resources. The values it tracks are in facts.py, field and global ownership in ownership.py,
closures and registered closers in closures.py.
The engine never parses and never formats.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace as _replace
from functools import cached_property

from leaklint_gopy.facts import Fact, Holder, Leak, Oracle, Reporter, Site, State, joined, refers, remainder, root
from leaklint_gopy.ir import UNWINDING, Assign, Call, Capture, Defer, Edge, Exit, FunctionIR, Guard, Kill, Pair, Span, Store
from leaklint_gopy.bound import bound_calls
from leaklint_gopy.closures import Closures
from leaklint_gopy.nonnil import marked
from leaklint_gopy.ownership import OwnedFields
from leaklint_gopy.spec import Acquire, RuleSpec
from leaklint_gopy.unbound import Bindings, bound_by

_FACT_NAMES = frozenset(f.name for f in fields(Fact))
_FACT_COPIED = frozenset({"site", "holders", "err", "deferred", "raised", "raised_by", "pending", "unowned", "discarded",
                          "closed_unless", "drained", "unbound", "detached", "used"})  # what `replace` copies, one by one
assert _FACT_COPIED == _FACT_NAMES, "a field of Fact that leaklint_gopy.dataflow.replace does not copy"
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
    return copy


class FunctionAnalysis(OwnedFields, Closures):
    """Runs the may-analysis over one function and records leaks through `report`."""

    def __init__(self, function: FunctionIR, oracle: Oracle, seeds: list[tuple[Site, Holder]] = (),
                 seed_err: str | None = None, assume: dict[str, bool | None] | None = None,
                 dispatch: dict[str, str] | None = None) -> None:
        self.function = function
        self.assume = assume or {}  # parameters known to hold True or None (a caller's literal, see FunctionIR.switches)
        self.dispatch = dispatch or {}  # receiver fields known to hold a value of a tree type (see Oracle.mock_method)
        self.oracle = oracle
        self.sites: list[Site] = []
        self._by_call: dict[int, list[int]] = {}
        self._acquired: dict[tuple[int, str], tuple[RuleSpec, Acquire] | None] = {}  # see _acquisition
        self._bound: dict[int, tuple[Call, ...]] = {}  # a call through a parameter -> as each function passed for it
        self._closing: dict[tuple[int, frozenset], State] = {}  # a deferred closure's markers (see Closures._closing_markers)
        self.seeds = list(seeds)
        self.seed_err = seed_err  # the parameter holding the seeds' error: where it is non-nil they are absent
        for site, _ in self.seeds:
            self.sites.append(site)
        self.returned: dict[int, dict[int, frozenset[str]]] = {}  # site -> result position -> field paths
        self.returned_closed: set[int] = set()  # sites returned closed on some path that does not fail
        self.returned_succeeding: set[int] = set()  # sites returned open on some path that does not fail
        self.returned_drained: dict[int, bool] = {}  # site -> returned read to its end on every path
        self.released: set[int] = set()
        self.stored: dict[str, int] = {}  # owner field -> first site stored into it
        self.pooled: set[int] = set()  # sites added to a container in a field (`self.socks[fd] = s`)
        self.closed_if_failing: dict[int, str] = {}  # site -> error result of the call being applied
        self.passing: dict[int, tuple[int, frozenset[str], bool]] = {}  # site -> where that call hands it back
        self.handed: dict[int, str] = {}  # a closure's discarded sites -> the captured variable holding their error
        self._place = (0, 0)  # the block of the call being applied, and its position there (see _bound_before)
        self._edits = 0  # how often a site was changed in place (see run)
        self.raising: Call | None = None  # the call whose exception's effects are being applied (see _block)

        self._named: tuple[State | None, frozenset[str] | None] = (None, None)  # see _names
        self._loosened: tuple[State | None, bool] = (None, False)  # see _loose

    # -- fixpoint ---------------------------------------------------------------------------
    def run(self, report: Reporter) -> None:
        """Computes in-states to a fixpoint, then reports the leaks of every block from its final
        in-state, in block order. A block's last evaluation in the fixpoint had that in-state (any
        change queues it again), so its leaks are kept from there rather than found by a replay (half
        of the engine's time), unless a site changed in place since (see _edit), which a replay sees."""
        blocks = self.function.blocks
        entry = frozenset(Fact(site.index, frozenset({holder}), self.seed_err) for site, holder in self.seeds)
        states: dict[int, State] = {0: entry}
        found: dict[int, tuple[int, list[Leak]]] = {}  # block -> (edits before its last evaluation, its leaks)
        work = [0]
        while work:
            block_id = work.pop()
            leaks: list[Leak] = []
            found[block_id] = (self._edits, leaks)
            out, raised = self._block(block_id, states[block_id], leaks.append)
            for edge in blocks[block_id].succs:
                if self.assume and _contradicts(edge.guard, self.assume):
                    continue  # Ex) if cleanup: self.addCleanup(sock.close)   (called with cleanup left True)
                new = _along(edge, raised if edge.exceptional else out, self.sites)
                if edge.handled:
                    new = frozenset(replace(f, raised=None) if f.raised else f for f in new
                                    if not self._handshake_only(f, edge))
                old = states.get(edge.target)
                if old is None or not new <= old:
                    states[edge.target] = new if old is None else old | new
                    work.append(edge.target)
        for block_id in sorted(states):
            edits, leaks = found[block_id]
            if edits != self._edits:
                self._block(block_id, states[block_id], report)
                continue
            for leak in leaks:
                report(leak)

    @cached_property
    def bindings(self) -> Bindings:
        """The function's locals and where they are bound, found when an acquisition first asks (most
        analyses never acquire: a helper's summary follows its parameter). Unbound locals are a Python
        matter: a Go variable is declared before any use."""
        return Bindings.of(self.function, not self.function.span.path.endswith(".go"))

    def _bound_before(self) -> set[str]:
        """Returns the locals some path to the call being applied has bound: on entry to its block,
        or by an op before it in the block."""
        block_id, index = self._place
        bound = set(self.bindings.entry.get(block_id, self.bindings.locals))
        if self.bindings.locals:
            for op in self.function.blocks[block_id].ops[:index]:
                bound.update(bound_by(op))
        return bound

    def _edit(self, site: Site) -> None:
        """Replaces a site in place: blocks evaluated before see the old one (see run)."""
        if site != self.sites[site.index]:
            self.sites[site.index] = site
            self._edits += 1

    def _block(self, block_id: int, state: State, report: Reporter) -> tuple[State, State]:
        """Returns the state after the block, and the state its exceptional edges carry: its last
        call raised, so that call's releases and escapes happened but its results were never bound."""
        block = self.function.blocks[block_id]
        last: tuple[Call, State] | None = None
        for index, op in enumerate(block.ops):
            if not state and not isinstance(op, (Call, Capture)):
                # Nothing is open, not even a marker: only a call can acquire and only a closure can
                # hand something over; every other op maps the empty state to itself (and reports nothing)
                continue
            doomed: State = frozenset()
            if isinstance(op, Call):
                self._place = (block_id, index)
                if self._loose(state):
                    state = _reads_bound(op, state)
                    doomed = self._rewraps(op, state)
                last = (op, state - doomed if doomed else state)
            state = self._binds(op, self._op(op, state - doomed if doomed else state, report))
        if last is None or not any(edge.exceptional for edge in block.succs):
            return state, state
        if not last[1]:
            self.closed_if_failing, self.passing = {}, {}
            return state, last[1]  # nothing was open at the call: nothing is when it raises
        span = last[0].span
        markers = frozenset(f for f in last[1] if f.site < 0)
        if not last[0].expected and not last[0].fallible and last[1] - markers and self.oracle.quiet(last[0]):
            return state, markers  # Ex) sock.setblocking(False)   (does not fail in practice)
        if not last[0].expected and self._fills_buffer(last[0], last[1] - markers):
            return state, markers  # Ex) f = open(p, "wb"); f.write(b"x")   (the I/O comes at close)
        self.raising = last[0]
        raised = self._call_effects(last[0], last[1] - markers, deferred=False)
        self.raising = None
        self.closed_if_failing, self.passing = {}, {}  # an exception: the call returned nothing
        return state, frozenset(replace(f, raised=span, raised_by=last[0].callee) for f in raised) | markers

    def _handshake_only(self, fact: Fact, edge: Edge) -> bool:
        """Reports whether `edge` enters an except clause catching only errors that the acquiring
        call alone raises (Acquire.handshake_errors: a TLS error comes from the handshake in an HTTPS
        connection's connect, which holds nothing when it fails), while what raised was a later call
        on the resource: that clause is not reached with it held.
        Ex) try: h.request("GET", "/"); resp = h.getresponse() except ssl.SSLError: raise SkipTest"""
        if fact.site < 0 or fact.raised is None or not edge.catches:
            return False
        clause = self.sites[fact.site].clause
        return set(edge.catches) <= set(clause.handshake_errors) and not clause.matches(fact.raised_by, ())

    def _binds(self, op, state: State) -> State:
        """Returns the state after `op` bound its names: facts no longer count them unbound. (Only a
        Python acquisition, which found the bindings, makes facts with such names.)"""
        if not self._loose(state) or not self.bindings.locals:
            return state
        names = frozenset(bound_by(op))
        if not names or all(names.isdisjoint(f.unbound) and names.isdisjoint(f.detached) for f in state):
            return state  # (the same set: what _names and _loose keep stays valid)
        return frozenset(replace(f, unbound=f.unbound - names, detached=f.detached - names)
                         if (f.unbound | f.detached) & names else f for f in state)

    def _rewraps(self, call: Call, state: State) -> State:
        """Returns the facts on whose paths `call` surely raises: it takes over a variable whose
        resource the fact's own acquisition already took over, now an empty shell (a detached
        socket: wrapping it again fails in getsockopt with EBADF), so its results are never bound.
        Ex) conn = ctx.wrap_socket(s); ...; conn = ctx.wrap_socket(s)   (conn is not overwritten)"""
        if not any(f.detached for f in state):
            return frozenset()
        acquired = self._acquisition(call, state)
        if acquired is None or acquired[1].takes_over_arg is None or acquired[1].takes_over_arg >= len(call.args):
            return frozenset()
        taken = call.args[acquired[1].takes_over_arg]
        return frozenset(f for f in state if taken in f.detached)

    def _fills_buffer(self, call: Call, state: State) -> bool:
        """Reports whether `call` is a method of a resource open here that only fills its buffer
        (see Acquire.fills_buffer): `f.write(...)` on a file from open(), `p.stdin.write(...)` on a
        Popen with stdin=PIPE. A method of any other value may do its I/O at once."""
        if call.receiver is None:
            return False
        method = call.callee.rpartition(".")[2]
        for fact in state:
            site = self.sites[fact.site]
            # A Popen's stdout pipe is held at `p.stdout`; its buffered methods are the object's (`stdin.write`).
            handles = {joined(h) for h in fact.holders} | \
                ({h[0] for h in fact.holders} if site.clause.object_release_methods else set())
            for handle in sorted(handles):
                if call.receiver == handle:
                    path = method
                elif call.receiver.startswith(handle + "."):
                    path = f"{call.receiver[len(handle) + 1:]}.{method}"
                else:
                    continue
                if site.clause.fills_buffer(path, site.call.kwargs):
                    return True
        return False

    def _op(self, op, state: State, report: Reporter) -> State:
        """Applies one op; markers (deferred closures' names, see _capture) pass through untouched."""
        if isinstance(op, Call) and op.callee == "?func" and op.kwargs:
            joined_calls = self._bound.setdefault(id(op), bound_calls(op, self.function))
            if joined_calls:
                return self._joined(joined_calls, state, report)
        if isinstance(op, _PASSIVE) and self._passes_through(op, state):
            # Ex) n = len(data)   (about half of the ops: nothing open is named, nothing acquired)
            registered = self._registered(op)
            return state | registered if registered else state
        # (most ops meet no marker, and many no fact at all: no new set is built for them)
        markers = frozenset(f for f in state if f.site < 0) if state else state
        after = self._op_facts(op, state - markers if markers else state, report, markers)
        if isinstance(op, Exit):
            return after
        registered = self._registered(op)
        return after | markers | registered if markers or registered else after

    def _joined(self, calls: tuple[Call, ...], state: State, report: Reporter) -> State:
        """Returns the join of `state` after each of `calls` (one call through a parameter, as each
        function passed for it: see bound.py), reporting each leak once."""
        leaks: dict[Leak, None] = {}
        after: State = frozenset()
        for call in calls:
            after |= self._op(call, state, lambda leak: leaks.setdefault(leak, None))
        for leak in leaks:
            report(leak)
        return after

    def _passes_through(self, op: Call | Assign | Store | Kill | Pair, state: State) -> bool:
        """Reports whether `op` leaves every fact of `state` as it is: it names no variable that
        holds one or one's error (each of these ops reads a fact only through a path rooted at one
        of its names), and acquires nothing. The full transfer would rebuild the same facts."""
        if state:
            names = self._names(state)
            if names is None or not names.isdisjoint(_roots(op)):
                return False
        if not isinstance(op, Call):
            return True
        # (no fact is held by its receiver: the receiver's type is unknown, as with nothing open)
        if op.expected or self._acquisition(op, frozenset()) is None:
            self.closed_if_failing, self.passing = {}, {}  # as _call leaves them
            return True
        return False

    def _names(self, state: State) -> frozenset[str] | None:
        """Returns the variables (roots of access paths) the facts of `state` are held or paired by;
        None when a fact has no holder left (a deferred one): any rebinding reports it (_overwrite).
        The last answer is kept: a run of ops that pass through sees the same state."""
        if state is self._named[0]:
            return self._named[1]
        names: set[str] | None = set()
        for fact in state:
            if fact.site < 0:
                continue  # markers: the ops _names is asked for pass them through (see _op)
            if not fact.holders:
                names = None
                break
            for path, _ in fact.holders:
                names.add(path.partition(".")[0])  # (root)
            if fact.err is not None:
                names.add(fact.err.partition(".")[0])
        self._named = (state, None if names is None else frozenset(names))
        return self._named[1]

    def _loose(self, state: State) -> bool:
        """Reports whether a fact of `state` counts a local unbound or a variable detached (see _binds);
        the last answer is kept, as _names keeps its own."""
        if state is not self._loosened[0]:
            self._loosened = (state, any(f.unbound or f.detached for f in state))
        return self._loosened[1]

    def _op_facts(self, op, state: State, report: Reporter, markers: State) -> State:
        match op:
            case Call():
                return self._call(op, state, report, deferred=False)
            case Assign(target=target, source=source, field=str() as field):
                return self._into_value(target, source, field, state)
            case Assign(span=span, target=target, source=source, accumulate=accumulate):
                return self._assign(span, target, source, state, report, accumulate)
            case Store(source=source):
                state = self._hand_out_unowned(source, state, report)
                return _drop(state, lambda h: refers(source, h))
            case Capture():
                return self._capture(op, state)
            case Defer():
                return self._defer(op, state, report)
            case Kill(span=span, names=names, reason=reason):
                return self._lose(state, lambda h: root(h[0]) in names, report, reason, span, markers)
            case Exit():
                return self._exit(op, state, report, markers)
            case Pair(target=target, flag=flag):
                # Ex) ok = False; try: foo = serv.accept() except OSError: ok = True   (`if not ok: fail`)
                return frozenset(replace(f, err=flag) if f.err is None and any(h[0] == target for h in f.holders)
                                 else f for f in state)
        return state

    # -- calls ------------------------------------------------------------------------------
    def _call(self, call: Call, state: State, report: Reporter, deferred: bool) -> State:
        wrapped = self._wrapped(call, state)
        self.closed_if_failing, self.passing = {}, {}
        state = self._call_effects(call, state, deferred)
        passed, self.passing = self.passing, {}
        # Ex) with self.assertRaises(OSError): s = socket.create_connection(a)   (meant to fail)
        acquired = None if call.expected else self._acquisition(call, state)
        moving = wrapped | set(passed)  # Ex) c = tls.Client(c, cfg)   (the new value holds the old one)
        kept = frozenset(f for f in state if f.site in moving)
        for target in call.results:
            if target is not None and kept:
                kept = frozenset(replace(f, err=None) if f.err == target else f for f in kept)
                state = self._overwrite(call.span, target, state - kept, report) | kept
            elif target is not None:
                state = self._overwrite(call.span, target, state, report)
        if wrapped and call.results and call.results[0] is not None:
            holder = (call.results[0], "")
            state = frozenset(replace(f, holders=f.holders | {holder}) if f.site in wrapped else f for f in state)
        if passed:
            state = self._pass_on(call, passed, state)
        if self.closed_if_failing:
            failing, self.closed_if_failing = self.closed_if_failing, {}
            state = frozenset(replace(f, err=failing[f.site]) if f.site in failing else f for f in state)
        if acquired is not None:
            state = self._acquire(call, *acquired, state, report)
            companion = _companion(call, *acquired)
            if companion is not None:
                # Ex) p = Popen(cmd, stdout=PIPE)   (its stdout pipe, then its child)
                state = self._acquire(call, acquired[0], companion, state, report)
        return state

    def _pass_on(self, call: Call, passed: dict[int, tuple[int, frozenset[str], bool]], state: State) -> State:
        """Adds the call's results to the holders of what it handed back; where the callee hands it
        back on every path and also reports an error, that error being set means it kept nothing
        (it closed it, or never had it)."""
        out = set()
        for fact in state:
            if fact.site in passed and fact.site >= 0:
                position, rests, always = passed[fact.site]
                target = call.results[position] if position < len(call.results) else None
                if target is not None:
                    paired = always and len(call.results) > 1 and position != len(call.results) - 1
                    err = call.results[-1] if paired else fact.err
                    fact = replace(fact, holders=fact.holders | {(target, rest) for rest in rests}, err=err)
                    site = self.sites[fact.site]
                    if site.variable is None or site.variable.startswith("$"):
                        self._edit(replace(site, variable=target))  # messages name `resp`
            out.add(fact)
        return frozenset(out)

    def _into_value(self, target: str, source: str | None, field: str, state: State) -> State:
        """`target` is a new struct value holding `source` in `field` (`c := &call{resp: resp}`): it
        owns the resource, so closing `target` or `target.field...` closes it."""
        out = set()
        for fact in state:
            added = set()
            for holder in fact.holders:
                if refers(source, holder):
                    rest = remainder(source, holder)
                    added |= {(target, ""), (f"{target}.{field}", rest) if field else (target, rest)}
            out.add(replace(fact, holders=fact.holders | added) if added and fact.site >= 0 else fact)
        return frozenset(out)

    def _wrapped(self, call: Call, state: State) -> set[int]:
        """Returns the sites that `call` wraps: the resources of its arguments live on in its result
        (`tls.Client(conn, cfg)`, `os._wrap_close(proc.stdout, proc)`), or that a method returning
        its object itself is called on (`s = conn.unwrap()`, see Acquire.same_object_methods)."""
        method = call.callee.rpartition(".")[2]
        same = {f.site for f in state if call.receiver is not None and f.site >= 0
                and method in self.sites[f.site].clause.same_object_methods
                and any(joined(h) == call.receiver for h in f.holders)}
        given = [arg for arg in call.args if arg is not None]
        if not given:
            return same
        wrapped = {f.site for f in state if any(refers(arg, h) for arg in given for h in f.holders)
                   and self.sites[f.site].spec.is_wrap(call.callee)}
        for arg in call.args:
            if _in_place(call, arg) and not self.oracle.is_tree_function(call.callee):
                # Ex) c = netpkg.NewContextConn(ctx, c)   (the wrapper takes the variable's name: it holds c)
                wrapped |= {f.site for f in state if (arg, "") in f.holders
                            and self.sites[f.site].spec.unresolved_calls == "handoff"}
        return wrapped | same

    def _call_effects(self, call: Call, state: State, deferred: bool) -> State:
        if not state:
            return state  # nothing is open: the call can do nothing to it
        paths = _call_roots(call)
        if not paths:
            return state  # Ex) time.Now()   (it is given nothing: it can do nothing to what is open)
        out = set()
        for fact in state:
            if paths.isdisjoint({path.partition(".")[0] for path, _ in fact.holders}):  # (their roots)
                out.add(fact)
                continue
            effect = self._effect_on(call, fact)
            conditional = effect.endswith("-on-success") or effect.endswith("-on-failure")
            failure = call.results[-1] if conditional and call.results else None
            if failure is not None and not deferred and effect == "release-on-success":
                # Ex) if err := wantBody(res); err != nil { t.Fatal(err) }   (it closes unless it fails)
                self.released.add(fact.site)
                out.add(replace(fact, closed_unless=failure))
                continue
            if effect == "escape-on-success":
                if failure is not None and not deferred:
                    # Ex) sess, err := quic.Dial(udpConn, ...); if err != nil { return err }   (still ours)
                    out.add(replace(fact, closed_unless=failure))
                continue
            if failure is not None and not deferred:
                # Ex) if err := readError(resp); err != nil { return err }   (it closes when it fails;
                # paired with `err` once the call's results are bound, see _call)
                self.released.add(fact.site)
                self.closed_if_failing[fact.site] = failure
                out.add(fact)
                continue
            if effect == "drain" and self.sites[fact.site].spec.drained_rule and not deferred:
                out.add(replace(fact, drained=True))
                continue
            if effect in ("release", "drain"):
                self.released.add(fact.site)
                if deferred:
                    out.add(replace(fact, deferred=True))
                continue
            if effect == "escape":
                continue
            if _spawned(call) and not self._left_open(call, fact):
                continue  # Ex) go r.handleConn(ctx, conn)   (the goroutine owns what it is given from now on)
            if not fact.used and self.sites[fact.site].pseudo and self._operates_on(call, fact) \
                    and not self.oracle.quiet(call):
                # Ex) def send(self, b): self._sock.sendall(b) ...   (I/O on a summary's resource: it was
                # open there, see Fact.used; `self.stream.fileno()` only inspects it)
                fact = replace(fact, used=True)
            out.add(fact)
        return frozenset(out)

    @staticmethod
    def _operates_on(call: Call, fact: Fact) -> bool:
        """Reports whether `call` is a method of the resource itself or is given it (`self._sock.send(b)`,
        `os.write(self.fd, b)`), not a method of the object holding it (`self.reset()`)."""
        return any(joined(holder) in (call.receiver, *call.args) for holder in fact.holders)

    def _left_open(self, call: Call, fact: Fact) -> bool:
        """Reports whether the tree function a go statement runs is given the resource and releases it
        on no path (`go readUntilError(c, done)`): the goroutine keeps it open, the caller still owns it."""
        if not self.oracle.is_tree_function(call.callee):
            return False
        spec = self.sites[fact.site].spec
        for holder in sorted(fact.holders):
            for index, arg in enumerate(call.args):
                if refers(arg, holder):
                    return self.oracle.never_releases(call.callee, index, remainder(arg, holder), spec)
        return False

    def _effect_on(self, call: Call, fact: Fact) -> str:
        """Returns release, drain, escape or borrow: what `call` does to the resource of `fact`."""
        spec = self.sites[fact.site].spec
        holders = sorted(fact.holders)  # one answer whatever the order of a set
        method = call.callee.rsplit(".", 1)[-1]
        if method in ("__exit__", "__aexit__") and self.sites[fact.site].clause.managed:
            # Ex) with pool.get_socket(checkout=True):   (leaving the block resumed the generator, whose
            # summary handed the socket out: the with releases nothing more; a later `with s:` over the
            # same value is read alike, a miss). On an exception's way out the generator gets it at its
            # yield, and an exception out of the exit is raised by its code after the yield: what either
            # leaves open is the generator's own finding, not the caller's.
            return "release" if UNWINDING in call.kwargs or call is self.raising else "borrow"
        for holder in holders:
            # What the rule declares comes first: cmd.Wait() waits for the process whatever
            # the tree's own (*Cmd).Wait summary guesses about its early returns.
            if call.receiver is not None and joined(holder) in (call.receiver, _promoted(call)):
                clause = self.sites[fact.site].clause
                awaited = call.awaited or not clause.awaited_release
                if (method in spec.release_methods or method in clause.release_methods) and awaited:
                    return "release"
                if method in spec.drain_methods and not call.args:
                    return "drain"  # Ex) body = urlopen(u).read()   (read to the end: it closes itself)
            if call.receiver is not None and call.receiver == holder[0] and holder[1] and spec.language == "python" \
                    and method in (self.sites[fact.site].clause.object_release_methods or spec.release_methods):
                # Ex) info = pool.connect(); info.close()   (an object holding it in info.sock)
                # Ex) self.addCleanup(info.close)   (handed over to be called)
                # Ex) net.close()   (its class's close: `if self._closed: return` first reads as a path
                # that keeps it open, but it is the object's one way to close what it holds)
                return "release"
        python = spec.language == "python"
        # The method the receiver's call runs matters only where the receiver leads to the resource:
        # asking whether it is a tree function lowers it (and may load its package), so a call that
        # is only given the resource (`io.Copy(w, resp.Body)`) never asks
        receiving = call.receiver is not None and any(refers(call.receiver, holder) for holder in holders)
        callee, made = self._method_run(call, fact, spec) if receiving or python else (call.callee, "")
        if python and self._object_call(call, holders) \
                and not self.sites[fact.site].clause.object_release_methods:
            # Ex) producer = self.makeProducer(request, f); producer.start()   (start() registers the
            # producer with the request, which stops it, and closes f, later): a method of an object
            # holding the resource that hands the object to code it cannot see, or that is unknown
            actual = self.sites[fact.site].clause.type
            if not self.oracle.is_tree_function(callee) and actual \
                    and self.oracle.keeps_given(actual, call.callee.rpartition(".")[2]):
                pass  # Ex) poller._get_wait_seconds()   (a function its constructor was given: it never saw the object)
            elif not self.oracle.is_tree_function(callee) or self.oracle.hands_over_receiver(callee, spec, actual):
                return "escape"
        if spec.language == "go" and call.receiver is not None and not self.oracle.is_tree_function(callee):
            effect = self._held_effect(call, holders, spec)
            if effect != "borrow":
                return effect
        for holder in holders:
            if call.receiver is not None and refers(call.receiver, holder) and self.oracle.is_tree_function(callee):
                # Ex) w := &wrapper{rows: rows}; w.Scan(&v)   (the method closes what its receiver holds)
                # Ex) info = pool.connect(); info.close_socket()   (a SocketInfo: its method, by the site's type)
                rest = remainder(call.receiver, holder)
                if python and not rest:
                    rest = self.sites[fact.site].clause.field or ""  # Ex) for info in self.sockets: info.close()
                # A Python method's object is its parameter 0; one holding the resource in a field is
                # asked here, a resource itself goes through the arguments below (hand-backs included)
                effect = self.oracle.param_effect(callee, 0, rest, spec) if python and rest \
                    else self.oracle.receiver_effect(callee, rest, spec)
                if effect.startswith("passes"):
                    effect = "borrows"  # Ex) raw = self.opened_raw()   (handed back: the arguments below say to whom)
                if effect == "borrows" and rest and self.oracle.method_releases(callee, rest, spec):
                    # Ex) waker.connectionLost(reason)   (`if not hasattr(self, "o"): return` first: the
                    # method of its class that closes what the object holds, whatever state it guards)
                    # Ex) f.Cancel()   (`if a.closed { return nil }` first, likewise)
                    # Ex) c.closeConnection()   (`if c.flags.isSet(closeConnection) { return }` first:
                    # nats-server's client closes c.nc once; a Go method of the object's own type is
                    # read like a Python one)
                    return "release"
                if effect != "borrows":
                    return _EFFECTS[effect]
            for index, arg in enumerate(call.args):
                if refers(arg, holder):
                    effect = self._arg_effect(call, index, holder, spec, fact)
                    if effect != "borrow":
                        return effect
                elif closes_through(arg, holder, spec, self.sites[fact.site].clause):
                    return "release"  # Ex) defer logErr(l, "closing body", resp.Body.Close)
                elif arg is not None and spec.releases_by_handle(call.callee, arg, joined(holder)):
                    return "release"  # Ex) os.waitpid(proc.pid, 0)   (reaps the child of proc)
        return "borrow"

    def _held_effect(self, call: Call, holders: list[Holder], spec: RuleSpec) -> str:
        """Returns what an interface method called on a value holding the resource in a field does to
        it: the method of the one type of this package whose method of that name reads that field
        (see Oracle.held_method), read like any method of the tree."""
        # Ex) func (s *shimTask) delete(...) { ...; s.ShimInstance.Delete(ctx) }   (s holds it at
        # ShimInstance.client.ClientConn: a *shim, whose Delete closes s.client)
        for holder in holders:
            whole = joined(holder)
            if not whole.startswith(call.receiver + ".") or not (call.receiver == holder[0] or call.receiver.startswith(holder[0] + ".")):
                continue
            rest = whole[len(call.receiver) + 1:]
            method = self.oracle.held_method(self.function.qualname, call.callee.rpartition(".")[2], rest.partition(".")[0])
            if not method:
                continue
            effect = self.oracle.receiver_effect(method, rest, spec)
            if effect == "borrows" and self.oracle.method_releases(method, rest, spec):
                return "release"
            if effect != "borrows" and not effect.startswith("passes"):
                return _EFFECTS[effect]
        return "borrow"

    def _method_run(self, call: Call, fact: Fact, spec: RuleSpec) -> tuple[str, str]:
        """Returns the function a call runs on what holds the resource of `fact`: the tree method of
        the site's type for a method of an unknown receiver (`?.Close`), or the one a tree function's
        summary made (see Oracle.made_method); else the call's callee. The second value is the
        method made, or ""."""
        clause = self.sites[fact.site].clause
        typed = clause.type + call.callee[1:] if call.callee.startswith("?.") else call.callee
        callee = typed if self.oracle.is_tree_function(typed) else call.callee
        made = callee.startswith("?.") and spec.language == "go" and self.oracle.made_method(clause, call.callee[2:])
        # Ex) f, err := atomicfile.New(p); ...; f.Cancel()   (New returns its package's *atomicFile as a File)
        return (made, made) if made else (callee, "")

    def _object_call(self, call: Call, holders: list[Holder]) -> bool:
        """Reports whether `call` is a method call on an object of this function (not its own `self`)
        that holds the resource in a field: `c.start()` where `c.sock` is the socket."""
        own = self.function.owner.receiver if self.function.owner is not None else ""
        return call.receiver is not None and call.receiver != own and any(
            call.receiver == holder[0] and holder[1] for holder in holders)

    def _arg_effect(self, call: Call, index: int, holder: Holder, spec: RuleSpec, fact: Fact) -> str:
        rest = remainder(call.args[index], holder)
        if index == 0 and spec.is_wrap(call.callee):
            return "borrow"
        if spec.is_release_call(call.callee) or self.sites[fact.site].clause.is_release_call(call.callee):
            return "release"
        if spec.is_drain(call.callee, call.consts):
            return "drain"
        if spec.is_handoff(call.callee):
            return "escape"  # before the borrows: `log.New(w, ...)` keeps w, while `log.*` only write
        if spec.is_borrow(call.callee):
            return "borrow"
        if spec.declines_takeover(call.kwargs):
            return "borrow"  # Ex) self.check_flush_error_on_close(fd, "wb", closefd=False)   (fd stays ours)
        if self.oracle.borrows_by_type(call.callee, index) and not spec.drain_calls:
            return "borrow"  # Ex) otherpkg.Parse(f)   (declared `func Parse(r io.Reader)`: it cannot close f)
        if _constructs_tree_object(call) and call.results[:1] != (None,) and self.oracle.is_tree_function(call.callee):
            field = self.oracle.kept_by_object(call.callee, index, rest, spec)
            if field is not None:
                # Ex) info = SocketInfo(sock, pool)   (__init__ keeps it in self.sock, close() closes it:
                # the new object holds it, and its methods are the class's)
                self.passing[fact.site] = (0, frozenset({field}), True)
                site = self.sites[fact.site]
                self._edit(replace(site, clause=replace(site.clause, type=call.callee.rpartition(".")[0])))
                return "borrow"
        if self.oracle.is_tree_function(call.callee):
            paired = _paired(call, fact)
            effect = self.oracle.param_effect(call.callee, index, rest, spec, paired)
            if effect.startswith("escapes") and self.oracle.borrows_by_type(call.callee, index, own=True):
                # Ex) zone, err := Parse(reader, origin)   (`func Parse(f io.Reader, ...)` hands f to a
                # third-party parser: through an io.Reader nothing can close it, so the caller still must)
                return "borrow"
            if effect in ("passes", "passes-on-success"):
                # Ex) resp, err := checkResp(c.Do(req))   (handed back: the results hold it, see _call)
                self.passing[fact.site] = self.oracle.passed_back(call.callee, index, rest, spec, paired)
            if effect == "pools":
                # Ex) pool.maybe_return_socket(sock_info)   (given back, as closed: an exception before it leaks it)
                # Ex) self._return_socket(sock_info)   (a check-in of the method's own object: kept by it)
                self.pooled.add(fact.site)
                own = self.function.owner.receiver if self.function.owner is not None else ""
                return "escape" if own and call.receiver == own else "release"
            return _EFFECTS.get(effect, "borrow")
        if spec.unresolved_calls == "borrow" or self._own_object(call.args[index], holder):
            return "borrow"
        clause = spec.acquire_clause(call.callee, call.kwargs, call.result_type)
        if clause is not None and clause.takes_over_arg == index:
            # Ex) sock = ctx.wrap_socket(sock)   (it takes sock over from the call on, also when it raises:
            # ssl detaches the socket before the handshake and closes it on failure, and open(fd) closes fd
            # when building the file fails; where it succeeds the result holds it, see _acquire)
            return "escape"
        if clause is None and any(spec.takes_over_by_name(name, index, call.kwargs) for name in (call.callee, call.display)):
            return "escape"  # Ex) f = self.open(fd, "a")   (the test loader's io.open: see RuleSpec.takes_over_by_name)
        if spec.unresolved_calls == "classes-take" and not _constructs(call.callee):
            return "borrow"  # Ex) yaml.safe_load(f)   (while GreenPipe(fd) takes the descriptor over)
        if _in_place(call, call.args[index]) and holder == (call.args[index], ""):
            return "borrow"  # Ex) c = netpkg.NewContextConn(ctx, c)   (see _wrapped)
        # Ex) sess, err := yamux.Client(conn, cfg)   (a call that fails hands nothing over: Go's convention,
        # also for a method of a value whose type is not known: `hdr.WriteTo(localConn)`; not for function
        # values, often the caller's own checkers: `checkFn(c.doRequest(r))`)
        return "escape-on-success" if _reports_error(call) and not call.callee.startswith("?func") else "escape"

    def _releases(self, name: str, spec: RuleSpec) -> bool:
        """Reports whether the function calls one of `spec`'s release methods on `name` anywhere."""
        methods = {f".{method}" for method in spec.release_methods}
        for block in self.function.blocks:
            for op in block.ops:
                call = op.call if isinstance(op, Defer) else op
                if isinstance(call, Call) and call.receiver == name and call.callee[call.callee.rfind("."):] in methods:
                    return True
        return False

    def _deferred_before(self, call: Call, target: str, spec: RuleSpec, clause: Acquire) -> bool:
        """Reports whether a release of `target` was deferred, outside loops, on a line before `call`
        makes it a resource (a value that becomes one by a method call can be set up for release
        before: `defer client.Kill()` then `client.Client()`); such a defer runs at every exit after."""
        methods = {f".{method}" for method in (*spec.release_methods, *clause.release_methods)}
        return any(isinstance(op, Defer) and not op.in_loop and op.call.receiver == target
                   and op.call.callee[op.call.callee.rfind("."):] in methods and op.span.line < call.span.line
                   for block in self.function.blocks for op in block.ops)

    def _own_object(self, arg: str | None, holder: Holder) -> bool:
        """Reports whether `arg` is the method's own object and the resource one of its fields: the
        object still owns its fields wherever it is passed (`reactor.addReader(self)`)."""
        owner = self.function.owner
        return owner is not None and bool(owner.receiver) and arg == owner.receiver and joined(holder) != arg

    def _acquisition(self, call: Call, state: State) -> tuple[RuleSpec, Acquire] | None:
        receiver_type = ""
        if call.receiver is not None:
            for fact in state:
                if any(call.receiver == h[0] for h in fact.holders):
                    receiver_type = self.sites[fact.site].clause.type
        # Asked again at each visit of the call (every round of the fixpoint, and the replay): the
        # answer cannot change during one run, since a summary it reads is either complete or, being
        # computed below this run, stays the recursion guard's until the run is over
        key = (id(call), receiver_type)
        if key not in self._acquired:
            concrete = self.dispatch.get(call.receiver or "")
            if concrete and self.oracle.mock_method(f"{concrete}.{call.callee.rpartition('.')[2]}", call.results):
                # Ex) return s.dialer.DialUDP(dest)   (s.dialer is a test's *mockDialer: `return nil, nil`)
                self._acquired[key] = None
            else:
                asked = marked(call, self.assume) if self.assume else call
                self._acquired[key] = self.oracle.acquisition(asked, receiver_type)
        return self._acquired[key]

    def _acquire(self, call: Call, spec: RuleSpec, clause: Acquire, state: State, report: Reporter) -> State:
        if clause.takes_over_arg is not None and clause.takes_over_arg < len(call.args):
            taken = call.args[clause.takes_over_arg]
            state = _drop(state, lambda h: refers(taken, h))
        err = _at(call.results, clause.error_result)
        for result in clause.results:
            # A single target holds every result: a Python tuple (`pair = socket.socketpair()`).
            target = _at(call.results, 0 if len(call.results) == 1 else result)
            if clause.receiver:
                target = call.receiver  # Ex) if err := cmd.Start(); err != nil { ... }   (cmd is now a process)
                if target is None or any((target, "") in f.holders and self.sites[f.site].spec is spec for f in state):
                    continue  # Ex) conn.request(...) again on a connected http.client connection
                field = self._owner_field(target) if spec.language == "go" else ""
                if not field and "." in target and root(target) in (*self.function.params, self.function.receiver):
                    continue  # Ex) self.conn.request(...)   (an object's connection: the object's)
                if spec.language == "python" and target in self.function.params:
                    continue  # Ex) def _tunnel(self): self.send(...)   (the method's own object: its caller's)
                if spec.language == "go" and target in self.function.params and not self._releases(target, spec):
                    # Ex) func (m *Monitor) Start(c *exec.Cmd) (chan Exit, error) { c.Start() ... }
                    # (the caller's Cmd, which the caller waits for: containerd's reaper, go-runc; a
                    # function that waits for it itself on some path owns it); but a return reporting
                    # failure tells the caller nothing runs: there it is still this function's
                    site = self._site(call, spec, clause, result, target)
                    self._edit(replace(site, lent=True))
                    state = state | {Fact(site.index, frozenset({(target, "")}), err)}
                    continue
                if self._deferred_before(call, target, spec, clause):
                    # Ex) client := plugin.NewClient(cfg); defer client.Kill(); rpc, err := client.Client()
                    site = self._site(call, spec, clause, result, target)
                    state = state | {Fact(site.index, frozenset({(target, "")}), err, deferred=True)}
                    continue
                if field:
                    # Ex) e.childCmd.Start()   (the object's own process: one of its methods waits for it)
                    site = self._site(call, spec, clause, result, target)
                    fact = Fact(site.index, frozenset({(target, "")}), err)
                    state = self._overwrite(call.span, target, state, report)
                    state = self._store_field(call.span, target, field, {site.index}, state | {fact}, report,
                                              accumulate=True)
                    continue
            site = self._site(call, spec, clause, result, target)
            at_exit = clause.released_on_exit(call.kwargs)
            if target is None and at_exit:
                # Ex) defer cancel(); _, err = db.QueryContext(ctx, q)   (the context ends the rows at return)
                state = state | {Fact(site.index, frozenset({(f"$discarded{site.index}", "")}), err, deferred=True,
                                      pending=call.span if call.in_loop else None)}
                continue
            if target is None and err is None:
                report(Leak(site.index, "discarded", call.span, drained=clause.drained))
                continue
            if target is None:
                # Ex) _, err := http.Get(u); if err == nil { t.Fatal(...) }   (nothing leaks on either path)
                state = state | {Fact(site.index, frozenset({(f"$discarded{site.index}", "")}), err,
                                      discarded=call.span, drained=clause.drained)}
                continue
            rest = spec.release_field if clause.field is None else clause.field
            holders = frozenset({(target, rest), *((target, more) for more in clause.more_fields)})
            if at_exit:
                # Ex) defer cancel(); ...; resp, err := c.Do(req)   (the context ends the request at return)
                state = state | {Fact(site.index, holders, err, deferred=True, pending=call.span if call.in_loop else None)}
                continue
            # Python: the locals bound on no path to here (see unbound.py)
            python = spec.language == "python"
            unbound = self.bindings.unbound(self._bound_before() | set(call.results)) if python else frozenset()
            taken = _at(call.args, clause.takes_over_arg) if python else None
            detached = frozenset({taken}) if taken and "." not in taken and not taken.startswith("$") else frozenset()
            # Ex) r, b := getBody(t, req, c)   (the helper read it to the end: what is left is LL105's)
            state = state | {Fact(site.index, holders, err, unbound=unbound, detached=detached - set(call.results),
                                  drained=clause.drained)}
        return state

    def _site(self, call: Call, spec: RuleSpec, clause: Acquire, result: int, target: str | None) -> Site:
        key = id(call)
        known = self._by_call.setdefault(key, [])
        for index in known:
            if self.sites[index].spec.id == spec.id and self.sites[index].variable == target \
                    and self.sites[index].clause.with_next == clause.with_next:
                return self.sites[index]
        site = Site(len(self.sites), spec, clause, call, target)
        self.sites.append(site)
        known.append(site.index)
        return site

    # -- assignments, closures, defers, exits -------------------------------------------------
    def _assign(self, span: Span, target: str, source: str | None, state: State, report: Reporter,
                accumulate: bool = False) -> State:
        aliases: dict[int, set[Holder]] = {}
        for fact in state:
            for holder in fact.holders:
                if source is not None and source == joined(holder):
                    aliases.setdefault(fact.site, set()).add((target, ""))
                elif source is not None and source == holder[0]:
                    aliases.setdefault(fact.site, set()).add((target, holder[1]))
                elif source is not None and holder[0].startswith(source + "."):
                    # Ex) c := &call{resp: resp}; d := c   (d.resp.Body reaches it too)
                    aliases.setdefault(fact.site, set()).add((target + holder[0][len(source):], holder[1]))
                elif source is not None and source.startswith(holder[0] + ".") and joined(holder).startswith(source + ".") \
                        and self.sites[fact.site].spec.language == "go":
                    # Ex) gc, ok := s.client.(*grpcConn)   (s holds it at client.ClientConn: gc at ClientConn)
                    aliases.setdefault(fact.site, set()).add((target, joined(holder)[len(source) + 1:]))
        field = self._owner_field(target)
        if field and aliases:
            return self._store_field(span, target, field, set(aliases), state, report, accumulate)
        if "." in target and aliases and not any(target == joined(h) for f in state for h in f.holders):
            escaped = set(aliases)
            return self._overwrite(span, target, frozenset(f for f in state if f.site not in escaped), report)
        if not accumulate:
            state = self._overwrite(span, target, state, report, dropping=source is None)
        return frozenset(
            replace(f, holders=f.holders | aliases[f.site]) if f.site in aliases else f for f in state
        )

    def _overwrite(self, span: Span, target: str, state: State, report: Reporter, dropping: bool = False) -> State:
        """Returns the state after `target` is rebound; `dropping` when the new value is not a
        resource (`x = None`). A fact losing its last holder leaks, unless it is deferred."""
        if not state:
            return state
        out = set()
        head = target.partition(".")[0]
        for fact in state:
            if fact.holders and fact.err != target and not any(h[0].startswith(head) for h in fact.holders):
                out.add(fact)  # no holder shares the target's root: none is rebound (what follows keeps it)
                continue
            replaced = [h for h in fact.holders if h[1] and target == joined(h) and target != h[0]]
            kept = frozenset(h for h in fact.holders if h[0] != target and not h[0].startswith(target + "."))
            others = kept - set(replaced)
            if self.sites[fact.site].owned:
                if not others and (self.sites[fact.site].owned == "strict" or dropping):
                    report(_leak(fact, "overwrite", span, target))
                if others:
                    out.add(replace(fact, holders=others))
                continue
            if replaced and not fact.deferred and not others:
                owner = self.function.owner
                field_of_owner = owner is not None and owner.receiver and replaced[0][0] == owner.receiver
                report(_leak(fact, "overwrite", span, target) if field_of_owner
                       else _leak(fact, "replaced", span, replaced[0][1]))
                continue
            if replaced and others:
                kept = others
            err = None if fact.err == target else fact.err
            if not kept and fact.pending is not None:
                report(Leak(fact.site, "defer-loop", fact.pending, drained=fact.drained))
                continue
            if not kept and not fact.deferred:
                report(_leak(fact, "overwrite", span, target))
                continue
            out.add(fact if kept == fact.holders and err == fact.err else replace(fact, holders=kept, err=err))
        return frozenset(out)

    def _lose(self, state: State, lost: Callable[[Holder], bool], report: Reporter, kind: str, span: Span,
              markers: State = frozenset()) -> State:
        out = set()
        for fact in state:
            kept = frozenset(h for h in fact.holders if not lost(h))
            closing = None if kept or fact.deferred else next(
                (m for m in markers if m.err == self.sites[fact.site].spec.id
                 and any(joined(h) == joined(g) for h in fact.holders for g in m.holders)), None)
            if closing is not None:
                # Ex) for ... { c, _ := net.Dial(...); defer func() { c.Close() }() }   (each iteration's
                # c stays open until the function returns, when its closure closes it)
                if kind in ("iteration", "continue") and closing.pending is not None:
                    report(Leak(fact.site, "defer-loop", closing.pending, drained=fact.drained))
                continue
            if not kept and fact.pending is not None and kind in ("iteration", "continue"):
                report(Leak(fact.site, "defer-loop", fact.pending, drained=fact.drained))
                continue
            if not kept and not fact.deferred and not self.sites[fact.site].owned:
                report(_leak(fact, kind, span))
                continue
            out.add(replace(fact, holders=kept) if kept else fact)
        return frozenset(out)

    def _defer(self, defer: Defer, state: State, report: Reporter) -> State:
        before = state
        state = self._call_effects(defer.call, state, deferred=True)
        if not defer.in_loop:
            return state
        looping = {f for f in state - before
                   if f.deferred and self.sites[f.site].call.in_loop and not self.sites[f.site].pseudo}
        return frozenset(replace(f, pending=defer.span) if f in looping else f for f in state)

    def _exit(self, exit_: Exit, state: State, report: Reporter, markers: State = frozenset()) -> State:
        state = self._exit_unowned(exit_, state, report)
        if not exit_.failing:
            state = frozenset(f for f in state if f.site < 0 or not self.sites[f.site].lent)
        for fact in state:
            if fact.deferred and fact.pending is None:
                # Ex) defer resp.Body.Close(); return resp, nil   (the caller gets it closed)
                if not exit_.failing and any(refers(v, h) for v in exit_.values for h in fact.holders):
                    self.returned_closed.add(fact.site)
                continue
            for position, value in enumerate(exit_.values):
                rests = frozenset(remainder(value, holder) for holder in fact.holders if refers(value, holder))
                if rests:
                    # Ex) return &Row{rows: rows}, nil   (both the Row and its field `rows` reach it)
                    if not exit_.failing:
                        self.returned_succeeding.add(fact.site)
                    positions = self.returned.setdefault(fact.site, {})
                    positions[position] = positions.get(position, frozenset()) | rests
                    self.returned_drained[fact.site] = self.returned_drained.get(fact.site, True) and fact.drained
        # Ex) return sock.close   (the cleanup is handed to the caller with the resource)
        # Ex) return resp, fmt.Errorf(...)   (a caller that sees the error ignores the other results)
        handed = () if exit_.failing and len(exit_.values) > 1 else exit_.values
        state = frozenset(f for f in state if f.site < 0 or not any(
            refers(v, h) or closes_through(v, h, self.sites[f.site].spec, self.sites[f.site].clause)
            for v in handed for h in f.holders))
        if exit_.kind != "abort":
            owner = self.function.owner
            module_end = owner is not None and owner.constructor and not owner.receiver and exit_.kind == "end"
            closing = {(m.err, joined(h)) for m in markers for h in m.holders}
            for fact in state:
                if fact.deferred or self.sites[fact.site].owned:
                    continue
                if any((self.sites[fact.site].spec.id, joined(h)) in closing for h in fact.holders):
                    continue
                if fact.discarded is not None and fact.err in self.function.free_names and fact.raised is None:
                    # Ex) go func() { _, connectErr = nats.Connect(u) }()   (the enclosing function checks it)
                    self.handed[fact.site] = fact.err
                elif module_end and not fact.raised:
                    self._module_end(fact, exit_, owner, report)
                else:
                    detail = "failing" if exit_.failing else "succeeding" if exit_.succeeding else ""
                    report(_leak(fact, exit_.kind, exit_.span, detail))
        return frozenset()

# What a tree function's summary says it does to a resource -> its effect on the caller's fact.
_EFFECTS = {"closes": "release", "escapes": "escape", "pools": "release", "closes-on-success": "release-on-success",
            "closes-on-failure": "release-on-failure", "drains": "drain", "passes": "borrow", "borrows": "borrow",
            "escapes-on-success": "escape-on-success", "passes-on-success": "borrow"}


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
        return Leak(fact.site, "exception", fact.raised, fact.raised_by, drained=fact.drained)
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
