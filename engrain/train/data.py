"""Tokenise training examples: chat examples learn only the answer, views learn everything."""

from __future__ import annotations

import torch

from engrain.model.generate import chat_context_ids
from engrain.records import Example

IGNORE = -100


def encode(example: Example, tok, system_prompt: str, max_len: int) -> dict:
    if example.messages:
        context, target = example.messages[:-1], example.messages[-1]["content"]
        prompt = chat_context_ids(tok, context, system_prompt)
        answer = tok(target + tok.eos_token, add_special_tokens=False)["input_ids"]
        truncated = len(prompt) + len(answer) > max_len
        if truncated:  # keep the answer (the only thing learned) and the end of the prompt
            prompt = prompt[-max(max_len - len(answer), 0):] if len(answer) < max_len else []
        ids, labels = prompt + answer, [IGNORE] * len(prompt) + answer
    elif example.prompt is not None:  # a cloze: the context is given, the continuation learned
        context = tok(example.prompt, add_special_tokens=False)["input_ids"]
        target = tok(example.text, add_special_tokens=False)["input_ids"]
        truncated = len(context) + len(target) > max_len
        context = context[-max(max_len - len(target), 0):] if truncated else context
        ids, labels = context + target, [IGNORE] * len(context) + target
    else:
        ids = tok(example.text + tok.eos_token, add_special_tokens=False)["input_ids"]
        labels, truncated = list(ids), len(ids) > max_len
    return {"input_ids": ids[:max_len], "labels": labels[:max_len], "truncated": truncated}


def collate(batch: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad to the longest example in the batch (length-grouped batches keep this small)."""
    n = max(len(b["input_ids"]) for b in batch)
    ids = torch.full((len(batch), n), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), n), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(batch), n), dtype=torch.long)
    for i, b in enumerate(batch):
        k = len(b["input_ids"])
        ids[i, :k] = torch.tensor(b["input_ids"])
        labels[i, :k] = torch.tensor(b["labels"])
        mask[i, :k] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}
