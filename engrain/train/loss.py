"""Next-token loss computed only where something is learned.

A chat example learns its answer, about a quarter of its tokens; the vocabulary projection
and softmax over every other position is wasted work and, on long rows, gigabytes of logits.
The decoder runs on the whole row, the output head only on the positions whose next token
is a target.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engrain.train.data import IGNORE


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
    hidden = decoder(**inputs, use_cache=False).last_hidden_state  # no KV cache: it would only cost memory
    targets = batch["labels"][:, 1:]
    keep = targets != IGNORE
    logits = head(hidden[:, :-1][keep]).float()
    if softcap:
        logits = softcap * torch.tanh(logits / softcap)
    return F.cross_entropy(logits, targets[keep], reduction="sum")
