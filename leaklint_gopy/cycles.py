"""Cycles of memoised summaries: answers read inside a cycle still being evaluated are provisional.

A summary met again while it is under way answers with its recursion guard's guess. What is
decided with that guess is kept only while the cycle's first summary (its head) is read, and the
head is read again with its own answer assumed until that answer holds: then which member of a
cycle a caller asks first does not change any member's summary. It knows nothing of what a
summary says; LeakAnalysis stores and forgets the answers.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_UNMET = 1 << 30  # a summary under way that met no guard of one under way
# A head read this often without its answer holding keeps the last answer (a summary is not
# monotone in every part: `failing` may flip); measured, cycles settle in two readings.
_ROUNDS = 4


class Cycles:
    """The summaries under way, by frame (their depth), and the answers kept provisionally."""

    def __init__(self) -> None:
        self._lowest: list[int] = []  # per frame, the lowest frame whose guess it relied on
        self._frames: dict[tuple, int] = {}  # summaries under way -> their frame
        self._kept: dict[int, list[tuple[tuple, Callable[[], None]]]] = {}  # head's frame -> (key, forget)
        self._head_of: dict[tuple, int] = {}  # an answer kept provisionally -> its head's frame

    def met(self, key: tuple) -> None:
        """Notes that the summary under way relies on the stored answer for `key`: when that is a
        guard's guess (`key` under way) or an answer kept provisionally, every summary above the
        cycle's head is provisional too."""
        frame = self._frames.get(key, self._head_of.get(key))
        if frame is None:
            return
        lowest = self._lowest
        for index in range(frame, len(lowest)):
            if lowest[index] > frame:
                lowest[index] = frame

    def under_way(self, key: tuple) -> bool:
        return key in self._frames

    def evaluate(self, key: tuple, guess: T, compute: Callable[[T], T], forget: Callable[[], None]) -> T:
        """Returns compute(assumed)'s answer for `key`, whose recursion guard (`guess`, which the
        caller has stored) is the first assumption; `compute` stores its answer, `forget` removes it.
        At the head of a cycle, the answer is computed again with the last one assumed until it
        holds; inside a cycle entered lower, it is kept until its head is decided, then forgotten."""
        frame = len(self._lowest)
        self._frames[key] = frame
        self._lowest.append(_UNMET)
        try:
            assumed, rounds = guess, 0
            while True:
                self._lowest[frame] = _UNMET
                answer, rounds = compute(assumed), rounds + 1
                if self._lowest[frame] != frame or answer == assumed or rounds == _ROUNDS:
                    break
                self._forget(frame)  # Ex) closeViaA read while closeThenMaybeAgain's answer was a guess
                assumed = answer
        finally:
            del self._frames[key]
            lowest = self._lowest.pop()
        kept = self._kept.pop(frame, [])
        if lowest < frame:
            # a member of a cycle entered lower: its answer, and those it decided, stand until the head's holds
            kept.append((key, forget))
            self._kept.setdefault(lowest, []).extend(kept)
            self._head_of.update((k, lowest) for k, _ in kept)
        else:
            self._kept[frame] = kept
            self._forget(frame)
        return answer

    def _forget(self, frame: int) -> None:
        for key, forget in self._kept.pop(frame, []):
            self._head_of.pop(key, None)
            forget()
