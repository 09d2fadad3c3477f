"""Where a tracked resource starts and ends in the dataflow engine: acquisitions and their sites,
assignments and overwrites, losing the last holder, defers, and the exits where a fact still open
becomes a leak. A mixin of dataflow.FunctionAnalysis; it never parses and never formats.
"""
from __future__ import annotations

from collections.abc import Callable

from leaklint_gopy.facts import Fact, Holder, Leak, Reporter, Site, State, joined, refers, remainder, root
from leaklint_gopy.ir import Call, Defer, Exit, Span
from leaklint_gopy.nonnil import marked
from leaklint_gopy.spec import Acquire, RuleSpec
from leaklint_gopy.flowops import _at, _drop, _leak, closes_through, replace


class Lifetimes:
    """The acquisitions and exits of FunctionAnalysis (see dataflow.py)."""

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
                if self._deferred_before(call, target, spec, clause) or self._cleaned_receiver(target, spec.id):
                    # Ex) client := plugin.NewClient(cfg); defer client.Kill(); rpc, err := client.Client()
                    # Ex) cmd := commandWithLogging(t, name); cmd.Start()   (its registered cleanup waits for it)
                    site = self._site(call, spec, clause, result, target)
                    state = state | {Fact(site.index, frozenset({(target, "")}), err, deferred=True)}
                    continue
                if field:
                    # Ex) e.childCmd.Start()   (the object's own process: one of its methods waits for it)
                    site = self._site(call, spec, clause, result, target)
                    fact = Fact(site.index, frozenset({(target, "")}), err)
                    state = self._overwrite(call.span, target, state, report)
                    state = state | {fact}
                    state = self._store_field(call.span, target, field, frozenset(f for f in state if f.site == site.index),
                                              state, report, accumulate=True)
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
        """`target = source`: each fact held by `source` is held by `target` too. The aliases are the
        fact's own, not its site's: another path's fact of the same site that `source` does not hold
        keeps its holders (else the transfer is not monotone, and the fixpoint depends on the order
        blocks are visited). Ex) try: fp = open(p); os.chmod(p, m); files.append(fp) finally: for f in files: f.close()"""
        aliases = _aliases(target, source, state, self.sites) if source is not None else {}
        field = self._owner_field(target)
        if field and aliases:
            return self._store_field(span, target, field, frozenset(aliases), state, report, accumulate)
        if "." in target and aliases and not any(target == joined(h) for f in state for h in f.holders):
            return self._overwrite(span, target, state - set(aliases), report)
        if not aliases:
            return state if accumulate else self._overwrite(span, target, state, report, dropping=source is None)
        rest = state - set(aliases)
        if not accumulate:
            rest = self._overwrite(span, target, rest, report, dropping=source is None)
        out = set(rest)
        for fact, held in aliases.items():
            kept = self._overwrite(span, target, frozenset({fact}), report) if not accumulate else {fact}
            out.update(replace(f, holders=f.holders | held) for f in kept)
        return frozenset(out)

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

    def _unkept(self, state: State) -> State:
        """Returns the state without the facts still in a field their object releases (Fact.kept): the
        object's at any exit. One whose field was dropped (`c.conn = nil`) is held by what else holds it."""
        if not any(fact.kept for fact in state):
            return state
        return frozenset(replace(fact, kept=False) if fact.kept else fact for fact in state
                         if not fact.kept or not any(self._owner_field(joined(h)) for h in fact.holders))

    def _exit(self, exit_: Exit, state: State, report: Reporter, markers: State = frozenset()) -> State:
        state = self._exit_unowned(exit_, self._unkept(state), report)
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


def _aliases(target: str, source: str, state: State, sites: list[Site]) -> dict[Fact, set[Holder]]:
    """Returns, per fact that `source` holds, the holders `target = source` adds to it."""
    aliases: dict[Fact, set[Holder]] = {}
    for fact in state:
        for holder in fact.holders:
            if source == joined(holder):
                aliases.setdefault(fact, set()).add((target, ""))
            elif source == holder[0]:
                aliases.setdefault(fact, set()).add((target, holder[1]))
            elif holder[0].startswith(source + "."):
                # Ex) c := &call{resp: resp}; d := c   (d.resp.Body reaches it too)
                aliases.setdefault(fact, set()).add((target + holder[0][len(source):], holder[1]))
            elif source.startswith(holder[0] + ".") and joined(holder).startswith(source + ".") \
                    and sites[fact.site].spec.language == "go":
                # Ex) gc, ok := s.client.(*grpcConn)   (s holds it at client.ClientConn: gc at ClientConn)
                aliases.setdefault(fact, set()).add((target, joined(holder)[len(source) + 1:]))
    return aliases
