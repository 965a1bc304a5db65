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
            prompt = prompt[-max(max_len - len(answer), 0) :] if len(answer) < max_len else []
        ids, labels = prompt + answer, [IGNORE] * len(prompt) + answer
    elif example.prompt is not None:  # a cloze: the context is given, the continuation learned
        context = tok(example.prompt, add_special_tokens=False)["input_ids"]
        target = tok(example.text, add_special_tokens=False)["input_ids"]
        truncated = len(context) + len(target) > max_len
        context = context[-max(max_len - len(target), 0) :] if truncated else context
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


def pack(batch: list[dict], max_len: int) -> dict[str, torch.Tensor]:
    """Pack a batch's examples into as few rows of up to `max_len` tokens as fit (first-fit decreasing).

    Each example keeps its own positions (restarting at 0) and no attention mask is passed, so
    transformers builds a block-diagonal causal mask from the position ids: no token attends
    across examples. The first token of every example is never a target, so no example learns
    from its neighbour's last token.
    """
    rows: list[list[dict]] = []
    for b in sorted(batch, key=lambda b: -len(b["input_ids"])):
        row = next((r for r in rows if sum(len(x["input_ids"]) for x in r) + len(b["input_ids"]) <= max_len), None)
        rows.append([b]) if row is None else row.append(b)
    n = max(sum(len(x["input_ids"]) for x in r) for r in rows)
    ids = torch.zeros((len(rows), n), dtype=torch.long)
    labels = torch.full((len(rows), n), IGNORE, dtype=torch.long)
    pos = torch.zeros((len(rows), n), dtype=torch.long)
    for i, row in enumerate(rows):
        k = 0
        for b in row:
            m = len(b["input_ids"])
            ids[i, k : k + m] = torch.tensor(b["input_ids"])
            labels[i, k + 1 : k + m] = torch.tensor(b["labels"][1:])
            pos[i, k : k + m] = torch.arange(m)
            k += m
        pos[i, k:] = torch.arange(n - k)  # the row's padding: a separate, unlearned sequence
    return {"input_ids": ids, "labels": labels, "position_ids": pos}


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Shuffled batches of similar length (as transformers' group_by_length): little padding.

    Indices are shuffled, cut into mega-batches of 50 batches, each sorted by length and cut
    into batches; the batch order is then shuffled too, so long and short ones interleave.
    """
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(lengths), generator=g).tolist()
    mega = 50 * batch_size
    batches: list[list[int]] = []
    for s in range(0, len(order), mega):
        group = sorted(order[s : s + mega], key=lambda i: -lengths[i])
        batches += [group[j : j + batch_size] for j in range(0, len(group), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=g).tolist()]


def shuffled_batches(n: int, batch_size: int, seed: int) -> list[list[int]]:
    """Random batches: every kind of example mixed into every step (run them with `split_by_tokens(...,
    similar=True)` so a long reading example does not pad its short neighbours)."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    return [order[s : s + batch_size] for s in range(0, n, batch_size)]


def split_by_tokens(batch: list[dict], max_tokens: int, similar: bool = False) -> list[list[dict]]:
    """Cut a batch into forward passes of at most `max_tokens` padded tokens (one example at least);
    `similar`: also start a new pass at an example under half the pass's longest (little padding).

    The step's loss is summed over every part and divided by the step's target count, so the
    gradient is the batch's own; only the activations held at once shrink (peak memory).
    """
    parts: list[list[dict]] = [[]]
    for b in sorted(batch, key=lambda b: -len(b["input_ids"])):
        part = parts[-1]
        longest = max([len(x["input_ids"]) for x in part] + [len(b["input_ids"])])
        if part and (longest * (len(part) + 1) > max_tokens or (similar and 2 * len(b["input_ids"]) < longest)):
            parts.append([b])
        else:
            part.append(b)
    return parts
