"""Runs a command that exercises the code, with tracers injected, and ties what it created to the
static findings of a SARIF file (the `validate` command).

It owns the run: the trace directory, the lines each tracer watches, the optional A/B run, the
annotated SARIF. Statuses are status.py's, injection is injection.py's and gotrace.py's, reading
the traces is trace.py's.
"""
from __future__ import annotations

import glob
import json
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from typing import TextIO

from leaklint_gopy.runtime import gotrace, injection, sarif, status, trace
from leaklint_gopy.runtime.command import stale
from leaklint_gopy.runtime.injection import Injection
from leaklint_gopy.runtime.procfs import Problem
from leaklint_gopy.runtime.sarif import Evidence, Finding, NewLeak
from leaklint_gopy.runtime.trace import TraceSet
from leaklint_gopy.runtime.watch import WatchPlan, WatchResult, watch_command


@dataclass(frozen=True, slots=True)
class Request:
    """What to validate: SARIF in and out, the command, source root, injection and sampling."""

    sarif_path: str
    command: tuple[str, ...]
    root: str | None
    output: str | None = None
    inject: str = "auto"
    python: str | None = None
    fixed: str | None = None
    plan: WatchPlan = WatchPlan()


@dataclass(frozen=True, slots=True)
class Outcome:
    """Every finding with its evidence, the runtime-only leaks, traces and process series, and
    whether the exercising command failed (it exited non-zero without being stopped by us)."""

    results: tuple[tuple[Finding, Evidence], ...]
    new_leaks: tuple[NewLeak, ...]
    traces: TraceSet
    watch: WatchResult
    fixed: WatchResult | None
    mode: str
    problems: tuple[Problem, ...]

    @property
    def command_failed(self) -> bool:
        """Reports whether the command ended on its own with a non-zero status."""
        return not self.watch.stopped and self.watch.exit_code not in (0, None)

    @property
    def leaked(self) -> bool:
        """Reports whether a finding is confirmed or a runtime-only leak was seen."""
        return bool(self.new_leaks) or any(e.status == "confirmed" for _, e in self.results)


def _lines_file(found: list[Finding], workdir: str) -> dict[str, str]:
    """Writes the Python finding lines the tracers watch; returns the environment naming them."""
    wanted: dict[str, list[int]] = {}
    for f in found:
        if status.language_of(f) == "python":
            wanted.setdefault(f.path, []).extend(range(f.start_line, f.end_line + 1))
    path = os.path.join(workdir, "lines.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump(wanted, out)
    return {"LEAKLINT_TRACE_LINES": path}


def _prepare(command: list[str], workdir: str, request: Request, found: list[Finding]) -> tuple[Injection, list[Problem]]:
    """Returns the traced form of the command, or the plain one with the reason it is untraced."""
    if gotrace.is_go_test(command):
        try:
            plan = gotrace.plan(command, workdir, os.getcwd(), [f.path for f in found if status.language_of(f) == "go"])
        except (gotrace.GoError, OSError) as error:
            return Injection(tuple(command), {}, "untraced"), [Problem("go test", str(error))]
        return Injection(plan.command, {**plan.env, "LEAKLINT_TRACE_DIR": workdir}, "go-harness"), list(plan.problems)
    try:
        chosen = injection.inject(command, workdir, request.inject, request.python)
    except (injection.InjectionError, OSError) as error:
        return Injection(tuple(command), {}, "untraced"), [Problem(command[0], str(error))]
    return Injection(chosen.command, {**chosen.env, **_lines_file(found, workdir)}, chosen.mode, chosen.cleanup), []


def _run(command: list[str], request: Request, found: list[Finding],
         progress: TextIO | None) -> tuple[WatchResult, TraceSet, str, list[Problem]]:
    """Runs one command traced and sampled; returns its series, traces, mode and problems.

    The .pth hook and the trace directory are removed on every way out, Ctrl-C and SIGTERM too.
    """
    with tempfile.TemporaryDirectory(prefix=f"leaklint-trace-{os.getpid()}-") as workdir:
        chosen, problems = _prepare(command, workdir, request, found)
        try:
            result = watch_command(list(chosen.command), request.plan, progress, chosen.env)
        finally:
            injection.remove(list(chosen.cleanup))
        traces = trace.read_traces(workdir)
        if chosen.mode == "go-harness":
            traces = gotrace.with_coverage(traces, workdir, result.exit_code == 0)
        return result, traces, chosen.mode, problems


def _remove_stale_workdirs() -> None:
    """Removes the trace directories of runs that were killed before they could clean up."""
    for path in stale(glob.glob(os.path.join(tempfile.gettempdir(), "leaklint-trace-*"))):
        shutil.rmtree(path, ignore_errors=True)


def separated(leaky: WatchResult, fixed: WatchResult) -> bool:
    """Reports whether the leaky run's fd series is a LEAK whose slope interval lies above the
    fixed run's interval."""
    def fds(result: WatchResult):  # noqa: ANN202 - a Verdict or None
        """Returns the verdict on the run's fd series, None without one."""
        return next((j.verdict for j in result.judged if j.metric.name == "fds"), None)
    a, b = fds(leaky), fds(fixed)
    return bool(a and b and a.status == "LEAK" and a.low > b.high)


def _fixed_run(request: Request, found: list[Finding], progress: TextIO | None) -> WatchResult | None:
    """Runs the --fixed command, if any; Ctrl-C there interrupts validate."""
    if not request.fixed:
        return None
    fixed = _run(shlex.split(request.fixed), request, found, progress)[0]
    if fixed.interrupted:
        raise KeyboardInterrupt
    return fixed


def validate(request: Request, progress: TextIO | None) -> Outcome:
    """Runs the command (and the fixed command, if any) and judges every finding.

    Raises sarif.SarifError for an unreadable SARIF file, OSError when the command cannot start,
    KeyboardInterrupt after cleaning up when interrupted.
    """
    log = sarif.load(request.sarif_path)
    found, roots = sarif.place(sarif.findings(log), log, request.root, request.sarif_path, os.getcwd())
    _remove_stale_workdirs()
    watched, traces, mode, problems = _run(list(request.command), request, found, progress)
    if watched.interrupted:
        raise KeyboardInterrupt
    fixed = _fixed_run(request, found, progress)
    split = fixed is not None and separated(watched, fixed)
    results = [(f, status.upgraded(f, status.classify(f, traces), traces, split)) for f in found]
    leaks = status.new_leaks(found, traces, roots.get(0, os.getcwd()))
    outcome = Outcome(tuple(results), tuple(leaks), traces, watched, fixed, mode,
                      tuple(problems) + traces.problems + watched.problems)
    if request.output:
        evidence = {(f.run, f.index): e for f, e in results}
        sarif.write(sarif.annotate(log, evidence, leaks, roots, run_properties(outcome, request)), request.output)
    return outcome


def run_properties(outcome: Outcome, request: Request) -> dict[str, object]:
    """Returns the run-level summary stored in the annotated SARIF."""
    return {
        "command": list(request.command), "injection": outcome.mode,
        "traced_processes": outcome.traces.processes, "incomplete_processes": outcome.traces.incomplete,
        "languages": sorted(outcome.traces.languages), "exit_code": outcome.watch.exit_code,
        "command_failed": outcome.command_failed,
        "process": {j.metric.name: j.as_dict() for j in outcome.watch.judged if j.metric.name in ("fds", "sockets")},
    }
