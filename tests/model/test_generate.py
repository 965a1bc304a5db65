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
    from peft import LoraConfig, get_peft_model

    from conftest import build_tiny_model

    other = build_tiny_model(tmp_path / "wider", hidden=32)  # same vocabulary, other shapes
    model, _ = load_causal_lm(str(other))
    get_peft_model(model, LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM")).save_pretrained(tmp_path / "ad")
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
