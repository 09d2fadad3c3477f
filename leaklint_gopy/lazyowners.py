"""Objects of the tree holding a lazy resource (a urllib3 PoolManager in `self.poolmanager`, as
requests' HTTPAdapter): which of their methods may make the field hold a connection. A caller's
object that none of them is called on, and that is given to no call, holds nothing (see
Acquire.lazy and Acquire.connects). It reads lowered functions; it never analyses a flow.
"""
from __future__ import annotations

from collections.abc import Mapping

from leaklint_gopy.ir import Call, FunctionIR, Owner
from leaklint_gopy.spec import Acquire, RuleSpec


def connecting_methods(owner: Owner, field: str, held: Acquire, spec: RuleSpec,
                       functions: Mapping[str, FunctionIR]) -> tuple[str, ...]:
    """Returns the names of `owner`'s methods that may make the lazy resource in `field` hold a
    connection: those calling a connecting method of it (`held.connects`, any but a release method
    when it names none) or handing it to a call, and those calling such a method on their own
    object, transitively. Empty when none does (the caller then counts any call as a use)."""
    bodies = {q: functions[q] for q in owner.methods if q in functions}
    found = {q for q, function in bodies.items() if _touches(function, field, held, spec)}
    grew = True
    while grew:
        # Ex) def send(self, request): conn = self.get_connection(request.url)   (get_connection connects)
        more = {q for q, function in bodies.items() if q not in found and _calls_own(function, found)}
        found |= more
        grew = bool(more)
    return tuple(sorted({q.rpartition(".")[2] for q in found}))


def _touches(function: FunctionIR, field: str, held: Acquire, spec: RuleSpec) -> bool:
    """Reports whether `function` calls a connecting method of its object's `field`, or gives the
    field to a call (`self.poolmanager.connection_from_url(u)`, `use(self.poolmanager)`)."""
    receiver = function.params[0] if function.params else ""
    path = f"{receiver}.{field}"
    for block in function.blocks:
        for op in block.ops:
            if not isinstance(op, Call):
                continue
            method = op.callee.rpartition(".")[2]
            if op.receiver == path and (method in held.connects if held.connects else method not in spec.release_methods):
                return True
            if path in op.args and not spec.is_borrow(op.callee):
                return True
    return False


def _calls_own(function: FunctionIR, found: set[str]) -> bool:
    """Reports whether `function` calls one of the methods `found` on its own object."""
    receiver = function.params[0] if function.params else None
    return any(isinstance(op, Call) and op.receiver == receiver and op.callee in found
               for block in function.blocks for op in block.ops)
