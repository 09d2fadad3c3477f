"""What a memoised answer relied on: the summaries and bodies read while computing it, replayed
each time the memo answers again. A mixin of analysis.LeakAnalysis; it never parses and never formats.

A check's `uses` (the tree's functions whose summaries decided its finding: the gate reports the
finding as new when a diff touches one) must not depend on which check asked a question first.
Without the replay, the second of two functions building the same tree object (`c = Conn(host)`)
named no helper, and a summary computed in one package (a foreign function's, kept for the rest of
the process) carried fewer dependencies than the same summary computed in another: output then
differed between runs with 2 workers, whose packages meet in a different order each time.

A summary of another package's function computed in a third package read this package's functions
as another package's (by signature: `may_return`, `borrows`; or lowered as context), where this
package reads them as its own. Such reads are recorded (a signature read as key `(qualname,
"<signature>")`), and a shared summary that relied on this package, transitively, is not taken here:
this package computes its own, kept here (see _kept_for), as when it is the first to ask.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class Reliance:
    """The memo side of LeakAnalysis's `_using` (see analysis.LeakAnalysis._use)."""

    _using: list[set[tuple]]

    def __init__(self) -> None:
        self._recordings: list[set[tuple]] = []  # per memo being computed, the keys it relies on
        self._recorded: dict[tuple, frozenset[tuple]] = {}  # memo -> the keys its answers relied on
        self._computing: set[tuple] = set()  # memos under way (a recursive call answers from the guard)
        self._shadowed: set[tuple] = set()  # shared summaries computed again here (see _kept_for)
        self._own_reads: dict[tuple, bool] = {}  # shared summary -> whether it relied on this package

    def _kept_for(self, key: tuple, present: Callable[[Any], bool]) -> Any:
        """Returns the Summaries where summary `key` is found or is to be computed (`present` says
        whether a Summaries has it): the shared one unless it relied on this package's functions."""
        if present(self._local):
            return self._local
        summaries = self._summaries(key[0])
        if summaries is self._local or not present(summaries) or not self._reads_own(key):
            return summaries
        self._shadowed.add(key)
        return self._local

    def _reads_own(self, key: tuple) -> bool:
        """Reports whether shared summary `key` relied, transitively, on this package's functions."""
        known = self._own_reads.get(key)
        if known is None:
            seen, stack = set(), [key]
            while stack:
                item = stack.pop()
                if item not in seen:
                    seen.add(item)
                    stack.extend(self._shared.depends.get(item, ()))
            known = any(self.functions.owns(item[0]) for item in seen)
            if key in self._shared.depends:  # (decided: one under way has not recorded its reads yet)
                self._own_reads[key] = known
        return known

    def _signature_read(self, qualname: str) -> None:
        """Records that the analysis under way read `qualname`'s signature, of another package."""
        if self.functions.other_package(qualname):
            self._use(qualname, (qualname, "<signature>"))

    def _relies(self, key: tuple) -> None:
        """Adds summary or body `key` to what the memo being computed relies on."""
        if self._recordings:
            self._recordings[-1].add(key)

    def _replay(self, memo: tuple) -> None:
        """Makes the analysis under way, and the memo being computed, rely on what `memo` relied on."""
        used = self._recorded.get(memo)
        if used:
            if self._using:
                self._using[-1].update(used)
            if self._recordings:
                self._recordings[-1].update(used)


def remembered(memo_of: Callable[..., tuple]) -> Callable:
    """Decorates a memoised method of LeakAnalysis (its memo is its own: a dict and a recursion guard)
    so that what its first computation relied on is replayed whenever it answers again; `memo_of`
    maps the method's arguments to a key naming that answer."""
    def decorate(method: Callable) -> Callable:
        tag = method.__name__

        @functools.wraps(method)
        def recalled(self: Any, *args: Any, **kwargs: Any) -> Any:
            memo = (tag, *memo_of(*args, **kwargs))
            if memo in self._computing:
                return method(self, *args, **kwargs)  # (its recursion guard answers: the outer call records)
            # (recorded each time: an answer forgotten when a cycle was decided is computed again)
            self._computing.add(memo)
            self._recordings.append(set())
            try:
                return method(self, *args, **kwargs)
            finally:
                self._computing.discard(memo)
                new, old = self._recordings.pop(), self._recorded.get(memo)
                if old is None or not new <= old:
                    self._recorded[memo] = frozenset(new) if old is None else old | new
                self._replay(memo)
        return recalled
    return decorate
