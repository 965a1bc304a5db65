"""Batching: length-grouped batches and packed rows."""

import torch
from samples import encoded as _encoded

from engrain.model.loading import load_causal_lm
from engrain.train.data import collate, length_grouped_batches, pack, shuffled_batches, split_by_tokens
from engrain.train.loss import decoder_and_head, summed_loss, target_count


def test_packed_and_padded_batches_give_the_same_loss(tiny_model):
    model, tok = load_causal_lm(str(tiny_model))
    parts, enc = decoder_and_head(model), _encoded(tok)
    padded, packed = collate(enc, tok.pad_token_id), pack(enc, 256)
    assert packed["input_ids"].shape[0] < len(enc)  # several examples share a row
    assert target_count(padded) == target_count(packed)
    with torch.no_grad():
        a, b = summed_loss(parts, padded), summed_loss(parts, packed)
    assert torch.allclose(a, b, rtol=1e-4), (a, b)


def test_length_grouped_batches_cover_every_example_once_and_are_seeded():
    lengths = [5, 50, 7, 48, 6, 49, 8, 51, 9]
    batches = length_grouped_batches(lengths, 2, seed=3)
    assert sorted(i for b in batches for i in b) == list(range(9))
    assert batches == length_grouped_batches(lengths, 2, seed=3)
    assert batches != length_grouped_batches(lengths, 2, seed=4)


def test_shuffled_batches_cover_every_example_once_mix_lengths_and_are_seeded():
    lengths = [5, 50, 7, 48, 6, 49, 8, 51] * 5
    batches = shuffled_batches(len(lengths), 4, seed=3)
    assert sorted(i for b in batches for i in b) == list(range(40)) and all(len(b) == 4 for b in batches)
    assert batches == shuffled_batches(len(lengths), 4, seed=3) != shuffled_batches(len(lengths), 4, seed=4)
    mixed = [b for b in batches if min(lengths[i] for i in b) < 10 < max(lengths[i] for i in b)]
    grouped = [
        b
        for b in length_grouped_batches(lengths, 4, seed=3)
        if min(lengths[i] for i in b) < 10 < max(lengths[i] for i in b)
    ]
    assert len(mixed) > len(grouped)


def test_split_by_tokens_of_similar_lengths_keeps_short_examples_out_of_long_padding():
    batch = [{"input_ids": [0] * n} for n in (480, 60, 50, 70)]
    assert split_by_tokens(batch, 2048) == [sorted(batch, key=lambda b: -len(b["input_ids"]))]
    parts = split_by_tokens(batch, 2048, similar=True)
    assert [[len(x["input_ids"]) for x in p] for p in parts] == [[480], [70, 60, 50]]


def test_split_by_tokens_keeps_every_example_and_the_budget():
    batch = [{"input_ids": [0] * n} for n in (50, 10, 40, 10, 300)]
    parts = split_by_tokens(batch, 100)
    assert sorted(len(x["input_ids"]) for p in parts for x in p) == [10, 10, 40, 50, 300]
    assert all(len(p) == 1 or max(len(x["input_ids"]) for x in p) * len(p) <= 100 for p in parts)
    assert next(len(p[0]["input_ids"]) for p in parts) == 300  # too long alone: its own pass
    assert split_by_tokens(batch, 10_000) == [sorted(batch, key=lambda b: -len(b["input_ids"]))]
