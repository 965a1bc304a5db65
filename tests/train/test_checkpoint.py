"""Resume: Ctrl-C and kill -9 leave a state the next run continues exactly."""

import os
import signal

import pytest
import torch
from samples import EXAMPLES, MIXED
from samples import train_cfg as _cfg

from engrain.errors import Interrupted
from engrain.model.loading import load_causal_lm
from engrain.train import checkpoint, trainer


def _resumable_cfg(tiny_model):
    cfg = _cfg(tiny_model)
    cfg.train.batch_size, cfg.train.epochs, cfg.train.save_every, cfg.train.logging_steps = 2, 5, 100, 3
    return cfg


def test_ctrl_c_saves_and_the_next_run_ends_exactly_like_an_uninterrupted_one(tiny_model, tmp_path, monkeypatch):
    cfg, data = _resumable_cfg(tiny_model), MIXED + EXAMPLES[:5]
    whole = trainer.train(cfg, data, [], tmp_path / "whole", tmp_path / "whole" / "model", progress=False)
    real_step = trainer._step

    def step_then_ctrl_c(run):
        out = real_step(run)
        if run.progress.step == 3:  # the 4th step is running (mid logging window): Ctrl-C arrives
            os.kill(os.getpid(), signal.SIGINT)
        return out

    monkeypatch.setattr(trainer, "_step", step_then_ctrl_c)
    with pytest.raises(Interrupted, match="step 4/"):
        trainer.train(cfg, data, [], tmp_path / "cut", tmp_path / "cut" / "model", progress=False)
    assert checkpoint.latest(tmp_path / "cut" / "checkpoints").name == "step-4"
    monkeypatch.setattr(trainer, "_step", real_step)
    resumed = trainer.train(cfg, data, [], tmp_path / "cut", tmp_path / "cut" / "model", progress=False)
    assert resumed.loss_curve == whole.loss_curve and resumed.steps == whole.steps
    a = load_causal_lm(str(tiny_model), adapter=tmp_path / "whole" / "model")[0]
    b = load_causal_lm(str(tiny_model), adapter=tmp_path / "cut" / "model")[0]
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        assert torch.equal(p, q), n


def _killed_at_step_3(cfg, data, out) -> None:
    """Train until step 3 dies as a kill would: no chance to save (the last checkpoint is step 2)."""
    real_step = trainer._step

    def step(run):
        if run.progress.step == 3:
            raise KeyboardInterrupt
        return real_step(run)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(trainer, "_step", step)
        with pytest.raises(KeyboardInterrupt):
            trainer.train(cfg, data, [], out, out / "model", progress=False)


def test_only_complete_checkpoints_made_under_the_same_settings_are_resumed(tiny_model, tmp_path):
    cfg, data = _resumable_cfg(tiny_model), MIXED
    cfg.train.save_every = 2
    _killed_at_step_3(cfg, data, tmp_path)
    folder = tmp_path / "checkpoints"
    (folder / ".step-3.half").mkdir()  # what a kill -9 during a write leaves
    (folder / ".step-3.half" / "state.pt").write_bytes(b"")
    assert checkpoint.latest(folder).name == "step-2"
    run = trainer.setup(cfg, data, [], tmp_path)
    assert run.progress.step == 2
    cfg.train.learning_rate *= 2  # another schedule: the checkpoint must not be continued
    assert trainer.setup(cfg, data, [], tmp_path).progress.step == 0


def test_a_checkpoint_of_other_settings_is_set_aside_named_and_taken_back(tiny_model, tmp_path):
    cfg, data = _resumable_cfg(tiny_model), MIXED
    cfg.train.save_every = 2
    _killed_at_step_3(cfg, data, tmp_path)
    said: list[str] = []
    changed = cfg.model_copy(deep=True)
    changed.train.learning_rate *= 2  # a setting changed by mistake
    assert trainer.setup(changed, data, [], tmp_path, say=said.append).progress.step == 0
    lr = cfg.train.learning_rate
    assert f"train.learning_rate {lr} -> {lr * 2}" in said[0] and "kept at" in said[0]
    assert checkpoint.latest(tmp_path / "checkpoints") is None
    said.clear()
    assert trainer.setup(cfg, data, [], tmp_path, say=said.append).progress.step == 2  # set back: resumed
    assert "resuming from step-2" in said[0]
    assert checkpoint.latest(tmp_path / "checkpoints").name == "step-2"
    assert not any((tmp_path / "set-aside").iterdir())  # taken back, not copied
    said.clear()
    assert trainer.setup(cfg, MIXED[:-1], [], tmp_path, say=said.append).progress.step == 0  # other examples
    assert "the training examples changed" in said[0]


def test_only_the_newest_checkpoints_of_other_settings_are_kept(tmp_path):
    aside = tmp_path / "set-aside"
    for i in range(checkpoint.KEPT_ASIDE + 2):
        step = tmp_path / "checkpoints" / f"step-{i}"
        step.mkdir(parents=True)
        (step / checkpoint.FINGERPRINT).write_text(f"{i:016d}")
        os.utime(checkpoint.set_aside(step, tmp_path / "best", aside).parent, (i, i))
    assert sorted(p.name for p in aside.iterdir()) == [f"{i:016d}" for i in (2, 3)]
