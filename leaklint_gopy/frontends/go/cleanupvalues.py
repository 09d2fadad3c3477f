"""Lowers a method value handed to a test's Cleanup (`t.Cleanup(s.stop)`, `t.Cleanup(run.kill)`) as
the registered closure `func() { s.stop() }` would be: a function of its own calling the method on
the object, and its registered Capture. The receiver is bound when Cleanup is called, as Go
evaluates it: a temporary takes the receiver's path there and the closure captures the temporary,
so `t.Cleanup(c.Close); c, err = net.Dial(...)` does not close the second connection. A mixin of
lower.FunctionLowerer; what the method releases is the engine's to decide (closures.py,
cleanups.py), not this module's.
"""
from __future__ import annotations

from dataclasses import replace

from tree_sitter import Node

from leaklint_gopy.frontends.go.typeinfo import text
from leaklint_gopy.ir import Assign, Capture


class CleanupValues:
    """The method-value half of registered cleanups (func literals: closures.Closures._closure)."""

    def _registered_method(self, value: Node) -> bool:
        """Lowers method value `value` handed to a test's Cleanup as a registered closure calling it;
        reports whether it did (not for a package's function, `t.Cleanup(os.Exit)`, nor a field
        holding a function value of code we cannot see)."""
        root = _root(value)
        if root is None or text(root) not in self.locals and text(root) not in self.outer:
            return False
        self.closures += 1
        qualname = f"{self.qualname}$func{self.closures}"
        inner = type(self)(self.scope, self.pos, qualname, self.out, frozenset(self.locals | self.outer))
        inner.types = dict(self.types)
        inner.literals = self.literals
        span = self.pos.span(value)
        # Ex) t.Cleanup(s.stop)   (as `r := s; t.Cleanup(func() { r.stop() })`: Go evaluates a method
        # value's receiver when Cleanup is called, so a later `s = other` is not what it stops)
        call = inner._method_call(span, value, (), (), False)
        if call.callee == "?func":
            return False  # Ex) t.Cleanup(s.onDone)   (a field holding a function: nothing known)
        path = self._value(value.child_by_field_name("operand"))
        names = (text(root),)
        if path is not None and call.receiver is not None and (call.receiver + ".").startswith(path + "."):
            bound = self._temp()
            self.cfg.emit(Assign(span, bound, path))
            call = replace(call, receiver=bound + call.receiver[len(path):])
            names = (bound,)
        inner.cfg.emit(call)
        display = f"method value {text(value)} in {self.qualname.rsplit('.', 1)[-1]}"
        self.out.append(inner.cfg.finish(qualname, display, span, (), span, is_closure=True, free_names=names))
        self.cfg.emit(Capture(span, qualname, names, "value", growing=False, registered=True))
        return True


def _root(value: Node) -> Node | None:
    """Returns the identifier a selector chain starts from (`s` of `s.local.stop`), else None."""
    operand = value.child_by_field_name("operand")
    while operand is not None and operand.type == "selector_expression":
        operand = operand.child_by_field_name("operand")
    return operand if operand is not None and operand.type == "identifier" else None
