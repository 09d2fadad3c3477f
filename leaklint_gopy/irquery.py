"""Questions the leak analysis asks about one lowered function's IR: does a closure touch a name,
does a function only read it, which fields may a method set to what its caller gave, which of its
parameters a call leaves at their default, can it return at all. Pure functions of the IR (no summaries, no rules' state)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from leaklint_gopy.facts import Site, root
from leaklint_gopy.ir import Assign, Call, Capture, Defer, Exit, FunctionIR, Owner, Span, Store
from leaklint_gopy.spec import Acquire, RuleSpec
from leaklint_gopy.unbound import bound_by

# A word of a name: `isClosed` -> is, Closed; `conn_marked_closed` -> conn, marked, closed; `HTTPConn` -> HTTP, Conn.
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")

if TYPE_CHECKING:
    from collections.abc import Callable

    from leaklint_gopy.dataflow import FunctionAnalysis
    from leaklint_gopy.ir import Op


def touches(function: FunctionIR, name: str, rest: str = "") -> bool:
    """Reports whether a closure's body can do anything to `name` beyond reading it: call a method
    on it, pass it along, store, return or capture it (a cheap test before analysing it); with
    `rest`, the field of `name` holding the resource: the closure's uses of other fields of it
    (`lambda: pair.send(self.MSG)` for what `self.sock` holds) do nothing to that one."""
    prefix = name + "."
    if rest:
        field = prefix + rest.partition(".")[0]
        return touches(function, name) and _names_whole_or(function, name, field)
    for block in function.blocks:
        for op in block.ops:
            call = op.call if isinstance(op, Defer) else op
            paths: tuple = ()
            if isinstance(call, Call):
                paths = (call.receiver, *call.args)
            elif isinstance(op, Assign):
                if op.source == name:  # Ex) c := conn   (a field read, pid := p.Pid, does nothing to it)
                    return True
            elif isinstance(op, Store):
                paths = (op.source,)
            elif isinstance(op, Exit):
                paths = op.values
            elif isinstance(op, Capture):
                paths = op.names
            if any(path is not None and (path == name or path.startswith(prefix)) for path in paths):
                return True
    return False


def _names_whole_or(function: FunctionIR, name: str, field: str) -> bool:
    """Reports whether some path of `function` is `name` itself or reaches into `field` of it."""
    paths = (path for block in function.blocks for op in block.ops
             for path in _op_paths(op.call if isinstance(op, Defer) else op))
    return any(path == name or path == field or path.startswith(field + ".") for path in paths if path)


def names_field(function: FunctionIR, field: str) -> bool:
    """Reports whether some path of `function` is the field path `field` or reaches into it."""
    paths = (path for block in function.blocks for op in block.ops
             for path in _op_paths(op.call if isinstance(op, Defer) else op))
    return any(path == field or path.startswith(field + ".") for path in paths if path)


def _op_paths(op) -> tuple:
    match op:
        case Call(receiver=receiver, args=args):
            return (receiver, *args)
        case Assign(source=source) | Store(source=source):
            return (source,)
        case Exit(values=values):
            return values
        case Capture(names=names):
            return names
    return ()


def only_reads(function: FunctionIR, name: str, spec: RuleSpec) -> bool:
    """Reports whether `function` only reads `name`: every use is a call of a method on it that does
    not release it, or an argument of a call the rule says borrows."""
    prefix = name + "."
    for block in function.blocks:
        for op in block.ops:
            call = op.call if isinstance(op, Defer) else op
            if isinstance(call, Call):
                named = call.receiver is not None and (call.receiver == name or call.receiver.startswith(prefix))
                if named and call.callee.rsplit(".", 1)[-1] in spec.release_methods:
                    return False
                if any(arg is not None and (arg == name or arg.startswith(prefix)) for arg in call.args) \
                        and not spec.is_borrow(call.callee):
                    return False
            elif _touches_by(op, name, prefix):
                return False
    return True


def _touches_by(op, name: str, prefix: str) -> bool:
    """Reports whether a non-call op aliases, stores, captures or returns `name`."""
    match op:
        case Assign(source=source):
            return source is not None and (source == name or source.startswith(prefix))
        case Store(source=source):
            return source == name or source.startswith(prefix)
        case Capture(names=names):
            return name in names
        case Exit(values=values):
            return any(value is not None and (value == name or value.startswith(prefix)) for value in values)
    return False


def given_fields(function: FunctionIR) -> set[str]:
    """Returns the fields of its object that method `function` may set to what a caller passed:
    `self._loop = loop` where `loop` is a parameter (or a local holding one) on some path; then the
    object may hold the caller's resource rather than one of its own (`Adapter(loop)`)."""
    receiver = function.owner.receiver if function.owner is not None else ""
    given = set(function.params) - {receiver}
    assigns = [op for block in function.blocks for op in block.ops if isinstance(op, Assign) and op.source]
    for _ in range(3):  # Ex) sock = sock or make(); conn = sock; self.conn = conn
        given |= {op.target for op in assigns if "." not in op.target and root(op.source) in given}
    prefix = receiver + "."
    return {op.target[len(prefix):].partition(".")[0] for op in assigns
            if receiver and op.target.startswith(prefix) and root(op.source) in given}


def assigns_field(function: FunctionIR) -> bool:
    """Reports whether a method may assign a field of its object (a module function: a global)."""
    owner = function.owner
    if owner is None or not owner.receiver:
        return True
    prefix = owner.receiver + "."
    return any(isinstance(op, Assign) and op.target.startswith(prefix) for block in function.blocks for op in block.ops)


def param_at(function: FunctionIR, index: int | None) -> str | None:
    return function.params[index] if index is not None and index < len(function.params) else None


def reports_errors(function: FunctionIR) -> bool:
    """Reports whether some return of `function` reports failure (a Go function's trailing error)."""
    return any(isinstance(op, Exit) and op.failing for block in function.blocks for op in block.ops)


def call_switches(call: Call, function: FunctionIR) -> dict[str, bool | None]:
    """Returns the parameters of `function` that `call` leaves to their True/None/False default or sets
    to that same literal, with the value (FunctionIR.switches): not one it passes positionally, a
    variable, another literal, or one the function rebinds."""
    if not function.switches:
        return {}
    given = dict(call.kwargs)
    rebound = {name for block in function.blocks for op in block.ops for name in bound_by(op)}
    known = {}
    for name, default in function.switches:
        if name in rebound:
            continue
        # A tree function's arguments come in its parameters' order (see calls._align)
        if name not in given and name in function.params and function.params.index(name) < len(call.args):
            continue  # Ex) sock = self.make_socket(flag)   (passed positionally: its value is unknown)
        if given.get(name, str(default)) == str(default):
            known[name] = default
    return known


def takes_over_mock(clause: Acquire, call: Call) -> bool:
    """Reports whether a tree function's returned resource (`clause`, its summary's) takes over an
    argument the caller bound to a mock (the Python front-end's `mocks` note: their positions):
    built on no descriptor, it holds none (ssl's wrap_socket fails on a Mock socket)."""
    mocked = dict(call.kwargs).get("mocks")
    return mocked is not None and clause.takes_over_arg is not None \
        and str(clause.takes_over_arg) in mocked.split(",")


def taken_param(function: FunctionIR, site: Site) -> int | None:
    """Returns the parameter of a plain function whose resource the returned site's call takes
    over (`def wrap(sock): return ctx.wrap_socket(sock)`: 0), if any; a method's is not counted,
    its call's arguments and parameters not being in the same order."""
    index = site.clause.takes_over_arg
    if index is None or index >= len(site.call.args) or function.owner is not None:
        return None
    name = site.call.args[index]
    return function.params.index(name) if name in function.params else None


def restores_field(function: FunctionIR, name: str, rest: str, analysis: FunctionAnalysis) -> bool:
    """Reports whether Python method `function`, having released what its object `name` holds in
    field `rest`, stores a fresh resource in that field again (a socket pair rebuilt, a connection
    re-opened): its object still holds one when it returns."""
    owner = function.owner
    field = rest.partition(".")[0]
    return bool(field) and owner is not None and owner.receiver == name and not owner.constructor \
        and any(index != 0 for stored, index in analysis.stored.items() if stored == field)


def handed_back(function: FunctionIR, name: str | None) -> bool:
    """Reports whether `function` may hand out the value of `name` (or of a local assigned from it):
    return it (`return Observer(f)`, `obs = Observer(f); return obs`), or keep it where it outlives
    the call: a field, a global, a container (`self.log = Observer(f)`, `OBS = Observer(f)`)."""
    if name is None:
        return True
    names = {name}
    for block in function.blocks:
        names.update(op.target for op in block.ops if isinstance(op, Assign) and op.source in names)
    owner = function.owner
    shared = owner.shared if owner is not None and not owner.receiver else frozenset()
    return any(isinstance(op, Exit) and op.kind == "return" and names.intersection(op.values)
               or isinstance(op, Store) and op.source in names
               or isinstance(op, Assign) and op.source in names and ("." in op.target or op.target in shared)
               for block in function.blocks for op in block.ops)


def return_arity(function: FunctionIR) -> int:
    """Returns the most values any return of `function` hands back."""
    sizes = [len(op.values) for block in function.blocks for op in block.ops if isinstance(op, Exit) and op.values]
    return max(sizes, default=1)


def field_holder(function: FunctionIR, owner: Owner, field: str) -> tuple[str, str]:
    """Returns how `function` (a method or a module function of `owner`) reaches the owner's `field`."""
    receiver = function.owner.receiver if function.owner is not None else ""
    return (receiver, field) if receiver and owner.receiver else (field, "")


def own_decisions(function: FunctionIR, held: str, spec: RuleSpec) -> dict[str, bool]:
    """Returns the tests of method `function` that decide for it, not for the resource it holds at
    `held`, with the value a caller handing it the resource to release sees: its object's closed
    state is false, whether it sets that state itself (`if c.done { return }` ... `c.done = true`: an
    earlier call of it ran: `if c.flags.isSet(closeConnection) { return }` ... `c.flags.set(closeConnection)`)
    or a word of its name says the rule's release happened (`if c.isClosed() { return }`, `if
    c.closing { return }`: closed, or being closed, before; not `if j.closeLater`, a caller's request:
    see _names_released); and the value
    is of each type the method asserts it to be (`if g, ok := s.client.(*rpcConn); ok { return
    g.Close() }; return nil`: its other cases are for other values). See Oracle.method_releases."""
    decided: dict[str, bool] = {}
    for block in function.blocks:
        for edge in block.succs:
            guard = edge.guard
            if guard is None or guard.kind not in ("true", "false") or guard.subject in decided:
                continue
            if guard.subject.endswith(".(type)"):
                value = guard.subject[:-len(".(type)")]
                if held == value or held.startswith(value + "."):
                    decided[guard.subject] = True
            elif function.receiver and guard.subject.startswith(function.receiver + "."):
                if _names_released(guard.subject[len(function.receiver) + 1:], spec) \
                        or _sets_state(function, guard.subject):
                    decided[guard.subject] = False
    return decided


def _names_released(state: str, spec: RuleSpec) -> bool:
    """Reports whether a word of `state` (its camelCase and underscore parts) says the rule's release
    happened or is under way: Close -> closed, closing (`isClosed()`, `flags.isSet(connMarkedClosed)`);
    Stop -> stopped. Not the release word itself: `closeLater`, `closeOnFinish`, `waitForExit` are
    a caller's requests, and a short word (wait, kill, stop) is matched whole, never inside another."""
    words = {word.lower() for word in _WORD.findall(state)}
    return any(words & _release_states(method.lower()) for method in spec.release_methods)


def _release_states(release: str) -> set[str]:
    """Returns the words saying release `release` (lower case) happened or is under way."""
    stem = release.removesuffix("e")
    return {stem + "ed", stem + "ing", release + release[-1:] + "ed", release + release[-1:] + "ing"}


def _sets_state(function: FunctionIR, state: str) -> bool:
    """Reports whether `function` sets the state a condition tests: assigns the field `state`, or
    calls another method of the value whose method `state` calls, with the same arguments."""
    ops = [op for block in function.blocks for op in block.ops]
    if "(" not in state:
        return any(isinstance(op, Assign) and op.target == state for op in ops)  # Ex) c.closed = true
    holder, _, tester = state.partition("(")[0].rpartition(".")
    tests = [op for op in ops if isinstance(op, Call) and op.receiver == holder and op.callee.rpartition(".")[2] == tester]
    # Ex) c.flags.set(closeConnection)   (beside `c.flags.isSet(closeConnection)`)
    return any(isinstance(op, Call) and op.receiver == holder and op.callee.rpartition(".")[2] != tester
               and op.args and any(op.args == test.args for test in tests) for op in ops)


def changes_own_state(function: FunctionIR, method: Callable[[str], FunctionIR | None], depth: int = 3) -> bool:
    """Reports whether method `function` assigns or deletes a field of its object, itself or through
    the methods of its own object it calls, at most `depth` calls deep (`def reset(self):
    self._reset(close=False)`); one `method` does not know (not of the tree) is taken to."""
    if function.owner is None or not function.owner.receiver:
        return False
    if assigns_field(function):
        return True  # Ex) self.socks = []   Ex) del self.sock
    receiver = function.owner.receiver
    return depth > 0 and any(_own_state_call(op, receiver, method, depth - 1)
                             for block in function.blocks for op in block.ops)


def _own_state_call(op: Op, receiver: str, method: Callable[[str], FunctionIR | None], depth: int) -> bool:
    """Reports whether `op` calls a method of object `receiver` that changes its state (changes_own_state)."""
    if not isinstance(op, Call) or op.receiver != receiver or ("<bound>", "1") in op.kwargs:
        return False
    called = method(op.callee)
    return called is None or changes_own_state(called, method, depth)


def drops_unexamined(function: FunctionIR, name: str, exits: set[Span],
                     method: Callable[[str], FunctionIR | None]) -> set[Span]:
    """Returns the spans of `exits` that method `function` reaches on a path where it neither names
    `name` in an op nor reads it in a branch's condition, nor calls a method of its own object that
    changes the object's state (changes_own_state; `method` gives the tree's function of a callee):
    there it drops what `name` holds without having looked at it or acted on its own state (`def
    give(self, s): if len(self.socks) > 3: self.log_full(); return; self.socks.append(s)`; while `if
    self.pid != os.getpid(): self.reset()` is the object's decision, a reset after fork)."""
    prefix = name + "."
    own = function.owner.receiver if function.owner is not None else ""
    seen, work, found = {0}, [0], set()
    while work:
        block = function.blocks[work.pop()]
        ops = [op.call if isinstance(op, Defer) else op for op in block.ops]
        if any(path is not None and (path == name or path.startswith(prefix)) for op in ops for path in _op_paths(op)) \
                or own and any(_own_state_call(op, own, method, 2) for op in ops):
            continue
        found.update(op.span for op in ops if isinstance(op, Exit) and op.span in exits)
        for edge in block.succs:
            if not edge.exceptional and name not in edge.tests and edge.target not in seen:
                seen.add(edge.target)
                work.append(edge.target)
    return found


def returns_normally(function: FunctionIR) -> bool:
    """Reports whether some path from the entry of `function` reaches a return or its end (not a
    function looping for good: `for { c, err := ln.Accept(); ... }`, nor one only panicking)."""
    seen, stack = {0}, [0]
    while stack:
        block = function.blocks[stack.pop()]
        if any(isinstance(op, Exit) and op.kind in ("return", "end") for op in block.ops):
            return True
        for edge in block.succs:
            if edge.target not in seen:
                seen.add(edge.target)
                stack.append(edge.target)
    return False
