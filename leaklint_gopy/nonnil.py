"""What a Go call's arguments fix about the callee's tests, and which tests those are: an argument
surely not nil (the front-end's `nonnil` note: `&out`, a composite literal, `new(T)`), and the
boolean fields of a struct literal argument (its `fields` note: `&rest.Opts{NoResponse: true}`, a
field left out being false); against the parameters a tree function tests for nil or whose boolean
fields it tests, itself or in a tree function it hands them to (rclone's callCodec returns the body
open only `if response == nil || opts.NoResponse`; CallJSON passes both on to it). A callee
summarised for such a call assumes what the call fixes. Plain questions about the IR; it runs no
analysis.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from leaklint_gopy.ir import Assign, Call, Exit, FunctionIR, Guard
from leaklint_gopy.unbound import bound_by

Tested = frozenset[tuple[int, str]]  # (parameter position, "" for its nil-ness or ".Field" for a boolean field)


def _notes(call: Call) -> tuple[set[int], dict[int, dict[str, str]]]:
    """Returns the call's non-nil argument positions and, per position, the fields its literal sets
    ("true", "false" or "?"), with a "*" entry when the fields left out are unknown, not false
    (a note `2~ NoResponse=true`, made from a caller's assumption rather than from a literal)."""
    given = dict(call.kwargs)
    nonnil = {int(position) for position in given.get("nonnil", "").split()}
    fields: dict[int, dict[str, str]] = {}
    for note in filter(None, given.get("fields", "").split("|")):
        position, *pairs = note.split()
        fields[int(position.rstrip("~"))] = dict(pair.split("=", 1) for pair in pairs) | (
            {"*": "partial"} if position.endswith("~") else {})
    return nonnil, fields


def marked(call: Call, assume: dict[str, bool | None]) -> Call:
    """Returns `call` noting what the caller's own assumptions (`assume`: parameters non-nil, fields
    true or false) fix of the arguments naming those parameters: they reach the callee."""
    nonnil, fields = _notes(call)
    extra_nonnil = {index for index, arg in enumerate(call.args) if arg is not None and assume.get(arg) is True}
    extra_fields = {index: {path[len(arg) + 1:]: "true" if value else "false"
                            for path, value in assume.items() if path.startswith(f"{arg}.") and value in (True, False)}
                    for index, arg in enumerate(call.args) if arg is not None and index not in fields}
    extra_fields = {index: pairs for index, pairs in extra_fields.items() if pairs}
    if extra_nonnil <= nonnil and not extra_fields:
        return call
    kwargs = tuple(item for item in call.kwargs if item[0] not in ("nonnil", "fields"))
    notes = [f"{index}{'~' if '*' in pairs else ''} " + " ".join(f"{k}={v}" for k, v in pairs.items() if k != "*")
             for index, pairs in fields.items()]
    notes += [f"{index}~ " + " ".join(f"{k}={v}" for k, v in pairs.items()) for index, pairs in extra_fields.items()]
    kwargs += (("nonnil", " ".join(str(p) for p in sorted(nonnil | extra_nonnil))),) if nonnil | extra_nonnil else ()
    return replace(call, kwargs=kwargs + ((("fields", "|".join(notes)),) if notes else ()))


class NilTests:
    """Which parameters of tree functions decide a path by their nil-ness or a boolean field."""

    def __init__(self, lookup: Callable[[str], FunctionIR | None], returning: Callable[[str], bool]) -> None:
        # lookup: records that the analysis under way reads the body it returns (see LeakAnalysis._use)
        self._lookup, self._returning = lookup, returning  # returning: may hand a resource to its caller
        self._read: dict[str, set[str]] = {}  # function -> the bodies its tested() answer was read from
        self._tested: dict[str, Tested] = {}
        self._shared: dict[str, Tested] = {}  # tested both by the function and by a function it passes them to

    def cases(self, call: Call, callee: str) -> list[dict[str, bool | None]]:
        """Returns the assumptions to summarise tree function `callee` under for `call`: what the
        call fixes (see assumed), once per value of each boolean field it leaves unknown that the
        callee and a function it hands the field to both test (callCodec's `response == nil ||
        opts.NoResponse` returns the body open where Call closed it: only the same value of
        opts.NoResponse in both is a real path)."""
        fixed = self.assumed(call, callee)
        function = self._lookup(callee) if fixed else None
        cases = [fixed]
        for position, suffix in sorted(self._shared.get(callee, frozenset())) if function is not None else ():
            name = function.params[position] + suffix if position < len(function.params) else ""
            if suffix and name and name not in fixed and len(cases) < 4:
                cases = [case | {name: value} for case in cases for value in (True, False)]
        return cases

    def assumed(self, call: Call, callee: str) -> dict[str, bool | None]:
        """Returns what `call` fixes of the parameters of tree function `callee` that decide its
        paths: `{"response": True}` (not nil), `{"opts.NoResponse": False}`."""
        nonnil, fields = _notes(call)
        function = self._lookup(callee) if nonnil or fields else None
        if function is None:
            return {}
        assumed: dict[str, bool | None] = {}
        for position, suffix in sorted(self.tested(callee)):
            if position >= len(function.params):
                continue
            name = function.params[position]
            if not suffix and position in nonnil:
                assumed[name] = True
            elif suffix and position in fields:
                value = fields[position].get(suffix[1:], "false" if "*" not in fields[position] else "?")
                if value in ("true", "false"):
                    assumed[name + suffix] = value == "true"
        return assumed

    def tested(self, qualname: str) -> Tested:
        """Returns the parameters of `qualname` (with the field, for a boolean field) that one of
        its branches tests, or that it passes to a tree function testing them that may return a
        resource (only what decides a returned resource matters here)."""
        if qualname in self._tested:
            for read in self._read.get(qualname, ()):
                self._lookup(read)  # a cached answer relies on those bodies all the same
            return self._tested[qualname]
        self._tested[qualname] = frozenset()  # recursion guard
        self._read[qualname] = {qualname}
        function = self._lookup(qualname)
        if function is None:
            return frozenset()
        params = {name: index for index, name in enumerate(function.params) if self._steady(function, name)}
        shared: set[tuple[int, str]] = set()
        found = {(params[path.split(".")[0]], path[len(path.split(".")[0]):])
                 for path in _tested_paths(function) - _assigned(function)
                 if path.split(".")[0] in params and path.count(".") <= 1}
        for block in function.blocks:
            for op in block.ops:
                passed = [(j, params[arg]) for j, arg in enumerate(op.args) if arg in params] \
                    if isinstance(op, Call) and not op.callee.startswith("?") and self._returning(op.callee) else []
                if passed:
                    inner, both = self.tested(op.callee), self._shared.get(op.callee, frozenset())
                    self._read[qualname] |= self._read.get(op.callee, set())
                    handed = {(index, suffix) for j, index in passed for k, suffix in inner if k == j}
                    shared |= (handed & found) | {(index, suffix) for j, index in passed for k, suffix in both if k == j}
                    found |= handed
        self._shared[qualname] = frozenset(shared)
        self._tested[qualname] = frozenset(found)
        return self._tested[qualname]

    def _steady(self, function: FunctionIR, name: str) -> bool:
        """Reports whether parameter `name` keeps its value in `function`: never rebound, or only
        to a copy of itself (`opts = opts.Copy()`, a tree method returning a copy of its receiver)."""
        for block in function.blocks:
            for op in block.ops:
                if isinstance(op, Call) and op.receiver == name and op.results[:1] == (name,):
                    self._read.setdefault(function.qualname, set()).add(op.callee)  # read by _copies
                if name in bound_by(op) and not (isinstance(op, Call) and op.receiver == name
                                                 and op.results[:1] == (name,) and self._copies(op.callee)):
                    return False
        return True

    def _copies(self, method: str) -> bool:
        """Reports whether tree method `method` returns a copy of its receiver on every return
        (`newOpts := *o; return &newOpts`) and changes nothing of it."""
        function = self._lookup(method)
        if function is None or not function.receiver:
            return False
        ops = [op for block in function.blocks for op in block.ops]
        copies = {op.target for op in ops if isinstance(op, Assign) and op.source == function.receiver and not op.field}
        exits = [op for op in ops if isinstance(op, Exit)]
        return bool(exits) and all(op.values[:1] and op.values[0] in copies for op in exits) \
            and all(isinstance(op, (Assign, Exit)) for op in ops) \
            and all(op.source == function.receiver and op.target in copies for op in ops if isinstance(op, Assign))


def _tested_paths(function: FunctionIR) -> set[str]:
    """Returns the names and paths some edge of `function` proves nil, non-nil, true or false."""
    paths: set[str] = set()
    for block in function.blocks:
        for edge in block.succs:
            guard: Guard | None = edge.guard
            while guard is not None:
                paths.add(guard.subject)
                guard = guard.also
    return paths


def _assigned(function: FunctionIR) -> set[str]:
    """Returns the names and field paths `function` assigns (`opts.Body, opts.ContentType, ... = ...`)."""
    return {name for block in function.blocks for op in block.ops
            for name in (op.results if isinstance(op, Call) else (op.target,) if isinstance(op, Assign) else ())
            if name}
