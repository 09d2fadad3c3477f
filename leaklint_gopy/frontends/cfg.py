"""A small builder that front-ends use to emit blocks, ops and edges of a FunctionIR.

It tracks the current block (None once control cannot reach the next statement) and knows
nothing about any language.
"""
from __future__ import annotations

from leaklint_gopy.ir import Block, Edge, Exit, FunctionIR, Guard, Op, Span


class CFGBuilder:
    def __init__(self) -> None:
        self.blocks: list[Block] = [Block(0)]
        self.current: int | None = 0

    def new_block(self) -> int:
        """Returns the id of a fresh, empty block (not yet reachable)."""
        self.blocks.append(Block(len(self.blocks)))
        return len(self.blocks) - 1

    @property
    def reachable(self) -> bool:
        return self.current is not None

    def emit(self, op: Op) -> None:
        """Appends `op` to the current block; an Exit ends it."""
        if self.current is None:
            return
        self.blocks[self.current].ops.append(op)
        if isinstance(op, Exit):
            self.current = None

    def jump(self, target: int, guard: Guard | None = None, handled: bool = False,
             catches: tuple[str, ...] = (), tests: tuple[str, ...] = ()) -> None:
        """Adds an edge from the current block to `target`; the current block stays open."""
        if self.current is not None:
            self.blocks[self.current].succs.append(Edge(target, guard, handled=handled, catches=catches, tests=tests))

    def goto(self, target: int) -> None:
        """Jumps to `target` and makes it current."""
        self.jump(target)
        self.current = target

    def branch(self, true: int, false: int, guards: tuple[Guard | None, Guard | None],
               tests: tuple[str, ...] = ()) -> None:
        """Ends the current block with a two-way branch on a condition reading `tests`."""
        self.jump(true, guards[0], tests=tests)
        self.jump(false, guards[1], tests=tests)
        self.current = None

    def start(self, block: int) -> None:
        self.current = block

    def finish(self, qualname: str, display: str, span: Span, params: tuple[str, ...], end: Span,
               is_closure: bool = False, free_names: tuple[str, ...] = ()) -> FunctionIR:
        """Closes the function (an `end` exit if control reaches the end) and returns its IR."""
        if self.current is not None:
            self.emit(Exit(end, "end"))
        return FunctionIR(qualname, display, span, params, self.blocks, is_closure, free_names)
