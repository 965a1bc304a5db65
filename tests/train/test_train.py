import json

import pytest
from samples import EXAMPLES
from samples import train_cfg as _cfg

from engrain.model.loading import load_causal_lm, native_bf16
from engrain.records import EvalItem, Example
from engrain.train.data import IGNORE, encode
from engrain.train.trainer import train


def test_chat_examples_learn_only_the_answer(tiny_model):
    _, tok = load_causal_lm(str(tiny_model))
    ex = Example("qa", messages=[{"role": "user", "content": "port?"}, {"role": "assistant", "content": "port 7418"}])
    enc = encode(ex, tok, "Be brief.", 256)
    learned = [t for t, lab in zip(enc["input_ids"], enc["labels"]) if lab != IGNORE]
    assert tok.decode(learned) == "port 7418" + tok.eos_token
    view = encode(Example("view", text="The DL-40 logs."), tok, "", 256)
    assert view["labels"] == view["input_ids"]


def test_lora_training_lowers_loss_and_writes_an_adapter(tiny_model, tmp_path):
    res = train(
        _cfg(tiny_model),
        EXAMPLES,
        [EvalItem("d", "What port?", ["7418"])],
        tmp_path,
        tmp_path / "model",
        progress=False,
    )
    conf = json.loads((tmp_path / "model" / "adapter_config.json").read_text())
    assert conf["target_modules"] == sorted(conf["target_modules"])  # the same files from every process
    assert not (tmp_path / "checkpoints").exists()
    losses = [p["loss"] for p in res.loss_curve]
    assert losses[-1] < losses[0]
    assert res.dev_curve and res.best_step is not None
    assert res.tokens > 0 and res.peak_rss_mb > 0
    load_causal_lm(str(tiny_model), adapter=tmp_path / "model")  # the adapter loads back


def test_full_training_writes_a_whole_model(tiny_model, tmp_path):
    res = train(_cfg(tiny_model, "full"), EXAMPLES[:8], [], tmp_path, tmp_path / "model", progress=False)
    assert (tmp_path / "model" / "config.json").exists()
    assert res.best_step is None


def test_training_is_reproducible(tiny_model, tmp_path):
    a = train(_cfg(tiny_model), EXAMPLES[:8], [], tmp_path / "a", tmp_path / "a" / "model", progress=False)
    b = train(_cfg(tiny_model), EXAMPLES[:8], [], tmp_path / "b", tmp_path / "b" / "model", progress=False)
    assert [p["loss"] for p in a.loss_curve] == [p["loss"] for p in b.loss_curve]


def test_a_training_seed_draws_another_run_and_defaults_to_the_project_seed(tiny_model, tmp_path):
    def run(seed: int | None, name: str):
        cfg = _cfg(tiny_model)
        cfg.train.seed = seed
        return train(cfg, EXAMPLES[:8], [], tmp_path / name, tmp_path / name / "model", progress=False)

    default, same, other = run(None, "a"), run(0, "b"), run(1, "c")
    curve = lambda r: [p["loss"] for p in r.loss_curve]
    assert curve(same) == curve(default) and (same.seed, default.seed) == (0, 0)
    assert curve(other) != curve(default) and other.seed == 1


def test_shuffled_batches_train_another_order_of_the_same_examples(tiny_model, tmp_path):
    from samples import MIXED

    grouped, shuffled = _cfg(tiny_model), _cfg(tiny_model)
    shuffled.train.batch_order = "shuffled"
    a = train(grouped, MIXED, [], tmp_path / "a", tmp_path / "a" / "model", progress=False)
    b = train(shuffled, MIXED, [], tmp_path / "b", tmp_path / "b" / "model", progress=False)
    assert (a.steps, a.tokens) == (b.steps, b.tokens)  # every example, once per epoch, in both
    assert [p["loss"] for p in a.loss_curve] != [p["loss"] for p in b.loss_curve]


def test_long_chat_examples_keep_their_answer_when_truncated(tiny_model):
    _, tok = load_causal_lm(str(tiny_model))
    long_prompt = "passage " * 400
    ex = Example(
        "raft", messages=[{"role": "user", "content": long_prompt}, {"role": "assistant", "content": "port 7418"}]
    )
    enc = encode(ex, tok, "Be brief.", 64)
    assert enc["truncated"] and len(enc["input_ids"]) <= 64
    learned = [t for t, lab in zip(enc["input_ids"], enc["labels"]) if lab != IGNORE]
    assert tok.decode(learned) == "port 7418" + tok.eos_token


def test_dev_selection_never_prefers_a_model_that_refuses_everything():
    from engrain.train.trainer import dev_score

    refuse_all = dev_score({"lookup": [False] * 6, "unanswerable": [True] * 6})
    never_refuses = dev_score({"lookup": [True] * 6, "unanswerable": [False] * 6})
    mixed = dev_score({"lookup": [True, False] * 3, "unanswerable": [True, False] * 3})
    assert refuse_all == never_refuses == 0.0 and mixed == 0.5
    # plain accuracy otherwise: many lookups won beat a few refusals lost
    assert dev_score({"lookup": [True] * 26, "unanswerable": [True] * 10 + [False] * 12}) > dev_score(
        {"lookup": [True] * 19 + [False] * 7, "unanswerable": [True] * 13 + [False] * 9}
    )
    assert dev_score({}) == 0.0


def test_a_batch_run_in_parts_takes_the_same_step(tiny_model, tmp_path):
    from samples import MIXED

    whole, parts = _cfg(tiny_model), _cfg(tiny_model)
    parts.train.max_batch_tokens = 16  # every example its own forward pass
    a = train(whole, MIXED, [], tmp_path / "a", tmp_path / "a" / "model", progress=False)
    b = train(parts, MIXED, [], tmp_path / "b", tmp_path / "b" / "model", progress=False)
    assert [round(p["loss"], 3) for p in a.loss_curve] == [round(p["loss"], 3) for p in b.loss_curve]


@pytest.mark.skipif(not native_bf16(), reason="this CPU has no native bf16")
def test_bf16_autocast_trains_where_the_cpu_has_it(tiny_model, tmp_path):
    cfg = _cfg(tiny_model)
    cfg.train.bf16 = "on"
    r = train(cfg, EXAMPLES, [EvalItem("d", "What port?", ["7418"])], tmp_path, tmp_path / "model", progress=False)
    assert r.bf16 and r.loss_curve[-1]["loss"] < r.loss_curve[0]["loss"]
    assert r.dev_curve  # dev answers are generated under the same autocast


@pytest.mark.skipif(not native_bf16(), reason="this CPU has no native bf16")
def test_bf16_frozen_weights_take_the_same_steps_as_autocast_casting_them(tiny_model, tmp_path, monkeypatch):
    from engrain.train import trainer

    cfg = _cfg(tiny_model)
    cfg.train.bf16 = "on"
    stored = train(cfg, EXAMPLES[:8], [], tmp_path / "a", tmp_path / "a" / "model", progress=False)
    monkeypatch.setattr(trainer, "_frozen_linears_to_bf16", lambda model: None)  # fp32 weights, cast per pass
    cast = train(cfg, EXAMPLES[:8], [], tmp_path / "b", tmp_path / "b" / "model", progress=False)
    assert [p["loss"] for p in stored.loss_curve] == [p["loss"] for p in cast.loss_curve]


def test_plain_attention_for_short_rows_trains_like_the_flash_kernel(tiny_model, tmp_path, monkeypatch):
    from engrain.train import trainer

    plain = train(_cfg(tiny_model), EXAMPLES[:8], [], tmp_path / "a", tmp_path / "a" / "model", progress=False)
    monkeypatch.setattr(trainer, "MATH_ATTENTION_MAX_LEN", 0)  # every row through the flash kernel
    flash = train(_cfg(tiny_model), EXAMPLES[:8], [], tmp_path / "b", tmp_path / "b" / "model", progress=False)
    assert [round(p["loss"], 4) for p in plain.loss_curve] == [round(p["loss"], 4) for p in flash.loss_curve]


def test_plain_attention_is_chosen_for_short_rows_on_cpu_only(monkeypatch):
    import contextlib

    import torch

    from engrain.train.trainer import MATH_ATTENTION_MAX_LEN, _attention_for

    short = {"input_ids": torch.zeros(2, MATH_ATTENTION_MAX_LEN, dtype=torch.long)}
    long = {"input_ids": torch.zeros(2, MATH_ATTENTION_MAX_LEN + 1, dtype=torch.long)}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert isinstance(_attention_for(long), contextlib.nullcontext)
    assert not isinstance(_attention_for(short), contextlib.nullcontext)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a GPU keeps its kernels
    assert isinstance(_attention_for(short), contextlib.nullcontext)


def test_the_progress_bar_counts_the_plans_seconds_so_long_steps_move_it_further():
    from engrain.train.trainer import _ProgressBar

    bar = _ProgressBar(False, [1.0, 1.0, 8.0], start=1)
    assert bar.done == [0.0, 1.0, 2.0, 10.0] and bar.done[bar.start] == 1.0
