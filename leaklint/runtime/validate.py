"""Runs a command that exercises the code, with tracers injected, and ties what stayed open to
the static findings of a SARIF file (the `validate` command).

Owns the statuses: confirmed (resources from the finding's line still open, or an A/B run whose
leak interval is separated from the fixed run's), exercised-no-leak, not-exercised and
inconclusive; and the runtime-only leaks. Injection is trace.py's and gotrace.py's job.
"""
from __future__ import annotations

import glob
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass, replace
from typing import TextIO

from leaklint.runtime import gotrace, sarif, trace
from leaklint.runtime.command import stale
from leaklint.runtime.procfs import Problem
from leaklint.runtime.sarif import Evidence, Finding, NewLeak
from leaklint.runtime.trace import Injection, SiteRecord, TraceSet
from leaklint.runtime.watch import WatchPlan, WatchResult, watch_command

LANGUAGES = {".py": "python", ".pyi": "python", ".go": "go"}


@dataclass(frozen=True, slots=True)
class Request:
    """What to validate: SARIF in and out, the command, source root, injection and sampling."""

    sarif_path: str
    command: tuple[str, ...]
    root: str
    output: str | None = None
    inject: str = "auto"
    python: str | None = None
    fixed: str | None = None
    plan: WatchPlan = WatchPlan()


@dataclass(frozen=True, slots=True)
class Outcome:
    """Every finding with its evidence, the runtime-only leaks, traces and process series."""

    results: tuple[tuple[Finding, Evidence], ...]
    new_leaks: tuple[NewLeak, ...]
    traces: TraceSet
    watch: WatchResult
    fixed: WatchResult | None
    mode: str
    problems: tuple[Problem, ...]


def _prepare(command: list[str], workdir: str, request: Request) -> tuple[Injection, list[Problem]]:
    """Returns the traced form of the command, or the plain one with the reason it is untraced."""
    if gotrace.is_go_test(command):
        try:
            plan = gotrace.plan(command, workdir, os.getcwd())
        except (RuntimeError, OSError) as error:
            return Injection(tuple(command), {}, "untraced"), [Problem("go test", str(error))]
        return Injection(plan.command, {"LEAKLINT_TRACE_DIR": workdir}, "go-harness"), list(plan.problems)
    try:
        return trace.inject(command, workdir, request.inject, request.python), []
    except (trace.InjectionError, OSError) as error:
        return Injection(tuple(command), {}, "untraced"), [Problem(command[0], str(error))]


def _run(command: list[str], request: Request, progress: TextIO | None) -> tuple[WatchResult, TraceSet, str, list[Problem]]:
    """Runs one command traced and sampled; returns its series, traces, mode and problems.

    The .pth hook and the trace directory are removed on every way out, Ctrl-C and SIGTERM too.
    """
    with tempfile.TemporaryDirectory(prefix=f"leaklint-trace-{os.getpid()}-") as workdir:
        injection, problems = _prepare(command, workdir, request)
        try:
            result = watch_command(list(injection.command), request.plan, progress, injection.env)
        finally:
            trace.remove(list(injection.cleanup))
        return result, trace.read_traces(workdir), injection.mode, problems


def _remove_stale_workdirs() -> None:
    """Removes the trace directories of runs that were killed before they could clean up."""
    for path in stale(glob.glob(os.path.join(tempfile.gettempdir(), "leaklint-trace-*"))):
        shutil.rmtree(path, ignore_errors=True)


def _sites_at(finding: Finding, sites: list[tuple[str, SiteRecord]]) -> list[SiteRecord]:
    """Returns the trace records whose relative path and line fall in the finding's region."""
    return [record for path, record in sites if finding.covers(path, record.line)]


def classify(finding: Finding, records: list[SiteRecord], traces: TraceSet) -> Evidence:
    """Returns the status of one finding from the records at its line."""
    opened = sum(r.open for r in records)
    created = max((r.created for r in records), default=0)
    if opened > 0:
        return Evidence("confirmed", opened, created)
    if created > 0:
        return Evidence("exercised-no-leak", 0, created)
    language = LANGUAGES.get(os.path.splitext(finding.uri)[1])
    return Evidence("not-exercised" if language in traces.languages else "inconclusive", 0, 0)


def _relative_sites(traces: TraceSet, root: str) -> list[tuple[str, SiteRecord]]:
    """Returns every trace record with its path relative to root."""
    return [(sarif.relative_path(r.path, root), r) for r in traces.sites]


def new_leaks(found: list[Finding], sites: list[tuple[str, SiteRecord]]) -> list[NewLeak]:
    """Returns open resources at lines inside root that no finding covers, one per line."""
    by_line: dict[tuple[str, int], list[SiteRecord]] = {}
    for path, record in sites:
        if record.open > 0 and not path.startswith("../") and not any(f.covers(path, record.line) for f in found):
            by_line.setdefault((path, record.line), []).append(record)
    return [NewLeak(path, line, sum(r.open for r in rs), max(r.created for r in rs),
                    tuple(sorted({r.kind for r in rs})))
            for (path, line), rs in sorted(by_line.items())]


def _separated(leaky: WatchResult, fixed: WatchResult) -> bool:
    """Reports whether the fd slope of the leaky run lies above the fixed run's interval."""
    pick = lambda result: next((j.verdict for j in result.judged if j.metric.name == "fds"), None)  # noqa: E731
    a, b = pick(leaky), pick(fixed)
    return bool(a and b and a.status == "LEAK" and a.low > b.high)


def _with_ab(results: list[tuple[Finding, Evidence]], separated: bool) -> list[tuple[Finding, Evidence]]:
    """Returns results where an A/B separation confirms the findings nothing else could judge."""
    if not separated:
        return results
    return [(f, replace(e, status="confirmed") if e.status == "inconclusive" else e) for f, e in results]


def _normalised(found: list[Finding], root: str) -> list[Finding]:
    """Returns findings with absolute uris made relative to root."""
    return [replace(f, uri=sarif.relative_path(f.uri, root)) if os.path.isabs(f.uri) else f for f in found]


def validate(request: Request, progress: TextIO | None) -> Outcome:
    """Runs the command (and the fixed command, if any) and judges every finding.

    Raises sarif.SarifError for an unreadable SARIF file, OSError when the command cannot start.
    """
    log = sarif.load(request.sarif_path)
    found = _normalised(sarif.findings(log), request.root)
    _remove_stale_workdirs()
    watched, traces, mode, problems = _run(list(request.command), request, progress)
    if watched.interrupted:
        raise KeyboardInterrupt
    fixed = None
    if request.fixed:
        fixed = _run(shlex.split(request.fixed), request, progress)[0]
        if fixed.interrupted:
            raise KeyboardInterrupt
    sites = _relative_sites(traces, request.root)
    results = [(f, classify(f, _sites_at(f, sites), traces)) for f in found]
    results = _with_ab(results, bool(fixed) and _separated(watched, fixed))  # type: ignore[arg-type]
    leaks = new_leaks(found, sites)
    outcome = Outcome(tuple(results), tuple(leaks), traces, watched, fixed, mode,
                      tuple(problems) + traces.problems + watched.problems)
    if request.output:
        evidence = {(f.run, f.index): e for f, e in results}
        sarif.write(sarif.annotate(log, evidence, leaks, request.root, run_properties(outcome, request)),
                    request.output)
    return outcome


def run_properties(outcome: Outcome, request: Request) -> dict[str, object]:
    """Returns the run-level summary stored in the annotated SARIF."""
    return {
        "command": list(request.command), "injection": outcome.mode,
        "traced_processes": outcome.traces.processes,
        "languages": sorted(outcome.traces.languages),
        "exit_code": outcome.watch.exit_code,
        "process": {j.metric.name: j.as_dict() for j in outcome.watch.judged
                    if j.metric.name in ("fds", "sockets")},
    }
