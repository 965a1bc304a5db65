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
