"""Calls through a parameter of function type whose every value the front-end knows (a `bound` note:
`decode(resp, response)` where each call of the function passes DecodeJSON or DecodeXML, see
frontends/go/funcvalues.py): the engine applies such a call as each of those functions and joins
what they leave open. It decides nothing else.
"""
from __future__ import annotations

from dataclasses import replace

from leaklint_gopy.ir import Call, FunctionIR
from leaklint_gopy.unbound import bound_by


def bound_calls(call: Call, function: FunctionIR) -> tuple[Call, ...]:
    """Returns `call` as a call of each function its `bound` note names, or () when it has none or
    the function rebinds the parameter it calls (`decode = other`: its value is no longer known)."""
    names = next((value for key, value in call.kwargs if key == "bound"), "")
    if not names or call.display not in function.params or _rebinds(function, call.display):
        return ()
    return tuple(replace(call, callee=name, kwargs=()) for name in names.split("|"))


def _rebinds(function: FunctionIR, name: str) -> bool:
    return any(name in bound_by(op) for block in function.blocks for op in block.ops)
