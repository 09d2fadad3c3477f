"""Measures `leaklint runtime`'s verdict function by simulation and prints a Markdown table.

Each scenario draws a resource series the way `watch` samples one (x = exercises, or seconds for
the slow scenarios), runs `verdict.judge` on it many times with different seeds and counts the
verdicts. The table in docs/runtime.md comes from this script:

    python bench/verdict_sim.py [--runs 300]
"""
from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leaklint_gopy.runtime.verdict import judge  # noqa: E402

Series = tuple[list[float], list[float]]
STATUSES = ("LEAK", "INCONCLUSIVE", "BOUNDED", "NO_LEAK")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named series generator and the verdicts it must (or must never) get."""

    name: str
    make: Callable[[random.Random], Series]
    expect: str


def _noise(rng: random.Random) -> float:
    """Returns the jitter of an fd count between two samples (a request in flight)."""
    return rng.choice((0, 0, 0, 1, -1))


def _per_request(n: int, level: Callable[[int, random.Random], float]) -> Callable[[random.Random], Series]:
    """Returns a generator of n samples, one per exercise, y = level(i) + jitter."""
    def make(rng: random.Random) -> Series:
        return [float(i) for i in range(n)], [20.0 + level(i, rng) + _noise(rng) for i in range(n)]
    return make


def _bernoulli(n: int, rate: float) -> Callable[[random.Random], Series]:
    """Returns a generator of a leak of `rate` per exercise, each exercise leaking independently."""
    def make(rng: random.Random) -> Series:
        level, ys = 20.0, []
        for _ in range(n):
            level += rng.random() < rate
            ys.append(level + _noise(rng))
        return [float(i) for i in range(n)], ys
    return make


def _walk(n: int, step: float) -> Callable[[random.Random], Series]:
    """Returns a generator of a random walk without drift: each exercise adds or removes one
    object with probability `step` each (a cache that grows and shrinks)."""
    def make(rng: random.Random) -> Series:
        level, ys = 20.0, []
        for _ in range(n):
            draw = rng.random()
            level += 1 if draw < step else -1 if draw < 2 * step else 0
            ys.append(level)
        return [float(i) for i in range(n)], ys
    return make


def _clock(seconds: float, interval: float, every: float, cap: float | None = None,
           jitter: bool = True) -> Callable[[random.Random], Series]:
    """Returns a generator timed by the clock: one leak every `every` s (phase random), sampled
    every `interval` s for `seconds`, optionally capped at `cap` leaked objects; without jitter
    the count is exact (an idle process between leaks)."""
    def make(rng: random.Random) -> Series:
        phase = rng.uniform(0, every)
        xs = [i * interval for i in range(int(seconds / interval) + 1)]
        ys = []
        for x in xs:
            leaked = max(0.0, (x + phase) // every)
            ys.append(20.0 + (min(leaked, cap) if cap is not None else leaked) + (_noise(rng) if jitter else 0))
        return xs, ys
    return make


def _sparse(points: int, per_point: float) -> Callable[[random.Random], Series]:
    """Returns a generator of a 1-per-request leak seen at only `points` distinct x values
    (a short run sampled slowly), with a random number of requests between samples."""
    def make(rng: random.Random) -> Series:
        xs, x = [], 0.0
        for _ in range(points):
            xs.append(x)
            x += max(1.0, round(rng.gauss(per_point, per_point / 3)))
        return xs, [20.0 + v + _noise(rng) for v in xs]
    return make


SCENARIOS = (
    Scenario("flat, 200 requests", _per_request(200, lambda i, r: 0.0), "NO_LEAK"),
    Scenario("pool warm-up to 12, then flat", _per_request(200, lambda i, r: min(i, 12)), "not LEAK"),
    Scenario("GC sawtooth (0..14, period 30)", _per_request(200, lambda i, r: (i % 30) // 2), "not LEAK"),
    Scenario("timeout cap: +1/request up to 60 (bounded)", _per_request(200, lambda i, r: min(i, 60)), "not LEAK"),
    Scenario("bounded by the clock: 1 per 2 s, capped at 8, 10 min", _clock(600, 2.0, 2.0, 8), "not LEAK"),
    Scenario("random walk without drift, ±1 w.p. 0.1 each", _walk(200, 0.1), "not LEAK"),
    Scenario("1 leak per request", _bernoulli(200, 1.0), "LEAK"),
    Scenario("1 leak per 10 requests", _bernoulli(200, 0.1), "LEAK"),
    Scenario("1 leak per 25 requests", _bernoulli(200, 0.04), "LEAK"),
    Scenario("1 leak per 50 requests", _bernoulli(200, 0.02), "not NO_LEAK"),
    Scenario("1 leak per 50 requests, 600 requests", _bernoulli(600, 0.02), "not NO_LEAK"),
    Scenario("step-shaped: +5 every 40 requests", _per_request(200, lambda i, r: 5 * (i // 40)), "LEAK"),
    Scenario("1 per 30 s, sampled every 0.5 s, 2 min, exact counts", _clock(120, 0.5, 30.0, jitter=False), "not NO_LEAK"),
    Scenario("1 per 30 s, sampled every 0.5 s, 2 min, with jitter", _clock(120, 0.5, 30.0), "not NO_LEAK"),
    Scenario("1 per 30 s, sampled every 0.5 s, 10 min", _clock(600, 0.5, 30.0), "LEAK"),
    Scenario("1 per request, 13 distinct x (short run)", _sparse(13, 4.6), "LEAK"),
    Scenario("1 per request, 30 distinct x", _sparse(30, 4.0), "LEAK"),
)


def run(scenario: Scenario, runs: int) -> Counter[str]:
    """Returns how often each verdict came out over `runs` seeded draws."""
    counts: Counter[str] = Counter()
    for seed in range(runs):
        xs, ys = scenario.make(random.Random(seed))
        counts[judge(xs, ys).status] += 1
    return counts


def table(runs: int) -> str:
    """Returns the Markdown table of verdict percentages per scenario."""
    lines = [f"| series ({runs} runs each) | wanted | " + " | ".join(STATUSES) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in STATUSES) + " |"]
    for scenario in SCENARIOS:
        counts = run(scenario, runs)
        cells = " | ".join(f"{100 * counts[s] / runs:.0f}%" for s in STATUSES)
        lines.append(f"| {scenario.name} | {scenario.expect} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    """Prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    print(table(parser.parse_args().runs))


if __name__ == "__main__":
    main()
