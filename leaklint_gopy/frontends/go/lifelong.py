"""What a Go function that never returns leaves behind a closed scope. Where every exit of the
function ends the process (os.Exit, log.Fatal; main's returns and those of the functions
process.py finds; not panic, which a caller may recover, nor t.Fatal, which ends only the test's
goroutine) or none is reached (a range over a ticker nothing stops, endless.py), a variable
going out of scope still holds its resource until the process ends, which releases it: only in a
block the function may run again (a loop body) does each pass leave one more behind. It rewrites
a lowered FunctionIR; it reads no syntax.
"""
from __future__ import annotations

from leaklint_gopy.ir import Block, Exit, FunctionIR, Kill, Op, Store


def hand_to_process(function: FunctionIR) -> None:
    """Turns the scope ends (Kill) of a function no path returns from into escapes (Store), except
    in blocks on a cycle (Ex: `f, err := os.Create(p)` inside `if profile { ... }` of a function
    whose every path ends in os.Exit: the profile is open until the process ends)."""
    blocks = {block.id: block for block in function.blocks}
    live = _reachable(blocks, 0)
    if any(isinstance(op, Exit) and not (op.kind == "abort" and op.ends) for index in live for op in blocks[index].ops):
        return
    for index in sorted(live):
        block = blocks[index]
        if any(isinstance(op, Kill) for op in block.ops) and index not in _reachable(blocks, index, own=False):
            block.ops = [each for op in block.ops for each in _escaped(op)]


def _escaped(op: Op) -> list[Op]:
    """Returns the ops standing for `op`: a Kill's names each handed to the process."""
    return [Store(op.span, name) for name in op.names] if isinstance(op, Kill) else [op]


def _reachable(blocks: dict[int, Block], start: int, own: bool = True) -> set[int]:
    """Returns the blocks reachable from `start` (`own`: counting `start` itself; else only where
    some path leads back to it)."""
    seen: set[int] = {start} if own else set()
    stack = [start]
    while stack:
        for edge in blocks[stack.pop()].succs:
            if edge.target not in seen and edge.target in blocks:
                seen.add(edge.target)
                stack.append(edge.target)
    return seen
