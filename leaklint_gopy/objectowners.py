"""Objects as owners: whether an object of the tree keeps a resource it was given or opened (a field
set in its constructor or a method), which of its methods release it, and which hand the receiver
over. A mixin of analysis.LeakAnalysis; it never parses and never formats.
"""
from __future__ import annotations

from leaklint_gopy.dataflow import FunctionAnalysis
from leaklint_gopy.facts import Leak, Site, joined
from leaklint_gopy.lazyowners import connecting_methods
from leaklint_gopy.irquery import assigns_field, field_holder, given_fields, names_field, own_decisions
from leaklint_gopy.ir import Assign, Call, Defer, FunctionIR, Owner
from leaklint_gopy.ownership import closers
from leaklint_gopy.reliance import remembered
from leaklint_gopy.spec import Acquire, RuleSpec
from leaklint_gopy.summaries import NORMAL_EXITS, by_severity


class ObjectOwners:
    """The object-ownership questions of LeakAnalysis (see analysis.py)."""

    def kept_by_object(self, init: str, index: int, rest: str, spec: RuleSpec, unreleased: bool = False) -> str | None:
        """Returns the path at which an object built by tree constructor `init` holds the resource
        passed as parameter `index` (at `rest`): `self.sock = sock` in `__init__` (or in the base's
        `__init__` it calls), when a method of the class releases that field (or, `unreleased`, also
        when none does: the caller releases it through the field); None otherwise."""
        function = self.functions[init]
        owner = function.owner
        if owner is None or not owner.receiver or index >= len(function.params):
            return None
        prefix, param = owner.receiver + ".", function.params[index]
        fields = {op.target[len(prefix):] for block in function.blocks for op in block.ops
                  if isinstance(op, Assign) and op.source == param and op.target.startswith(prefix)}
        if not fields:
            # Ex) def __init__(self, config, sockets): super().__init__(config, sockets)   (the base keeps it)
            return next((kept for block in function.blocks for op in block.ops if isinstance(op, Call)
                         and op.callee.endswith(".__init__") and op.callee != init and op.callee in self.functions
                         and (op.receiver == owner.receiver or op.args[:1] == (owner.receiver,)) and param in op.args
                         and (kept := self.kept_by_object(op.callee, op.args.index(param), rest, spec, unreleased))), None)
        # A field its class releases; one it never closes (`unreleased`) only where the caller keeps the
        # object to itself: factories' objects are mostly long-lived observers, producers and test doubles
        # (`FileLogObserver(open(p))` kept by the global log publisher, a socket from a mocked connect):
        # measured on the corpus, 3 true findings against 8 false (see callflow._arg_effect).
        field = next((f for f in sorted(fields) if "." not in f and (unreleased or self.owner_releases(owner, f, spec))), None)
        return None if field is None else f"{field}.{rest}" if rest else field

    def keeps_given(self, cls: str, name: str) -> bool:
        """Reports whether tree class `cls` has no method `name` and its constructor (or a base's it
        calls) stores a parameter in field `name`: `self._wait = wait`. Calling that field runs a
        function given before the object existed, which cannot have been handed the object."""
        init = f"{cls}.__init__"
        if f"{cls}.{name}" in self.functions or init not in self.functions:
            return False
        function = self.functions[init]
        owner = function.owner
        if owner is None or not owner.receiver:
            return False
        target = f"{owner.receiver}.{name}"
        if any(isinstance(op, Assign) and op.target == target and op.source in function.params[1:]
               for block in function.blocks for op in block.ops):
            return True
        # Ex) def __init__(self, wait): super().__init__(wait)   (the base's __init__ keeps it)
        return any(isinstance(op, Call) and op.callee.endswith(".__init__") and op.callee != init
                   and (op.receiver == owner.receiver or op.args[:1] == (owner.receiver,))
                   and self.keeps_given(op.callee.rpartition(".")[0], name)
                   for block in function.blocks for op in block.ops)

    @remembered(lambda method, rest, spec: (method, rest, spec.id))
    def method_releases(self, method: str, rest: str, spec: RuleSpec) -> bool:
        """Reports whether method `method` releases what its object (a Go receiver, a Python method's
        first parameter) holds at `rest` on some path."""
        function = self.functions[method]
        me = function.receiver or (function.params[0] if function.params else "")
        if not me or spec.language != "go":
            # A path that used the resource and returned it open shows it open after the call: kafka's
            # BrokerConnection.send closes its socket only where sending failed (not a release)
            return bool(me) and self._seeded(method, me, rest, spec)[1] and not self._used_open(method, me, rest, spec)
        # A Go method is read afresh, asking the same of the methods it calls: its summary may have
        # been taken inside a cycle of them, where a recursion guard said "borrows" (nats-server's
        # closeConnection -> markConnAsClosed -> flushAndClose -> flushOutbound -> closeConnection),
        # and "on some path" does not depend on where the cycle was entered.
        key = ("releases", method, rest, spec.id)
        if key in self._releasing:
            self._cycles.met(key)
            return self._releasing[key]
        self._releasing[key] = False  # recursion guard: a method reached again releases nothing more

        def read(_: bool) -> bool:
            # Some path releasing it is enough in a method the rule names a release (the object's own
            # Close); elsewhere every path must, but for those the method's own decisions rule out
            # (an early return because an earlier call closed the object, a type the value is not of);
            # not those the object's state decides otherwise (`if h.done { h.f.Close() }`, done never
            # set there: still held where it is false)
            pseudo = Site(0, spec, spec.acquire[0], Call(function.span, "", ""), me, pseudo=True)
            releasing = method.rpartition(".")[2] in spec.release_methods
            decided = {} if releasing else own_decisions(function, joined((me, rest)), spec)
            analysis = FunctionAnalysis(function, self, [(pseudo, (me, rest))], assume=decided)
            leaks: list[Leak] = []
            analysis.run(leaks.append)
            self._releasing[key] = 0 in analysis.released and (
                releasing or not any(leak.site == 0 and leak.kind in NORMAL_EXITS for leak in leaks))
            return self._releasing[key]

        # (inside a cycle of such methods, kept only until the cycle is decided: see cycles.py)
        return self._cycles.evaluate(key, False, read, lambda: self._releasing.pop(key, None))

    @remembered(lambda method, spec, actual="": (method, spec.id, actual))
    def hands_over_receiver(self, method: str, spec: RuleSpec, actual: str = "") -> bool:
        """Reports whether Python method `method`, run on an object of class `actual`, passes its own
        object to a call it cannot see into (`self.request.registerProducer(self)`: the receiver may
        keep the object, and close what it holds, later), or calls a method of its object that
        `actual` overrides (`BasePool.stop` calling `self.on_stop()`, TaskPool's): code it does not read."""
        key = (method, spec.id, actual)  # (spec: which calls borrow is the rule's)
        if key in self._handing:
            return self._handing[key]
        self._handing[key] = False  # recursion guard
        function = self._read_body(method)
        me = function.params[0] if function.params else None
        for block in function.blocks:
            for op in block.ops:
                if not isinstance(op, Call) or me is None or me not in (*op.args, op.receiver):
                    continue
                override = f"{actual}.{op.callee.rpartition('.')[2]}" if actual else ""
                if op.receiver == me and override != op.callee and override in self.functions:
                    self._use(override)
                    handed = True  # Ex) self.on_stop()   (the subclass's, not the one this method names)
                elif op.receiver == me and op.callee in self.functions:
                    handed = self.hands_over_receiver(op.callee, spec, actual)  # Ex) self._register()
                else:
                    handed = me in op.args and op.callee not in self.functions and not spec.is_borrow(op.callee)
                if handed:
                    self._handing[key] = True
                    return True
        return False

    @remembered(lambda init: (init,))
    def _constructed(self, init: str) -> tuple[RuleSpec, Acquire] | None:
        """Returns what an object of a tree class holds when its constructor `init` returns: the
        resource its `__init__` stores in a field that a method of the class releases (`close()`).
        Such an object is then a resource itself: its own close() releases it, and dropping it open
        leaks what it holds. A field nothing in the class releases is the class's own finding."""
        if init in self._objects:
            return self._objects[init]
        self._objects[init] = None  # recursion guard: a class whose __init__ builds another of it
        function = self.functions[init]
        owner = function.owner
        stored = self._built_fields(function) if owner is not None and owner.constructor and owner.receiver else {}
        if not stored:
            # Ex) def __init__(self, host): super().__init__(host)   (what the base's stores)
            bases = [op.callee for block in function.blocks for op in block.ops if isinstance(op, Call)
                     and op.callee.endswith(".__init__") and op.callee in self.functions and owner is not None
                     and owner.receiver and (op.receiver == owner.receiver or op.args[:1] == (owner.receiver,))]
            self._objects[init] = next((found for base in bases if (found := self._constructed(base))), None)
            return self._objects[init]
        given = given_fields(function)
        # The most severe resource it holds names the object (kafka-python's NetworkSelector holds a
        # selector and a wake-up socket pair: a socket finding), then the field's name
        for field, site in by_severity(stored):
            if field not in given and self.owner_releases(owner, field, site.spec):
                path = field if site.clause.field is None else f"{field}.{site.clause.field}".rstrip(".")
                # Ex) self.poolmanager = PoolManager()   (lazy: the object connects only through some methods)
                connects = connecting_methods(owner, field, site.clause, site.spec, self.functions) \
                    if site.clause.lazy else ()
                self._objects[init] = site.spec, Acquire(calls=(init,), resource=f"object holding a {site.spec.resource}",
                                                         type=owner.name, field=path, lazy=site.clause.lazy,
                                                         connects=connects)
                break
        return self._objects[init]

    @remembered(lambda method: (method,))
    def _opened(self, method: str) -> tuple[RuleSpec, Acquire] | None:
        """Returns what an object of a tree class holds once its method `method` (not a constructor)
        returned: the resource the method stores in a field that a method of the class releases
        (`def connect(self): self._sock = socket.create_connection(a)`, closed by close()). The
        object whose method it is then becomes that resource (a receiver acquisition, as
        exec.Cmd.Start); before the call it held nothing."""
        if method in self._opening:
            return self._opening[method]
        self._opening[method] = None  # recursion guard
        function = self.functions[method]
        owner = function.owner
        # A Python method: its object is its first parameter (a Go method's is `receiver`)
        if function.receiver or owner is None or owner.constructor or owner.fresh or not owner.receiver \
                or function.params[:1] != (owner.receiver,) or not assigns_field(function) \
                or not self._may_acquire(function):
            return None
        init = f"{owner.name}.__init__"
        if init in self.functions and self._constructed(init) is not None:
            return None  # Ex) def _rebuild(self): ...; self._r, self._w = socket.socketpair()   (held from birth)
        given = given_fields(function)
        for field, site in by_severity(self._stored_fields(function)):
            if field not in given and not site.clause.receiver and self.owner_releases(owner, field, site.spec):
                path = field if site.clause.field is None else f"{field}.{site.clause.field}".rstrip(".")
                self._opening[method] = site.spec, Acquire(
                    calls=(method,), receiver=True, resource=f"object holding a {site.spec.resource}",
                    type=owner.name, field=path)
                break
        return self._opening[method]

    def _built_fields(self, init: FunctionIR) -> dict[str, Site]:
        """Returns field -> acquisition for what constructor `init` stores in its object's fields:
        itself, or through a method it calls on the object while building it (twisted's LogFile:
        `self._openFile()` opens the file its close() closes)."""
        helpers = {op.callee for block in init.blocks for op in block.ops
                   if isinstance(op, Call) and op.receiver == init.owner.receiver and op.callee != init.qualname
                   and op.callee in self.functions and (helper := self.functions[op.callee].owner) is not None
                   and helper.fresh and helper.name == init.owner.name}
        stored: dict[str, Site] = {}
        for method in [init, *(self.functions[name] for name in sorted(helpers))]:
            if not assigns_field(method) or not self._may_acquire(method):
                continue  # it stores nothing it acquires
            for field, site in self._stored_fields(method).items():
                stored.setdefault(field, site)
        return stored

    def _stored_fields(self, method: FunctionIR) -> dict[str, Site]:
        """Returns field -> acquisition for what `method` stores in its object's fields."""
        analysis = FunctionAnalysis(method, self)
        analysis.run(lambda leak: None)
        return {field: analysis.sites[index] for field, index in analysis.stored.items()}

    @remembered(lambda owner, field, spec, held=None: _owned_key(owner, field, spec, held))
    def owner_releases(self, owner: Owner, field: str, spec: RuleSpec, held: Acquire | None = None) -> bool:
        """Reports whether some function of `owner` releases the resource it keeps in `field`; `held`,
        for an object of a tree class holding it (SocketInfo), is what its methods are read by."""
        # (or whose acquisition has release methods of its own: a go-plugin client's Kill)
        if any(f == field and method in spec.release_methods for method, f in owner.promoted):
            return True  # Ex) type redialerConn struct { net.Conn; ... }; reconn.Conn = conn2   (the promoted Close)
        held = _reading(held)
        key = _owned_key(owner, field, spec, held)  # (held read so already: _reading leaves it as it is)
        if key in self._owning:
            self._provisional()  # recursion: a summary relying on this answer relies on a guess
        if key not in self._owned:
            self._owned[key] = False  # recursion guard
            self._owning.add(key)
            # Ex) c.last = resp ... c.last.Body.Close()   (the spec's release field below the owner's)
            below = {spec.release_field} | {more for clause in spec.acquire for more in clause.more_fields}
            fields = [field, *(f"{field}.{rest}" for rest in sorted(below) if rest)]
            methods = self._releasing_methods(owner, spec)
            if spec.language == "go":  # (a Python class's are read in name order: not yet measured on its samples)
                methods = self._naming_first(methods, owner, field)
            self._owned[key] = any(
                self._seeded(qualname, *field_holder(self.functions[qualname], owner, path), spec, held=held)[1]
                for qualname in methods if qualname in self.functions for path in fields)
            self._owning.discard(key)
        return self._owned[key]

    def _naming_first(self, methods: tuple[str, ...], owner: Owner, field: str) -> list[str]:
        """Returns those of `methods` (of `owner`, see _releasing_methods) that are the tree's, those
        whose body names `field` first: the one that releases it mostly does so itself. In name order,
        nats-server's Server, of 606 methods and no Close, had 114 read (and the methods they call)
        before Shutdown for each of its listener fields: a third of the package's CPU time."""
        methods = [qualname for qualname in methods if qualname in self.functions]
        return sorted(methods, key=lambda qualname: not names_field(
            self.functions[qualname], joined(field_holder(self.functions[qualname], owner, field))))

    def _releasing_methods(self, owner: Owner, spec: RuleSpec) -> tuple[str, ...]:
        """Returns the functions of `owner` that may release what it keeps in a field: a Go type's
        Close and the methods it calls on its receiver, transitively (see ownership.closers); else
        all of its methods."""
        found: set[str] = set()
        stack = list(closers(owner, spec))
        if not stack:
            return owner.methods
        while stack:
            qualname = stack.pop()
            if qualname in found or qualname not in self.functions:
                continue
            found.add(qualname)
            function = self.functions[qualname]
            for block in function.blocks:
                for op in block.ops:
                    call = op.call if isinstance(op, Defer) else op
                    if isinstance(call, Call) and call.receiver == function.receiver and call.callee in owner.methods:
                        stack.append(call.callee)  # Ex) func (s *session) Close() error { s.cancel(); return s.Wait() }
        return tuple(sorted(found))

    def _owned_seeds(self, function: FunctionIR) -> list[tuple[Site, tuple[str, str]]]:
        """Returns, for a method of a known class, the resource fields open when it is called."""
        owner = function.owner
        if owner is None or owner.constructor or owner.fresh or not (owner.receiver or owner.shared):
            return []
        seeds: list[tuple[Site, tuple[str, str]]] = []
        for field, (site, strict) in sorted(self._owner_fields(owner).items()):
            if not owner.receiver and field not in owner.shared:
                continue  # a global the function does not rebind: nothing here can lose it
            kind = "strict" if strict or field in owner.cached else "lazy"
            holder = (owner.receiver, field) if owner.receiver else (field, "")
            seeds.append((Site(len(seeds), site.spec, site.clause, site.call, joined(holder),
                               pseudo=True, owned=kind), holder))
        return seeds

    @remembered(lambda owner: (owner.name,))
    def _owner_fields(self, owner: Owner) -> dict[str, tuple[Site, bool]]:
        """Returns field -> (the acquisition stored there, stored by the constructor) for a class."""
        if owner.name in self._fields:
            return self._fields[owner.name]
        self._fields[owner.name] = {}
        fields: dict[str, tuple[Site, bool]] = {}
        for qualname in owner.acquiring:
            if qualname not in self.functions:
                continue
            method = self.functions[qualname]
            if not assigns_field(method) or not self._may_acquire(method):
                continue  # it stores nothing it acquires
            analysis = FunctionAnalysis(method, self)
            analysis.run(lambda leak: None)
            constructor = method.owner is not None and method.owner.constructor
            for field, index in analysis.stored.items():
                if field not in fields or constructor and not fields[field][1]:
                    fields[field] = (analysis.sites[index], constructor)
        self._fields[owner.name] = fields
        return fields


def _reading(held: Acquire | None) -> Acquire | None:
    """Returns `held` when it says how its object's methods are read (see owner_releases), else None."""
    return held if held is not None and (held.field and held.type or held.release_methods or held.release_calls) \
        else None


def _owned_key(owner: Owner, field: str, spec: RuleSpec, held: Acquire | None) -> tuple:
    """Returns owner_releases' memo key."""
    held = _reading(held)
    return (owner.name, field, spec.id) + ((held.type, held.field) if held else ())
