import math
from types import SimpleNamespace

import pytest
import torch

from engrain.evaluate.forgetting import forgetting_check, general_text, perplexity
from engrain.model.loading import load_causal_lm


@pytest.fixture(scope="module")
def base(tiny_model):
    return load_causal_lm(str(tiny_model))


@pytest.fixture(scope="module")
def trained(tiny_model):
    """The tiny model after ~30 Adam steps on the general text: a stand-in for a fine-tune."""
    model, tok = load_causal_lm(str(tiny_model))
    ids = torch.tensor(tok(general_text(), add_special_tokens=False)["input_ids"])
    g = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(30):
        starts = torch.randint(0, len(ids) - 128, (8,), generator=g)
        batch = torch.stack([ids[s : s + 128] for s in starts]).to(model.device)
        model(input_ids=batch, labels=batch).loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    return model, tok


class Bigram(torch.nn.Module):
    """Logits depend only on the current token, so each token's NLL ignores context:
    any correct windowing must give exactly the full-sequence perplexity."""

    def __init__(self, vocab: int):
        super().__init__()
        torch.manual_seed(0)
        self.table = torch.nn.Embedding(vocab, vocab)

    def forward(self, input_ids):
        return SimpleNamespace(logits=self.table(input_ids))


def test_general_text_is_long_enough():
    text = general_text()
    assert len(text.split()) > 1000
    assert "Kestrel" not in text and "firmware" not in text.lower()


def test_random_model_perplexity_is_about_vocab_size(base):
    model, tok = base
    ppl = perplexity(model, tok, general_text())
    assert math.isfinite(ppl) and ppl > 1
    # Near-zero logits at init mean a near-uniform guess over the 400-token vocabulary.
    assert 0.75 * len(tok) < ppl < 1.25 * len(tok)


def test_whole_text_in_one_window_matches_hf_loss(base):
    model, tok = base
    text = general_text()[:400]
    ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        expected = math.exp(model(input_ids=ids, labels=ids).loss.item())
    assert perplexity(model, tok, text, window=1024) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("window,stride", [(64, 32), (64, 17), (50, 49), (128, 127)])
def test_sliding_window_scores_every_token_once(base, window, stride):
    _, tok = base
    model = Bigram(len(tok))
    text = general_text()[:1500]
    full = perplexity(model, tok, text, window=100_000)
    assert perplexity(model, tok, text, window=window, stride=stride) == pytest.approx(full, rel=1e-5)


def test_bad_arguments(base):
    model, tok = base
    with pytest.raises(ValueError):
        perplexity(model, tok, general_text(), window=64, stride=128)
    with pytest.raises(ValueError):
        perplexity(model, tok, "")


def test_training_on_the_text_lowers_its_perplexity(base, trained):
    text = general_text()
    assert perplexity(*trained, text) < 0.5 * perplexity(*base, text)


def test_forgetting_check_reports_ratio(base, trained):
    result = forgetting_check(base[0], trained[0], base[1])
    assert set(result) == {"text_tokens", "base_ppl", "ft_ppl", "ratio"}
    assert result["text_tokens"] > 1000
    assert result["ratio"] == round(result["ft_ppl"] / result["base_ppl"], 4)
    assert result["ratio"] < 1  # trained on this very text, so it got better, not worse
    assert result["base_ppl"] == pytest.approx(perplexity(*base, general_text()))


def test_model_training_mode_is_restored(trained):
    model, tok = trained
    model.train()
    perplexity(model, tok, "a short general sentence about the weather")
    assert model.training
    model.eval()
