"""Next-token loss computed only where something is learned, and shared work computed once.

A chat example learns its answer, about a quarter of its tokens; the vocabulary projection
and softmax over every other position is wasted work and, on long rows, gigabytes of logits.
The decoder runs on the whole row, the output head only on the positions whose next token
is a target.

Chat examples all begin with the same tokens: the chat template and the system prompt, about
a third of a short question's row. Where every row of a batch shares its first tokens, the
decoder runs them once, as one row, and the rest of each row attends to their keys and values
(repeated per row, so the gradient of each row flows through them): the same loss, fewer
tokens computed.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engrain.train.data import IGNORE

MIN_SHARED_PREFIX = 8  # tokens: a shorter common start is not worth a second decoder call


def decoder_and_head(model) -> tuple[torch.nn.Module, torch.nn.Module, float | None]:
    """The transformer body, the output projection and the logit soft-cap (Gemma 2) of a causal LM."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model  # a PEFT wrapper
    softcap = getattr(base.config, "final_logit_softcapping", None)
    return base.get_decoder(), base.get_output_embeddings(), softcap


class TrainingLoss(torch.nn.Module):
    """The model with `summed_loss` as its forward: one call runs everything a step needs, so a
    sharded model gathers its embeddings and output head (tied weights, one unit) once per call."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return summed_loss(decoder_and_head(self.model), batch)


def target_count(batch: dict[str, torch.Tensor]) -> int:
    return int((batch["labels"][:, 1:] != IGNORE).sum())


def summed_loss(parts: tuple, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Sum of the cross-entropy over the batch's target tokens (the caller divides by the count)."""
    decoder, head, softcap = parts
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    shared = shared_prefix(batch) if not getattr(decoder, "gradient_checkpointing", False) else 0
    if shared:
        hidden = _hidden_sharing_prefix(decoder, inputs, shared)
    else:
        hidden = decoder(**inputs, use_cache=False).last_hidden_state  # no KV cache: it would only cost memory
    targets = batch["labels"][:, 1:]
    keep = targets != IGNORE
    logits = head(hidden[:, :-1][keep]).float()
    if softcap:
        logits = softcap * torch.tanh(logits / softcap)
    return F.cross_entropy(logits, targets[keep], reduction="sum")


def shared_prefix(batch: dict[str, torch.Tensor]) -> int:
    """How many leading tokens every row of a padded batch has in common (0 below MIN_SHARED_PREFIX,
    for one row, and for packed rows, whose examples do not start at the row's start)."""
    ids = batch["input_ids"]
    if ids.shape[0] < 2 or "position_ids" in batch or "attention_mask" not in batch:
        return 0
    same = (ids == ids[:1]).all(dim=0) & (batch["attention_mask"] == 1).all(dim=0)
    n = min(int(same.int().cumprod(0).sum()), ids.shape[1] - 1)  # a token at least left to each row
    return n if n >= MIN_SHARED_PREFIX else 0


def _hidden_sharing_prefix(decoder: torch.nn.Module, inputs: dict[str, torch.Tensor], n: int) -> torch.Tensor:
    """The decoder's last hidden states, the first `n` tokens (the same in every row) run once."""
    ids, mask = inputs["input_ids"], inputs["attention_mask"]
    prefix = decoder(input_ids=ids[:1, :n], attention_mask=mask[:1, :n], use_cache=True)
    cache = prefix.past_key_values
    cache.batch_repeat_interleave(ids.shape[0])  # out of place: each row's gradient reaches the prefix
    rest = decoder(input_ids=ids[:, n:], attention_mask=mask, past_key_values=cache, use_cache=True)
    return torch.cat([prefix.last_hidden_state.expand(ids.shape[0], -1, -1), rest.last_hidden_state], dim=1)
