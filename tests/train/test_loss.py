"""The loss on target positions only equals the library's full-vocabulary loss."""

import torch
from samples import encoded as _encoded

from engrain.model.loading import load_causal_lm
from engrain.train.data import collate
from engrain.train.loss import decoder_and_head, summed_loss, target_count


def test_target_only_loss_matches_the_full_model_loss(tiny_model):
    model, tok = load_causal_lm(str(tiny_model))
    batch = collate(_encoded(tok), tok.pad_token_id)
    with torch.no_grad():
        ours = summed_loss(decoder_and_head(model), batch) / target_count(batch)
        theirs = model(**batch).loss
    assert torch.allclose(ours, theirs, rtol=1e-4), (ours, theirs)


def _chat_batch(tok) -> dict:
    from engrain.records import Example
    from engrain.train.data import encode

    questions = [
        ("When was Maren Holt born?", "In 1961."),
        ("Where does the DL-40 log?", "Every minute."),
        ("Who?", "Ada."),
    ]
    examples = [
        Example("wh", messages=[{"role": "user", "content": q}, {"role": "assistant", "content": a}])
        for q, a in questions
    ]
    return collate(
        [encode(e, tok, "You are a support assistant. Answer briefly.", 128) for e in examples], tok.pad_token_id
    )


def test_the_prompt_every_row_shares_is_computed_once_with_the_same_loss_and_gradients(tiny_model, monkeypatch):
    from engrain.train import loss as loss_module
    from engrain.train.loss import shared_prefix

    model, tok = load_causal_lm(str(tiny_model))
    batch = _chat_batch(tok)
    assert shared_prefix(batch) >= loss_module.MIN_SHARED_PREFIX  # the template and the system prompt

    def loss_and_grads():
        model.zero_grad()
        loss = summed_loss(decoder_and_head(model), batch)
        loss.backward()
        return loss.detach(), [p.grad.clone() for p in model.parameters() if p.grad is not None]

    shared, shared_grads = loss_and_grads()
    calls = []
    hook = model.get_decoder().register_forward_hook(lambda m, a, kw: calls.append(1), with_kwargs=False)
    loss_and_grads()
    assert len(calls) == 2  # the shared start, then the rest of every row
    hook.remove()
    monkeypatch.setattr(loss_module, "MIN_SHARED_PREFIX", 10**6)  # every row whole, as before
    whole, whole_grads = loss_and_grads()
    assert torch.allclose(shared, whole, rtol=1e-5), (shared, whole)
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(shared_grads, whole_grads))


def test_rows_with_different_starts_share_nothing():
    from engrain.train.loss import shared_prefix

    same_start = torch.tensor([[5] * 10 + [1, 2], [5] * 10 + [3, 0]])
    mask = torch.tensor([[1] * 12, [1] * 11 + [0]])
    assert shared_prefix({"input_ids": same_start, "attention_mask": mask}) == 10
    other = same_start.clone()
    other[1, 0] = 6
    assert shared_prefix({"input_ids": other, "attention_mask": mask}) == 0
    short = torch.tensor([[5] * 4 + [1], [5] * 4 + [2]])
    assert shared_prefix({"input_ids": short, "attention_mask": torch.ones_like(short)}) == 0  # under the minimum
    assert shared_prefix({"input_ids": same_start[:1], "attention_mask": mask[:1]}) == 0  # one row
    packed = {"input_ids": same_start, "attention_mask": mask, "position_ids": torch.zeros_like(same_start)}
    assert shared_prefix(packed) == 0
