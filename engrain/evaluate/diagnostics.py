"""Why a pipeline fails: was the answer in what it retrieved, and what it gets right when it answers.

A retrieving pipeline that is wrong either never saw the answer (retrieval failed: the context
missed) or saw it and did not use it (the reader failed); `context_rank` and the accuracy split by
hit and miss tell the two apart. Every pipeline also answers only part of the questions: the
risk-coverage line gives the accuracy a user gets at each answer rate, so a pipeline that wins by
refusing shows as one.
"""

from __future__ import annotations

from collections.abc import Sequence

from engrain.records import Passage
from engrain.scoring import contains

COVERAGE_STEPS = 10  # points of the risk-coverage line, at 10%, 20%, ... of the questions


def context_rank(passages: Sequence[Passage], references: Sequence[str]) -> int | None:
    """The rank (1 = first) of the first retrieved passage that holds a reference answer, 0 when none does;
    None when nothing was retrieved or the question has no reference (nothing to find)."""
    if not passages or not references:
        return None
    return next((rank for rank, p in enumerate(passages, 1) if contains(p.text, references)), 0)


def context_metrics(rows: list[dict]) -> dict | None:
    """Context hit at k, where the first hit ranks, and accuracy when the answer was and was not retrieved."""
    seen = [r for r in rows if r.get("context_rank") is not None]
    if not seen:
        return None
    hit = [r for r in seen if r["context_rank"] > 0]
    missed = [r for r in seen if r["context_rank"] == 0]
    ranks: dict[str, int] = {}
    for r in hit:
        ranks[str(r["context_rank"])] = ranks.get(str(r["context_rank"]), 0) + 1
    return {
        "n": len(seen),
        "hit_rate": round(len(hit) / len(seen), 4),
        "first_hit_rank": dict(sorted(ranks.items(), key=lambda kv: int(kv[0]))),
        "accuracy_when_hit": _accuracy(hit),
        "accuracy_when_missed": _accuracy(missed),
    }


def risk_coverage(rows: list[dict]) -> dict:
    """The share of questions answered (not declined), the accuracy on those, and the line of accuracy against
    answer rate: answers ranked by the pipeline's confidence where it gives one, so cutting at any rate keeps
    its surest answers (without confidence the line is the one point the pipeline reached)."""
    answered = [r for r in rows if not r["abstained"]]
    out = {
        "answered": round(len(answered) / len(rows), 4) if rows else 0.0,
        "accuracy_when_answered": _accuracy(answered),
    }
    if not answered:
        return out | {"line": []}
    if any("confidence" not in r for r in answered):
        return out | {"line": [{"coverage": out["answered"], "accuracy": out["accuracy_when_answered"]}]}
    ranked = sorted(answered, key=lambda r: -r["confidence"])
    line, right = [], 0
    points = {max(1, round(len(rows) * k / COVERAGE_STEPS)) for k in range(1, COVERAGE_STEPS + 1)} | {len(ranked)}
    for i, r in enumerate(ranked, 1):
        right += bool(r["correct"])
        if i in points:
            line.append({"coverage": round(i / len(rows), 4), "accuracy": round(right / i, 4)})
    return out | {"line": line}


def _accuracy(rows: list[dict]) -> float | None:
    return round(sum(bool(r["correct"]) for r in rows) / len(rows), 4) if rows else None
