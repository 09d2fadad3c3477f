"""Samples a process tree over time and judges every metric's series (the `watch` command).

Owns the sampling loop, the progress line, series extraction and the JSON/CSV output; the
statistics are verdict.py's and the picture is chart.py's.
"""
from __future__ import annotations

import csv
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from leaklint_gopy.runtime import chart
from leaklint_gopy.runtime.command import start, stop
from leaklint_gopy.runtime.procfs import Problem
from leaklint_gopy.runtime.sample import ProcessSampler, Sample
from leaklint_gopy.runtime.verdict import Thresholds, Verdict, collapse, judge, theil_sen

BYTES_QUANTUM = 4096.0


@dataclass(frozen=True, slots=True)
class Metric:
    """One series: its name, unit ("fds", "sockets", "bytes") and values aligned with samples."""

    name: str
    unit: str
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Judged:
    """A metric with its verdict; `per` is the x unit ("request" or "s")."""

    metric: Metric
    verdict: Verdict
    per: str

    def as_dict(self) -> dict[str, object]:
        """Returns the JSON form: verdict, slope, interval, unit and the reason."""
        finite = lambda v: round(v, 6) if math.isfinite(v) else None  # noqa: E731
        return {
            "verdict": self.verdict.status, "slope": finite(self.verdict.slope),
            "interval": [finite(self.verdict.low), finite(self.verdict.high)],
            "unit": f"{self.metric.unit}/{self.per}", "growth": finite(self.verdict.growth),
            "late_p": finite(self.verdict.late_p), "samples": self.verdict.n,
            "reason": self.verdict.reason,
        }


@dataclass(frozen=True, slots=True)
class WatchResult:
    """Everything a watch produced: samples, judged metrics, x unit and what was unreadable."""

    samples: tuple[Sample, ...]
    judged: tuple[Judged, ...]
    per: str
    problems: tuple[Problem, ...]
    exit_code: int | None = None
    settled: Sample | None = None
    interrupted: bool = False
    stopped: bool = False

    @property
    def leaking(self) -> bool:
        """Reports whether any metric's verdict is LEAK."""
        return any(j.verdict.status == "LEAK" for j in self.judged)


def metrics_of(samples: list[Sample]) -> list[Metric]:
    """Returns the series worth judging: fds, sockets, each TCP state and peer, memory."""
    column = lambda get: tuple(float(get(s)) for s in samples)  # noqa: E731
    metrics = [Metric("fds", "fds", column(lambda s: s.fds)),
               Metric("sockets", "sockets", column(lambda s: s.sockets))]
    for state in sorted({k for s in samples for k in s.states}):
        metrics.append(Metric(f"tcp.{state}", "sockets", column(lambda s: s.states.get(state, 0))))
    peers = sorted({k for s in samples for k in s.endpoints})
    for peer in peers[:8]:
        metrics.append(Metric(f"peer.{peer}", "sockets", column(lambda s: s.endpoints.get(peer, 0))))
    if samples and all(s.skmem is not None for s in samples):
        metrics.append(Metric("skmem", "bytes", column(lambda s: s.skmem)))
    metrics.append(Metric("host.tcp_mem", "bytes", column(lambda s: s.host_tcp_mem)))
    return metrics


def judge_all(samples: list[Sample], thresholds: Thresholds) -> tuple[list[Judged], str]:
    """Returns every metric judged against x (requests when counted, else seconds)."""
    counted = bool(samples) and all(s.x is not None for s in samples)
    xs = [float(s.x) if counted else s.t for s in samples]  # type: ignore[arg-type]
    per = "request" if counted else "s"
    judged = []
    for metric in metrics_of(samples):
        limits = thresholds.scaled(BYTES_QUANTUM) if metric.unit == "bytes" else thresholds
        judged.append(Judged(metric, judge(xs, list(metric.values), limits), per))
    return judged, per


def _panel(label: str, judged: list[Judged], trend_of: Judged, xs: tuple[float, ...], scale: float) -> chart.Panel:
    """Returns one chart panel; the Theil–Sen line of `trend_of` is drawn only when it is a LEAK
    (a line through a BOUNDED plateau or a flat series would suggest a trend that is not there)."""
    lines = tuple(chart.Line(j.metric.name, tuple(v / scale for v in j.metric.values)) for j in judged)
    if trend_of.verdict.status != "LEAK":
        return chart.Panel(label, lines)
    trend = theil_sen(*collapse(list(xs), [v / scale for v in trend_of.metric.values]))
    return chart.Panel(label, lines, (trend.slope, trend.intercept))


def chart_of(result: WatchResult) -> chart.Chart:
    """Returns the watch chart: fds, sockets and TCP states above the socket memory in KiB."""
    xs = tuple(float(s.x) if result.per == "request" else s.t for s in result.samples)  # type: ignore[arg-type]
    named = {j.metric.name: j for j in result.judged}
    counts = [j for name, j in named.items()
              if name in ("fds", "sockets") or (name.startswith("tcp.") and name != "tcp.LISTEN")]
    panels = [_panel("count", counts, named["fds"], xs, 1.0)]
    if "skmem" in named:
        panels.append(_panel("socket memory (KiB)", [named["skmem"]], named["skmem"], xs, 1024.0))
    fds = named["fds"].verdict
    title = (f"fds: {fds.status}, {fds.slope:.3g} per {result.per} "
             f"(99% [{fds.low:.3g}, {fds.high:.3g}])")
    return chart.Chart(title, "requests" if result.per == "request" else "seconds", xs, tuple(panels))


def progress_line(sample: Sample) -> str:
    """Returns the one-line status shown while sampling."""
    states = " ".join(f"{k} {v}" for k, v in sample.states.items() if k != "LISTEN")
    x = f" x {sample.x:g}" if sample.x is not None else ""
    return f"[{sample.t:6.1f}s] fds {sample.fds} sockets {sample.sockets} {states}{x}".rstrip()


def _show(line: str, out: TextIO, last: list[float]) -> None:
    """Shows the progress line: rewritten in place on a terminal, every 2 s otherwise."""
    if out.isatty():
        out.write("\r\033[K" + line)
        out.flush()
    elif time.monotonic() - last[0] >= 2.0:
        out.write(line + "\n")
        last[0] = time.monotonic()


def sample_loop(sampler: ProcessSampler, interval: float, duration: float | None,
                running: Callable[[], bool], progress: TextIO | None) -> tuple[list[Sample], bool]:
    """Returns the samples taken every `interval` s while `running()` and within `duration`, and
    whether Ctrl-C (or SIGTERM, see command.interruptible) ended the sampling early.

    A sample taken while the process was ending is dropped: its fds may be half closed.
    """
    samples: list[Sample] = []
    last, deadline = [0.0], time.monotonic() + (duration if duration else math.inf)
    next_tick = time.monotonic()
    try:
        while running() and time.monotonic() < deadline:
            sample = sampler.sample()
            if not running():
                break
            samples.append(sample)
            if progress:
                _show(progress_line(sample), progress, last)
            next_tick += interval
            time.sleep(max(0.0, next_tick - time.monotonic()))
    except KeyboardInterrupt:
        return samples, True
    finally:
        if progress and progress.isatty():
            progress.write("\n")
    return samples, False


def after_warmup(samples: list[Sample], warmup: float) -> list[Sample]:
    """Returns the samples after the warm-up, with x counted from the first kept sample."""
    kept = [s for s in samples if s.t >= warmup]
    if not kept or kept[0].x is None:
        return kept
    x0 = kept[0].x
    return [Sample(s.t, (s.x or 0.0) - x0, s.pids, s.fds, s.sockets, s.states, s.endpoints,
                   s.skmem, s.host_tcp_mem, s.host_tcp_inuse) for s in kept]


def write_json(result: WatchResult, path: str) -> None:
    """Writes {"metrics": {NAME: {...}}, "samples": [...], ...} to path ("-": stdout)."""
    data = {
        "metrics": {j.metric.name: j.as_dict() for j in result.judged},
        "per": result.per,
        "samples": [s.as_dict() for s in result.samples],
        "problems": [{"subject": p.subject, "reason": p.reason} for p in result.problems],
        "exit_code": result.exit_code,
        "settled": result.settled.as_dict() if result.settled else None,
    }
    text = json.dumps(data, indent=2) + "\n"
    if path == "-":
        sys.stdout.write(text)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def write_csv(result: WatchResult, path: str) -> None:
    """Writes one row per sample and one column per metric."""
    metrics = metrics_of(list(result.samples))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["t", "x", *(m.name for m in metrics)])
        for i, sample in enumerate(result.samples):
            writer.writerow([f"{sample.t:.4f}", "" if sample.x is None else f"{sample.x:g}",
                             *(f"{m.values[i]:g}" for m in metrics)])


@dataclass(frozen=True, slots=True)
class WatchPlan:
    """How to sample: interval and duration (s), warm-up to drop, exercise counter, limits."""

    interval: float = 0.5
    duration: float | None = None
    warmup: float = 0.0
    counter: Callable[[], float] | None = None
    thresholds: Thresholds = Thresholds()
    settle: float = 0.0


def _result(sampler: ProcessSampler, run: tuple[list[Sample], bool], plan: WatchPlan, code: int | None,
            settled: Sample | None, stopped: bool = False) -> WatchResult:
    """Returns the judged result of a finished (or interrupted) sampling run."""
    kept = after_warmup(run[0], plan.warmup)
    judged, per = judge_all(kept, plan.thresholds)
    return WatchResult(tuple(kept), tuple(judged), per, tuple(sampler.problems), code, settled, run[1], stopped)


def settle(sampler: ProcessSampler, seconds: float) -> Sample | None:
    """Returns one more sample after `seconds` without sampling (longer than the peers' idle
    timeouts, so what is still open is retained, not churn); None if the process ended."""
    if seconds <= 0 or not sampler.alive():
        return None
    try:
        time.sleep(seconds)
    except KeyboardInterrupt:
        return None
    return sampler.sample() if sampler.alive() else None


def watch_pid(pid: int, plan: WatchPlan, progress: TextIO | None) -> WatchResult:
    """Samples a running process tree until it exits, the duration ends or Ctrl-C (which keeps
    what was sampled)."""
    sampler = ProcessSampler(pid, plan.counter)
    run = sample_loop(sampler, plan.interval, plan.duration, sampler.alive, progress)
    return _result(sampler, run, plan, None, None if run[1] else settle(sampler, plan.settle))


def watch_command(command: list[str], plan: WatchPlan, progress: TextIO | None,
                  env: dict[str, str] | None = None, cwd: str | None = None) -> WatchResult:
    """Starts a command in its own process group, samples it (and its children) while it runs,
    and ends the whole group after the duration, on Ctrl-C or SIGTERM, or when the command
    exits. Raises OSError when the command cannot start."""
    process = start(command, env, cwd)
    run: tuple[list[Sample], bool] = ([], True)
    settled = None
    try:
        sampler = ProcessSampler(process.pid, plan.counter)
        run = sample_loop(sampler, plan.interval, plan.duration, lambda: process.poll() is None, progress)
        settled = None if run[1] else settle(sampler, plan.settle)
    finally:
        stopped = process.poll() is None
        code = stop(process)
    return _result(sampler, run, plan, code, settled, stopped)
