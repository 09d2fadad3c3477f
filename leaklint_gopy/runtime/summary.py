"""Renders the terminal summaries of `watch` and `validate` (verdict tables, finding statuses)."""
from __future__ import annotations

import math
import os

from leaklint_gopy.runtime.table import grouped_problems, table
from leaklint_gopy.runtime.validate import Outcome
from leaklint_gopy.runtime.watch import Judged, WatchResult

ORDER = {"LEAK": 0, "INCONCLUSIVE": 1, "BOUNDED": 2, "NO_LEAK": 3}


def _number(value: float) -> str:
    """Returns a compact slope or bound."""
    if not math.isfinite(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}"


def verdict_rows(judged: tuple[Judged, ...] | list[Judged]) -> str:
    """Returns the verdict table: metric, verdict, slope, 99% interval, growth, reason."""
    rows = sorted(judged, key=lambda j: (ORDER.get(j.verdict.status, 9), j.metric.name))
    return table(["metric", "verdict", "slope", "99% interval", "growth", "reason"],
                 [(j.metric.name, j.verdict.status, f"{_number(j.verdict.slope)} {j.metric.unit}/{j.per}",
                   f"[{_number(j.verdict.low)}, {_number(j.verdict.high)}]", _number(j.verdict.growth),
                   j.verdict.reason) for j in rows])


def watch_text(result: WatchResult) -> str:
    """Returns the end-of-watch report."""
    if not result.samples:
        return "no samples taken (the process ended or could not be read)\n"
    first, last = result.samples[0], result.samples[-1]
    out = [("interrupted: " if result.interrupted else "") + f"{len(result.samples)} samples over {last.t - first.t:.1f} s"
           + (f", {last.x:g} exercises" if last.x is not None else "")
           + f"; fds {first.fds} -> {last.fds}, sockets {first.sockets} -> {last.sockets}",
           verdict_rows(result.judged)]
    if last.endpoints:
        out.append("peers at the end: " + ", ".join(f"{k} x{v}" for k, v in last.endpoints.items()))
    if result.settled:
        kept = result.settled
        out.append(f"after settling idle: fds {kept.fds} (retained {kept.fds - first.fds} over the first sample), "
                   f"sockets {kept.sockets}, " + " ".join(f"{k} {v}" for k, v in kept.states.items()))
    if result.problems:
        out += ["could not read:", *("  " + line for line in grouped_problems(result.problems))]
    return "\n".join(out) + "\n"


def _record_rows(outcome: Outcome) -> list[tuple[object, ...]]:
    """Returns the traced creation sites that leaked, most leaks first (innermost user frame)."""
    leaky = sorted((r for r in outcome.traces.records if r.leaked), key=lambda r: -r.leaked)
    return [(f"{os.path.relpath(r.stacks[0][0][0])}:{r.stacks[0][0][1]}" if r.stacks and r.stacks[0] else "?",
             r.kind, r.open_at_exit, r.reclaimed, r.created, r.peak) for r in leaky[:20]]


def _head(outcome: Outcome) -> list[str]:
    """Returns the lines on how the command was traced and how it ended."""
    traces = outcome.traces
    out = [f"traced with {outcome.mode}: {traces.processes} process report(s)"
           + (f" ({traces.incomplete} without a final report)" if traces.incomplete else "")
           + f", languages {', '.join(sorted(traces.languages)) or 'none'}; exit status {outcome.watch.exit_code}"]
    if outcome.command_failed:
        out.append(f"the command failed (exit status {outcome.watch.exit_code}): its output is above; "
                   "statuses describe what ran before it failed")
    return out


def validate_text(outcome: Outcome) -> str:
    """Returns the validate report: every finding with its status, then runtime-only leaks."""
    rows = [(f"{f.uri}:{f.start_line}", f.rule_id, e.status, e.open, e.reclaimed, e.created, e.reason)
            for f, e in outcome.results]
    out = [*_head(outcome), "", "== findings",
           table(["location", "rule", "status", "open", "reclaimed", "created", "why"], rows) if rows
           else "(no findings in the SARIF file)"]
    if outcome.new_leaks:
        out += ["", "== runtime-only leaks (no static finding on their user stack)",
                table(["location", "kind", "open", "reclaimed", "created"],
                      [(f"{os.path.relpath(n.path)}:{n.line}", "+".join(n.kinds), n.open, n.reclaimed, n.created)
                       for n in outcome.new_leaks])]
    if leaky := _record_rows(outcome):
        out += ["", "== not released, by creation site (innermost user frame)",
                table(["site", "kind", "open", "reclaimed", "created", "peak"], leaky)]
    extras = outcome.traces.extras
    if extras.get("read_loops"):
        out.append(f"Go persistConn.readLoop goroutines at exit: {extras['read_loops']} "
                   f"({extras.get('held_bodies', 0)} holding an unread body, {extras.get('idle_conns', 0)} idle)")
    if outcome.watch.judged:
        out += ["", "== process series", verdict_rows([j for j in outcome.watch.judged if j.metric.name in ("fds", "sockets")])]
    if outcome.fixed and outcome.fixed.judged:
        out += ["", "== fixed run (A/B)", verdict_rows([j for j in outcome.fixed.judged if j.metric.name == "fds"])]
    if outcome.problems:
        out += ["", "== could not trace or read", *grouped_problems(outcome.problems)]
    return "\n".join(out) + "\n"
