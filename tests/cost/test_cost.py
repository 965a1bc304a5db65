import pytest

from engrain.cost import (
    PipelineCost,
    PriceBook,
    break_even,
    index_cost,
    load_pricebook,
    monthly_costs,
    pipeline_costs,
    query_cost,
    training_cost,
    write_default_pricebook,
)
from engrain.errors import EngrainError


def test_pricebook_roundtrip(tmp_path):
    path = write_default_pricebook(tmp_path / "prices.toml")
    text = path.read_text()
    assert "# Cost of each retraining as a multiple" in text
    assert load_pricebook(path) == PriceBook()
    assert load_pricebook(None) == PriceBook()


def test_pricebook_errors_are_one_line(tmp_path):
    with pytest.raises(EngrainError, match="not found"):
        load_pricebook(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    for body, pattern in [
        ("gpu_hour_price = -1", "gpu_hour_price"),
        ("typo_price = 1", "typo_price"),
        ("x = ", "TOML"),
    ]:
        bad.write_text(body)
        with pytest.raises(EngrainError, match=pattern) as e:
            load_pricebook(bad)
        assert "\n" not in str(e.value)


def test_partial_pricebook(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('currency = "EUR"\nretrain_cost_factor = 0.5\n')
    pb = load_pricebook(p)
    assert pb.currency == "EUR" and pb.retrain_cost_factor == 0.5 and pb.gpu_hour_price == PriceBook().gpu_hour_price


def test_retraining_cadence_is_a_setting_not_a_price(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text("retrain_months = 12\n")
    with pytest.raises(EngrainError, match="cost.change_rate"):
        load_pricebook(p)


PRICES = PriceBook(
    serving_input_per_1k=0.001,
    serving_output_per_1k=0.002,
    embedding_per_1k=0.0001,
    vector_query_per_1k=0.5,
    gpu_hour_price=3.0,
    train_per_1k_tokens=0.01,
)


def test_query_and_training_cost():
    assert query_cost(PRICES, 1000, 100) == pytest.approx(0.0012)
    assert query_cost(PRICES, 1000, 100, retrieved=True, embed_tokens=10) == pytest.approx(0.0012 + 0.000001 + 0.0005)
    assert training_cost(PRICES, 200_000, 1800) == pytest.approx(2.0 + 1.5)
    assert index_cost(PRICES, 50_000) == pytest.approx(0.005)
    with pytest.raises(ValueError):
        query_cost(PRICES, -1, 0)


def test_monthly_costs_retrain_schedule():
    p = PipelineCost(per_query=0.0, fixed_monthly=1.0, upfront=10.0, recurring=100.0, every_months=3)
    # retraining is paid at the start of months 4 and 7
    assert monthly_costs(p, 0, 7) == [10, 11, 12, 13, 114, 115, 116, 217]


def test_break_even_hand_computed():
    ft = PipelineCost(per_query=0.001, upfront=100.0)
    rag = PipelineCost(per_query=0.003, fixed_monthly=10.0)
    r = break_even(ft, rag, monthly_queries=10_000, months=12)
    # ft: 100, 110, 120, 130, 140 ...; rag: 0, 40, 80, 120, 160 ...
    assert r.ft_cumulative[:5] == pytest.approx([100, 110, 120, 130, 140])
    assert r.rag_cumulative[:5] == pytest.approx([0, 40, 80, 120, 160])
    assert r.break_even_month == 4
    assert r.ft_monthly == pytest.approx(10) and r.rag_monthly == pytest.approx(40)
    assert r.ft_cheaper_when == "always" and r.crossover_queries == 0.0


def test_break_even_with_retraining_never_pays_at_low_volume():
    ft = PipelineCost(per_query=0.001, upfront=100.0, recurring=100.0, every_months=3)
    rag = PipelineCost(per_query=0.003, fixed_monthly=10.0)
    r = break_even(ft, rag, monthly_queries=10_000, months=36)
    assert r.break_even_month is None
    # steady state: 100/3 + 0.001 Q = 10 + 0.003 Q  ->  Q = (100/3 - 10) / 0.002
    assert r.ft_cheaper_when == "above"
    assert r.crossover_queries == pytest.approx((100 / 3 - 10) / 0.002)
    high = break_even(ft, rag, monthly_queries=50_000, months=36)
    assert high.break_even_month is not None and high.ft_monthly < high.rag_monthly


def test_break_even_edge_cases():
    same = PipelineCost(per_query=0.002, fixed_monthly=5.0)
    r = break_even(same, same, 1000, months=6)
    assert r.break_even_month == 1 and r.ft_cheaper_when == "always" and r.crossover_queries is None
    r = break_even(PipelineCost(0.002, fixed_monthly=6.0), same, 1000, months=6)
    assert r.break_even_month is None and r.ft_cheaper_when == "never" and r.crossover_queries is None
    # ft dearer per query but no fixed fee: cheaper only at low volume
    r = break_even(PipelineCost(0.004), same, 1000, months=6)
    assert r.ft_cheaper_when == "below" and r.crossover_queries == pytest.approx(2500)
    r = break_even(PipelineCost(0.004, fixed_monthly=5.0), same, 1000, months=6)
    assert r.ft_cheaper_when == "never" and r.crossover_queries is None
    assert break_even(same, same, 0, months=1).to_dict()["horizon_months"] == 1
    with pytest.raises(ValueError):
        break_even(same, same, 10, months=0)


def test_pipeline_costs_from_pricebook():
    pb = PriceBook(vector_store_monthly=20.0, rag_fixed_monthly=5.0, ft_fixed_monthly=1.0, retrain_cost_factor=0.5)
    ft, rag = pipeline_costs(pb, 0.001, 0.003, train_cost=40.0, index=2.0, retrain_every_months=6)
    assert ft == PipelineCost(0.001, 1.0, 40.0, 20.0, 6)
    assert rag == PipelineCost(0.003, 25.0, 2.0)
