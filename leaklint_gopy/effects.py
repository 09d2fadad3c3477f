"""What the analysed tree's functions do to resources, computed on demand and memoised: what a function
returns, what it does to a resource passed to it (closes, keeps, hands back, borrows) and to its
receiver or a closure's captures, by running the engine over it with the resource seeded. A mixin of
analysis.LeakAnalysis; it never parses and never formats.
"""
from __future__ import annotations

from leaklint_gopy.dataflow import FunctionAnalysis
from leaklint_gopy.facts import Leak, Site
from leaklint_gopy.reliance import remembered
from leaklint_gopy.irquery import (drops_unexamined, only_reads, param_at, reports_errors, restores_field, return_arity,
                                    returns_normally, taken_param, touches)
from leaklint_gopy.ir import Call
from leaklint_gopy.spec import Acquire, RuleSpec
from leaklint_gopy.summaries import Summaries, INTERFACE_ROUND_TRIPS, MAX_DEPTH, NORMAL_EXITS, RAISING, Returned


class Effects:
    """The summaries LeakAnalysis computes (see analysis.py)."""

    def returns(self, qualname: str) -> dict[int, Returned]:
        """Returns, by result position, the resources a tree function hands to its caller."""
        store = self._kept_for((qualname, "returns"), lambda summaries: qualname in summaries.returns).returns
        if qualname in store:
            if store[qualname] is None:
                self._provisional()  # recursion: what depends on this is decided with a guess
            self._use(qualname, (qualname, "returns"))
            return store[qualname] or {}
        if len(self._using) >= MAX_DEPTH:
            self._provisional()  # Ex) a chain of 90 helpers and closures: past the bound, a guess
            return {}
        store[qualname] = None  # recursion guard: an in-progress callee returns nothing
        function = self.functions[qualname]
        analysis = FunctionAnalysis(function, self)
        # Ex) func (c *conn) key() string   (nothing is ever open in it: it returns none, and the fixpoint
        # would only confirm that, after asking every deferred closure what it closes, for every rule)
        _, here = self._summarise(function, lambda: self._may_acquire(function) and analysis.run(lambda leak: None),
                                  (qualname, "returns"))
        result: dict[int, Returned] = {}
        arity = return_arity(function)
        for site_index, positions in sorted(analysis.returned.items()):
            if site_index in analysis.returned_closed:
                # Ex) resty's execute: closes the body unless the caller asked for it raw, and returns
                # the response either way: who owns it depends on settings the caller made elsewhere.
                continue
            site = analysis.sites[site_index]
            if site.clause.with_next:
                continue  # Ex) return Popen(cmd, stdout=PIPE)   (the caller gets the child: the next clause's)
            for position, rests in sorted(positions.items()):
                paired = site.clause.error_result is not None or site.spec.language == "go"  # Go: a trailing error
                error = arity - 1 if paired and arity > position + 1 else None
                first, *more = sorted(rests, key=lambda r: (len(r), r))
                injected = site.clause.injected or site.call.callee in INTERFACE_ROUND_TRIPS
                clause = Acquire(calls=(qualname,), results=(position,), error_result=error,
                                 resource=site.clause.resource, type=site.clause.type, field=first,
                                 more_fields=tuple(more), unless=site.clause.unless, injected=injected,
                                 buffered_methods=site.clause.buffered(site.call.kwargs),
                                 takes_over_arg=taken_param(function, site),
                                 same_object_methods=site.clause.same_object_methods,
                                 object_release_methods=site.clause.object_release_methods,
                                 drained=analysis.returned_drained.get(site_index, False), managed=function.managed,
                                 # Ex) a helper returning a go-plugin client: its Kill still releases it
                                 release_methods=site.clause.release_methods, release_calls=site.clause.release_calls,
                                 released=site.clause.released,
                                 awaited_release=site.clause.awaited_release)  # (not lazy: the helper may have used it)
                result.setdefault(position, Returned(site.spec, clause))
        store[qualname] = result
        if here and store is self._shared.returns and store is not self._local.returns:
            self._local.returns[qualname] = store.pop(qualname)  # Ex) a cycle: order-dependent, kept local
        return result

    @remembered(lambda qualname, assumed, dispatch=None: _assuming_key(qualname, assumed, dispatch))
    def _returns_assuming(self, qualname: str, assumed: dict[str, bool | None],
                          dispatch: dict[str, str] | None = None) -> dict[int, Returned]:
        """Returns what `returns` says of a tree function called with parameters known to hold True
        or None: only the branches they take run (`make_socket()` registers `addCleanup(sock.close)`
        under `if cleanup:`, default True, so it hands back nothing the caller must close); and on
        an object whose fields (`dispatch`) hold values of known tree types."""
        key = _assuming_key(qualname, assumed, dispatch)
        if key not in self._assumed:
            self._assumed[key] = None  # recursion guard
            function = self.functions[qualname]
            analysis = FunctionAnalysis(function, self, assume=assumed, dispatch=dispatch)
            analysis.run(lambda leak: None)
            # (a site returned only with a failing error is no caller's: it checks the error first)
            kept = {site for site in analysis.returned_succeeding if site not in analysis.returned_closed}
            whole = self.returns(qualname)
            # The same function under the assumption: its returned positions, as its summary says them.
            positions = {p for site in kept for p in analysis.returned[site]}
            self._assumed[key] = {p: r for p, r in whole.items() if p in positions}
        return self._assumed[key] or {}

    def param_effect(self, callee: str, index: int, rest: str, spec: RuleSpec, paired: int | None = None) -> str:
        """Returns what tree function `callee` does to the resource passed as parameter `index`
        (whose error, when the caller passes it too, is parameter `paired`)."""
        function = self.functions[callee]
        if index >= len(function.params):
            return "borrows"
        err = param_at(function, paired)
        leaked, released, failing, drained = self._seeded(callee, function.params[index], rest, spec, err)
        key = (callee, function.params[index], rest, spec.id, err)
        if key in self._local.pooling or key not in self._shadowed and key in self._summaries(callee).pooling:
            return "pools"  # Ex) pool.maybe_return_socket(sock_info)   (taken back into the pool: see _seeded)
        if failing == RAISING:
            # Ex) return self._wrap_socket_with_ssl(sock)   (raising before the wrap leaves it the caller's;
            # only a resource given whole: not a field of an object, nor what a constructor validating its
            # arguments keeps, validating_wrappers.py; a method's own object: see CallFlow._call_effects)
            if not self._passed_of(key) and not rest and not (function.owner is not None and function.owner.constructor):
                return "closes-unless-raising" if released else "escapes-unless-raising"
            failing = False
        if leaked and released and failing:
            return "closes-on-success"  # Ex) closes the body, or returns an error having left it open
        if released and index == 0 and rest and spec.language == "python" \
                and callee.rpartition(".")[2] in spec.release_methods:
            # Ex) def close(self): if self.stream.fileno() < 3: return; self.stream.close()   (an object's
            # own close() is its release of what it holds: its early returns are for what it must not close)
            return "closes"
        if leaked and released and failing is None:
            return "closes-on-failure"  # Ex) func readError(r *http.Response) error: closes it when it returns one
        if leaked and failing:
            # Ex) func newClient(c net.Conn) (*Client, error): keeps c, unless it fails and leaves it to the caller
            passed = self._passed_of((callee, function.params[index], rest, spec.id, err))
            return "passes-on-success" if passed else "escapes-on-success"
        if leaked and drained:
            return "drains"  # Ex) func readBody(r *http.Response) ([]byte, error) { return io.ReadAll(r.Body) }
        if not leaked and self._passed_of((callee, function.params[index], rest, spec.id, err)):
            return "passes"  # Ex) func checkResp(r *http.Response, err error) (*http.Response, error)
        return "borrows" if leaked else "closes" if released else "escapes"

    def never_releases(self, callee: str, index: int, rest: str, spec: RuleSpec) -> bool:
        """Reports whether tree function `callee` only reads the resource passed as parameter `index`:
        it calls methods on it other than the releasing ones, or borrowing calls, and hands it to
        nothing else (a goroutine running it keeps it open until the process ends)."""
        function = self.functions[callee]
        if rest or index >= len(function.params) or function.params[index] in ("", "_"):
            return False
        return only_reads(function, function.params[index], spec)

    def receiver_left_open(self, callee: str, rest: str, spec: RuleSpec) -> bool:
        """Reports whether Go method `callee` leaves what its receiver holds at `rest` open on some
        path that returns and releases it on none (a goroutine running it does not own it)."""
        function = self.functions[callee]
        if not function.receiver:
            return False
        leaked, released, _, _ = self._seeded(callee, function.receiver, rest, spec)
        return leaked and not released

    def receiver_effect(self, callee: str, rest: str, spec: RuleSpec) -> str:
        """Returns what Go method `callee` does to the resource its receiver holds at `rest`."""
        function = self.functions[callee]
        if not function.receiver:
            return "borrows"
        # Ex) func (r *Row) Scan(...) error { if r.err != nil { return r.err }; defer r.rows.Close() ... }
        err = function.receiver_error or None
        leaked, released, failing, drained = self._seeded(callee, function.receiver, rest, spec, err)
        if leaked and released and failing:
            return "closes-on-success"
        if leaked and drained:
            return "drains"
        return "borrows" if leaked else "closes" if released else "escapes"

    def closure_effect(self, function: str, name: str, rest: str, spec: RuleSpec, mode: str,
                       clause: Acquire | None = None) -> str:
        """Returns what closure `function` does to the resource its free variable `name` holds (at
        `rest`); `clause`, the acquisition's, says which more methods release it (a go-plugin
        client's Kill)."""
        if function not in self.functions:
            return "escapes" if mode == "value" else "borrows"  # a stored closure we cannot read keeps it
        if not touches(self.functions[function], name, rest if spec.language == "python" else ""):
            return "borrows"
        own = clause if clause is not None and (clause.release_methods or clause.release_calls) else None
        leaked, released, _, _ = self._seeded(function, name, rest, spec, held=own)
        if not leaked and not released and rest and spec.language == "python":
            # Ex) def _conclude(): self.ioloop.stop()   (never leaked: it stays in the object's field,
            # which the closure neither closes nor hands over; pika's IOLoop kept by a test case)
            return "borrows"
        if not leaked and not released and mode == "go" and not returns_normally(self.functions[function]) \
                and only_reads(self.functions[function], ".".join(filter(None, (name, rest))), spec):
            # Ex) go func() { for { c, err := ln.Accept(); ... } }()   (it never returns, and only reads
            # it: it uses it for good, and no one closes it; not `log.Fatal(http.Serve(l, h))`, handing it over)
            return "borrows"
        if not leaked or (released and mode in ("defer", "value")):
            return "closes"  # Ex) t.Cleanup(func() { if ln != nil { ln.Close() } })
        # Ex) go func() { select { case <-ctx.Done(): return; case <-quit: t.Stop() } }()   (a goroutine
        # returning without releasing on some path leaves it open: the caller still owns it)
        return "borrows"

    def passed_back(self, callee: str, index: int, rest: str, spec: RuleSpec,
                    paired: int | None = None) -> tuple[int, frozenset[str], bool] | None:
        """Returns (result position, field paths, always) where tree function `callee` returns the
        resource passed as parameter `index` (`return resp, nil`): on every path, or (`always`
        False) where it succeeds, leaving it to the caller where it fails; None when it does not."""
        function = self.functions[callee]
        if index >= len(function.params):
            return None
        key = (callee, function.params[index], rest, spec.id, param_at(function, paired))
        if key not in self._kept_for(key, lambda summaries: key in summaries.effects).effects:
            self._seeded(callee, function.params[index], rest, spec, key[-1])
        return self._passed_of(key)

    def _passed_of(self, key: tuple) -> tuple[int, frozenset[str], bool] | None:
        return self._local.passed.get(key) or (None if key in self._shadowed else self._summaries(key[0]).passed.get(key))

    def _seeded(self, qualname: str, name: str, rest: str, spec: RuleSpec,
                err: str | None = None, held: Acquire | None = None) -> tuple[bool, bool, bool | None, bool]:
        """Returns (leaked on some normal path, released somewhere, leaked only where the function
        reports failure (None: only where it reports success), read to its end wherever it leaked)
        for a resource held by `name` (absent where parameter `err` is non-nil), acquired as `held`
        says when given (an object of a tree class holding it in a field)."""
        key = (qualname, name, rest, spec.id, err) + ((held.type, held.field) if held else ())
        summaries = self._kept_for(key, lambda found: key in found.effects)
        if key in summaries.effects:
            if self._cycles.under_way(key):
                self._provisional()  # recursion: what depends on this is decided with a guess
            self._cycles.met(key)
            self._use(qualname, key)
            return summaries.effects[key]
        if len(self._using) >= MAX_DEPTH:
            self._provisional()  # past the bound, the recursion guard's guess, kept by no one
            return (True, False, False, False)
        guess = (True, False, False, False)
        summaries.effects[key] = guess  # recursion guard: assume the callee only borrows

        def forget() -> None:
            for store in (summaries, self._local):
                store.effects.pop(key, None)
                store.passed.pop(key, None)
                store.pooling.discard(key)
                store.used_open.discard(key)

        # (a summary read inside a cycle of them is kept only until the cycle is decided: see cycles.py)
        return self._cycles.evaluate(key, guess, lambda _: self._seed_round(key, summaries, name, rest, spec, err, held),
                                     forget)

    def _seed_round(self, key: tuple, summaries: Summaries, name: str, rest: str, spec: RuleSpec, err: str | None,
                    held: Acquire | None) -> tuple[bool, bool, bool | None, bool]:
        """Computes and stores _seeded's answer for `key` once, with what the summaries of a cycle
        under way say now."""
        qualname = key[0]
        for store in (summaries, self._local):
            store.passed.pop(key, None)  # (from an earlier reading of a cycle's head)
            store.pooling.discard(key)
            store.used_open.discard(key)
        function = self.functions[qualname]
        pseudo = Site(0, spec, held or spec.acquire[0], Call(function.span, "", ""), name, pseudo=True)
        analysis = FunctionAnalysis(function, self, [(pseudo, (name, rest))], err)
        leaks: list[Leak] = []
        guessed, here = self._summarise(function, lambda: analysis.run(leaks.append), key)
        # Ex) def __init__(self, f): self.f = f   (the object keeps it: whether its class leaks it is the
        # class's finding, not the caller's; another method keeping it where the class never closes it,
        # FileSender().beginFileTransfer(open(p), consumer), leaves it the caller's; one put in a
        # container field, `self.sock_map[fd] = sock`, is the object's: closes of such containers,
        # through loops over keys or getattr, are what this engine reads least well)
        kept = function.owner is not None and function.owner.constructor or 0 in analysis.pooled or guessed
        normal = [leak for leak in leaks if leak.site == 0 and leak.kind in NORMAL_EXITS
                  and (leak.kind != "unowned" or not kept)]
        if 0 in analysis.pooled and function.owner is not None and not function.owner.constructor \
                and function.owner.receiver and name != function.owner.receiver:
            # Ex) def maybe_return_socket(self, s): if s is self.req: return; ...; self.sockets.add(s)   (a
            # check-in: the object takes the resource back into a container of its own on some path, and
            # its other paths, having looked at it, are its own decisions (one already closed, the
            # request's socket it holds, a reset after fork): the caller has handed it over, as to a
            # close. A path dropping it unexamined, `if len(self.socks) > 3: return`, drops whatever it
            # is given: there the caller's resource leaks)
            blind = drops_unexamined(function, name, {leak.span for leak in normal if leak.kind in ("return", "end")},
                                     self._tree_function)
            normal = [leak for leak in normal if leak.kind in ("return", "end") and leak.span in blind]
            if not normal:
                summaries.pooling.add(key)
        failing: bool | None = bool(normal) and all(leak.kind == "return" and leak.detail == "failing" for leak in normal)
        if normal and not failing and reports_errors(function) and all(
                leak.kind == "return" and leak.detail == "succeeding" for leak in normal):
            failing = None
        if normal and not failing and spec.language == "python" and all(leak.kind == "raise" for leak in normal):
            # Ex) def _wrap(self, sock): if bad: raise RedisError(); return ctx.wrap_socket(sock)   (the
            # caller keeps it only where the function raises; see param_effect)
            failing = RAISING
        drained = bool(normal) and all(leak.drained for leak in normal)
        summaries.effects[key] = (bool(normal), 0 in analysis.released, failing, drained)
        if any(leak.used for leak in normal):
            summaries.used_open.add(key)
        if 0 in analysis.released and restores_field(function, name, rest, analysis):
            # Ex) def _rebuild(self): self._r.close(); self._r = socket.socket()   (the object holds
            # a fresh one again: the method only borrows the object)
            summaries.effects[key] = (True, False, False, False)
        returned = analysis.returned.get(0)
        if returned and (not normal or failing):
            position = min(returned)
            summaries.passed[key] = (position, returned[position], not normal)
        result = summaries.effects[key]
        if here and summaries is not self._local:
            # Ex) a cycle across packages: the answer depends on where it was entered; keep it local
            self._local.effects[key] = summaries.effects.pop(key)
            if key in summaries.passed:
                self._local.passed[key] = summaries.passed.pop(key)
            if key in summaries.used_open:
                summaries.used_open.discard(key)
                self._local.used_open.add(key)
        return result

    def _used_open(self, qualname: str, name: str, rest: str, spec: RuleSpec) -> bool:
        """Reports whether `qualname` returns normally, on some path, with what `name` holds at `rest`
        still open after operating on it (see Fact.used); asked after _seeded computed its effects."""
        key = (qualname, name, rest, spec.id, None)
        return key in self._local.used_open or key not in self._shadowed and key in self._summaries(qualname).used_open


def _assuming_key(qualname: str, assumed: dict[str, bool | None], dispatch: dict[str, str] | None) -> tuple:
    """Returns _returns_assuming's memo key."""
    return qualname, tuple(sorted(assumed.items(), key=str)), tuple(sorted((dispatch or {}).items()))
