import pytest

from engrain.errors import EngrainError
from engrain.model.answerer import ClosedBookAnswerer
from engrain.model.generate import Generator
from engrain.model.loading import load_causal_lm, resolve_base_model
from engrain.records import Answerer


def test_closed_book_answer_reports_tokens_and_stage_timings(tiny_model):
    model, tok = load_causal_lm(str(tiny_model))
    a = ClosedBookAnswerer("base", Generator(model, tok, "Be brief.", max_new_tokens=5))
    assert isinstance(a, Answerer)
    ans = a.answer("What port?")
    assert ans.prompt_tokens > 3 and 0 < ans.completion_tokens <= 5
    assert {"prompt", "prefill", "decode", "ttft", "total"} <= set(ans.timings_ms)
    assert ans.timings_ms["total"] >= ans.timings_ms["prefill"]
    # greedy decoding is deterministic
    assert a.answer("What port?").text == ans.text


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EngrainError, match="not found"):
        resolve_base_model(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngrainError, match="config.json"):
        resolve_base_model(str(tmp_path / "empty"))


def test_an_adapter_for_another_base_model_is_one_line(tmp_path, tiny_model):
    from conftest import build_tiny_model
    from peft import LoraConfig, get_peft_model

    other = build_tiny_model(tmp_path / "wider", hidden=32)  # same vocabulary, other shapes
    model, _ = load_causal_lm(str(other))
    get_peft_model(model, LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM")).save_pretrained(
        tmp_path / "ad"
    )
    with pytest.raises(EngrainError, match="trained on another base model"):
        load_causal_lm(str(tiny_model), adapter=tmp_path / "ad")


def test_confidence_is_the_geometric_mean_probability_of_the_greedy_tokens(tiny_model):
    import math

    import torch

    model, tok = load_causal_lm(str(tiny_model))
    gen = Generator(model, tok, "Be brief.", max_new_tokens=5)
    ids = gen.chat_ids("What port?")
    g = gen.generate(ids)
    seq, logps = list(ids), []  # the same greedy decode without a KV cache, probabilities from full passes
    with torch.no_grad():
        for _ in range(g.completion_tokens):
            logp = torch.log_softmax(model(input_ids=torch.tensor([seq])).logits[0, -1].float(), -1)
            seq.append(int(logp.argmax()))
            logps.append(float(logp[seq[-1]]))
    assert 0.0 < g.confidence <= 1.0
    assert g.confidence == pytest.approx(math.exp(sum(logps) / len(logps)), rel=1e-3)


def test_a_memoized_request_runs_once_and_the_clock_replays_its_time(tiny_model):
    import time

    model, tok = load_causal_lm(str(tiny_model))
    gen = Generator(model, tok, "Be brief.", max_new_tokens=5)
    passes = []
    model.register_forward_hook(lambda *_: passes.append(1))
    ids = gen.chat_ids("What port?")
    with gen.memoized():
        first = gen.generate(ids)
        ran, skew = len(passes), gen.clock() - time.perf_counter()
        again = gen.generate(ids)
        assert len(passes) == ran  # no forward pass: replayed
        assert again == first and again is not first
        replayed = gen.clock() - time.perf_counter() - skew
        assert replayed == pytest.approx((first.prefill_ms + first.decode_ms) / 1e3, abs=1e-3)
        gen.generate(ids, on_text=lambda _: None)  # a stream is always generated
        assert len(passes) > ran
    ran = len(passes)
    gen.generate(ids)
    assert len(passes) > ran  # outside the context nothing is replayed


def test_the_second_pipeline_replays_the_first_ones_answers_after_its_own_warm_up(tiny_model):
    from engrain.evaluate import runner
    from engrain.records import EvalItem

    model, tok = load_causal_lm(str(tiny_model))
    gen = Generator(model, tok, "Be brief.", max_new_tokens=5)
    items = [EvalItem(str(i), f"What port does unit {i} use?", ["80"]) for i in range(3)]
    passes = []
    model.register_forward_hook(lambda *_: passes.append(1))
    with gen.memoized():
        first = runner.run(ClosedBookAnswerer("ft", gen), items, warmup=1)
        ran = len(passes)
        second = runner.run(ClosedBookAnswerer("ft+rag", gen), items, warmup=1)
    warm_up = len(passes) - ran  # the warm-up question, generated again (untimed, not memoized)
    assert 0 < warm_up <= 6 and ran > 3 * warm_up
    assert [r["answer"] for r in second] == [r["answer"] for r in first]
    for a, b in zip(first, second):
        assert b["timings_ms"]["prefill"] == a["timings_ms"]["prefill"]
        assert b["timings_ms"]["total"] >= a["timings_ms"]["prefill"] + a["timings_ms"]["decode"]
