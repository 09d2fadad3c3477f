"""Resources kept in an object's fields or a module's globals: a method storing one in a field
leaves it to the object, which owns it only if one of its functions releases that field. A
mixin of FunctionAnalysis; it decides nothing about calls.
"""
from __future__ import annotations

from dataclasses import replace

from leaklint_gopy.facts import Fact, Leak, Reporter, State, joined, refers
from leaklint_gopy.ir import Exit, Owner, Span
from leaklint_gopy.spec import RuleSpec


class OwnedFields:
    """Field and global ownership; FunctionAnalysis provides function, oracle, sites, stored and _overwrite."""

    def _owner_field(self, target: str) -> str:
        """Returns `field` when `target` is `receiver.field` of a method whose object is known."""
        owner = self.function.owner
        if owner is not None and not owner.receiver:
            return target if target in owner.shared else ""
        if owner is None or not target.startswith(owner.receiver + "."):
            return ""
        field = target[len(owner.receiver) + 1:]
        return "" if "." in field else field

    def _store_field(self, span: Span, target: str, field: str, stored: State, state: State,
                     report: Reporter, accumulate: bool = False) -> State:
        """`self.field = value` (`accumulate`: added to the container in the field): the object owns
        the value when one of its methods releases that field, else the value leaks where the
        method returns (a constructor: where it hands its object out) still holding it. `stored`
        are the facts of `state` the value holds (another path's facts of their sites are not)."""
        owner = self.function.owner
        assert owner is not None
        rest = state - stored
        if not accumulate:
            stored, rest = self._overwrite(span, target, stored, report), self._overwrite(span, target, rest, report)
        out = set(rest)
        for fact in stored:
            if self.sites[fact.site].owned:
                out.add(fact)
                continue
            self.stored.setdefault(field, fact.site)
            if accumulate:
                self.pooled.add(fact.site)
            if not self.oracle.owner_releases(owner, field, self.sites[fact.site].spec, self.sites[fact.site].clause):
                # This method may still release it: `self.addCleanup(self.x.close)`, `atexit.register`; a
                # constructor too, before it hands its object out (`stream.close()` after `self.stream =
                # stream`, `util.Finalize(self, os.close, (self.fd,))`): see _hand_out_unowned.
                holder = (owner.receiver, field) if owner.receiver else (field, "")
                out.add(replace(fact, holders=fact.holders | {holder}, unowned=span))
            elif owner.constructor:
                out.add(replace(fact, holders=fact.holders | {(owner.receiver, field)}))
            elif owner.receiver:
                # Ex) try: self._sock = socket.socket(); self._sock.connect(p)
                #     except OSError: self._sock = None; raise   (dropped unclosed: gunicorn's ctl client)
                out.add(replace(fact, holders=fact.holders | {(owner.receiver, field)}, kept=True))
        return frozenset(out)

    def _hand_out_unowned(self, source: str | None, state: State, report: Reporter) -> State:
        """Returns the state without the facts a constructor stored in fields its class never
        releases and did not release or hand over itself before handing its object out (`source`,
        its receiver): each leaks at its store."""
        owner = self.function.owner
        if owner is None or not owner.constructor or not owner.receiver or source != owner.receiver:
            return state
        out = set()
        for fact in state:
            fields = sorted(joined(h) for h in fact.holders if self._owner_field(joined(h)))
            if fact.unowned is None or not fields or fact.raised is not None:
                out.add(fact)
                continue
            report(Leak(fact.site, "unowned", fact.unowned, fields[0], _keeper(owner, self.sites[fact.site].spec)))
        return frozenset(out)

    def _exit_unowned(self, exit_: Exit, state: State, report: Reporter) -> State:
        """Returns the state without the facts left in shared fields that the owner never closes;
        each leaks at its store, whichever way the function leaves (it is not returned, only shared)."""
        owner = self.function.owner
        if owner is None or not any(fact.unowned for fact in state):
            return state  # (as the loop below would rebuild it)
        out = set()
        for fact in state:
            fields = sorted(joined(h) for h in fact.holders if owner is not None and self._owner_field(joined(h)))
            if fact.unowned is None or owner is None:
                out.add(fact)
            elif not fields or self._returned_itself(exit_, fact):
                out.add(replace(fact, unowned=None))
            elif exit_.kind not in ("abort", "exception") and fact.raised is None:
                report(Leak(fact.site, "unowned", fact.unowned, fields[0], _keeper(owner, self.sites[fact.site].spec)))
        return frozenset(out)

    def _returned_itself(self, exit_: Exit, fact: Fact) -> bool:
        """Reports whether `exit_` hands the caller the resource itself, through a holder other than
        the owner's fields (the caller owns it from there: the field is one more alias of it)."""
        # Ex) up.Stdout = logFile; return logFile, nil   (the caller defers its Close)
        # (not `return up`: the caller gets an object whose type never closes that field)
        if exit_.kind != "return" or exit_.failing and len(exit_.values) > 1 \
                or self.sites[fact.site].spec.language != "go":  # (Python's: not measured yet)
            return False
        return any(refers(value, holder) for value in exit_.values for holder in fact.holders
                   if not self._owner_field(joined(holder)) and not self._owner_field(value or ""))

    def _module_end(self, fact: Fact, exit_: Exit, owner: Owner, report: Reporter) -> None:
        """At the end of a module body, a resource in a global is the module's: it leaks unless one of
        the module's functions (an atexit hook, a `close()`) releases that global."""
        names = sorted(h[0] for h in fact.holders if not h[0].startswith("$") and not h[1])
        spec = self.sites[fact.site].spec
        for name in names:
            self.stored.setdefault(name, fact.site)
        if not names:
            report(Leak(fact.site, exit_.kind, exit_.span))
        elif not any(self.oracle.owner_releases(owner, name, spec) for name in names):
            report(Leak(fact.site, "unowned", exit_.span, names[0], _keeper(owner, spec)))


def closers(owner: Owner, spec: RuleSpec) -> tuple[str, ...]:
    """Returns the Close methods of a Go type: its life ends there, so what Close (and what it calls
    on its receiver) leaves open stays open even when another method closes it on the way (nomad's
    FileRotator closes the file it rotates out in Write, and its Close forgot the current one)."""
    return tuple(q for q in owner.methods if q.rsplit(".", 1)[-1] == "Close") if spec.language == "go" else ()


def _keeper(owner: Owner, spec: RuleSpec) -> str:
    """Returns how a leak names the owner that never releases a field (`type FileRotator, whose Close`)."""
    return f"{owner.display}, whose Close" if closers(owner, spec) else owner.display
