"""The stage graph: every key, upstream refresh and staleness check comes from one declaration."""

from __future__ import annotations

import pytest
from pydantic import Field, create_model

from engrain import graph
from engrain.config import EngrainConfig, RagConfig, TrainConfig
from engrain.workspace import Workspace

KEYED = [s.name for s in graph.STAGES] + ["retrain"]


def _keys(cfg: EngrainConfig) -> dict[str, str]:
    ws = Workspace(cfg)
    return {s.name: s.key(cfg, ws) for s in [*graph.STAGES, graph.RETRAIN]}


def _changed(a: EngrainConfig, b: EngrainConfig) -> set[str]:
    ka, kb = _keys(a), _keys(b)
    return {name for name in KEYED if ka[name] != kb[name]}


@pytest.fixture
def cfg(tmp_path) -> EngrainConfig:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("The Kestrel DL-40 weighs 2 kg.\n")
    (tmp_path / "eval.jsonl").write_text('{"question": "Weight of the DL-40?", "answers": ["2 kg"]}\n')
    c = EngrainConfig(workspace=str(tmp_path / "ws"))
    c.root = tmp_path
    c.data.docs, c.data.eval = ["docs"], "eval.jsonl"
    return c


def test_a_new_setting_in_a_section_changes_the_keys_of_the_stages_that_read_it_and_no_others(tmp_path):
    # A setting nobody listed anywhere: a section that a stage reads whole picks it up by itself.
    rag_plus = create_model("RagPlus", __base__=RagConfig, rerank_depth=(int, 10))
    train_plus = create_model("TrainPlus", __base__=TrainConfig, warm_restarts=(int, 0))
    plus = create_model(
        "ConfigPlus",
        __base__=EngrainConfig,
        rag=(rag_plus, Field(default_factory=rag_plus)),
        train=(train_plus, Field(default_factory=train_plus)),
    )
    a, b = plus(workspace=str(tmp_path / "ws")), plus(workspace=str(tmp_path / "ws"))
    b.rag.rerank_depth = 20
    assert _changed(a, b) == {"tune_rag", "baseline", "eval"}  # index and synth read single rag fields
    c = plus(workspace=str(tmp_path / "ws"))
    c.train.warm_restarts = 2
    assert _changed(a, c) == {"train", "retrain"}


@pytest.mark.parametrize(
    ("setting", "value", "stages"),
    [
        ("train.epochs", 5.0, {"train", "retrain"}),
        ("train.discard_data", True, set()),  # deletes files after training: shapes nothing
        ("rag.top_k", 5, {"synth", "tune_rag", "baseline", "eval"}),  # RAFT records hold the served passages
        ("rag.chunk_words", 100, {"index", "synth", "tune_rag", "baseline", "eval"}),
        ("rag.tune_top_k", [4], {"tune_rag", "baseline", "eval"}),  # the grid: rag's side only
        ("rag.hybrid", "read", {"eval"}),  # how ft+rag answers: never rag's tuning
        ("data.scrub_pii", False, {"ingest", "index"}),
        ("data.eval", "other.jsonl", {"synth"}),  # the file's contents, not its name in data
        ("model.refusal", "Not in the manual.", {"synth", "tune_rag", "baseline", "train", "eval", "retrain"}),
        ("model.refuse_below", 0.5, {"eval"}),
        ("rag.auto_confidence", 0.5, {"eval"}),  # ft's threshold: the untuned pipelines never read it
        ("model.threads", 2, {"baseline", "eval"}),
        ("cost.monthly_queries", 5, {"report"}),
        ("retrain.replay", 0.5, {"retrain"}),
        ("serve.port", 9000, set()),
        ("seed", 7, {"synth", "baseline", "train", "eval", "retrain"}),
    ],
)
def test_each_setting_changes_exactly_the_stages_declared_to_read_it(cfg, setting, value, stages):
    changed = cfg.model_copy(deep=True)
    if setting == "data.eval":
        (cfg.root / "other.jsonl").write_text('{"question": "Colour of the DL-40?", "answers": ["grey"]}\n')
    section, _, leaf = setting.rpartition(".")
    setattr(getattr(changed, section) if section else changed, leaf, value)
    assert _changed(cfg, changed) == stages


def test_edited_input_files_change_the_stage_that_reads_them(cfg):
    before = _keys(cfg)
    (cfg.root / "docs" / "a.md").write_text("The Kestrel DL-40 weighs 3 kg.\n")
    assert {n for n, k in _keys(cfg).items() if k != before[n]} == {"ingest"}
    (cfg.root / "eval.jsonl").write_text('{"question": "Weight?", "answers": ["3 kg"]}\n')
    assert {n for n, k in _keys(cfg).items() if k != before[n]} == {"ingest", "synth"}


def test_upstream_keys_flow_downstream_through_the_manifests(cfg):
    ws = Workspace(cfg)
    before = _keys(cfg)
    ws.mark("synth", "a-new-synth-key")
    after = _keys(cfg)
    assert {n for n in KEYED if after[n] != before[n]} == {"tune_rag", "baseline", "train", "eval", "retrain"}


def test_stages_run_after_everything_they_read():
    assert graph.before("ingest") == []
    assert graph.before("synth") == ["ingest", "index"]
    assert graph.before("eval") == ["ingest", "index", "synth", "tune_rag", "baseline", "train"]
    order = [s.name for s in graph.STAGES]
    for stage in graph.STAGES:
        assert all(order.index(up) < order.index(stage.name) for up in stage.upstream)
    assert graph.CACHED == ("ingest", "index", "synth", "tune_rag", "baseline", "train", "eval")


def test_declared_settings_exist_in_the_config():
    raw = EngrainConfig().model_dump(mode="json")
    for stage in [*graph.STAGES, graph.RETRAIN]:
        for name in stage.settings + stage.ignore:
            node = raw
            for part in name.split("."):
                assert part in node, f"{stage.name} declares {name}, which the config does not have"
                node = node[part]
