"""rag's grid on the dev split: which settings are tried, which one wins, and when it is applied."""

from __future__ import annotations

import pytest

from engrain import graph
from engrain.config import EngrainConfig, RagConfig
from engrain.io import write_json
from engrain.rag import tune
from engrain.workspace import Workspace


def test_the_grid_starts_with_the_settings_as_given_and_tries_each_combination_once():
    rag = RagConfig(retriever="dense", top_k=3, chunk_words=80, chunk_overlap=20)
    settings = tune.grid(rag)
    assert settings[0] == tune.Setting("dense", 3, 80, 20)
    assert len(settings) == len(set(settings)) == 2 * 2 * 2
    assert tune.Setting("hybrid", 5, 160, 40) in settings  # overlap scales with the chunk
    given = RagConfig(top_k=4, tune_top_k=[3], tune_retrievers=["dense"], tune_chunk_words=[80])
    assert [(s.retriever, s.top_k) for s in tune.grid(given)] == [("dense", 4), ("dense", 3)]


def _entry(label: str, correct: int, tokens: float) -> dict:
    return {"label": label, "correct": correct, "prompt_tokens": tokens}


def test_the_finalists_are_the_given_setting_and_the_best_retrieval_per_top_k():
    rag = RagConfig(retriever="dense", top_k=3, chunk_words=80, chunk_overlap=20)
    settings = tune.grid(rag)
    hits = {s: 0.5 for s in settings} | {
        tune.Setting("hybrid", 3, 160, 40): 0.7,
        tune.Setting("dense", 5, 160, 40): 0.8,
        tune.Setting("hybrid", 5, 160, 40): 0.8,  # a tie: the one listed first
    }
    assert tune.finalists(settings, [hits[s] for s in settings]) == [
        tune.Setting("dense", 3, 80, 20),
        tune.Setting("hybrid", 3, 160, 40),
        tune.Setting("dense", 5, 160, 40),
    ]
    flat = tune.finalists(settings, [None] * len(settings))  # nothing to find: the first per top_k
    assert flat == [settings[0], next(s for s in settings if s.top_k == 5)]


@pytest.mark.parametrize(
    ("scored", "winner"),
    [
        ([_entry("given", 5, 300), _entry("more", 6, 600)], "more"),  # the most accurate
        ([_entry("given", 5, 300), _entry("cheaper", 5, 200)], "given"),  # a tie: the settings as given stay
        ([_entry("given", 4, 300), _entry("long", 5, 600), _entry("short", 5, 400)], "short"),  # then cheaper
        ([_entry("given", 4, 300), {"label": "unread", "context_hit": 0.9}], "given"),  # only read ones compete
    ],
)
def test_the_most_accurate_setting_wins_and_ties_keep_the_given_then_the_cheaper(scored, winner):
    assert tune.choose(scored)["label"] == winner


@pytest.fixture
def cfg(tmp_path) -> EngrainConfig:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("The Kestrel DL-40 weighs 2 kg.\n")
    c = EngrainConfig(workspace=str(tmp_path / "ws"))
    c.root = tmp_path
    c.data.docs = ["docs"]
    return c


def _record(cfg: EngrainConfig, setting: tune.Setting) -> None:
    ws = Workspace(cfg)
    write_json(ws.path(tune.STAGE, "choice"), {"questions": 9, "grid": [], "chosen": {"setting": setting.to_dict()}})
    ws.mark(tune.STAGE, graph.key(tune.STAGE, cfg, ws))


def test_the_choice_is_applied_only_while_it_is_current(cfg):
    ws = Workspace(cfg)
    assert tune.applied(cfg, ws) == (cfg, ws.path("index", "lancedb"))  # not tuned yet: as given
    _record(cfg, tune.Setting("hybrid", 5, 160, 40))
    tuned, index = tune.applied(cfg, ws)
    assert (tuned.rag.retriever, tuned.rag.top_k) == ("hybrid", 5)
    assert index == ws.path(tune.STAGE, "indexes") / "160w"  # the index built for that chunk size
    assert cfg.rag.top_k == 3  # the user's config is not touched
    edited = cfg.model_copy(deep=True)
    edited.rag.tune_top_k = [3, 8]  # another grid: the old choice is stale until the stage runs again
    assert tune.applied(edited, ws) == (edited, ws.path("index", "lancedb"))
    off = cfg.model_copy(deep=True)
    off.rag.tune = False
    assert tune.applied(off, ws)[0].rag.top_k == 3


def test_a_choice_at_the_given_chunk_size_searches_the_index_stage_s_index(cfg):
    ws = Workspace(cfg)
    _record(cfg, tune.Setting("dense", 5, 80, 20))
    assert tune.applied(cfg, ws)[1] == ws.path("index", "lancedb")
