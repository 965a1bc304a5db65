import math

import numpy as np
import pytest

from engrain.evaluate.stats import bootstrap_ci, mcnemar, percentiles


def _pairs(b01, b10, both=5, neither=3):
    a = [False] * b01 + [True] * b10 + [True] * both + [False] * neither
    b = [True] * b01 + [False] * b10 + [True] * both + [False] * neither
    return a, b


def test_mcnemar_exact_known_value():
    r = mcnemar(*_pairs(10, 2))
    assert (r["b01"], r["b10"], r["test"]) == (10, 2, "exact")
    assert r["p_value"] == pytest.approx(2 * 79 / 4096) and r["p_value"] == pytest.approx(0.0386, abs=1e-4)
    assert r["significant"]
    assert mcnemar(*_pairs(2, 10))["p_value"] == pytest.approx(r["p_value"])


def test_mcnemar_chi2_branch():
    r = mcnemar(*_pairs(30, 10))
    assert r["test"] == "chi2"
    assert r["statistic"] == pytest.approx(19**2 / 40)
    assert r["p_value"] == pytest.approx(0.002663, abs=2e-6)


def test_mcnemar_edge_cases():
    r = mcnemar([True, False], [True, False])
    assert r["p_value"] == 1.0 and not r["significant"]
    assert mcnemar(*_pairs(3, 3))["p_value"] == 1.0
    with pytest.raises(ValueError):
        mcnemar([True], [True, False])


def test_bootstrap_contains_mean_and_narrows():
    rng = np.random.default_rng(1)
    small = rng.random(50) < 0.6
    large = rng.random(2000) < 0.6
    m, lo, hi = bootstrap_ci(small)
    assert lo <= m <= hi and m == pytest.approx(small.mean())
    m2, lo2, hi2 = bootstrap_ci(large)
    assert lo2 <= m2 <= hi2
    assert (hi2 - lo2) < (hi - lo) / 3
    # normal approximation for a proportion: half-width ~ 1.96 * sqrt(p(1-p)/n)
    assert (hi2 - lo2) / 2 == pytest.approx(1.96 * math.sqrt(m2 * (1 - m2) / 2000), rel=0.15)


def test_bootstrap_seeded_and_degenerate():
    vals = [0.0, 1.0, 1.0, 0.0, 1.0]
    assert bootstrap_ci(vals, seed=3) == bootstrap_ci(vals, seed=3)
    assert bootstrap_ci([0.7] * 10) == pytest.approx((0.7, 0.7, 0.7))
    with pytest.raises(ValueError):
        bootstrap_ci([])


def test_bootstrap_chunking_does_not_change_result(monkeypatch):
    import engrain.evaluate.stats as st

    x = np.random.default_rng(0).random(1000)
    whole = bootstrap_ci(x, n_boot=500)
    monkeypatch.setattr(st, "_MAX_CELLS", 7000)  # 7 resamples per chunk, last one partial
    assert bootstrap_ci(x, n_boot=500) == whole


def test_percentiles():
    p = percentiles(range(1, 101))
    assert p == pytest.approx({"mean": 50.5, "p50": 50.5, "p95": 95.05, "p99": 99.01})
    with pytest.raises(ValueError):
        percentiles([])


def test_questions_to_settle_a_gap():
    from engrain.evaluate.stats import questions_to_settle

    # 20 disagreements in 100 questions, 14 one way and 6 the other: a gap of 8 points
    n = questions_to_settle(6, 14, 100)
    assert n == 243  # (1.96 x sqrt(0.2) + 0.8416 x sqrt(0.1936))^2 / 0.0064 = 242.9, rounded up
    assert questions_to_settle(3, 7, 50) == n == questions_to_settle(14, 6, 100)  # the rates set it, not n
    assert questions_to_settle(8, 12, 100) > n  # a smaller gap takes more questions
    assert questions_to_settle(5, 5, 100) is None and questions_to_settle(0, 0, 0) is None
    # at the size it names, the observed rates make the test significant
    scale = n / 100
    assert mcnemar(*_pairs(round(6 * scale), round(14 * scale)))["significant"]
