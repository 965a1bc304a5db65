"""`model.refuse_below = "auto"`: the refusal threshold of a tuned model, chosen on its dev split.

After training, every dev question is answered once closed-book (the answer and its confidence,
the geometric mean probability of its tokens); `ft` is then replayed at each threshold of
GRID (below it the answer becomes the refusal) and the threshold with the best dev accuracy
is kept (the lowest of equals: fewer refusals). The choice and its table are written into the
model folder (`CALIBRATION`), so a registered model carries its own threshold wherever it is
served. Fewer than MIN_QUESTIONS dev questions choose nothing: the fallback (the parent model's
threshold in a retrain cycle, else off) is kept, since on 11 questions a threshold that refused
every answer once scored best. On the demo and on wiki-newpages-bio the choice kept eval accuracy
and cut ft's hallucinations by 60-90% (docs/experiments.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from engrain.io import read_json, write_json
from engrain.model.answerer import ClosedBookAnswerer, recall_route
from engrain.model.batching import answer_all
from engrain.records import EvalItem
from engrain.scoring import score

CALIBRATION = "refusal.json"  # in the model folder, beside the weights
GRID = [0.0, 0.5, 0.8, 0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.99]
MIN_QUESTIONS = 30  # below this a choice is noise: one question moves accuracy by 3+ points


def measure(
    answerer: ClosedBookAnswerer,
    items: Sequence[EvalItem],
    refusal: str,
    advance: Callable[[], None] | None = None,
    batch: int = 1,
) -> list[dict]:
    """Each qa question answered once by `answerer` (its threshold off), `batch` at a time, with what
    the refusal would score."""
    qa = [it for it in items if it.kind == "qa"]
    return [
        {
            "id": it.id,
            "text": a.text,
            "confidence": a.confidence,
            "answer": score(a.text, it.answers, it.wrong),
            "refusal": score(refusal, it.answers, it.wrong),
        }
        for it, a in zip(qa, answer_all(answerer, [(it.question, it.kind) for it in qa], batch, advance))
    ]


def replay(rows: list[dict], threshold: float) -> dict:
    """`ft` with `model.refuse_below = threshold`, by the rule its answerer applies."""
    picked = [
        r["answer"] if recall_route(r["text"], r["confidence"], threshold) == "closed-book" else r["refusal"]
        for r in rows
    ]
    n = len(rows) or 1
    return {
        "threshold": threshold,
        **{k: round(sum(s[k] for s in picked) / n, 4) for k in ("correct", "hallucinated", "abstained")},
    }


def choose(rows: list[dict], fallback: float = 0.0, min_questions: int = 1) -> tuple[float, list[dict]]:
    """The threshold with the best accuracy over `rows` (the lowest of equals) and the whole table;
    `fallback` with fewer than `min_questions` rows."""
    table = [replay(rows, t) for t in sorted({*GRID, fallback})]
    if len(rows) < max(min_questions, 1):
        return fallback, table
    best = max(t["correct"] for t in table)
    return min(t["threshold"] for t in table if t["correct"] >= best), table


def calibrate(
    answerer: ClosedBookAnswerer,
    dev: Sequence[EvalItem],
    refusal: str,
    model_dir: Path,
    advance: Callable[[], None] | None = None,
    batch: int = 1,
    fallback: float = 0.0,
    min_questions: int = MIN_QUESTIONS,
) -> dict:
    """Choose the threshold on `dev` and write it into `model_dir`; returns what was written
    (`kept`: the fallback stood because `dev` was too small to choose)."""
    rows = measure(answerer, dev, refusal, advance, batch)
    threshold, table = choose(rows, fallback, min_questions)
    record = {
        "refuse_below": threshold,
        "dev_questions": len(rows),
        "kept": len(rows) < min_questions,
        "table": table,
        "off": table[0],
        "chosen": next(t for t in table if t["threshold"] == threshold),
    }
    write_json(model_dir / CALIBRATION, record)
    return record


def chosen(model_dir: Path | None) -> float:
    """The threshold written beside a model's weights; 0 (off) for a model without one (trained by
    an engrain without calibration, or without a dev split)."""
    path = model_dir / CALIBRATION if model_dir else None
    return float(read_json(path)["refuse_below"]) if path and path.is_file() else 0.0


def threshold(setting: float | str, model_dir: Path | None) -> float:
    """`model.refuse_below` as applied to the model in `model_dir`: a number as set, auto as chosen."""
    return chosen(model_dir) if setting == "auto" else float(setting)
