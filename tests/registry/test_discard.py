"""train.discard_data: the training data goes after registration, its hashes stay; a failed run keeps it."""

import json

import pytest
from samples import make_project

from engrain import recipe
from engrain.errors import EngrainError
from engrain.registry import Registry, audit
from engrain.workspace import Workspace


def test_discard_after_registration_keeps_hashes_and_a_working_project(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    cfg.train.discard_data = True
    recipe.run_all(cfg, progress=False)
    ws = Workspace(cfg)
    for stage, artifact in (("ingest", "documents"), ("ingest", "logs"), ("synth", "train"), ("synth", "dev")):
        assert not ws.path(stage, artifact).exists() and ws.discarded(stage, artifact)
    assert ws.path("synth", "eval").exists() and ws.path("train", "model").is_dir()  # eval set and model stay
    with Registry(ws.dir("registry")) as reg:
        (entry,) = [e for e in audit.entries(reg.db) if e["action"] == "discard"]
        assert entry["subject"] == ws.manifest("train")["model_id"] and audit.verify(reg.db) == []
        files = json.loads(entry["detail"])["files"]
    assert set(files) == {"ingest/documents.jsonl", "ingest/logs.jsonl", "synth/train.jsonl", "synth/dev.jsonl"}
    assert all(len(h) == 64 for h in files.values())
    said: list[str] = []
    recipe.run_all(cfg, said.append, progress=False)  # nothing changed: every stage reused, no error
    assert "train: unchanged, reusing" in said and "eval: unchanged, reusing" in said
    cfg.train.learning_rate *= 2  # retraining needs the data back: one line says how
    with pytest.raises(EngrainError, match="synth data was discarded.*engrain synth --force"):
        recipe.run_stage(cfg, "train", progress=False)


def test_a_failed_training_run_discards_nothing(tmp_path, tiny_model, monkeypatch):
    import engrain.train.trainer as trainer

    cfg = make_project(tmp_path, tiny_model)
    cfg.train.discard_data = True

    def boom(*a, **k):
        raise EngrainError("training failed")

    monkeypatch.setattr(trainer, "train", boom)
    with pytest.raises(EngrainError, match="training failed"):
        recipe.run_all(cfg, progress=False)
    ws = Workspace(cfg)
    assert ws.path("ingest", "documents").exists() and ws.path("synth", "train").exists()
