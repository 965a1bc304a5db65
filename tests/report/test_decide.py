import pytest

from engrain.errors import EngrainError
from engrain.report.decide import DecisionInputs, decide


def _metrics(ft_acc=0.81, rag_acc=0.74, ft_hal=0.05, rag_hal=0.06, hybrid=None):
    m = {
        "base": {"accuracy": 0.20, "hallucination_rate": 0.60},
        "rag": {"accuracy": rag_acc, "hallucination_rate": rag_hal, "latency_ms": {"mean": 300.0, "p95": 340.0}},
        "ft": {
            "accuracy": ft_acc,
            "hallucination_rate": ft_hal,
            "latency_ms": {"mean": 100.0, "p95": 120.0},
            "significant_vs": {"rag": {"p_value": 0.012, "significant": True}},
        },
    }
    if hybrid is not None:
        m["ft+rag"] = {"accuracy": hybrid, "hallucination_rate": 0.04}
    return m


SLOW = DecisionInputs(change_rate="quarterly", log_months=12, monthly_queries=10_000)


def test_fine_tune_when_all_conditions_hold():
    d = decide(_metrics(), None, SLOW)
    assert d["recommendation"] == "fine-tune"
    text = " ".join(d["reasons"])
    assert "ft accuracy 0.81 vs rag 0.74 (+7.0 pts)" in text
    assert "p=0.012" in text and "120 ms" in text
    assert d["thresholds"]["min_change_months"] == 3 and d["thresholds"]["max_accuracy_gap"] == 0.02
    assert d["what_would_change"]


def test_flips_to_hybrid_when_knowledge_changes_monthly():
    d = decide(_metrics(), None, SLOW.model_copy(update={"change_rate": "monthly"}))
    assert d["recommendation"] == "hybrid"
    assert "monthly" in d["reasons"][0]
    assert decide(_metrics(), None, SLOW.model_copy(update={"change_rate": "yearly"}))["recommendation"] == "fine-tune"


def test_rag_when_ft_quality_falls_short():
    assert decide(_metrics(ft_acc=0.71), None, SLOW)["recommendation"] == "rag"
    assert decide(_metrics(ft_acc=0.73), None, SLOW)["recommendation"] == "fine-tune"  # within 2 pts
    d = decide(_metrics(ft_hal=0.10), None, SLOW)
    assert d["recommendation"] == "rag" and "+4.0 pts" in " ".join(d["what_would_change"])


def test_rag_without_enough_logs():
    d = decide(_metrics(), None, SLOW.model_copy(update={"log_months": 2}))
    assert d["recommendation"] == "rag" and "2 months of logs" in d["reasons"][0]
    assert decide(_metrics(), None, DecisionInputs(log_months=2, min_log_months=0))["recommendation"] == "fine-tune"


def test_hybrid_when_ft_plus_rag_clearly_best():
    assert decide(_metrics(hybrid=0.90), None, SLOW)["recommendation"] == "hybrid"
    assert decide(_metrics(hybrid=0.82), None, SLOW)["recommendation"] == "fine-tune"


def test_cost_rule():
    cheap = {
        "ft_monthly": 30.0,
        "rag_monthly": 40.0,
        "break_even_month": 4,
        "crossover_queries": 0.0,
        "ft_cheaper_when": "always",
    }
    dear = {
        "ft_monthly": 43.3,
        "rag_monthly": 40.0,
        "break_even_month": None,
        "crossover_queries": 11667.0,
        "ft_cheaper_when": "above",
    }
    d = decide(_metrics(), cheap, SLOW)
    assert d["recommendation"] == "fine-tune" and "break-even in month 4" in " ".join(d["reasons"])
    d = decide(_metrics(), dear, SLOW)
    assert d["recommendation"] == "rag"
    assert any("above 11,667 queries/month" in s for s in d["what_would_change"])


def test_missing_pipeline_is_an_error():
    m = _metrics()
    del m["ft"]
    with pytest.raises(EngrainError, match="ft"):
        decide(m, None, SLOW)


def test_inputs_validate():
    with pytest.raises(ValueError):
        DecisionInputs(change_rate="weekly")
    with pytest.raises(ValueError):
        DecisionInputs(surprise=1)


def _tie(metrics: dict, x: str, y: str, b01: int = 6, b10: int = 10, n: int = 120) -> dict:
    """Record a paired test between x and y that did not find their gap."""
    t = {"a": x, "b": y, "b01": b01, "b10": b10, "n": n, "p_value": 0.45, "significant": False}
    metrics[x].setdefault("significant_vs", {})[y] = t
    metrics[y].setdefault("significant_vs", {})[x] = t
    return metrics


def test_a_tie_on_accuracy_is_decided_by_latency_and_cost_and_says_so():
    d = decide(_tie(_metrics(ft_acc=0.75, rag_acc=0.70), "ft", "rag"), None, SLOW)
    assert d["recommendation"] == "fine-tune" and "tie on accuracy" in d["reasons"][0] and "faster" in d["reasons"][0]
    text = " ".join(d["reasons"])
    assert "not significant" in text and "questions (now 120) would settle" in text
    assert (
        d["comparisons"][0] | {"p_value": 0}
        == {
            "a": "ft",
            "b": "rag",
            "gap_pts": 5.0,
            "p_value": 0,
            "significant": False,
            "n": 120,
            "questions_to_settle": d["comparisons"][0]["questions_to_settle"],
        }
        and d["comparisons"][0]["questions_to_settle"] > 120
    )
    slow = _tie(_metrics(ft_acc=0.75, rag_acc=0.70), "ft", "rag")
    slow["ft"]["latency_ms"] = {"mean": 500.0, "p95": 600.0}
    d = decide(slow, None, SLOW)  # ft neither faster nor (no costs given) cheaper: rag stays
    assert d["recommendation"] == "rag" and "neither faster nor cheaper" in d["reasons"][0]
    assert "significant ft lead" in d["what_would_change"][0]


def test_a_gap_the_test_calls_a_tie_neither_rules_ft_out_nor_makes_a_hybrid_win():
    behind = _tie(_metrics(ft_acc=0.64, rag_acc=0.70), "ft", "rag")  # 6 pts behind, but not significantly
    assert decide(behind, None, SLOW)["recommendation"] == "fine-tune"  # faster, and level as far as n tells
    lead = _tie(_metrics(hybrid=0.90), "ft+rag", "ft")  # 9 pts ahead of ft, not significantly
    d = decide(lead, None, SLOW)
    assert d["recommendation"] == "fine-tune" and "ft+rag vs ft: McNemar p=0.45 (not significant" in " ".join(
        d["reasons"]
    )
    lead["ft+rag"]["significant_vs"]["ft"] = lead["ft"]["significant_vs"]["ft+rag"] = {"p_value": 0.01}
    assert decide(lead, None, SLOW)["recommendation"] == "hybrid"
