"""What a call does to the facts of the dataflow engine: releases, hand-offs, borrows, wrappers taking
a resource over, methods run on an owned object, and the effects summaries and rule specs give each
argument. A mixin of dataflow.FunctionAnalysis; it never parses and never formats.
"""
from __future__ import annotations

from leaklint_gopy.facts import Fact, Holder, Reporter, State, joined, refers, remainder
from leaklint_gopy.ir import UNWINDING, Call, Defer
from leaklint_gopy.irquery import handed_back
from leaklint_gopy.spec import Acquire, RuleSpec
from leaklint_gopy.summaries import UNLESS_RAISING
from leaklint_gopy.flowops import (_EFFECTS, _call_roots, _companion, _constructs, _constructs_tree_object, _in_place,
                                   _paired, _promoted, _reports_error, _spawned, closes_through, replace)

SENDS = "sends"  # _uses: a tree function that sends through the lazy resource (see sending.sends)


class CallFlow:
    """The call effects of FunctionAnalysis (see dataflow.py)."""

    # -- calls ------------------------------------------------------------------------------
    def _call(self, call: Call, state: State, report: Reporter, deferred: bool) -> State:
        wrapped = self._wrapped(call, state)
        self.closed_if_failing, self.passing = {}, {}
        state = self._call_effects(call, state, deferred)
        passed, self.passing = self.passing, {}
        # Ex) with self.assertRaises(OSError): s = socket.create_connection(a)   (meant to fail)
        acquired = None if call.expected else self._acquisition(call, state)
        moving = wrapped | set(passed)  # Ex) c = tls.Client(c, cfg)   (the new value holds the old one)
        kept = frozenset(f for f in state if f.site in moving)
        for target in call.results:
            if target is not None and kept:
                kept = frozenset(replace(f, err=None) if f.err == target else f for f in kept)
                state = self._overwrite(call.span, target, state - kept, report) | kept
            elif target is not None:
                state = self._overwrite(call.span, target, state, report)
        if wrapped and call.results and call.results[0] is not None:
            holder = (call.results[0], "")
            state = frozenset(replace(f, holders=f.holders | {holder}) if f.site in wrapped else f for f in state)
        if passed:
            state = self._pass_on(call, passed, state)
        if self.closed_if_failing:
            failing, self.closed_if_failing = self.closed_if_failing, {}
            state = frozenset(replace(f, err=failing[f.site]) if f.site in failing else f for f in state)
        if acquired is not None:
            state = self._acquire(call, *acquired, state, report)
            companion = _companion(call, *acquired)
            if companion is not None:
                # Ex) p = Popen(cmd, stdout=PIPE)   (its stdout pipe, then its child)
                state = self._acquire(call, acquired[0], companion, state, report)
        return state

    def _pass_on(self, call: Call, passed: dict[int, tuple[int, frozenset[str], bool]], state: State) -> State:
        """Adds the call's results to the holders of what it handed back; where the callee hands it
        back on every path and also reports an error, that error being set means it kept nothing
        (it closed it, or never had it)."""
        out = set()
        for fact in state:
            if fact.site in passed and fact.site >= 0:
                position, rests, always = passed[fact.site]
                target = call.results[position] if position < len(call.results) else None
                if target is not None:
                    paired = always and len(call.results) > 1 and position != len(call.results) - 1
                    err = call.results[-1] if paired else fact.err
                    fact = replace(fact, holders=fact.holders | {(target, rest) for rest in rests}, err=err)
                    site = self.sites[fact.site]
                    if site.variable is None or site.variable.startswith("$"):
                        self._edit(replace(site, variable=target))  # messages name `resp`
            out.add(fact)
        return frozenset(out)

    def _into_value(self, target: str, source: str | None, field: str, state: State) -> State:
        """`target` is a new struct value holding `source` in `field` (`c := &call{resp: resp}`): it
        owns the resource, so closing `target` or `target.field...` closes it."""
        out = set()
        for fact in state:
            added = set()
            for holder in fact.holders:
                if refers(source, holder):
                    rest = remainder(source, holder)
                    added |= {(target, ""), (f"{target}.{field}", rest) if field else (target, rest)}
            out.add(replace(fact, holders=fact.holders | added) if added and fact.site >= 0 else fact)
        return frozenset(out)

    def _wrapped(self, call: Call, state: State) -> set[int]:
        """Returns the sites that `call` wraps: the resources of its arguments live on in its result
        (`tls.Client(conn, cfg)`, `os._wrap_close(proc.stdout, proc)`), or that a method returning
        its object itself is called on (`s = conn.unwrap()`, see Acquire.same_object_methods)."""
        method = call.callee.rpartition(".")[2]
        same = {f.site for f in state if call.receiver is not None and f.site >= 0
                and method in self.sites[f.site].clause.same_object_methods
                and any(joined(h) == call.receiver for h in f.holders)}
        given = [arg for arg in call.args if arg is not None]
        if not given:
            return same
        wrapped = {f.site for f in state if any(refers(arg, h) for arg in given for h in f.holders)
                   and self.sites[f.site].spec.is_wrap(call.callee)}
        for arg in call.args:
            if _in_place(call, arg) and not self.oracle.is_tree_function(call.callee):
                # Ex) c = netpkg.NewContextConn(ctx, c)   (the wrapper takes the variable's name: it holds c)
                wrapped |= {f.site for f in state if (arg, "") in f.holders
                            and self.sites[f.site].spec.unresolved_calls == "handoff"}
        return wrapped | same

    def _call_effects(self, call: Call, state: State, deferred: bool) -> State:
        if not state:
            return state  # nothing is open: the call can do nothing to it
        paths = _call_roots(call)
        if not paths:
            return state  # Ex) time.Now()   (it is given nothing: it can do nothing to what is open)
        out = set()
        for fact in state:
            if paths.isdisjoint({path.partition(".")[0] for path, _ in fact.holders}):  # (their roots)
                out.add(fact)
                continue
            effect = self._effect_on(call, fact)
            if effect.endswith(UNLESS_RAISING):
                # Ex) return self._wrap_socket_with_ssl(sock)   (taken over where it returns, still ours where it raises;
                # a method never takes over its own object: czf.readfile("1") handing czf to a ZipFileEntry)
                own = call.receiver is not None and any(refers(call.receiver, holder) for holder in fact.holders)
                effect = "borrow" if call is self.raising or own else effect[:-len(UNLESS_RAISING)]
            conditional = effect.endswith("-on-success") or effect.endswith("-on-failure")
            failure = call.results[-1] if conditional and call.results else None
            if failure is not None and not deferred and effect == "release-on-success":
                # Ex) if err := wantBody(res); err != nil { t.Fatal(err) }   (it closes unless it fails)
                self.released.add(fact.site)
                out.add(replace(fact, closed_unless=failure))
                continue
            if effect == "escape-on-success":
                if failure is not None and not deferred:
                    # Ex) sess, err := quic.Dial(udpConn, ...); if err != nil { return err }   (still ours)
                    out.add(replace(fact, closed_unless=failure))
                continue
            if failure is not None and not deferred:
                # Ex) if err := readError(resp); err != nil { return err }   (it closes when it fails;
                # paired with `err` once the call's results are bound, see _call)
                self.released.add(fact.site)
                self.closed_if_failing[fact.site] = failure
                out.add(fact)
                continue
            if effect == "drain" and self.sites[fact.site].spec.drained_rule and not deferred:
                site = self.sites[fact.site]
                if len(call.results) > 1 and call.results[-1] is not None and site.clause in site.spec.acquire:
                    # Ex) body, err := io.ReadAll(resp.Body); if err != nil { continue }   (a failed read of
                    # net/http's body ends its transport's readLoop, which closes the connection: Go 1.19
                    # transport.go 2181-2192, 2214-2223, deferred pc.close 2060; only a body the rule's
                    # own calls return is the transport's: a helper's may be its own reader)
                    self.closed_if_failing[fact.site] = call.results[-1]
                out.add(replace(fact, drained=True))
                continue
            if effect in ("release", "drain"):
                self.released.add(fact.site)
                if deferred:
                    out.add(replace(fact, deferred=True))
                continue
            if effect == "escape":
                continue
            if _spawned(call) and not self._left_open(call, fact):
                continue  # Ex) go r.handleConn(ctx, conn)   (the goroutine owns what it is given from now on)
            if not fact.used and (self.sites[fact.site].pseudo or self.sites[fact.site].clause.lazy) \
                    and (used := self._uses(call, fact)) and (used == SENDS or not self.oracle.quiet(call)):
                # Ex) def send(self, b): self._sock.sendall(b) ...   (I/O on a summary's resource: it was
                # open there, see Fact.used; `self.stream.fileno()` only inspects it)
                # Ex) pool = connection_from_url(u); pool.request("GET", "/")   (a lazy resource now holds one)
                fact = replace(fact, used=True)
            out.add(fact)
        return frozenset(out)

    def _uses(self, call: Call, fact: Fact) -> str:
        """Returns whether `call` may make a lazy resource hold a connection (SENDS: a tree function
        that sends through it, whatever its name says, "call": another use, "": none): for a
        clause naming the methods that connect (`connects`), one of them called on it, a tree
        function given it that sends through it (sending.sends), or another call it is given that
        does not only borrow it; else any call on it or given it (see _operates_on)."""
        site = self.sites[fact.site]
        connects = site.clause.connects
        if not connects or site.pseudo:
            return "call" if self._operates_on(call, fact) else ""
        patched = set(dict(site.call.kwargs).get("patched", "").split(",")) - {""}
        if "send" in patched and "send" in connects:
            return ""  # Ex) setUp: mock.patch.object(APIClient, "send"); APIClient().version()   (a fake sends)
        # An object of the tree holding it in a field is the holder's base (`adapter` for adapter.poolmanager)
        suffix = f".{site.clause.field}" if site.clause.field else ""
        holders = {name.removesuffix(suffix) for holder in fact.holders if (name := joined(holder))}
        if call.receiver in holders:
            if call.callee.rpartition(".")[2] in patched:
                return ""  # Ex) setUp: mock.patch.object(APIClient, "get"); client.get(url)   (the fake runs)
            if call.callee.rpartition(".")[2] in connects:
                return "call"  # Ex) s = requests.Session(); s.get(url)
            # Ex) client = APIClient(); client.version()   (a method of a Session class of the tree that sends)
            return SENDS if call.receiver in call.args \
                and self.oracle.sends(call.callee, call.args.index(call.receiver), site) else ""
        given = [index for index, arg in enumerate(call.args) if arg in holders]
        if given and self.oracle.is_tree_function(call.callee):
            # Ex) def socket_path(client): return client.get_adapter(p).socket_path   (sends nothing)
            return SENDS if any(self.oracle.sends(call.callee, index, site) for index in given) else ""
        # Ex) fetch(s, url)   (it may send through it); s.mount(prefix, adapter) only borrows the adapter
        return "call" if given and not site.spec.is_borrow(call.callee) else ""

    @staticmethod
    def _operates_on(call: Call, fact: Fact) -> bool:
        """Reports whether `call` is a method of the resource itself or is given it (`self._sock.send(b)`,
        `os.write(self.fd, b)`), not a method of the object holding it (`self.reset()`)."""
        return any(joined(holder) in (call.receiver, *call.args) for holder in fact.holders)

    def _left_open(self, call: Call, fact: Fact) -> bool:
        """Reports whether the tree function a go statement runs is given the resource (or is a method
        of the object holding it) and releases it on no path (`go readUntilError(c, done)`): the
        goroutine keeps it open, the caller still owns it."""
        if not self.oracle.is_tree_function(call.callee):
            return False
        spec = self.sites[fact.site].spec
        for holder in sorted(fact.holders):
            for index, arg in enumerate(call.args):
                if refers(arg, holder):
                    return self.oracle.never_releases(call.callee, index, remainder(arg, holder), spec)
            if spec.language == "go" and refers(call.receiver, holder):
                # Ex) go ss.killProcessOnContextDone()   (it only signals ss.cmd: run still waits for it)
                return self.oracle.receiver_left_open(call.callee, remainder(call.receiver, holder), spec)
        return False

    def _effect_on(self, call: Call, fact: Fact) -> str:
        """Returns release, drain, escape or borrow: what `call` does to the resource of `fact`."""
        spec = self.sites[fact.site].spec
        holders = sorted(fact.holders)  # one answer whatever the order of a set
        method = call.callee.rsplit(".", 1)[-1]
        if method in ("__exit__", "__aexit__") and self.sites[fact.site].clause.managed:
            # Ex) with pool.get_socket(checkout=True):   (leaving the block resumed the generator, whose
            # summary handed the socket out: the with releases nothing more; a later `with s:` over the
            # same value is read alike, a miss). On an exception's way out the generator gets it at its
            # yield, and an exception out of the exit is raised by its code after the yield: what either
            # leaves open is the generator's own finding, not the caller's.
            return "release" if UNWINDING in call.kwargs or call is self.raising else "borrow"
        for holder in holders:
            # What the rule declares comes first: cmd.Wait() waits for the process whatever
            # the tree's own (*Cmd).Wait summary guesses about its early returns.
            if call.receiver is not None and joined(holder) in (call.receiver, _promoted(call)):
                clause = self.sites[fact.site].clause
                awaited = call.awaited or not clause.awaited_release
                if (method in spec.release_methods or method in clause.release_methods) and awaited:
                    return "release"
                if method in spec.drain_methods and not call.args:
                    return "drain"  # Ex) body = urlopen(u).read()   (read to the end: it closes itself)
            if call.receiver is not None and call.receiver == holder[0] and holder[1] and spec.language == "python" \
                    and method in (self.sites[fact.site].clause.object_release_methods or spec.release_methods):
                # Ex) info = pool.connect(); info.close()   (an object holding it in info.sock)
                # Ex) self.addCleanup(info.close)   (handed over to be called)
                # Ex) net.close()   (its class's close: `if self._closed: return` first reads as a path
                # that keeps it open, but it is the object's one way to close what it holds)
                return "release"
        python = spec.language == "python"
        # The method the receiver's call runs matters only where the receiver leads to the resource:
        # asking whether it is a tree function lowers it (and may load its package), so a call that
        # is only given the resource (`io.Copy(w, resp.Body)`) never asks
        receiving = call.receiver is not None and any(refers(call.receiver, holder) for holder in holders)
        callee, made = self._method_run(call, fact, spec) if receiving or python else (call.callee, "")
        if python and self._object_call(call, holders) \
                and not self.sites[fact.site].clause.object_release_methods:
            # Ex) producer = self.makeProducer(request, f); producer.start()   (start() registers the
            # producer with the request, which stops it, and closes f, later): a method of an object
            # holding the resource that hands the object to code it cannot see, or that is unknown
            actual = self.sites[fact.site].clause.type
            if not self.oracle.is_tree_function(callee) and actual \
                    and self.oracle.keeps_given(actual, call.callee.rpartition(".")[2]):
                pass  # Ex) poller._get_wait_seconds()   (a function its constructor was given: it never saw the object)
            elif not self.oracle.is_tree_function(callee) or self.oracle.hands_over_receiver(callee, spec, actual):
                return "escape"
        if spec.language == "go" and call.receiver is not None and not self.oracle.is_tree_function(callee):
            effect = self._held_effect(call, holders, spec)
            if effect != "borrow":
                return effect
        for holder in holders:
            if call.receiver is not None and refers(call.receiver, holder) and self.oracle.is_tree_function(callee):
                # Ex) w := &wrapper{rows: rows}; w.Scan(&v)   (the method closes what its receiver holds)
                # Ex) info = pool.connect(); info.close_socket()   (a SocketInfo: its method, by the site's type)
                rest = remainder(call.receiver, holder)
                if python and not rest:
                    rest = self.sites[fact.site].clause.field or ""  # Ex) for info in self.sockets: info.close()
                # A Python method's object is its parameter 0; one holding the resource in a field is
                # asked here, a resource itself goes through the arguments below (hand-backs included)
                effect = self.oracle.param_effect(callee, 0, rest, spec) if python and rest \
                    else self.oracle.receiver_effect(callee, rest, spec)
                if effect.startswith("passes"):
                    effect = "borrows"  # Ex) raw = self.opened_raw()   (handed back: the arguments below say to whom)
                if effect == "borrows" and rest and self.oracle.method_releases(callee, rest, spec):
                    # Ex) waker.connectionLost(reason)   (`if not hasattr(self, "o"): return` first: the
                    # method of its class that closes what the object holds, whatever state it guards)
                    # Ex) f.Cancel()   (`if a.closed { return nil }` first, likewise)
                    # Ex) c.closeConnection()   (`if c.flags.isSet(closeConnection) { return }` first:
                    # nats-server's client closes c.nc once; a Go method of the object's own type is
                    # read like a Python one)
                    return "release"
                if effect != "borrows":
                    return _EFFECTS[effect]
            for index, arg in enumerate(call.args):
                if refers(arg, holder):
                    effect = self._arg_effect(call, index, holder, spec, fact)
                    if effect != "borrow":
                        return effect
                elif closes_through(arg, holder, spec, self.sites[fact.site].clause):
                    return "release"  # Ex) defer logErr(l, "closing body", resp.Body.Close)
                elif arg is not None and spec.releases_by_handle(call.callee, arg, joined(holder)):
                    return "release"  # Ex) os.waitpid(proc.pid, 0)   (reaps the child of proc)
        return "borrow"

    def _held_effect(self, call: Call, holders: list[Holder], spec: RuleSpec) -> str:
        """Returns what an interface method called on a value holding the resource in a field does to
        it: the method of the one type of this package whose method of that name reads that field
        (see Oracle.held_method), read like any method of the tree."""
        # Ex) func (s *shimTask) delete(...) { ...; s.ShimInstance.Delete(ctx) }   (s holds it at
        # ShimInstance.client.ClientConn: a *shim, whose Delete closes s.client)
        for holder in holders:
            whole = joined(holder)
            if not whole.startswith(call.receiver + ".") or not (call.receiver == holder[0] or call.receiver.startswith(holder[0] + ".")):
                continue
            rest = whole[len(call.receiver) + 1:]
            method = self.oracle.held_method(self.function.qualname, call.callee.rpartition(".")[2], rest.partition(".")[0])
            if not method:
                continue
            effect = self.oracle.receiver_effect(method, rest, spec)
            if effect == "borrows" and self.oracle.method_releases(method, rest, spec):
                return "release"
            if effect != "borrows" and not effect.startswith("passes"):
                return _EFFECTS[effect]
        return "borrow"

    def _method_run(self, call: Call, fact: Fact, spec: RuleSpec) -> tuple[str, str]:
        """Returns the function a call runs on what holds the resource of `fact`: the tree method of
        the site's type for a method of an unknown receiver (`?.Close`), or the one a tree function's
        summary made (see Oracle.made_method); else the call's callee. The second value is the
        method made, or ""."""
        clause = self.sites[fact.site].clause
        typed = clause.type + call.callee[1:] if call.callee.startswith("?.") else call.callee
        callee = typed if self.oracle.is_tree_function(typed) else call.callee
        made = callee.startswith("?.") and spec.language == "go" and self.oracle.made_method(clause, call.callee[2:])
        # Ex) f, err := atomicfile.New(p); ...; f.Cancel()   (New returns its package's *atomicFile as a File)
        return (made, made) if made else (callee, "")

    def _object_call(self, call: Call, holders: list[Holder]) -> bool:
        """Reports whether `call` is a method call on an object of this function (not its own `self`)
        that holds the resource in a field: `c.start()` where `c.sock` is the socket."""
        own = self.function.owner.receiver if self.function.owner is not None else ""
        return call.receiver is not None and call.receiver != own and any(
            call.receiver == holder[0] and holder[1] for holder in holders)

    def _arg_effect(self, call: Call, index: int, holder: Holder, spec: RuleSpec, fact: Fact) -> str:
        rest = remainder(call.args[index], holder)
        if index == 0 and spec.is_wrap(call.callee):
            return "borrow"
        if spec.is_release_call(call.callee, call.consts) or self.sites[fact.site].clause.is_release_call(call.callee):
            return "release"
        if spec.is_drain(call.callee, call.consts):
            return "drain"
        if spec.is_handoff(call.callee):
            return "escape"  # before the borrows: `log.New(w, ...)` keeps w, while `log.*` only write
        if spec.is_borrow(call.callee):
            return "borrow"
        if spec.declines_takeover(call.kwargs):
            return "borrow"  # Ex) self.check_flush_error_on_close(fd, "wb", closefd=False)   (fd stays ours)
        if self.oracle.borrows_by_type(call.callee, index) and not spec.drain_calls:
            return "borrow"  # Ex) otherpkg.Parse(f)   (declared `func Parse(r io.Reader)`: it cannot close f)
        if _constructs_tree_object(call) and call.results[:1] != (None,) and self.oracle.is_tree_function(call.callee):
            field = self.oracle.kept_by_object(call.callee, index, rest, spec) \
                or (not handed_back(self.function, call.results[0])
                    and self.oracle.kept_by_object(call.callee, index, rest, spec, unreleased=True))
            if field:
                # Ex) info = SocketInfo(sock, pool)   (__init__ keeps it in self.sock, close() closes it:
                # the new object holds it, and its methods are the class's)
                self.passing[fact.site] = (0, frozenset({field}), True)
                site = self.sites[fact.site]
                self._edit(replace(site, clause=replace(site.clause, type=call.callee.rpartition(".")[0])))
                return "borrow"
        if self.oracle.is_tree_function(call.callee):
            paired = _paired(call, fact)
            effect = self.oracle.param_effect(call.callee, index, rest, spec, paired)
            if effect.startswith("escapes") and self.oracle.borrows_by_type(call.callee, index, own=True):
                # Ex) zone, err := Parse(reader, origin)   (`func Parse(f io.Reader, ...)` hands f to a
                # third-party parser: through an io.Reader nothing can close it, so the caller still must)
                return "borrow"
            if effect in ("passes", "passes-on-success"):
                # Ex) resp, err := checkResp(c.Do(req))   (handed back: the results hold it, see _call)
                self.passing[fact.site] = self.oracle.passed_back(call.callee, index, rest, spec, paired)
            if effect == "pools":
                # Ex) pool.maybe_return_socket(sock_info)   (given back, as closed: an exception before it leaks it)
                # Ex) self._return_socket(sock_info)   (a check-in of the method's own object: kept by it)
                self.pooled.add(fact.site)
                own = self.function.owner.receiver if self.function.owner is not None else ""
                return "escape" if own and call.receiver == own else "release"
            return _EFFECTS.get(effect, "borrow")
        if spec.unresolved_calls == "borrow" or self._own_object(call.args[index], holder):
            return "borrow"
        clause = spec.acquire_clause(call.callee, call.kwargs, call.result_type)
        if clause is not None and clause.takes_over_arg == index:
            # Ex) sock = ctx.wrap_socket(sock)   (it takes sock over from the call on, also when it raises:
            # ssl detaches the socket before the handshake and closes it on failure, and open(fd) closes fd
            # when building the file fails; where it succeeds the result holds it, see _acquire)
            return "escape"
        if clause is None and any(spec.takes_over_by_name(name, index, call.kwargs) for name in (call.callee, call.display)):
            return "escape"  # Ex) f = self.open(fd, "a")   (the test loader's io.open: see RuleSpec.takes_over_by_name)
        if spec.unresolved_calls == "classes-take" and not _constructs(call.callee):
            return "borrow"  # Ex) yaml.safe_load(f)   (while GreenPipe(fd) takes the descriptor over)
        if _in_place(call, call.args[index]) and holder == (call.args[index], ""):
            return "borrow"  # Ex) c = netpkg.NewContextConn(ctx, c)   (see _wrapped)
        # Ex) sess, err := yamux.Client(conn, cfg)   (a call that fails hands nothing over: Go's convention,
        # also for a method of a value whose type is not known: `hdr.WriteTo(localConn)`; not for function
        # values, often the caller's own checkers: `checkFn(c.doRequest(r))`)
        return "escape-on-success" if _reports_error(call) and not call.callee.startswith("?func") else "escape"

    def _releases(self, name: str, spec: RuleSpec) -> bool:
        """Reports whether the function calls one of `spec`'s release methods on `name` anywhere."""
        methods = {f".{method}" for method in spec.release_methods}
        for block in self.function.blocks:
            for op in block.ops:
                call = op.call if isinstance(op, Defer) else op
                if isinstance(call, Call) and call.receiver == name and call.callee[call.callee.rfind("."):] in methods:
                    return True
        return False

    def _deferred_before(self, call: Call, target: str, spec: RuleSpec, clause: Acquire) -> bool:
        """Reports whether a release of `target` was deferred, outside loops, on a line before `call`
        makes it a resource (a value that becomes one by a method call can be set up for release
        before: `defer client.Kill()` then `client.Client()`); such a defer runs at every exit after."""
        methods = {f".{method}" for method in (*spec.release_methods, *clause.release_methods)}
        return any(isinstance(op, Defer) and not op.in_loop and op.call.receiver == target
                   and op.call.callee[op.call.callee.rfind("."):] in methods and op.span.line < call.span.line
                   for block in self.function.blocks for op in block.ops)

    def _own_object(self, arg: str | None, holder: Holder) -> bool:
        """Reports whether `arg` is the method's own object and the resource one of its fields: the
        object still owns its fields wherever it is passed (`reactor.addReader(self)`)."""
        owner = self.function.owner
        return owner is not None and bool(owner.receiver) and arg == owner.receiver and joined(holder) != arg
