"""The plan: tokens by kind, every step priced, the budget kept, a long run announced."""

from __future__ import annotations

import pytest
from samples import EXAMPLES, MIXED

from engrain.config import EngrainConfig
from engrain.plan import estimate, speed
from engrain.plan.speed import Speed
from engrain.records import Example
from engrain.train import schedule

FAST = Speed(
    step_overhead_s=0.5,
    token_s=0.01,
    attention_s=1e-5,
    target_s=0.002,
    prefill_s=0.2,
    read_prefill_s=1.0,
    decode_s=0.05,
    params=1_000_000,
    machine="test",
    measured="now",
)


@pytest.fixture
def fast(monkeypatch) -> Speed:
    """The FAST prices, taken as they are (no timing of the corpus's own batches)."""
    monkeypatch.setattr(estimate, "speed", lambda *a, **k: FAST)
    monkeypatch.setattr(estimate, "on_corpus", lambda *a, **k: 1.0)
    return FAST


def _cfg(tiny_model, budget: str = "none") -> EngrainConfig:
    cfg = EngrainConfig(seed=0)
    cfg.model.base, cfg.model.max_new_tokens = str(tiny_model), 4
    cfg.train.batch_size, cfg.train.epochs, cfg.train.budget, cfg.train.bf16 = 4, 2.0, budget, "off"
    return cfg


def _examples() -> list[Example]:
    return list(MIXED) + list(EXAMPLES[:4])


def test_every_step_of_the_schedule_is_priced_and_the_whole_recipe_fits_without_a_budget(tiny_model, fast):
    cfg, ex = _cfg(tiny_model), _examples()
    plan = estimate.make_plan(cfg, ex, dev_questions=8, eval_questions=10, say=lambda _: None)
    lengths, _ = speed.shapes(cfg, ex)
    steps = schedule.build(lengths, [e.kind for e in ex], [], 2.0, 4, 1, 0).total_steps
    assert plan.steps == steps == len(plan.step_costs) and plan.selection.complete
    assert plan.train_s == pytest.approx(sum(plan.step_costs)) and all(
        c > FAST.step_overhead_s for c in plan.step_costs
    )
    assert sum(v["tokens"] for v in plan.by_kind.values()) == sum(lengths)
    assert plan.by_kind["view"]["examples"] == 3 and plan.eval_s > 10 * (FAST.answer_s(4) + FAST.read_s(4))
    assert plan.gpu_train_s < plan.train_s


def test_a_time_budget_trains_what_fits_and_says_what_it_left_out(tiny_model, fast):
    full = estimate.make_plan(_cfg(tiny_model), _examples(), 0, 0, say=lambda _: None)
    cfg = _cfg(tiny_model, budget=f"{full.train_s / 2:.0f}s")
    half = estimate.make_plan(cfg, _examples(), 0, 0, say=lambda _: None)
    assert not half.selection.complete and half.train_s < full.train_s
    assert half.train_s <= 1.25 * full.train_s / 2  # kept, within the fit of the speed model
    lines = estimate.describe(half)
    assert any(line.startswith(f"plan: budget {cfg.train.budget}:") for line in lines)


def test_a_run_over_an_hour_says_so_and_names_the_setting_that_shortens_it(tiny_model, monkeypatch):
    slow = Speed(**{**FAST.__dict__, "step_overhead_s": 2000.0})
    monkeypatch.setattr(estimate, "speed", lambda *a, **k: slow)
    monkeypatch.setattr(estimate, "on_corpus", lambda *a, **k: 1.0)
    lines = estimate.describe(estimate.make_plan(_cfg(tiny_model), _examples(), 0, 0, say=lambda _: None))
    assert "over an hour" in lines[-1] and "train.budget" in lines[-1]


def test_the_fit_is_checked_on_the_corpus_own_batches_once_per_plan(tiny_model, monkeypatch):
    monkeypatch.setattr(estimate, "speed", lambda *a, **k: FAST)
    cfg, ex = _cfg(tiny_model), _examples()
    checked = estimate.make_plan(cfg, ex, 0, 0, say=lambda _: None)
    # FAST prices a tiny model's step at half a second: its real steps take a small share of that
    assert 0 < checked.speed.on_corpus < 0.5 and checked.to_dict()["on_corpus"] == checked.speed.on_corpus
    unchecked = estimate.make_plan(cfg, ex, 0, 0, say=lambda _: None, corpus_ratio=1.0)
    assert checked.train_s == pytest.approx(unchecked.train_s * checked.speed.on_corpus)
    assert "x1.00 on this corpus's own batches" in estimate.describe(unchecked)[2]


def test_the_speed_is_measured_once_per_machine_model_and_settings(tiny_model):
    cfg = _cfg(tiny_model)
    said: list[str] = []
    first = speed.speed(cfg, said.append)
    assert (
        not first.cached
        and said
        and first.step_seconds((1000, 10**5, 100)) > 0
        and first.answer_s(10) > first.prefill_s > 0
    )
    assert first.params > 0
    again = speed.speed(cfg, said.append)
    assert again.cached and again.token_s == first.token_s and len(said) == 1
    cfg.train.lora_r = 4  # another setting: another measurement
    assert speed.cached(cfg) is None


def test_finished_runs_correct_the_plans_that_follow(tiny_model):
    cfg = _cfg(tiny_model)
    cfg.train.lora_r = 8  # its own cache entry
    first = speed.speed(cfg, lambda _: None)
    shape = (1000, 10**5, 100)
    speed.observe(cfg, planned_s=100.0, taken_s=130.0)
    speed.observe(cfg, planned_s=100.0 * 1.3, taken_s=120.0)  # planned with the correction: 100 uncorrected
    again = speed.cached(cfg)
    assert again.observed == [1.3, 1.2] and again.correction == pytest.approx(1.25)
    assert again.step_seconds(shape) == pytest.approx(first.step_seconds(shape) * 1.25)


def test_the_eval_estimate_counts_what_is_left_to_answer_and_the_batches(tiny_model, fast):
    cfg, ex = _cfg(tiny_model), _examples()
    cfg.eval.throughput_queries = 0

    def plan(questions: int = 100, **kw) -> estimate.Plan:
        return estimate.make_plan(cfg, ex, 0, questions, say=lambda _: None, **kw)

    every, tuned = plan(), plan(still_to_answer=["ft", "ft+rag", "auto"])  # base and rag answered before training
    assert 0 < tuned.eval_s < every.eval_s and plan(still_to_answer=[]).eval_s == 0
    cfg.eval.batch = 1
    assert plan().eval_s > 1.8 * every.eval_s  # one at a time: 100 answers at full price instead of 16
    none = plan(questions=0)  # retrain's plan: nothing to evaluate in it
    assert none.eval_s == 0 and "eval of" not in estimate.describe(none)[1]
