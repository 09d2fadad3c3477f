"""The one dataflow engine: a forward may-analysis of open resources over a FunctionIR.

Each acquisition site is tracked through aliases, releases, defers and escapes as a set of
facts per program point; a site still open at an exit, an overwrite or a scope end is a leak.
Rule specs say what acquires, releases and borrows; summaries of the analysed tree's own
functions (the Oracle, see analysis.py) say which helpers close their parameters or return
resources. The values it tracks are in facts.py, field and global ownership in ownership.py,
closures and registered closers in closures.py, what calls do to facts in callflow.py, where
resources start and end (acquisitions, overwrites, exits) in lifetimes.py, stateless helpers in
flowops.py.
The engine never parses and never formats.
"""
from __future__ import annotations

from functools import cached_property

from leaklint_gopy.facts import Fact, Holder, Leak, Oracle, Reporter, Site, State, joined, refers, root
from leaklint_gopy.ir import Assign, Call, Capture, Defer, Edge, Exit, FunctionIR, Kill, Pair, Store
from leaklint_gopy.bound import bound_calls
from leaklint_gopy.closures import Closures
from leaklint_gopy.ownership import OwnedFields
from leaklint_gopy.spec import Acquire, RuleSpec
from leaklint_gopy.unbound import Bindings, bound_by
from leaklint_gopy.flowops import _PASSIVE, _along, _contradicts, _drop, _read_later, _reads_bound, _roots, replace
from leaklint_gopy.callflow import CallFlow
from leaklint_gopy.lifetimes import Lifetimes


class FunctionAnalysis(Lifetimes, CallFlow, OwnedFields, Closures):
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
        self._cleaned: dict[str, set[str]] | None = None  # locals holding a tree call's cleaned result (see Closures._cleaned_receiver)
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
                if self._loose(new):
                    new = _read_later(new, self.bindings.live[edge.target])
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
            joined_calls = self._bound.get(id(op))
            if joined_calls is None:  # computed once per op (setdefault would compute it every time)
                joined_calls = self._bound[id(op)] = bound_calls(op, self.function)
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
