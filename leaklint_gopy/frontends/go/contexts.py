"""What a Go function's contexts end: the values obtained with a context it can cancel (`ctx, cancel
:= context.WithTimeout(...)`) or through a database/sql transaction, so that ending it (`cancel()`,
`tx.Rollback()`) is lowered as a call given those values, and an end deferred to the return marks
the calls that obtain them. It knows no resource: rule specs say which of those values a cancel
releases (`release_calls`, `released_at_exit`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from leaklint_gopy.ir import Call, Span

CANCELLING = frozenset({"context.WithCancel", "context.WithTimeout", "context.WithDeadline", "context.WithCancelCause",
                        "context.WithTimeoutCause", "context.WithDeadlineCause"})

# A database/sql transaction carries a context of its own, derived from BeginTx's (Go 1.19
# database/sql/sql.go 1866-1901), that Commit and Rollback cancel (2282, 2314). What is obtained
# through it, rows of tx.Query (queryDC's txctx, 1742-1802) or of a statement prepared on it
# (s.cg.txCtx(), 2803-2807), is closed by database/sql when that context is done (Rows.awaitDone,
# 2965-2974): ending the transaction ends them.
SCOPE_CALLS = frozenset({"database/sql.DB.Begin", "database/sql.DB.BeginTx", "database/sql.Conn.BeginTx"})
SCOPE_TYPES = frozenset({"database/sql.Tx"})
SCOPE_ENDS = frozenset({"Commit", "Rollback"})

CANCELLED = ("context", "cancelled")  # the kwarg of a call whose context a deferred end cancels at return


@dataclass(slots=True)
class Contexts:
    """The contexts and transactions of one function, and what each value was obtained with."""

    cancels: dict[str, str] = field(default_factory=dict)  # `cancel` -> the context it cancels
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # value -> contexts or values it came with
    scopes: set[str] = field(default_factory=set)  # transactions begun here
    # Per open lexical block, the contexts and transactions a defer in it ends at return: a defer
    # inside a block that has closed ran on some paths only (`if ok { defer cancel() }`).
    ended: list[set[str]] = field(default_factory=lambda: [set()])

    def inherited(self) -> Contexts:
        """Returns what a func literal sees: the enclosing function's contexts (its own defers are its own)."""
        return Contexts(dict(self.cancels), dict(self.parents), set(self.scopes))

    def enter(self) -> None:
        self.ended.append(set())

    def leave(self) -> None:
        self.ended.pop()

    def end_at_return(self, context: str) -> None:
        """Records a deferred end (`defer cancel()`): what the rest of the block obtains with it ends at return."""
        self.ended[-1].add(context)

    def note(self, call: Call, types: dict[str, str]) -> Call:
        """Records what the call's first result was obtained with: a context this function can
        cancel, or a value obtained with one (a request built with it), among its arguments, or
        the transaction it is called on. Returns the call, marked CANCELLED when one of those is
        ended at return."""
        target = call.results[0] if call.results else None
        if call.callee in CANCELLING and len(call.results) == 2 and target and call.results[1]:
            self.cancels[call.results[1]] = target  # Ex) ctx, cancel := context.WithTimeout(parent, d)
        sources = [arg for arg in call.args if arg is not None and (arg in self.parents or self._cancellable(arg))]
        if call.receiver is not None and self._scoped(call.receiver, types):
            sources.append(call.receiver)  # Ex) rows, err := tx.Query(q)   Ex) stmt.Query(1) of stmt := tx.Prepare(q)
        if call.callee in SCOPE_CALLS and target:
            self.scopes.add(target)
        if target:
            if sources and target not in sources:
                self.parents[target] = tuple(sources)
            else:
                self.parents.pop(target, None)
        ended = set().union(*self.ended) if sources else set()
        if any(self._lineage(source) & ended for source in sources):
            call = replace(call, kwargs=call.kwargs + (CANCELLED,))  # Ex) defer cancel(); rows, err := db.QueryContext(ctx, q)
        return call

    def ends(self, call: Call, types: dict[str, str]) -> str | None:
        """Returns the context or transaction that `call` ends (`cancel()`, `tx.Rollback()`), if any."""
        if call.callee == "?func" and call.display in self.cancels:
            return self.cancels[call.display]
        method = call.callee.rsplit(".", 1)[-1]
        if call.receiver is not None and method in SCOPE_ENDS and self._scope(call.receiver, types):
            return call.receiver
        return None

    def cancelling(self, span: Span, context: str, display: str) -> Call:
        """Returns the call ending `context`: it is given every value obtained with it."""
        tied = tuple(value for value in self.parents if value != context and context in self._lineage(value))
        return Call(span, "context.CancelFunc", display, None, tied, ())

    def captured(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Returns the values a closure capturing `names` can end by calling a captured cancel."""
        contexts = [self.cancels[name] for name in names if name in self.cancels]
        return tuple(value for value in self.parents if value not in names
                     and any(context in self._lineage(value) for context in contexts))

    def _cancellable(self, name: str) -> bool:
        return name in self.cancels.values()

    def _scope(self, name: str, types: dict[str, str]) -> bool:
        return name in self.scopes or types.get(name, "") in SCOPE_TYPES

    def _scoped(self, name: str, types: dict[str, str]) -> bool:
        """Reports whether `name` is a transaction or was obtained through one."""
        return any(self._scope(value, types) for value in self._lineage(name))

    def _lineage(self, name: str) -> set[str]:
        """Returns `name` and everything it was obtained with, transitively."""
        seen, stack = set(), [name]
        while stack:
            value = stack.pop()
            if value not in seen:
                seen.add(value)
                stack.extend(self.parents.get(value, ()))
        return seen
