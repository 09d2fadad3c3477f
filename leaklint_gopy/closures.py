"""Closures and closers registered to run later: a deferred closure closes at exit whatever the
names it captures hold then, a stored one keeps what it captures, and a bound closing method
handed to a registration (`self.addCleanup(conn.close)`) closes its object at exit, even what the
object opens after it was registered. A mixin of FunctionAnalysis; it decides nothing about calls.
"""
from __future__ import annotations

from dataclasses import replace

from leaklint_gopy.cleanups import defined_once
from leaklint_gopy.facts import Fact, State, joined, root
from leaklint_gopy.ir import Call, Capture


class Closures:
    """Closure effects; FunctionAnalysis provides oracle, sites and released."""

    def _capture(self, capture: Capture, state: State) -> State:
        """A closure over `names`: stored away it takes them along; run now or as a goroutine it
        releases what it closes (a goroutine may close it later); deferred, it closes at exit
        whatever those names hold then, so it leaves markers (site -1) that _exit reads. What it
        discards while handing the error to one of those names is open here where that error is nil."""
        state = state | self._handed_over(capture)
        if capture.registered:
            # Ex) t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }); cmd.Start()   (run when the test
            # ends: it releases what its names hold now, and leaves markers for what they get after)
            return self._capture(replace(capture, registered=False), state) | self._closing_markers(capture, state)
        if capture.mode == "value":
            # Ex) t.Cleanup(func() { ln.Close() })   Ex) handler := func() { io.Copy(w, conn) }   (keeps it)
            out = set()
            for fact in state:
                effect = "borrows" if fact.site < 0 else self._closure_effect(capture, fact)
                if effect == "closes":
                    self.released.add(fact.site)  # Ex) once.Do(func() { r.listener.Close() })
                if effect == "borrows":
                    out.add(fact)
            return frozenset(out)
        if capture.mode == "defer":
            markers = self._closing_markers(capture, state)
            return self._closed_later(state, markers) | markers
        out = set()
        for fact in state:
            effect = self._closure_effect(capture, fact)
            if effect in ("escapes", "closes"):
                self.released.add(fact.site)
                continue
            out.add(fact)
        return frozenset(out)

    def _handed_over(self, capture: Capture) -> State:
        """Returns a fact per result the closure discards while keeping its error in a captured variable."""
        facts = set()
        for inner, err in self.oracle.handed_errors(capture.function):
            site = self._site(inner.call, inner.spec, inner.clause, 0, None)
            facts.add(Fact(site.index, frozenset({(f"$discarded{site.index}", "")}), err, discarded=inner.call.span))
        return frozenset(facts)

    def _closing_markers(self, capture: Capture, state: State) -> State:
        """Returns a marker per (name, field) the deferred closure closes, for every rule."""
        # (found once per run, as what a call acquires is: see FunctionAnalysis._acquisition)
        # Ex) defer func() { if retErr != nil { m.cleanupShim(ctx, shim) } }()   (a helper closing
        # what the captured value holds in a field: shim.client, as held here; so the held fields
        # are part of the key)
        held = frozenset((self.sites[fact.site].spec.id, path, rest) for fact in state if fact.site >= 0
                         for path, rest in fact.holders if path in capture.names and rest)
        key = (id(capture), held)
        markers = self._closing.get(key)
        if markers is None:
            markers = self._closing[key] = self._closes_at_exit(capture, held)
        for fact in state:
            if any(joined(h) == joined(next(iter(m.holders))) for m in markers for h in fact.holders):
                self.released.add(fact.site)
        return markers

    def _closes_at_exit(self, capture: Capture, held: frozenset[tuple[str, str, str]]) -> State:
        """Returns the markers of what the deferred closure closes: a (name, field) per rule, the
        fields `held` (rule, captured name, field) included."""
        markers = set()
        for spec in self.oracle.specs():
            # Ex) defer func() { if err != nil { pluginClient.Kill() } }()   (a clause's own release method)
            clauses = [None, *(c for c in spec.acquire if c.release_methods or c.release_calls)]
            # Ex) defer func() { if resp != nil { resp.Body.Close() } }()   (the rule's own field only)
            pairs = {(name, rest) for name in capture.names for rest in {"", spec.release_field}} \
                | {(name, rest) for rule, name, rest in held if rule == spec.id}
            for name, rest in sorted(pairs):
                if any(self.oracle.closure_effect(capture.function, name, rest, spec, "defer", clause) == "closes"
                       for clause in clauses):
                    markers.add(Fact(-1, frozenset({(name, rest)}), spec.id, deferred=True,
                                     pending=capture.span if capture.growing else None))
        return frozenset(markers)

    def _closed_later(self, state: State, markers: State) -> State:
        """Returns the state where the Python resources a deferred closure will close are marked
        deferred on this path, as a deferred close marks them: handed back, the caller gets them closed.
        Ex) r, w = os.pipe(); def cleanup(): os.close(r); ...; self.addCleanup(cleanup); return r, w"""
        closing = {(m.err, joined(h)) for m in markers for h in m.holders}
        return frozenset(replace(f, deferred=True) if f.site >= 0 and self.sites[f.site].spec.language == "python"
                         and any((self.sites[f.site].spec.id, joined(h)) in closing for h in f.holders) else f
                         for f in state)

    def _closure_effect(self, capture: Capture, fact: Fact) -> str:
        spec = self.sites[fact.site].spec
        for holder in sorted(fact.holders):
            if root(holder[0]) in capture.names:
                effect = self.oracle.closure_effect(capture.function, holder[0], holder[1], spec, capture.mode,
                                                    self.sites[fact.site].clause)
                if effect == "borrows" and spec.language == "go" and holder[0] != root(holder[0]):
                    # Ex) c := &client{nc: conn}; go func() { c.readLoop() }()   (the closure names c:
                    # its methods are asked about the field c.nc, as a method called here would be)
                    name = root(holder[0])
                    rest = joined((holder[0][len(name) + 1:], holder[1]))
                    effect = self.oracle.closure_effect(capture.function, name, rest, spec, capture.mode,
                                                        self.sites[fact.site].clause)
                if effect != "borrows":
                    return effect
        return "borrows"

    def _cleaned_receiver(self, name: str, spec_id: str) -> bool:
        """Reports whether local `name`, bound once in the function, holds a result of a tree call
        that a cleanup the callee registered releases for rule `spec_id` (see cleanups.py): what a
        method makes of it a resource (`cmd.Start()`) is released when the test ends."""
        if self._cleaned is None:
            self._cleaned = {}
            for target, (call, _) in defined_once(self.function).items():
                if call is not None and not call.callee.startswith("?") and target in call.results:
                    position = call.results.index(target)
                    cleaned = self.oracle.cleaned_results(call.callee)
                    self._cleaned[target] = {rule for p, rest, rule in cleaned if p == position and not rest}
        return spec_id in self._cleaned.get(name, ())

    def _registered(self, op) -> State:
        """Returns a marker (see _closing_markers) per rule that `op` closes at exit when it hands
        a bound closing method to a registration: the object is closed then, whatever it opened
        after being registered."""
        # Ex) self.addCleanup(h.close); h.request("GET", "/")   (h connects after: closed at exit all the same)
        if not isinstance(op, Call) or not op.callee.startswith("?bound.") or op.receiver is None:
            return frozenset()
        method = op.callee.rpartition(".")[2]
        return frozenset(Fact(-1, frozenset({(op.receiver, "")}), spec.id, deferred=True)
                         for spec in self.oracle.specs() if method in spec.release_methods)
