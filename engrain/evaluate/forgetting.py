"""The forgetting check: what did specialisation cost on ordinary text?

Fine-tuning a small model on a narrow corpus can quietly damage its general language
ability. We measure that as perplexity on a fixed general-domain sample shipped with the
package (`engrain/data/general_text.txt`, original prose about everyday science, history,
cooking, sport and health), scored by the base and the fine-tuned model with the same
tokenizer. A ratio ft/base near 1 means little was lost; well above 1 means forgetting.
"""

from __future__ import annotations

import math
from importlib import resources

GENERAL_TEXT = "general_text.txt"


def general_text() -> str:
    """The shipped general-domain sample; read via importlib.resources so it works from a wheel."""
    return (resources.files("engrain") / "data" / GENERAL_TEXT).read_text(encoding="utf-8")


def _token_ids(tokenizer, text: str) -> list[int]:
    # No special tokens: a BOS/EOS would be scored as if it were part of the prose.
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def perplexity(model, tokenizer, text: str, window: int = 256, stride: int = 256) -> float:
    """exp(mean NLL) of `text` under a causal LM, scored in windows of `window` tokens.

    With stride == window the windows do not overlap (cheap; the first token of each
    window is unpredicted). With stride < window each window re-reads the previous
    window's tail as context and scores only the tokens not scored before, the standard
    Hugging Face sliding-window recipe, so every token is counted exactly once.
    The model stays on its device and is put in eval mode for the call (dropout would
    make the number noisy), then restored.
    """
    import torch
    import torch.nn.functional as F

    if window < 2 or not 1 <= stride <= window:
        raise ValueError(f"need window >= 2 and 1 <= stride <= window, got window={window}, stride={stride}")
    ids = torch.tensor(_token_ids(tokenizer, text), dtype=torch.long)
    if len(ids) < 2:
        raise ValueError("text is too short to score (fewer than 2 tokens)")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total_nll, n_scored, scored_until = 0.0, 0, 0
    try:
        with torch.inference_mode():
            for begin in range(0, len(ids), stride):
                end = min(begin + window, len(ids))
                chunk = ids[begin:end].to(device)
                # Skip targets an earlier window already scored; the first window scores
                # from position 1 (position 0 has no context).
                first = max(scored_until - begin, 1)
                if first < len(chunk):
                    logits = model(input_ids=chunk.unsqueeze(0)).logits[0, first - 1 : -1].float()
                    total_nll += F.cross_entropy(logits, chunk[first:], reduction="sum").item()
                    n_scored += len(chunk) - first
                scored_until = end
                if end == len(ids):
                    break
    finally:
        model.train(was_training)
    return math.exp(total_nll / n_scored)


def forgetting_check(base_model, ft_model, tokenizer, text: str | None = None) -> dict:
    """Perplexity of base and fine-tuned model on general text (the shipped sample by default).

    Returns {"text_tokens", "base_ppl", "ft_ppl", "ratio"} with ratio = ft_ppl / base_ppl
    (rounded to 4 dp): the headline cost of specialisation.
    """
    text = general_text() if text is None else text
    base_ppl = perplexity(base_model, tokenizer, text)
    ft_ppl = perplexity(ft_model, tokenizer, text)
    return {
        "text_tokens": len(_token_ids(tokenizer, text)),
        "base_ppl": base_ppl,
        "ft_ppl": ft_ppl,
        "ratio": round(ft_ppl / base_ppl, 4),
    }
