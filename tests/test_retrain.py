"""Retraining cycles: a candidate from production on what changed, promoted only through the gate."""

import pytest
from samples import make_project

from engrain import recipe
from engrain.errors import EngrainError
from engrain.io import read_json
from engrain.registry import Registry
from engrain.retrain import gate, retrain
from engrain.workspace import Workspace, read_split


def _set(label, n, prod, cand, p):
    return {"label": label, "n": n, "correct": {"production": prod, "candidate": cand}, "mcnemar": {"p_value": p}}


def test_the_gate_refuses_a_significant_drop_on_any_set_and_a_small_overall_change():
    ok, why = gate([_set("old", 40, 30, 31, 1.0), _set("new", 20, 5, 12, 0.02)], alpha=0.05, min_gain=0.0)
    assert ok and "overall accuracy change +13.3 pts" in why[0]
    ok, why = gate([_set("old", 40, 30, 20, 0.01), _set("new", 40, 5, 25, 0.001)], alpha=0.05, min_gain=0.0)
    assert not ok and why == ["old: significant drop (30 -> 20 of 40, McNemar p = 0.01 < 0.05)"]  # +10 overall
    ok, why = gate([_set("old", 40, 30, 29, 1.0)], alpha=0.05, min_gain=0.0)
    assert not ok and "below the required +0.0 pts" in why[0]
    assert gate([_set("old", 40, 30, 29, 1.0)], alpha=0.05, min_gain=-0.05)[0]  # a tolerated small drop
    # 19 -> 14 of 32 is not significant (p = 0.125) but is a 15.6-point drop: forgetting the gate must catch
    ok, why = gate(
        [_set("old", 32, 19, 14, 0.125), _set("new", 32, 9, 16, 0.09)], alpha=0.05, min_gain=0.0, max_drop=0.1
    )
    assert not ok and why == ["old: accuracy drops 15.6 pts (19 -> 14 of 32), more than retrain.max_drop (10.0 pts)"]
    assert gate([_set("old", 32, 19, 14, 0.125), _set("new", 32, 9, 16, 0.09)], alpha=0.05, min_gain=0.0, max_drop=0.2)[
        0
    ]


def test_a_cycle_trains_on_what_changed_promotes_through_the_gate_and_runs_once(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    with pytest.raises(EngrainError, match="no production model"):
        retrain(cfg, progress=False)
    recipe.run_all(cfg, progress=False)
    ws = Workspace(cfg)
    with Registry(ws.dir("registry")) as reg:
        first = reg.alias("candidate")
        reg.promote(first, "production", "test", "first release")
    said: list[str] = []
    assert retrain(cfg, say=said.append, progress=False) is None and "nothing changed" in said[-1]
    new_logs = tmp_path / "new.jsonl"
    new_logs.write_text(
        '{"messages": [{"role": "user", "content": "Battery life of the Kestrel DL-40?"}, '
        '{"role": "assistant", "content": "The Kestrel DL-40 has a battery life of 47 hours."}]}\n'
    )
    (tmp_path / "docs" / "notes.txt").write_text("Notes\n\nThe Heron MX-2 has a weight of 3.1 kg.\n")
    cfg.retrain.min_gain, cfg.retrain.replay = -1.0, 0.0  # a random tiny model: the gate's other half decides
    cycle = retrain(cfg, logs=[str(new_logs)], say=said.append, progress=False)
    assert cycle.promoted and cycle.production == first and cycle.candidate != first
    trained_on = next(m for m in said if "retrain: candidate from production" in m)
    assert f"on {len(read_split(ws, 'train'))} examples" not in trained_on  # a subset: only the changed sources
    # a handful of dev questions choose no threshold: production's stands, and the cycle says so
    assert any("refusal threshold" in m and "kept" in m for m in said)
    with Registry(ws.dir("registry")) as reg:
        assert reg.alias("production") == cycle.candidate
        assert reg.show(cycle.candidate)["retrain_cycle"] == cycle.key
        n_models = len(reg.models())
    text = cycle.report.read_text()
    assert "| production |" in text and "| candidate |" in text and "promoted" in text
    record = read_json(cycle.report.with_suffix(".json"))
    current = [s for s in record["sets"] if s["current"]]
    assert len(current) == 1 and list(current[0]["references"]) == ["rag"]  # rag on the new index, current set only
    assert all(not s["references"] for s in record["sets"] if not s["current"])
    assert "| current eval set | " in text and "| rag |" in text and "per category" in text
    assert retrain(cfg, logs=[str(new_logs)], say=said.append, progress=False) is None  # production knows it all now
    with Registry(ws.dir("registry")) as reg:
        assert len(reg.models()) == n_models


def test_a_refused_candidate_leaves_production_where_it_was(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    recipe.run_all(cfg, progress=False)
    ws = Workspace(cfg)
    with Registry(ws.dir("registry")) as reg:
        first = reg.alias("candidate")
        reg.promote(first, "production", "test", "first release")
    (tmp_path / "docs" / "notes.txt").write_text("Notes\n\nThe Heron MX-2 has a weight of 3.1 kg.\n")
    cfg.retrain.min_gain = 0.5  # unreachable: +50 points
    cycle = retrain(cfg, progress=False)
    assert not cycle.promoted and any("below the required +50.0 pts" in r for r in cycle.reasons)
    with Registry(ws.dir("registry")) as reg:
        assert reg.alias("production") == first and reg.alias("candidate") == cycle.candidate
        n_models = len(reg.models())
    said: list[str] = []
    again = retrain(cfg, say=said.append, progress=False)  # a finished cycle (cron ran it twice): nothing new
    assert again.key == cycle.key and not again.promoted and said[-1].endswith("already ran: refused; nothing to do")
    with Registry(ws.dir("registry")) as reg:
        assert len(reg.models()) == n_models
