"""Results a tree function hands back already registered for release when the test ends: a Go helper
that registers `t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })` and returns `cmd` gets it
reaped for its callers too, whoever starts it. A mixin of analysis.LeakAnalysis; it reads the IR
and the closures' summaries, and decides nothing about leaks.
"""
from __future__ import annotations

from leaklint_gopy.ir import Assign, Call, Capture, Exit, FunctionIR

# (result position, field of the result, rule id): what a registered cleanup releases in a result
Cleaned = frozenset[tuple[int, str, str]]


class Cleanups:
    """`cleaned_results` of LeakAnalysis; its memo is `_cleanups` (qualname -> answer, None while under way)."""

    def cleaned_results(self, qualname: str) -> Cleaned:
        """Returns what tree function `qualname` returns, on every path that does not fail, held by a
        variable whose release a registered cleanup dominating that return makes (`t.Cleanup` with a
        closure releasing it), or the same result of a tree call that says so; recording, when it
        says something, that the analysis under way relies on the bodies read."""
        answer = self._cleaned_answer(qualname)
        if answer is None:
            return frozenset()
        cleaned, bodies = answer
        for body in sorted(bodies) if cleaned else ():
            self._use(body)
        return cleaned

    def _cleaned_answer(self, qualname: str) -> tuple[Cleaned, frozenset[str]] | None:
        """Returns (cleaned results, bodies read), memoised; None inside a recursion (a guess, not kept)."""
        if qualname in self._cleanups:
            return self._cleanups[qualname]
        if not self.functions.may_return(qualname):
            self._cleanups[qualname] = (frozenset(), frozenset())
            return self._cleanups[qualname]
        self._cleanups[qualname] = None  # recursion guard
        answer, guessed = self._compute_cleaned(self.functions[qualname])
        if guessed:
            del self._cleanups[qualname]  # decided by a guard's guess: asked again, computed again
        else:
            self._cleanups[qualname] = answer
        return answer

    def _compute_cleaned(self, function: FunctionIR) -> tuple[tuple[Cleaned, frozenset[str]], bool]:
        registered, defined = _registrations(function), defined_once(function)
        bodies, guessed = {function.qualname}, False
        answer: Cleaned | None = None
        for block in function.blocks:
            exit_ = block.ops[-1] if block.ops else None
            if not isinstance(exit_, Exit) or exit_.kind != "return" or exit_.failing or not exit_.values:
                continue
            here = set()
            for position, value in enumerate(exit_.values):
                # Ex) t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }); return cmd
                for capture, at in registered.get(value, ()):
                    if _dominates(function, at, block.id):
                        here |= {(position, rest, rule) for rest, rule in self._released_by(capture, value)}
                # Ex) return commandWithLogging(t, nil, promPath, args...)
                call, at = defined.get(value, (None, -1))
                if call is None or not _dominates(function, at, block.id) or call.callee.startswith("?"):
                    continue
                inner = self._cleaned_answer(call.callee)
                guessed |= inner is None
                if inner:
                    bodies |= inner[1]
                    index = call.results.index(value)
                    here |= {(position, rest, rule) for p, rest, rule in inner[0] if p == index}
            answer = frozenset(here) if answer is None else answer & here
        return (answer or frozenset(), frozenset(bodies)), guessed

    def _released_by(self, capture: Capture, name: str) -> set[tuple[str, str]]:
        """Returns the (field, rule) pairs of what `name` holds that the registered closure releases."""
        return {(rest, spec.id) for spec in self.specs() for rest in sorted({"", spec.release_field})
                if self.closure_effect(capture.function, name, rest, spec, "defer") == "closes"}


def _registrations(function: FunctionIR) -> dict[str, list[tuple[Capture, int]]]:
    """Returns, per captured name, the registered closures capturing it and their blocks."""
    found: dict[str, list[tuple[Capture, int]]] = {}
    for block in function.blocks:
        for op in block.ops:
            if isinstance(op, Capture) and op.registered:
                for name in op.names:
                    found.setdefault(name, []).append((op, block.id))
    return found


def defined_once(function: FunctionIR) -> dict[str, tuple[Call | None, int]]:
    """Returns, per name bound by exactly one op of the function, the call binding it (None when
    it is not a call) and its block."""
    found: dict[str, tuple[Call | None, int]] = {}
    twice: set[str] = set()
    for block in function.blocks:
        for op in block.ops:
            names = (op.target,) if isinstance(op, Assign) else op.results if isinstance(op, Call) else ()
            for name in filter(None, names):
                if name in found:
                    twice.add(name)
                found[name] = (op if isinstance(op, Call) else None, block.id)
    return {name: found[name] for name in found if name not in twice and name not in function.params}


def _dominates(function: FunctionIR, block: int, target: int) -> bool:
    """Reports whether every path from the entry to block `target` goes through block `block`."""
    if block in (target, function.blocks[0].id):
        return True
    blocks = {b.id: b for b in function.blocks}
    seen, stack = {block}, [function.blocks[0].id]
    while stack:
        current = stack.pop()
        if current == target:
            return False
        if current in seen or current not in blocks:
            continue
        seen.add(current)
        stack.extend(edge.target for edge in blocks[current].succs)
    return True
