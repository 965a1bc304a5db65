"""Context hit and rank, accuracy split by hit, and the risk-coverage line."""

from engrain.evaluate.diagnostics import context_metrics, context_rank, risk_coverage
from engrain.records import Passage


def _p(text: str) -> Passage:
    return Passage("d", "c", text, 1.0)


def test_context_rank_is_the_first_passage_that_holds_a_reference():
    passages = [_p("The port is 8080."), _p("The default port is 4711."), _p("4711 again")]
    assert context_rank(passages, ["4711"]) == 2
    assert context_rank(passages, ["9999"]) == 0
    assert context_rank([], ["4711"]) is None and context_rank(passages, []) is None
    assert context_rank([_p("port 47110")], ["4711"]) == 0  # whole words, as the scorer reads answers


def _row(correct: bool, rank: int | None = None, abstained: bool = False, confidence: float | None = None) -> dict:
    r = {"correct": correct, "abstained": abstained}
    if rank is not None:
        r["context_rank"] = rank
    if confidence is not None:
        r["confidence"] = confidence
    return r


def test_accuracy_is_split_by_whether_the_answer_was_retrieved():
    rows = [_row(True, 1), _row(False, 1), _row(True, 3), _row(False, 0), _row(False, 0), _row(True)]
    m = context_metrics(rows)
    assert m == {
        "n": 5,
        "hit_rate": 0.6,
        "first_hit_rank": {"1": 2, "3": 1},
        "accuracy_when_hit": round(2 / 3, 4),
        "accuracy_when_missed": 0.0,
    }
    assert context_metrics([_row(True)]) is None  # a closed-book pipeline retrieves nothing


def test_risk_coverage_ranks_answers_by_confidence_and_stops_where_the_pipeline_declined():
    rows = [_row(True, confidence=0.9 - i / 100) for i in range(4)]
    rows += [_row(False, confidence=0.5 - i / 100) for i in range(4)]
    rows += [_row(False, abstained=True, confidence=0.1) for _ in range(2)]
    cov = risk_coverage(rows)
    assert cov["answered"] == 0.8 and cov["accuracy_when_answered"] == 0.5
    line = {p["coverage"]: p["accuracy"] for p in cov["line"]}
    assert line[0.1] == 1.0 and line[0.4] == 1.0 and line[0.6] == round(4 / 6, 4) and line[0.8] == 0.5
    assert max(line) == 0.8  # the declined fifth is never answered
    flat = risk_coverage([_row(True), _row(False), _row(False, abstained=True)])  # no confidence: one point
    assert flat["line"] == [{"coverage": round(2 / 3, 4), "accuracy": 0.5}]
    assert risk_coverage([_row(False, abstained=True)])["line"] == []
