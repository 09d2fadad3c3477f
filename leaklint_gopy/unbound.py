"""Python locals not yet bound: which names a function binds somewhere, and which of them may have
been bound on some path reaching each block. A path that calls a method of, or passes, a local
bound on none of the paths to that point raises UnboundLocalError there: a programming error, not
a path the author means (the STARTTLS loop of CPython's test_ssl reads `conn` only after the branch
that binds it). Only bindings the IR records count (Assign targets, call results); a name bound
some other way is not a local here, so it is never taken as unbound. It also owns which of them
are still read at each block (`live`): being unbound matters only until the name is bound or read.
It never reports anything.
"""
from __future__ import annotations

from functools import cached_property

from leaklint_gopy.facts import root
from leaklint_gopy.ir import Assign, Call, FunctionIR


class Bindings:
    """The locals of one function and, per block, the names some path to its entry has bound."""

    # The last functions' bindings, by identity (each entry keeps its function alive, so no id is
    # reused): a function is analysed again for each summary asked of it, and its bindings are the same.
    _recent: dict[int, tuple[FunctionIR, Bindings]] = {}

    @classmethod
    def of(cls, function: FunctionIR, enabled: bool = True) -> Bindings:
        """Returns the (read-only) bindings of `function`, computed once while it is among the recent ones."""
        if not enabled:
            return cls(function, False)
        found = cls._recent.get(id(function))
        if found is None or found[0] is not function:
            if len(cls._recent) >= 512:
                cls._recent.clear()
            found = cls._recent[id(function)] = (function, cls(function))
        return found[1]

    def __init__(self, function: FunctionIR, enabled: bool = True) -> None:
        self._function = function
        self.locals: frozenset[str] = frozenset()
        self.entry: dict[int, frozenset[str]] = {}
        if not enabled:
            return
        binds = [frozenset(name for op in block.ops for name in bound_by(op)) for block in function.blocks]
        names = set().union(*binds)
        shared = set(function.owner.shared) if function.owner is not None else set()  # `global conn`
        self.locals = frozenset(names - set(function.params) - set(function.free_names) - shared)
        if not self.locals:
            return
        given = frozenset(function.params) | frozenset(function.free_names)
        out: dict[int, frozenset[str]] = {}
        self.entry = {0: given}
        work = [0]
        while work:
            block_id = work.pop()
            block = function.blocks[block_id]
            bound = self.entry[block_id] | binds[block_id]
            if out.get(block_id) == bound:
                continue
            out[block_id] = bound
            for edge in block.succs:
                old = self.entry.get(edge.target)
                new = bound if old is None else old | bound
                if new != old:
                    self.entry[edge.target] = new
                    work.append(edge.target)

    def unbound(self, bound: frozenset[str] | set[str]) -> frozenset[str]:
        """Returns the locals not in `bound` (the names bound on some path to the current point)."""
        return self.locals - bound

    @cached_property
    def live(self) -> list[frozenset[str]]:
        """Returns, per block, the locals that some path from its entry passes to a call (as receiver
        or argument) before binding them: the only ones whose being unbound can still drop a fact
        there (flowops._reads_bound reads a call's names before the call binds its results)."""
        blocks = self._function.blocks
        read: list[frozenset[str]] = []
        binds: list[frozenset[str]] = []
        for block in blocks:
            first, bound = set(), set()
            for op in block.ops:
                if isinstance(op, Call):
                    first.update(name for path in (op.receiver, *op.args) if path is not None
                                 and (name := root(path)) in self.locals and name not in bound)
                bound.update(bound_by(op))
            read.append(frozenset(first))
            binds.append(frozenset(bound))
        preds: list[list[int]] = [[] for _ in blocks]
        for index, block in enumerate(blocks):
            for edge in block.succs:
                preds[edge.target].append(index)
        live = list(read)
        work = list(range(len(blocks)))
        while work:
            index = work.pop()
            succs = blocks[index].succs
            after = frozenset().union(*(live[edge.target] for edge in succs if not edge.exceptional))
            # (an exceptional edge leaves before the raising call binds, or the ops after it: what its
            # target reads stays live whatever the block binds; dataflow._block)
            raised = frozenset().union(*(live[edge.target] for edge in succs if edge.exceptional))
            new = read[index] | (after - binds[index]) | raised
            if new != live[index]:
                live[index] = new
                work.extend(preds[index])
        return live


def bound_by(op) -> tuple[str, ...]:
    """Returns the plain local names `op` binds (not fields, not the front-end's temporaries)."""
    match op:
        case Assign(target=target):
            names: tuple[str | None, ...] = (target,)
        case Call(results=results):
            names = results
        case _:
            return ()
    return tuple(name for name in names if name and "." not in name and not name.startswith("$"))
