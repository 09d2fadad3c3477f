"""Renders the terminal summaries of `watch` and `validate` (verdict tables, finding statuses)."""
from __future__ import annotations

import math

from leaklint.runtime.table import grouped_problems, table
from leaklint.runtime.validate import Outcome
from leaklint.runtime.watch import Judged, WatchResult

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


def validate_text(outcome: Outcome) -> str:
    """Returns the validate report: every finding with its status, then runtime-only leaks."""
    rows = [(f"{f.uri}:{f.start_line}", f.rule_id, e.status, e.open, e.created, f.message[:60])
            for f, e in outcome.results]
    out = [f"traced with {outcome.mode}: {outcome.traces.processes} process report(s), "
           f"languages {', '.join(sorted(outcome.traces.languages)) or 'none'}; exit status {outcome.watch.exit_code}",
           "", "== findings",
           table(["location", "rule", "status", "open", "created", "message"], rows) if rows else "(no findings in the SARIF file)"]
    if outcome.new_leaks:
        out += ["", "== runtime-only leaks (no static finding at the line)",
                table(["location", "kind", "open", "created"],
                      [(f"{n.uri}:{n.line}", "+".join(n.kinds), n.open, n.created) for n in outcome.new_leaks])]
    open_sites = sorted((s for s in outcome.traces.sites if s.open or s.idle), key=lambda s: (-s.open, s.path, s.line))
    if open_sites:
        out += ["", "== open at the end, by creation site",
                table(["site", "kind", "open", "idle", "created", "peak"],
                      [(f"{s.path}:{s.line}", s.kind, s.open, s.idle, s.created, s.peak) for s in open_sites[:20]])]
    if outcome.traces.extras.get("read_loops"):
        out.append(f"Go persistConn readLoop goroutines alive at exit: {outcome.traces.extras['read_loops']}")
    if outcome.watch.judged:
        out += ["", "== process series", verdict_rows([j for j in outcome.watch.judged if j.metric.name in ("fds", "sockets")])]
    if outcome.fixed and outcome.fixed.judged:
        out += ["", "== fixed run (A/B)", verdict_rows([j for j in outcome.fixed.judged if j.metric.name == "fds"])]
    if outcome.problems:
        out += ["", "== could not trace or read", *grouped_problems(outcome.problems)]
    return "\n".join(out) + "\n"
