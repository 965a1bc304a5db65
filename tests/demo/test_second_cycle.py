"""The demo's second cycle on a tiny model: release 2 applied, release 1's model in production, one
retraining cycle with the stale model, the retrained one and rag side by side; run twice, it trains once."""

from __future__ import annotations

import json

from engrain.config import load
from engrain.demo.domain import build_domain
from engrain.demo.project import write_demo_config
from engrain.demo.second_cycle import headline, run_second_cycle
from engrain.recipe import run_all
from engrain.registry import Registry
from engrain.workspace import Workspace


def test_second_cycle_compares_stale_retrained_and_rag_on_release_two(tmp_path, tiny_model):
    out = tmp_path / "demo"
    build_domain(out / "domain", seed=0)
    cfg = write_demo_config(
        out,
        size="quick",
        overrides=[
            f"model.base={tiny_model}",
            "train.max_steps=2",
            "train.dev_max_questions=2",
            'eval.pipelines=["rag", "ft"]',
            "eval.limit=1",
            "eval.forgetting=false",
            "eval.throughput_queries=0",
        ],
    )
    run_all(cfg, progress=False, report_dir=out)
    with Registry(Workspace(cfg).dir("registry")) as reg:
        release_1 = reg.alias("candidate")
    said: list[str] = []
    cycle = run_second_cycle(out, cfg, said.append, progress=False)

    assert said[0].startswith("release 2: 8 specs changed in 4 documents, 2 products added")
    assert cycle.production == release_1 and cycle.candidate != release_1
    record = json.loads(cycle.report.with_suffix(".json").read_text())
    current = [s for s in record["sets"] if s["current"]]
    assert len(record["sets"]) == 2 and len(current) == 1  # release 1's frozen set and release 2's
    assert set(current[0]["production"]["by_category"]) == {"added", "changed", "unanswerable", "unchanged"}
    assert list(current[0]["references"]) == ["rag"]
    lines = headline(cycle)
    assert any("ft, release 1 (stale)" in x for x in lines) and any("rag, new index" in x for x in lines)
    assert lines[-1].startswith("gate: promoted" if cycle.promoted else "gate: refused")
    follow_up = load(out / "engrain.toml")  # the project now describes release 2
    assert follow_up.data.eval == "domain/eval-2.jsonl" and "domain/logs/support-2.jsonl" in follow_up.data.logs
    with Registry(Workspace(cfg).dir("registry")) as reg:
        assert reg.alias("production") == (cycle.candidate if cycle.promoted else release_1)
        n_models = len(reg.models())

    again = run_second_cycle(out, cfg, said.append, progress=False)  # a second `engrain demo`: nothing retrains
    assert again.key == cycle.key and "already ran" in said[-1]
    with Registry(Workspace(cfg).dir("registry")) as reg:
        assert len(reg.models()) == n_models
