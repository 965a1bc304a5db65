"""eval.judge: the teacher grades free-text answers beside containment, the same way for every pipeline."""

from __future__ import annotations

import json

import httpx
import pytest
from fakes import FakeEndpoint, make_chat
from samples import make_project

from engrain import recipe
from engrain.errors import EngrainError
from engrain.evaluate.judge import grade
from engrain.evaluate.runner import summarise
from engrain.io import read_jsonl


def test_grade_parses_one_word_verdicts_and_shows_the_judge_everything(tmp_path):
    replies = iter(["Correct.", "wrong", "It depends"])

    class Endpoint(FakeEndpoint):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.reply = next(replies)
            return super().__call__(request)

    endpoint = Endpoint()
    verdicts = grade(
        make_chat(tmp_path, endpoint),
        [
            ("When was Andrew Turner born?", ["February 16, 2002"], "He was born on 16 February 2002."),
            ("Where does she play?", ["Leinster", "Leinster Rugby"], "Munster."),
            ("What is his job?", ["barrister"], "A lawyer."),
        ],
    )
    assert verdicts == [True, False, None]
    first = json.loads(endpoint.requests[0].content)["messages"][-1]["content"]
    assert "February 16, 2002" in first and "16 February 2002" in first and "Andrew Turner" in first


def _row(pipeline: str, judged, correct: bool = False) -> dict:
    return {
        "pipeline": pipeline,
        "id": "q",
        "category": "lookup",
        "kind": "qa",
        "correct": correct,
        "exact_match": 0.0,
        "f1": 0.0,
        "hallucinated": not correct,
        "abstained": False,
        "judged": judged,
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "timings_ms": {"total": 1.0, "ttft": 1.0, "decode": 1.0},
    }


def test_judged_accuracy_counts_only_rows_with_a_verdict():
    m = summarise([_row("ft", True), _row("ft", False), _row("ft", None), _row("ft", True)])["pipelines"]["ft"]
    assert m["judged_accuracy"] == 0.6667 and m["judged_n"] == 3 and m["accuracy"] == 0.0
    unjudged = {k: v for k, v in _row("rag", None).items() if k != "judged"}  # eval.judge off
    assert "judged_accuracy" not in summarise([unjudged])["pipelines"]["rag"]


def test_the_eval_stage_grades_every_pipeline_with_the_teacher(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    cfg.eval.pipelines, cfg.eval.forgetting, cfg.eval.throughput_queries = ["rag", "ft"], False, 0
    recipe.run_all(cfg, progress=False)
    cfg.eval.judge = True
    with pytest.raises(EngrainError, match="eval.judge grades with the teacher"):
        recipe.evaluate(cfg, progress=False)
    cfg.synth.teacher.local, cfg.synth.teacher.max_new_tokens = "base", 16  # the tiny model judges: wiring, not quality
    said: list[str] = []
    recipe.evaluate(cfg, said.append, progress=False)
    rows = list(read_jsonl(cfg.workspace_dir / "eval" / "results.jsonl"))
    assert rows and all("judged" in r for r in rows)
    unanswerable = [r for r in rows if not r["references"]]
    assert unanswerable and all(
        r["judged"] == r["correct"] for r in unanswerable
    )  # containment's rule: refusing is right
    metrics = json.loads((cfg.workspace_dir / "eval" / "metrics.json").read_text())
    assert all("judged_n" in m for m in metrics["pipelines"].values())
    assert any(m.startswith("eval: judge graded") for m in said)
