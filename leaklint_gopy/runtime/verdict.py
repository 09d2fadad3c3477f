"""Turns a resource time series into a verdict: LEAK, BOUNDED, NO_LEAK or INCONCLUSIVE.

x counts exercises of the suspect path (requests, iterations) or seconds; y is a resource
count. The slope is Theil–Sen with Sen's distribution-free interval, widened for serial
correlation of the residuals (n_eff = n(1-r1)/(1+r1)); the late half gets a Mann–Kendall test
and a Theil–Sen interval of its own. bench/verdict_sim.py measures the verdicts by simulation.
Pure arithmetic on lists: no I/O.
"""
from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass

MAX_POINTS = 400
MIN_POINTS = 8


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What counts as a leak: slope per x unit, total growth, interval level, late-half p."""

    min_slope: float = 0.02
    min_growth: float = 5.0
    confidence: float = 0.99
    late_p: float = 0.01

    def scaled(self, quantum: float) -> Thresholds:
        """Returns thresholds for a metric counted in units of `quantum` (4096 for bytes)."""
        return Thresholds(self.min_slope * quantum, self.min_growth * quantum,
                          self.confidence, self.late_p)


@dataclass(frozen=True, slots=True)
class Trend:
    """A Theil–Sen fit: slope, its widened interval, intercept, n, n_eff and residual lag-1 r."""

    slope: float
    low: float
    high: float
    intercept: float
    n: int
    n_eff: float
    r1: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement on one series, with the numbers that led to it."""

    status: str
    slope: float
    low: float
    high: float
    growth: float
    late_high: float
    late_p: float
    n: int
    reason: str


def thin(xs: list[float], ys: list[float], limit: int = MAX_POINTS) -> tuple[list[float], list[float]]:
    """Returns at most `limit` points taken evenly, keeping the first and the last."""
    if len(xs) <= limit:
        return list(xs), list(ys)
    step = (len(xs) - 1) / (limit - 1)
    picks = [round(i * step) for i in range(limit)]
    return [xs[i] for i in picks], [ys[i] for i in picks]


def _pair_slopes(xs: list[float], ys: list[float]) -> list[float]:
    """Returns the sorted slopes of every pair of points with different x."""
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs)) for j in range(i + 1, len(xs)) if xs[j] != xs[i]
    ]
    slopes.sort()
    return slopes


def kendall_variance(ys: list[float]) -> float:
    """Returns Var(S) of the Mann–Kendall statistic, corrected for tied values."""
    n = len(ys)
    ties = sum(t * (t - 1) * (2 * t + 5) for t in Counter(ys).values() if t > 1)
    return (n * (n - 1) * (2 * n + 5) - ties) / 18


def lag1_autocorrelation(values: list[float]) -> float:
    """Returns the lag-1 autocorrelation of a sequence (0 when it is constant)."""
    mean = statistics.fmean(values)
    centred = [v - mean for v in values]
    denominator = sum(c * c for c in centred)
    if denominator <= 1e-12 * max(1.0, mean * mean) or len(values) < 3:
        return 0.0
    return sum(a * b for a, b in zip(centred, centred[1:])) / denominator


def _inflation(xs: list[float], ys: list[float], slope: float, intercept: float) -> tuple[float, float]:
    """Returns (variance inflation n/n_eff, r1) from the residuals of a fit, in x order."""
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys)]
    r1 = min(max(lag1_autocorrelation(residuals), 0.0), 0.98)
    return (1 + r1) / (1 - r1), r1


def theil_sen(xs: list[float], ys: list[float], confidence: float = 0.99) -> Trend:
    """Returns the Theil–Sen slope of y on x with Sen's interval widened for autocorrelation.

    Points must be in x order; at most MAX_POINTS are used (evenly thinned).
    """
    xs, ys = thin(xs, ys)
    slopes = _pair_slopes(xs, ys)
    if not slopes:
        return Trend(0.0, -math.inf, math.inf, statistics.median(ys) if ys else 0.0, len(xs), 0.0, 0.0)
    slope = statistics.median(slopes)
    intercept = statistics.median(y - slope * x for x, y in zip(xs, ys))
    inflation, r1 = _inflation(xs, ys, slope, intercept)
    z = statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    half = z * math.sqrt(max(kendall_variance(ys), 0.0) * inflation)
    count = len(slopes)
    low_index = min(max(round((count - half) / 2) - 1, 0), count - 1)
    high_index = min(max(round((count + half) / 2), 0), count - 1)
    return Trend(slope, slopes[low_index], slopes[high_index], intercept, len(xs),
                 len(xs) / inflation, r1)


def mann_kendall_p(ys: list[float], inflation: float = 1.0) -> float:
    """Returns the one-sided p-value of an upward Mann–Kendall trend in a sequence."""
    n = len(ys)
    s = sum((ys[j] > ys[i]) - (ys[j] < ys[i]) for i in range(n) for j in range(i + 1, n))
    variance = kendall_variance(ys) * inflation
    if variance <= 0:
        return 1.0 if s <= 0 else 0.0
    z = (s - math.copysign(1, s)) / math.sqrt(variance) if s else 0.0
    return 1 - statistics.NormalDist().cdf(z)


def collapse(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """Returns one point per distinct x (the median y), in x order.

    Samples taken while x stood still (idle periods, when x counts requests) say nothing about
    the slope per request, so they count once.
    """
    by_x: dict[float, list[float]] = {}
    for x, y in zip(xs, ys):
        by_x.setdefault(x, []).append(y)
    ordered = sorted(by_x)
    return ordered, [statistics.median(by_x[x]) for x in ordered]


def _late_half(xs: list[float], ys: list[float], confidence: float) -> tuple[Trend, float, int]:
    """Returns the Theil–Sen trend, the Mann–Kendall p and the point count of the upper half of x."""
    middle = (xs[0] + xs[-1]) / 2
    late = [(x, y) for x, y in zip(xs, ys) if x >= middle]
    lx, ly = thin([x for x, _ in late], [y for _, y in late])
    trend = theil_sen(lx, ly, confidence)
    inflation = trend.n / trend.n_eff if trend.n_eff else 1.0
    return trend, mann_kendall_p(ly, inflation), len(lx)


def testable(points: int, late_p: float) -> bool:
    """Reports whether a Mann–Kendall test on `points` points can reach p < late_p at all (a
    strictly rising run of 5 points cannot reach 0.01)."""
    return mann_kendall_p([float(i) for i in range(points)]) < late_p


def net_growth(ys: list[float]) -> float:
    """Returns the median of the last quarter minus the median of the first quarter: what a
    series gained, read without pairwise slopes (which are mostly 0 on a sparse staircase)."""
    quarter = max(1, len(ys) // 4)
    return statistics.median(ys[-quarter:]) - statistics.median(ys[:quarter])


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What a decision looks at: the whole and late-half fits, growth, range and net growth."""

    trend: Trend
    late: Trend
    late_p: float
    late_n: int
    growth: float
    spread: float
    grew_late: float
    net: float
    late_net: float


def _rising(e: _Evidence, t: Thresholds) -> tuple[str, str]:
    """Returns the verdict of a series whose slope interval lies above min_slope.

    The second half still rises when its Mann–Kendall p is below late_p or its own slope interval
    lies above min_slope: the interval is read from the pairwise slopes, so unlike the p-value it
    does not collapse when the residuals are autocorrelated by a single step of one fd.
    """
    if e.growth < t.min_growth:
        return "INCONCLUSIVE", (f"rising ({e.trend.slope:.3g} per unit, interval above {t.min_slope:g}) but grew "
                                f"only {e.growth:.3g} of {t.min_growth:g}; run longer")
    if e.late_p < t.late_p or e.late.low >= t.min_slope:
        return "LEAK", f"slope interval above {t.min_slope:g}, still rising in the second half"
    if e.late.high < t.min_slope and e.grew_late >= t.min_growth and e.late_net < t.min_growth / 2:
        return "BOUNDED", "grew, then levelled off in the second half"
    if not testable(e.late_n, t.late_p):
        return "INCONCLUSIVE", (f"rising, but only {e.late_n} distinct points in the second half cannot show it "
                                "still rises; sample more often or run longer")
    return "INCONCLUSIVE", f"rising, but the late half is not significant (p={e.late_p:.2g}); run longer"


def _decide(e: _Evidence, t: Thresholds) -> tuple[str, str]:
    """Returns (status, reason): LEAK needs the interval above min_slope, growth and a rising late
    half; a small range is NO_LEAK only when the slope itself is below min_slope; an interval
    below min_slope refutes (or bounds) only when the net growth agrees, since Sen's interval
    collapses to 0 on a sparse staircase (12 leaks in 600 requests)."""
    if e.trend.low >= t.min_slope:
        return _rising(e, t)
    if e.spread < t.min_growth and e.trend.slope < t.min_slope:
        return "NO_LEAK", f"range {e.spread:g} below {t.min_growth:g}"
    if e.grew_late >= t.min_growth and e.late.high < t.min_slope and e.late_net < t.min_growth / 2:
        return "BOUNDED", "grew, then levelled off in the second half"
    if (e.trend.high < t.min_slope or e.late.high < t.min_slope) and e.net < t.min_growth / 2:
        return "NO_LEAK", f"slope interval below {t.min_slope:g}"
    return "INCONCLUSIVE", "interval straddles the threshold, or the series kept growing in steps; run longer"


def judge(xs: list[float], ys: list[float], thresholds: Thresholds = Thresholds()) -> Verdict:
    """Returns the verdict on a series y(x) sampled in x order."""
    xs, ys = collapse(xs, ys)
    if len(xs) < MIN_POINTS or xs[-1] == xs[0]:
        return Verdict("INCONCLUSIVE", 0.0, -math.inf, math.inf, 0.0, math.inf, 1.0, len(xs),
                       f"too few samples or no progress in x ({len(xs)} points)")
    trend = theil_sen(xs, ys, thresholds.confidence)
    late, late_p, late_n = _late_half(xs, ys, thresholds.confidence)
    half = len(ys) // 2
    evidence = _Evidence(trend, late, late_p, late_n, trend.slope * (xs[-1] - xs[0]), max(ys) - min(ys),
                         statistics.median(ys[half:]) - ys[0], net_growth(ys), net_growth(ys[half:]))
    status, reason = _decide(evidence, thresholds)
    return Verdict(status, trend.slope, trend.low, trend.high, evidence.growth, late.high, late_p, len(xs), reason)
