"""What a memoised answer relied on: the summaries and bodies read while computing it, replayed
each time the memo answers again. A mixin of analysis.LeakAnalysis; it never parses and never formats.

A check's `uses` (the tree's functions whose summaries decided its finding: the gate reports the
finding as new when a diff touches one) must not depend on which check asked a question first.
Without the replay, the second of two functions building the same tree object (`c = Conn(host)`)
named no helper, and a summary computed in one package (a foreign function's, kept for the rest of
the process) carried fewer dependencies than the same summary computed in another: output then
differed between runs with 2 workers, whose packages meet in a different order each time.
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
