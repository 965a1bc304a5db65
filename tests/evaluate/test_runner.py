from engrain.evaluate.runner import run, sample_items, summarise, throughput, timed_sample
from engrain.records import Answer, EvalItem


def test_sample_items_is_stratified_and_seeded():
    items = [EvalItem(str(i), f"q{i}", ["a"], "lookup" if i % 2 else "synthesis") for i in range(40)]
    a, b = sample_items(items, 5, seed=1), sample_items(items, 5, seed=1)
    assert [i.id for i in a] == [i.id for i in b] and len(a) == 10
    assert sum(i.category == "lookup" for i in a) == 5
    assert sample_items(items, 0, seed=1) == items


class _Echo:
    name = "echo"

    def answer(self, question, kind="qa"):
        return Answer(
            "85 °C" if "temp" in question else "The documentation does not say.",
            10,
            2,
            {"total": 5.0, "ttft": 1.0, "prefill": 1.0, "decode": 3.0},
        )


def test_summarise_scores_and_tests_pairs():
    rows = []
    for name in ("a", "b"):
        for i in range(10):
            ok = name == "a" or i < 2
            rows.append(
                {
                    "pipeline": name,
                    "id": str(i),
                    "category": "lookup",
                    "kind": "qa",
                    "correct": ok,
                    "exact_match": float(ok),
                    "f1": float(ok),
                    "hallucinated": not ok,
                    "abstained": False,
                    "prompt_tokens": 10,
                    "completion_tokens": 2,
                    "timings_ms": {"total": 10.0 + i, "ttft": 2.0, "prefill": 2.0, "decode": 5.0},
                    **({"route": "recall" if i < 3 else "read"} if name == "b" else {}),
                }
            )
    s = summarise(rows)
    assert "routes" not in s["pipelines"]["a"] and s["pipelines"]["b"]["routes"] == {"read": 0.7, "recall": 0.3}
    assert s["pipelines"]["a"]["accuracy"] == 1.0 and s["pipelines"]["b"]["accuracy"] == 0.2
    lo, hi = s["pipelines"]["b"]["accuracy_ci"]
    assert lo <= 0.2 <= hi
    assert s["significance"][0]["b10"] + s["significance"][0]["b01"] == 8


def test_throughput_reports_every_level():
    items = [EvalItem("1", "temp?", ["85 °C"])]
    out = throughput(_Echo(), items, [1, 2], 4)
    assert [r["concurrency"] for r in out] == [1, 2] and all(r["qps"] > 0 for r in out)


def test_the_timed_sample_is_spread_over_the_questions_and_the_same_every_time():
    items = [EvalItem(str(i), f"q{i}", ["a"]) for i in range(40)]
    picked = timed_sample(items, 8)
    assert len(picked) == 8 and picked == timed_sample(items, 8)
    assert {"0", "5", "35"} <= picked
    assert timed_sample(items, 0) == {it.id for it in items} == timed_sample(items, 100)


class _Slow:
    """Answers alone in 5 ms, in a batch in 500 ms (what a batched row's timings would look like)."""

    name = "slow"

    def __init__(self) -> None:
        self.threads: set[str] = set()

    def answer(self, question, kind="qa"):
        import threading

        self.threads.add(threading.current_thread().name)
        alone = threading.current_thread() is threading.main_thread()
        ms = 5.0 if alone else 500.0
        return Answer(question.upper(), 10, 2, {"total": ms, "ttft": ms / 5, "prefill": ms / 5, "decode": ms / 2})


def test_questions_outside_the_timed_sample_are_answered_concurrently_and_kept_out_of_latency():
    items = [EvalItem(str(i), f"q{i}", [f"Q{i}"]) for i in range(12)]
    timed = timed_sample(items, 3)
    answerer = _Slow()
    rows = run(answerer, items, warmup=0, timed=timed, batch=4)
    assert [r["id"] for r in rows] == [it.id for it in items] and all(r["correct"] for r in rows)
    assert sum(r["timed"] for r in rows) == 3 and len(answerer.threads) > 1
    m = summarise(rows)["pipelines"]["slow"]
    assert m["timed_n"] == 3 and m["latency_ms"]["mean"] == 5.0 and m["accuracy"] == 1.0
