"""The real packaged model (SmolLM2-135M-Instruct) and embedder through every stage, on a tiny corpus."""

import pytest
from samples import make_project

from engrain import recipe
from engrain.io import read_json
from engrain.report.build import build_report
from engrain.workspace import Workspace

pytestmark = pytest.mark.integration


def test_real_model_through_every_stage(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    cfg.model.base = "smollm2-135m-instruct"  # the packaged default, converted once into the cache
    cfg.model.max_new_tokens = 12
    cfg.train.max_steps, cfg.train.batch_size = 2, 2
    cfg.eval.throughput_concurrency, cfg.eval.throughput_queries = [1, 2], 2
    recipe.run_all(cfg, progress=False)

    rep = read_json(cfg.workspace_dir / "report" / "report.json")
    assert set(rep["pipelines"]) == {"base", "rag", "ft", "ft+rag", "auto"}
    assert rep["pipelines"]["rag"]["stage_ms_mean"]["embed"] > 0
    # the real model produces real text for every question
    rows = [r for r in (cfg.workspace_dir / "eval" / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 15 and all('"answer": ""' not in r for r in rows)
    fg = rep["forgetting"]
    # SmolLM2 reads plain English at a perplexity near 16 (a random model: near its 49k vocabulary);
    # two LoRA steps leave that almost unchanged
    assert 2.0 < fg["base_ppl"] < 40.0 and abs(fg["ft_ppl"] / fg["base_ppl"] - 1) < 0.25
    assert {r["concurrency"] for r in rep["throughput"]} == {1, 2}
    # without months of logs the decision never says "fine-tune" alone
    cfg.cost.log_months = 0
    assert build_report(cfg, Workspace(cfg))["decision"]["recommendation"] in {"rag", "hybrid"}
