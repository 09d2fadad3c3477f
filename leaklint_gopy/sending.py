"""Whether a function of the tree makes a lazy resource it is given hold a connection: docker-py's
APIClient, a requests.Session of its own, sends through its methods and its mixins'
(`client.version()` -> `self._get(url)` -> `self.get(url)`), while a helper that only reads an
adapter (`client.get_adapter(prefix).socket_path`) sends nothing. It reads lowered functions
through `body` (which records the reliance); it never analyses a flow."""
from __future__ import annotations

from collections.abc import Callable

from leaklint_gopy.ir import Call, FunctionIR

MAX_HOPS = 8  # tree functions followed from the caller's call


def sends(body: Callable[[str], FunctionIR | None], qualname: str, index: int, connects: tuple[str, ...],
          cls: str, is_borrow: Callable[[str], bool]) -> bool:
    """Reports whether tree function `qualname` may make what its parameter `index` holds connect:
    it calls a method named in `connects` on it, hands it to a call outside the tree that does not
    only borrow it, or to a tree function (a method called on it is looked up on class `cls` first:
    a mixin's `self._get` is the subclass's) that does so, transitively. A method of it that is
    neither (`get_adapter`) sends nothing, as on the caller's side (see Acquire.connects)."""
    return _sends(body, qualname, index, _Ask(connects, cls, is_borrow), set(), 0)


class _Ask:
    __slots__ = ("connects", "cls", "is_borrow")

    def __init__(self, connects: tuple[str, ...], cls: str, is_borrow: Callable[[str], bool]) -> None:
        self.connects, self.cls, self.is_borrow = connects, cls, is_borrow


def _sends(body, qualname: str, index: int, ask: _Ask, seen: set[tuple[str, int]], hops: int) -> bool:
    function = body(qualname)
    if function is None or index >= len(function.params) or (qualname, index) in seen or hops > MAX_HOPS:
        return False
    seen.add((qualname, index))
    param = function.params[index]
    for op in (op for block in function.blocks for op in block.ops if isinstance(op, Call)):
        if op.receiver == param:
            method = op.callee.rpartition(".")[2]
            if method in ask.connects:
                return True  # Ex) def _get(self, url): return self.get(url)
            target = _method(body, ask.cls, method, op.callee)
            if target and _sends(body, target, 0, ask, seen, hops + 1):
                return True  # Ex) def version(self): return self._result(self._get(url))
        elif param in op.args:
            if body(op.callee) is None:
                if not ask.is_borrow(op.callee):
                    return True  # Ex) transport.send(client, request)   (a call that may send through it)
            elif _sends(body, op.callee, op.args.index(param), ask, seen, hops + 1):
                return True
    return False


def _method(body, cls: str, method: str, callee: str) -> str:
    """Returns the tree function a call of `method` on an object of class `cls` runs: the class's
    own, else the one the call names (a mixin's method it inherits); "" when neither is the tree's."""
    for candidate in (f"{cls}.{method}", callee):
        if cls and body(candidate) is not None:
            return candidate
    return ""
