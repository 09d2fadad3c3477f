"""The verdict maths on synthetic series: flat, warm-up plateau, GC sawtooth, capped growth,
1 leak per request and 1 per 10 requests."""
from __future__ import annotations

import random

import pytest

from leaklint_gopy.runtime.verdict import (
    Thresholds, judge, kendall_variance, lag1_autocorrelation, mann_kendall_p, theil_sen, thin,
)

N = 200


def _noise(rng: random.Random) -> int:
    return rng.choice([0, 0, 0, 1, -1])


def _bernoulli(rate: float, seed: int) -> list[float]:
    rng, level, out = random.Random(seed), 20.0, []
    for _ in range(N):
        level += rng.random() < rate
        out.append(level + rng.choice([0, 0, 1]))
    return out


def _statuses(make, seeds: int = 30) -> set[str]:
    return {judge(list(range(N)), make(random.Random(seed), seed)).status for seed in range(seeds)}


def test_flat_series_is_no_leak() -> None:
    assert _statuses(lambda rng, _: [20.0 + _noise(rng) for _ in range(N)]) == {"NO_LEAK"}


def test_warm_up_plateau_is_bounded_not_leak() -> None:
    assert _statuses(lambda rng, _: [20.0 + min(i, 12) + _noise(rng) for i in range(N)]) == {"BOUNDED"}


def test_timeout_capped_growth_is_bounded() -> None:
    assert _statuses(lambda rng, _: [20.0 + min(i, 60) + _noise(rng) for i in range(N)]) == {"BOUNDED"}


def test_gc_sawtooth_is_never_leak() -> None:
    statuses = _statuses(lambda rng, _: [20.0 + (i % 30) // 2 + _noise(rng) for i in range(N)])
    assert "LEAK" not in statuses


def test_leak_with_one_step_in_its_residuals_is_leak() -> None:
    # Seen live: 1 fd per request plus one extra fd late in the run. The residuals' lag-1
    # autocorrelation (0.78) inflated the late half's Mann–Kendall variance eightfold.
    xs = [0.0, 3, 6, 10, 13, 16, 19, 22, 25, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 63, 66, 69,
          72, 75, 78, 81, 84, 87, 89, 92, 95, 98, 99]
    ys = [x + (7 if x < 8 or x in (27.0,) or x > 88 else 6) for x in xs]
    verdict = judge(xs, ys)
    assert verdict.late_p > 0.01
    assert (verdict.status, verdict.slope) == ("LEAK", 1.0)


def test_one_leak_per_request_is_leak_with_slope_one() -> None:
    verdict = judge(list(range(N)), [20.0 + i for i in range(N)])
    assert (verdict.status, verdict.slope, verdict.low, verdict.high) == ("LEAK", 1.0, 1.0, 1.0)
    assert verdict.growth == N - 1


def test_noisy_one_leak_per_request_interval_contains_one() -> None:
    for seed in range(20):
        verdict = judge(list(range(N)), _bernoulli(1.0, seed))
        assert verdict.status == "LEAK"
        assert verdict.low <= 1.0 <= verdict.high


def test_one_leak_per_ten_requests_is_detected() -> None:
    verdicts = [judge(list(range(N)), _bernoulli(0.1, seed)) for seed in range(30)]
    assert sum(v.status == "LEAK" for v in verdicts) >= 28
    assert all(v.status != "NO_LEAK" for v in verdicts)
    assert all(0.05 <= v.slope <= 0.2 and v.low <= v.slope <= v.high for v in verdicts)


def test_slow_leak_with_small_growth_asks_to_run_longer() -> None:
    # One leak per 30 s sampled every 0.5 s for 2 minutes: 4 leaked, under min_growth 5, but the
    # slope interval lies above min_slope 0.02 per second.
    xs = [i * 0.5 for i in range(241)]
    verdict = judge(xs, [20.0 + x // 30 for x in xs])
    assert verdict.low >= 0.02
    assert verdict.status == "INCONCLUSIVE" and "run longer" in verdict.reason


def test_rising_run_with_too_few_late_points_says_so() -> None:
    xs = [0.0, 4, 9, 13, 18, 22, 27, 31, 36, 40]
    verdict = judge(xs, [20.0, 24, 29, 33, 38, 40, 47, 45, 56, 54])
    assert verdict.low >= 0.5
    assert verdict.status == "INCONCLUSIVE" and "only 5 distinct points in the second half" in verdict.reason


def test_sparse_staircase_leak_is_not_refuted() -> None:
    # 12 leaks in 600 requests: most pairwise slopes are 0, so Sen's interval ends below 0.02,
    # but the series gained 9 from its first quarter to its last.
    steps = [0, 22, 37, 82, 149, 267, 279, 327, 382, 481, 496, 587]
    xs = [float(x) for x in range(600)]
    verdict = judge(xs, [20.0 + sum(step <= x for step in steps) for x in xs])
    assert verdict.high < 0.02
    assert verdict.status == "INCONCLUSIVE" and "run longer" in verdict.reason


def test_too_few_points_are_inconclusive() -> None:
    assert judge([0, 1, 2], [1, 2, 3]).status == "INCONCLUSIVE"
    assert judge([5] * 20, list(range(20))).status == "INCONCLUSIVE"


def test_thresholds_scale_for_bytes() -> None:
    limits = Thresholds().scaled(4096)
    assert (limits.min_slope, limits.min_growth) == (0.02 * 4096, 5 * 4096)
    xs = list(range(50))
    assert judge(xs, [1000.0 + 3 * i for i in xs], limits).status == "NO_LEAK"
    assert judge(xs, [1000.0 + 20480 * i for i in xs], limits).status == "LEAK"


def test_autocorrelation_widens_the_interval() -> None:
    xs = list(range(100))
    staircase = [float(i // 10) for i in xs]
    trend = theil_sen(xs, staircase)
    assert trend.r1 > 0.3 and trend.n_eff < trend.n / 2
    assert trend.low < 0.1 < trend.high


def test_helpers() -> None:
    assert lag1_autocorrelation([3.0] * 10) == 0.0
    assert kendall_variance([1.0, 2.0, 3.0]) == 3 * 2 * 11 / 18
    assert kendall_variance([1.0, 1.0, 1.0]) == 0
    assert mann_kendall_p([float(i) for i in range(30)]) < 1e-6
    assert mann_kendall_p([float(-i) for i in range(30)]) > 0.99
    xs, ys = thin(list(range(1000)), list(range(1000)), 400)
    assert len(xs) == 400 and xs[0] == 0 and xs[-1] == 999


@pytest.mark.parametrize("slope", [0.5, 2.0, 7.0])
def test_theil_sen_recovers_exact_slopes(slope: float) -> None:
    xs = [float(i) for i in range(40)]
    assert theil_sen(xs, [3 + slope * x for x in xs]).slope == pytest.approx(slope)
