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
