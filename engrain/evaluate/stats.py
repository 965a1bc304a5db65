"""Uncertainty for small eval sets: bootstrap intervals, McNemar's paired test, percentiles.

Eval sets here are a few hundred questions, so a 3-point accuracy gap can be noise. The
report quotes intervals and a paired test (both pipelines answer the same questions)
rather than bare means. No scipy: the tails are computed with `math`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

_MAX_CELLS = 4_000_000  # resampled values held in memory at once


def bootstrap_ci(
    values: Sequence[float], n_boot: int = 2000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """(mean, lo, hi): percentile bootstrap interval of the mean, seeded and vectorised.

    Resamples are drawn in chunks so large eval sets do not allocate n_boot x n at once.
    Raises ValueError on an empty sequence (there is no mean to report).
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("bootstrap_ci needs at least one value")
    if n_boot < 1 or not 0 < alpha < 1:
        raise ValueError("bootstrap_ci needs n_boot >= 1 and 0 < alpha < 1")
    rng = np.random.default_rng(seed)
    rows = max(1, _MAX_CELLS // x.size)
    means = np.concatenate(
        [x[rng.integers(0, x.size, size=(min(rows, n_boot - i), x.size))].mean(axis=1) for i in range(0, n_boot, rows)]
    )
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(x.mean()), float(lo), float(hi)


def mcnemar(a: Sequence[bool], b: Sequence[bool]) -> dict:
    """McNemar's test on paired correctness of two pipelines over the same questions.

    b01 = a wrong and b right; b10 = a right and b wrong. Only discordant pairs matter.
    With b01 + b10 < 25 the exact two-sided binomial p is used (the chi-square
    approximation is poor there); otherwise chi-square with continuity correction, 1 dof.
    """
    if len(a) != len(b):
        raise ValueError(f"mcnemar needs paired results; got {len(a)} and {len(b)}")
    b01 = sum(1 for x, y in zip(a, b) if not x and y)
    b10 = sum(1 for x, y in zip(a, b) if x and not y)
    n = b01 + b10
    if n == 0:
        p, test, stat = 1.0, "exact", 0.0
    elif n < 25:
        tail = sum(math.comb(n, k) for k in range(min(b01, b10) + 1)) / 2**n
        p, test, stat = min(1.0, 2 * tail), "exact", float(min(b01, b10))
    else:
        stat = (abs(b01 - b10) - 1) ** 2 / n
        p, test = math.erfc(math.sqrt(stat / 2)), "chi2"  # chi-square(1) survival function
    return {"b01": b01, "b10": b10, "statistic": stat, "test": test, "p_value": p, "significant": p < 0.05}


def questions_to_settle(b01: int, b10: int, n: int, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """Paired questions McNemar's test needs to call a gap of the observed size significant (at `alpha`)
    with probability `power`, when disagreements keep their observed rate (Connor, 1987). None when the
    two pipelines are level: no number of questions settles a gap of zero."""
    if n <= 0 or b01 == b10:
        return None
    disagree, gap = (b01 + b10) / n, abs(b01 - b10) / n
    z_alpha, z_power = NormalDist().inv_cdf(1 - alpha / 2), NormalDist().inv_cdf(power)
    root = z_alpha * math.sqrt(disagree) + z_power * math.sqrt(max(disagree - gap * gap, 0.0))
    return math.ceil(root * root / (gap * gap))


def percentiles(values: Sequence[float]) -> dict:
    """mean, p50, p95, p99 of e.g. latencies (linear interpolation). ValueError if empty."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("percentiles needs at least one value")
    p50, p95, p99 = np.percentile(x, [50, 95, 99])
    return {"mean": float(x.mean()), "p50": float(p50), "p95": float(p95), "p99": float(p99)}
