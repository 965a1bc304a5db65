import json

import pytest

from engrain.errors import EngrainError
from engrain.report.compare import compare_runs, render_comparison


def _run(folder, correct: list[bool]):
    folder.mkdir(parents=True)
    rows = [
        {"pipeline": "ft", "id": str(i), "question": f"q{i}", "answer": "a" if c else "b", "correct": c}
        for i, c in enumerate(correct)
    ]
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    acc = sum(correct) / len(correct)
    metrics = {
        "accuracy": acc,
        "hallucination_rate": 1 - acc,
        "abstention_rate": 0.0,
        "f1": acc,
        "latency_ms": {"mean": 100.0, "p95": 150.0},
        "coverage": {"answered": 1.0, "accuracy_when_answered": acc, "line": []},
        "context": {"n": len(correct), "hit_rate": 0.5, "accuracy_when_hit": acc},
    }
    (folder / "report.json").write_text(json.dumps({"pipelines": {"ft": metrics}}))
    return folder


def test_identical_runs_have_no_flips(tmp_path):
    a = _run(tmp_path / "a", [True, False] * 20)
    cmp = compare_runs(a, a)
    assert cmp["regressions"] == [] and cmp["pipelines"]["ft"]["flips"] == {"fixed": [], "broken": []}
    assert "No significant regressions" in render_comparison(cmp)


def test_a_large_drop_is_a_significant_regression(tmp_path):
    a = _run(tmp_path / "a", [True] * 40)
    b = _run(tmp_path / "b", [True] * 25 + [False] * 15)
    cmp = compare_runs(a, b)
    assert [r["pipeline"] for r in cmp["regressions"]] == ["ft"]
    assert len(cmp["pipelines"]["ft"]["flips"]["broken"]) == 15
    text = render_comparison(cmp)
    assert "REGRESSION" in text
    assert cmp["pipelines"]["ft"]["diagnostics"]["right_when_hit"]["delta"] == -0.375
    assert "| ft | 100.0% -> 100.0% | 100.0% -> 62.5% | 50.0% -> 50.0% | 100.0% -> 62.5% |" in text


def test_a_small_drop_is_not_flagged(tmp_path):
    a = _run(tmp_path / "a", [True] * 40)
    b = _run(tmp_path / "b", [True] * 38 + [False] * 2)
    assert compare_runs(a, b)["regressions"] == []


def test_missing_report_is_a_clear_error(tmp_path):
    with pytest.raises(EngrainError, match="no report.json"):
        compare_runs(tmp_path, tmp_path)
