"""LeakAnalysis: runs the dataflow engine over lowered functions and turns leaks into Findings.

It answers the engine's questions about callees from the rule specs and from lazily computed,
memoised summaries of the analysed tree's functions ("closes parameter 0", "returns an owned
resource"), the way go/analysis passes facts: the summaries themselves in effects.py, objects as
owners in objectowners.py, their store in summaries.py. It never parses and never formats output.
"""
from __future__ import annotations

import weakref
from dataclasses import replace

from leaklint_gopy.cycles import Cycles
from leaklint_gopy.dataflow import FunctionAnalysis
from leaklint_gopy.facts import Leak, Oracle, Site
from leaklint_gopy.finding import Finding, Location
from leaklint_gopy.irquery import call_switches, names_field, takes_over_mock
from leaklint_gopy.ir import Assign, Call, Capture, Exit, FunctionIR, Span
from leaklint_gopy.nonnil import NilTests
from leaklint_gopy.spec import Acquire, ClauseIndex, RuleSpec
from leaklint_gopy.messages import exit_note, exit_rank, finding_message, resource_name, span_position, unique_leaks
from leaklint_gopy.summaries import Summaries, MAX_DEPTH, Returned
from leaklint_gopy.objectowners import ObjectOwners
from leaklint_gopy.reliance import Reliance, remembered
from leaklint_gopy.sending import sends
from leaklint_gopy.effects import Effects
from leaklint_gopy.cleanups import Cleanups

# Summaries nested deeper than this (a helper's summary needing a closure's, needing a helper's...)
# answer with the recursion guard's guess: each level costs a dozen Python frames, and nats-server
# chains 92 of them (its processStreamRestore was "too deeply nested to analyse").
_NOTES = frozenset({"nonnil", "fields", "bound", "mocks", "class", "patched"})  # kwargs for the engine, not for rule clauses
# Per rule set (by identity; each entry keeps its rules alive so that no id is reused).
_CLAUSES: dict[tuple[int, ...], tuple[tuple, dict[tuple, tuple[RuleSpec, Acquire] | None], ClauseIndex]] = {}
_QUIET: dict[tuple[int, ...], tuple[tuple, dict[str, bool]]] = {}


class LeakAnalysis(Effects, ObjectOwners, Cleanups, Reliance, Oracle):
    """The engine over a whole analysed tree: `functions` maps qualnames to their CFGs."""

    def __init__(self, rules: list[RuleSpec], functions, shared: Summaries | None = None) -> None:
        """`functions` is the tree's FunctionIndex; summaries of other packages' functions go to
        `shared` (they do not depend on the package being checked, so every package reuses them)."""
        self.rules = [r for r in rules if r.acquire and not r.derived_from]
        self._python = any(r.language == "python" for r in self.rules)
        self.by_id = {r.id: r for r in rules}
        self.functions = functions
        self._local = Summaries()
        self._shared = shared or self._local
        self._using: list[set[tuple]] = []  # per analysis under way, the summaries (and bodies) it used, by key
        Reliance.__init__(self)  # (and per memo computed, see reliance.py)
        self._guessing: list[bool] = []  # per summary under way, whether a recursion guard answered part of it
        self._cycles = Cycles()  # summaries (of resources passed, of Go methods releasing a field) under way
        # Which clause a call matches depends on the rules only: shared by every analysis of a process.
        ruleset = tuple(self.rules)
        key = tuple(map(id, ruleset))
        if key not in _CLAUSES:
            _CLAUSES[key] = (ruleset, {}, ClauseIndex(self.rules))
        self._clauses, self._index = _CLAUSES[key][1:]
        every = tuple(rules)
        self._quiet = _QUIET.setdefault(tuple(map(id, every)), (every, {}))[1]
        self._owned: dict[tuple[str, str, str], bool] = {}
        self._owning: set[tuple[str, str, str]] = set()  # owner_releases questions under way
        self._fields: dict[str, dict[str, tuple[Site, bool]]] = {}
        self._tree_quiet: dict[str, bool] = {}
        self._quiet_depth = 0  # tree functions being read by _quiet_function, one inside another
        self._handed: dict[str, tuple[tuple[Site, str], ...]] = {}  # closure -> what it hands its encloser
        self._objects: dict[str, tuple[RuleSpec, Acquire] | None] = {}  # tree constructors -> what objects hold
        self._opening: dict[str, tuple[RuleSpec, Acquire] | None] = {}  # tree methods -> what they open in fields
        self._handing: dict[tuple[str, str, str], bool] = {}  # methods -> whether they hand their object over
        self._releasing: dict[tuple[str, str, str, str], bool] = {}  # Go methods -> whether they release a field (see method_releases)
        self.summarised: set[str] = set()  # every function whose summary some check relied on, transitively
        self._assumed: dict[tuple, dict[int, Returned] | None] = {}  # (function, parameter values) -> returns
        self._cleanups: dict[str, tuple | None] = {}  # tree functions -> their results registered for release (cleanups.py)
        # (through a weak reference: a cycle back to this engine would keep the package's IR alive past
        # its check, frozen by checker.check_package's gc.freeze for the rest of the run)
        read_body = weakref.WeakMethod(self._read_body)
        self._nil_tests = NilTests(lambda qualname: read_body()(qualname), self.functions.may_return)

    # -- the oracle ---------------------------------------------------------------------------
    def specs(self) -> list[RuleSpec]:
        return self.rules

    def quiet(self, call: Call) -> bool:
        """Reports whether `call` does not fail in practice: some rule says so (see RuleSpec.is_quiet),
        or it calls a tree function that raises nothing itself and calls only such calls."""
        if call.callee not in self._quiet:
            self._quiet[call.callee] = any(spec.is_quiet(call.callee) for spec in self.by_id.values())
        return self._quiet[call.callee] or self._quiet_function(call.callee)

    def _quiet_function(self, qualname: str) -> bool:
        # Ex) def set_cloexec(fd): fcntl.fcntl(fd, F_SETFD, FD_CLOEXEC)   (only quiet calls inside)
        if qualname not in self._tree_quiet:
            if self._quiet_depth >= MAX_DEPTH:
                return False  # Ex) a chain of 150 helpers each calling the next: read no deeper (not stored)
            self._tree_quiet[qualname] = False  # recursion guard
            function = self._tree_function(qualname)
            self._quiet_depth += 1
            try:
                self._tree_quiet[qualname] = function is not None and all(
                    not (isinstance(op, Exit) and op.kind == "raise") and (not isinstance(op, Call) or self.quiet(op))
                    for block in function.blocks for op in block.ops)
            finally:
                self._quiet_depth -= 1
        return self._tree_quiet[qualname]

    def sends(self, callee: str, index: int, site: Site) -> bool:
        """Reports whether tree function `callee` may make the lazy resource of `site` it is given as
        parameter `index` hold a connection (see sending.sends; the class the site makes, when the
        tree's, is where methods called on it are looked up: the front-end's `class` note names a
        tree class the rules know by its library base)."""
        cls = dict(site.call.kwargs).get("class") or site.call.callee.removesuffix(".__init__")
        return sends(self._read_body, callee, index, site.clause.connects, cls, site.spec.is_borrow)

    def is_tree_function(self, callee: str) -> bool:
        return callee in self.functions

    def made_method(self, clause: Acquire, method: str) -> str:
        """Returns the method `method` of what a tree function's summary (`clause`) hands back, when
        exactly one type of that function's package declares it: the value is one of that package's
        own, whatever interface its signature names (atomicfile.New returns an *atomicFile as a File,
        whose Cancel closes the temporary file); else ""."""
        maker = clause.calls[0] if len(clause.calls) == 1 else ""
        if not maker or not hasattr(self.functions, "methods_named") or maker not in self.functions:
            return ""
        found = self.functions.methods_named(maker, method)
        return found[0] if len(found) == 1 else ""

    def _given_fields(self, call: Call, callee: str) -> dict[str, str]:
        """Returns the fields of method `callee`'s receiver that hold a value of a known tree type,
        as the call's `given` notes say: the receiver was built by a tree constructor given such a
        value, which it stores in a field (`NewDNSResolverService(mockDialer, ...)` returning
        `&DNSResolverService{dialer: dialer}`), or as its `holds` notes say: the receiver is a struct
        literal setting such a field (`&streamReader{tr: &Transport{streamRt: rec}}`)."""
        receiver = self.functions[callee].receiver
        fields: dict[str, str] = {}
        for key, value in call.kwargs:
            if key == "holds" and receiver:
                path, _, kind = value.partition("=")
                fields[f"{receiver}.{path}"] = kind  # Ex) cr.tr.streamRt -> key.roundTripperRecorder
            constructor, _, rest = value.partition("#")
            index, _, kind = rest.partition("=")
            if key != "given" or not receiver or constructor not in self.functions:
                continue
            made = self.functions[constructor]
            self._use(constructor)  # its body, read here, decides the answer
            param = made.params[int(index)] if int(index) < len(made.params) else None
            for block in made.blocks:
                for op in block.ops:
                    if param and isinstance(op, Assign) and op.source == param and op.field:
                        fields[f"{receiver}.{op.field}"] = kind
        return fields

    def mock_method(self, method: str, results: tuple) -> bool:
        """Reports whether tree function `method` hands back nil as its first result on every return
        (a test's fake dialer: `return nil, nil`), or is a RoundTrip handing back nil or a value it
        built itself (`return &http.Response{Body: &nopReadCloser{}}, t.err`), and returns nothing
        its summary holds: calling it acquires nothing."""
        if not self.is_tree_function(method) or not results:
            return False
        self._use(method)
        exits = [op for block in self.functions[method].blocks for op in block.ops
                 if isinstance(op, Exit) and op.kind == "return"]
        # (a nil literal lowers to no path: None; a literal, to a temporary; not a field's value,
        # `return t.resp, nil`, which may be a live response)
        built = method.endswith(".RoundTrip")
        firsts = [op.values[0] if op.values else "" for op in exits]
        return bool(exits) and all(first is None or built and first.startswith("$") for first in firsts) \
            and not self.returns(method)

    def held_method(self, within: str, method: str, field: str) -> str:
        """Returns the method `method` of the one type of function `within`'s package whose methods of
        that name read their receiver's `field`: an interface value known to hold the resource in
        that field is of that type (containerd's ShimInstance holding a *shim, whose Delete closes
        its client); else ""."""
        if not hasattr(self.functions, "methods_named") or within not in self.functions:
            return ""
        named = self.functions.methods_named(within, method)
        for qualname in named:
            self._use(qualname)
        found = [qualname for qualname in named if self.functions[qualname].receiver
                 and names_field(self.functions[qualname], f"{self.functions[qualname].receiver}.{field}")]
        return found[0] if len(found) == 1 else ""

    def borrows_by_type(self, callee: str, index: int, own: bool = False) -> bool:
        self._signature_read(callee)
        return self.functions.borrows(callee, index, own)

    def acquisition(self, call: Call, receiver_type: str) -> tuple[RuleSpec, Acquire] | None:
        noted = call
        if call.kwargs and any(key in _NOTES for key, _ in call.kwargs):
            # (the notes of what a Go call's arguments fix are the callee's summary's, see nonnil.py: no rule's)
            call = replace(call, kwargs=tuple(item for item in call.kwargs if item[0] not in _NOTES))
        callee = call.callee
        if ("<bound>", "1") in call.kwargs:
            return None  # Ex) self.assertRaises(ValueError, log.getLog, 2)   (its result is the caller's)
        if callee.startswith("?.") and receiver_type:
            callee = receiver_type + callee[1:]
        via = next((value for key, value in call.kwargs if key == "interface"), None)
        if via is not None:
            # Ex) w.(Hijacker).Hijack() inside net/http: what the interface's method is declared to
            # return, or the rules name, is acquired, whichever of the package's types implements it
            named = self._clause(via, call.kwargs, "") or self._clause(via, call.kwargs, call.result_type) \
                or self._clause(via, call.kwargs, "", patterns=True)
            if named is not None:
                return named
        named = self._clause(callee, call.kwargs, "")
        roundtrip = next((value for key, value in call.kwargs if key == "roundtrip"), None)
        if named is not None and roundtrip is not None and roundtrip in self.functions and not self.returns(roundtrip):
            return None  # Ex) (&Client{Transport: &recordingTransport{}}).Get(u)   (its RoundTrip returns no body)
        if named is not None:
            return named  # Ex) os.Open, whether or not package os is part of the tree
        if call.kwargs and self._index.excluded(callee, call.kwargs):
            return None  # Ex) c.Get(u) in net/http's own tests, over a Transport that dials nowhere
        if callee.endswith(".__init__") and call.receiver is None and call.args[:1] == (None,) \
                and callee in self.functions:
            return self._constructed(callee)  # Ex) p = Poller()   (a class of the tree holding a socket pair)
        # (a Python method only: a Go method has a receiver, never opened so, see _opened; asking
        # whether the callee is a tree function would lower it, and may load its package)
        if call.receiver is not None and self._python and callee in self.functions \
                and self.functions[callee].owner is not None:
            opened = self._opened(callee)
            if opened is not None:
                return opened  # Ex) conn = BrokerConnection(host); conn.connect()   (now it holds a socket)
        returning = self.functions.may_return(callee)
        self._signature_read(callee)
        typed = self._clause(callee, call.kwargs, call.result_type) if call.result_type and not returning else None
        if typed is not None:
            return typed
        if returning:
            returned = self.returns(callee)
            assumed = call_switches(call, self.functions[callee]) if returned else {}
            # Ex) f.srv.CallJSON(ctx, &opts, nil, &out)   (callCodec's `if response == nil` return is not taken)
            cases = self._nil_tests.cases(noted, callee) if returned and noted is not call else [{}]
            dispatch = self._given_fields(call, callee) if returned else {}
            if assumed or dispatch or cases != [{}]:
                returned = {p: r for case in cases for p, r in
                            self._returns_assuming(callee, {**assumed, **case}, dispatch).items()}
            if returned:
                position = min(returned)
                clause = returned[position].clause
                if takes_over_mock(clause, noted):
                    return None  # Ex) sock = Mock(); ssl_wrap_socket(sock)   (wrapping a mock fails: no socket)
                if not (clause.injected and any(dict(call.kwargs).get(k) == v for k, v in clause.unless)):
                    return returned[position].spec, clause  # Ex) a tree RoundTrip, in a test over a fake
            elif call.result_type and self._clause(callee, call.kwargs, call.result_type) is not None:
                # Ex) func (b *BufConnWrapper) Dial(...) (net.Conn, error) { return b.listener.Dial() }
                # (declared to return the connection itself: its summary saw all it could return)
                return None
        # Ex) libnet.Dial(addr) of another module; syslog.Dial, whose connection its summary does not see
        # (its own Dial returning a response is what its summary says, found above)
        return self._clause(callee, call.kwargs, "", patterns=True)

    def _clause(self, callee: str, kwargs: tuple[tuple[str, str], ...], typed: str,
                patterns: bool = False) -> tuple[RuleSpec, Acquire] | None:
        """Returns the first rule and clause acquiring on a call of `callee` (declared to return `typed`)."""
        key = (callee, kwargs, typed, patterns)
        if key not in self._clauses:
            self._clauses[key] = self._index.find(callee, kwargs, typed, patterns)
        return self._clauses[key]

    def _tree_function(self, qualname: str) -> FunctionIR | None:
        """Returns the function of the tree named `qualname`, None when it is not one."""
        return self.functions[qualname] if qualname in self.functions else None

    def _read_body(self, qualname: str) -> FunctionIR | None:
        """Returns _tree_function(qualname), recording that the analysis under way relies on its body."""
        function = self._tree_function(qualname)
        if function is not None:
            self._use(qualname)
        return function

    def _summaries(self, qualname: str) -> Summaries:
        return self._shared if self.functions.is_foreign(qualname) else self._local

    # -- findings -------------------------------------------------------------------------------
    def _use(self, qualname: str, key: tuple | None = None) -> None:
        """Records that the analysis under way relies on `qualname`'s summary `key` (without one, on
        its body); what that summary relied on is read when a check ends (see _relied_on)."""
        if key is None:
            key = (qualname, "body")
            self._note_span(key, self.functions[qualname].span)
        if self._using:
            self._using[-1].add(key)
        self._relies(key)

    def _note_span(self, key: tuple, span: Span) -> None:
        """Records where the function read for summary `key` is."""
        qualname = key[0]
        if self._summaries(qualname) is self._local:
            self._local.spans[key] = span  # the package's own: the function read (gevent's copies of test_ssl)
        # Ex) os.newFile in file_unix.go and file_windows.go: one span whatever the order of work
        known = self._shared.spans.get(qualname)
        if known is None or (span.path, span.line) < (known.path, known.line):
            self._shared.spans[qualname] = span

    def _relied_on(self, used: set) -> set[tuple]:
        """Returns the summaries and bodies (their keys) the summaries `used` relied on, transitively.
        Read from what each summary relied on itself, when every one is decided: a closure taken while
        one was still under way (a cycle), or kept by function whatever its question was, depended on
        which summaries the process had computed before (two runs gave different `uses`)."""
        seen: set = set()
        stack = list(used)
        while stack:
            key = stack.pop()
            if key not in seen:
                seen.add(key)
                stack.extend(self._local.depends[key] if key in self._local.depends else self._shared.depends.get(key, ()))
        return seen

    def _provisional(self) -> None:
        """Marks every summary under way as decided with a recursion guard's guess."""
        self._guessing[:] = [True] * len(self._guessing)

    def _summarise(self, function: FunctionIR, run, key: tuple) -> tuple[bool, bool]:
        """Runs the analysis computing the summary `key` of `function`, recording which summaries it
        used; returns whether it met a recursion guard, and whether the summary is this package's
        (see _reading_own): then its answer depends on the order of work, and is kept here."""
        self._using.append(set())
        self._guessing.append(False)
        try:
            run()
        finally:
            used = self._using.pop()
            guessed = self._guessing.pop()
        qualname = function.qualname
        # (what a summary relied on is kept where the summary is)
        here = guessed or self._summaries(qualname) is self._local or key in self._shadowed or self._reading_own(used)
        (self._local if here else self._shared).depends[key] = frozenset(used)
        self._note_span(key, function.span)
        self._use(qualname, key)
        return guessed, here

    def _reading_own(self, used: set[tuple]) -> bool:
        """Reports whether a summary of another package's function relied on this package's functions
        (or on a summary kept here): as this package reads them, own functions lowered and asked
        whatever their signature, where every other package reads them as foreign. Such a summary
        is this package's: kept for the process, it made later packages' answers, and their `uses`,
        depend on which package a worker had checked first (net's newFileFD, summarised in syscall's
        external tests, relied on syscall.Getsockname's body; elsewhere on its signature)."""
        return any(key in self._local.depends or (self.functions.owns(key[0]) if key[1] == "<signature>"
                                                   else not self.functions.is_foreign(key[0])) for key in used)

    def check(self, function: FunctionIR) -> list[Finding]:
        """Returns one Finding per acquisition in `function` that may leak; each carries the spans of
        the tree's functions whose summaries decided it (`uses`: a change there may change it)."""
        self._using.append(set())
        try:
            seeds = self._owned_seeds(function)
            if not seeds and not self._may_acquire(function):
                return []  # nothing is ever open in it: the fixpoint would only confirm that
            analysis = FunctionAnalysis(function, self, seeds)
            leaks: dict[int, list[Leak]] = {}
            analysis.run(lambda leak: leaks.setdefault(leak.site, []).append(leak))
        finally:
            relied = self._relied_on(self._using.pop())
            self.summarised |= {key[0] for key in relied}
        # (the summaries, each where the function it read is: of two of one name, gevent's greentest/3.13
        # and 3.14 copies of test_ssl, the package's own)
        uses = tuple(sorted({span for key in relied if key[0] != function.qualname and key[1] != "<signature>"
                             and not key[0].startswith(function.qualname + "$")
                             and (span := self._local.spans.get(key) or self._shared.spans.get(key[0])) is not None},
                            key=lambda s: (s.path, s.line, s.col)))
        findings = []
        occurrences: dict[str, int] = {}
        for site_index in sorted(leaks, key=lambda i: (span_position(analysis.sites[i].call.span), i)):
            site = analysis.sites[site_index]
            base = f"{function.qualname}:{site.variable or ''}:{site.call.callee}"
            occurrences[base] = occurrences.get(base, 0) + 1
            found = unique_leaks(leaks[site_index])
            if site.clause.with_next:
                # Ex) p = Popen(cmd, stdout=PIPE) never waited for: where both leak, one finding, the child's
                both = {(leak.kind, leak.span) for other in leaks if other != site_index
                        and analysis.sites[other].call is site.call for leak in leaks[other]}
                found = [leak for leak in found if (leak.kind, leak.span) not in both]
                if not found:
                    continue
            if function.meant_to_raise:
                # Ex) def raise_timeout(): sock.accept()  ...  self.assertRaises(TimeoutError, raise_timeout)
                # (returning normally fails the test; an exception other than the expected one still leaks)
                found = [leak for leak in found if leak.kind == "exception"]
                if not found:
                    continue
            finding = self._finding(site, found, f"{base}:{occurrences[base]}", site_index in analysis.released)
            if finding is not None:
                findings.append(replace(finding, uses=uses))
        return findings

    def _may_acquire(self, function: FunctionIR) -> bool:
        """Reports whether some call of `function` acquires (typed receivers aside: with nothing
        open, no receiver has a resource's type), or a closure it makes hands it one."""
        return any(isinstance(op, Call) and self.acquisition(op, "") is not None
                   or isinstance(op, Capture) and self.handed_errors(op.function)
                   for block in function.blocks for op in block.ops)

    @remembered(lambda function: (function,))
    def handed_errors(self, function: str) -> tuple[tuple[Site, str], ...]:
        """Returns the sites closure `function` discards while keeping their error in a variable it
        captures (`_, connectErr = nats.Connect(u)`), with that variable: the enclosing function's."""
        if function not in self._handed:
            self._handed[function] = ()  # recursion guard
            closure = self._tree_function(function)
            if closure is not None and closure.free_names and self._may_acquire(closure):
                analysis = FunctionAnalysis(closure, self)
                reported: set[int] = set()
                analysis.run(lambda leak: reported.add(leak.site))
                # Ex) for b.Loop() { _, err = ts.scrape(ctx); ... }   (the closure reports it itself, from
                # a later iteration: handed to its encloser too, the same acquisition was reported twice)
                self._handed[function] = tuple((analysis.sites[site], err) for site, err in sorted(analysis.handed.items())
                                               if site not in reported)
        return self._handed[function]

    def _finding(self, site: Site, leaks: list[Leak], key: str, released: bool = True) -> Finding | None:
        if site.clause.lazy and not site.owned:
            # Ex) conn1 = connection_from_url(u); conn1 = ...   (never used; one kept in a field is the object's to use,
            # and one open in a field on entry may have been used by its other methods)
            leaks = [leak for leak in leaks if leak.used or leak.kind == "unowned"]
        spec, shown = self._route(site.spec, leaks, released) if leaks else (None, [])
        if spec is None:
            return None
        first = min(shown, key=lambda leak: (exit_rank(leak.kind), span_position(leak.span)))
        message = finding_message(site, first)
        ordered = sorted(shown, key=lambda l: span_position(l.span))
        related = tuple(Location(leak.span, exit_note(leak)) for leak in ordered)
        flow = (Location(site.call.span, f"{resource_name(site)} acquired here"), Location(first.span, exit_note(first)))
        where = first.span if site.owned else site.call.span  # an open field is reported where it is lost
        return Finding(spec.id, message, where, spec.severity, related, flow, key,
                       origin=site.spec.id if spec is not site.spec else "", variable=site.variable or "",
                       exits=tuple(leak.kind for leak in ordered), release=site.spec.fix_release,
                       context=site.clause.context)

    def _route(self, spec: RuleSpec, leaks: list[Leak], released: bool) -> tuple[RuleSpec | None, list[Leak]]:
        """Returns the rule that reports these leaks of one acquisition, and the leaks it shows: the
        acquisition's own rule when it is still held at some exit, or when a call failing in
        ordinary operation (`sock.bind`, see RuleSpec.is_raising) leaves open a resource the
        function hands on (returns or stores) rather than closes; else its rule for resources
        closed only by a defer inside a loop, or read to their end but never closed (a connection
        already back in its pool), or closed everywhere but on exception paths. None when that
        rule is not selected."""
        normal = [leak for leak in leaks if leak.kind != "exception"]
        held = [leak for leak in normal if not leak.drained and leak.kind != "defer-loop"]
        if held:
            return spec, held
        failing = [leak for leak in leaks if leak.kind == "exception" and spec.is_raising(leak.detail)]
        if failing and not released:
            return spec, failing  # Ex) sock = socket.socket(); sock.bind(a); return sock   (bind fails: address in use)
        looping = [leak for leak in normal if leak.kind == "defer-loop" and not leak.drained]
        if looping:
            return self.by_id.get(spec.defer_loop_rule or ""), looping
        drained = [leak for leak in normal if leak.kind != "defer-loop"]
        if drained:
            return self.by_id.get(spec.drained_rule or ""), drained
        if normal:
            return None, []  # read to the end and closed by a defer in its loop: nothing is held
        # Only a resource the function closes itself: one it hands on is its receiver's to guard.
        return (self.by_id.get(spec.exception_rule or "") if released else None), leaks

