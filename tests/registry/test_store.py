"""The registry: content-addressed artifacts, aliases, rollback, verification, atomicity."""

import sqlite3

import pytest

from engrain.errors import EngrainError
from engrain.registry import Registry
from engrain.registry.diff import diff_models


def _model(folder, weights: bytes):
    folder.mkdir(parents=True)
    (folder / "adapter_model.safetensors").write_bytes(weights)
    (folder / "adapter_config.json").write_text('{"r": 8}')
    return folder


@pytest.fixture
def reg(tmp_path):
    r = Registry(tmp_path / "registry")
    yield r
    r.close()


def test_a_model_is_stored_once_under_its_content_hash(reg, tmp_path):
    meta = {"base": "tiny", "method": "lora", "config": {"train": {"epochs": 2}}}
    a = reg.register(_model(tmp_path / "a", b"w1"), meta, "tester")
    assert reg.register(tmp_path / "a", meta, "tester") == a  # same files: same artifact, no new row
    b = reg.register(_model(tmp_path / "b", b"w2"), meta | {"config": {"train": {"epochs": 3}}}, "tester")
    assert a != b and [m.id for m in reg.models()] == [a, b]
    assert (reg.path(a) / "adapter_model.safetensors").read_bytes() == b"w1"
    assert reg.show(a[:6])["base"] == "tiny"
    assert "config.train.epochs: 2 -> 3" in diff_models(reg.show(a), reg.show(b))


def test_promote_and_rollback_walk_the_alias_history(reg, tmp_path):
    a = reg.register(_model(tmp_path / "a", b"w1"), {}, "t")
    b = reg.register(_model(tmp_path / "b", b"w2"), {}, "t")
    assert reg.promote(a, "production", "t") is None
    assert reg.promote(b, "production", "t", "better on dev") == a
    assert reg.resolve("production") == b
    assert reg.rollback("production", "t", "regression") == a
    assert reg.resolve("production") == a
    with pytest.raises(EngrainError, match="nothing to roll back"):
        reg.rollback("production", "t")


def test_a_concurrent_promote_cannot_win_twice(reg, tmp_path):
    a = reg.register(_model(tmp_path / "a", b"w1"), {}, "t")
    b = reg.register(_model(tmp_path / "b", b"w2"), {}, "t")
    seen = reg.alias("production")  # both callers saw "none"
    reg.promote(a, "production", "alice", expect=seen)
    with pytest.raises(EngrainError, match="changed .* meanwhile"):
        reg.promote(b, "production", "bob", expect=seen)
    assert reg.resolve("production") == a


def test_a_corrupted_artifact_is_refused_by_name(reg, tmp_path):
    a = reg.register(_model(tmp_path / "a", b"w1"), {}, "t")
    (reg.root / "artifacts" / a / "adapter_model.safetensors").write_bytes(b"tampered")
    with pytest.raises(EngrainError, match="adapter_model.safetensors changed"):
        reg.path(a)
    with pytest.raises(EngrainError, match="corrupted"):
        reg.promote(a, "production", "t")


def test_a_failed_change_leaves_no_trace(reg, tmp_path):
    a = reg.register(_model(tmp_path / "a", b"w1"), {}, "t")
    with pytest.raises(EngrainError):
        reg.promote("f" * 16, "production", "t")  # no such model: the transaction rolls back
    assert reg.alias("production") is None
    entries = reg.db.execute("SELECT action FROM audit").fetchall()
    assert entries == [("register",)]
    other = sqlite3.connect(reg.root / "catalogue.sqlite")
    assert other.execute("SELECT id FROM models").fetchall() == [(a,)]
