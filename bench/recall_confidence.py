"""ft+rag's `rag.recall_confidence`, chosen on the dev split: how sure a confirmed recall must be to stand.

In verify mode a recalled answer stands when a retrieved passage states its values; on prose a
wrong recall often passes that check (its name or year is in a passage about the subject without
being the answer). For a trained project this answers the dev questions (the eval file's held-out
share, as bench/hybrid_modes.py) once closed-book and once by reading, then replays ft+rag at each
threshold: a confirmed recall at or above it stands, anything else is read (a refusal as
`rag.read_refusals` says). rag answers the same questions for reference. Batched, accuracy only.

    python bench/recall_confidence.py -c wnmulti/engrain.toml
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GRID = [0.0, 0.5, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 1.01]


def main() -> int:
    from hybrid_modes import project_dev

    cfg, ws, dev = project_dev(__doc__)
    rows, rag = _measure(cfg, ws, dev)
    n = len(rows)
    print(f"{n} dev questions; rag {sum(r['correct'] for r in rag) / n:.1%}\n")
    print("| rag.recall_confidence | ft+rag accuracy | hallucination | recalls standing |")
    print("|---|---|---|---|")
    for c in GRID:
        picked = [_replay(r, c, cfg.rag.read_refusals) for r in rows]
        acc, hal = (sum(p[k] for p in picked) / n for k in ("correct", "hallucinated"))
        kept = sum(r["supported"] and r["confidence"] >= c for r in rows)
        print(f"| {c:.2f} | {acc:.1%} | {hal:.1%} | {kept} |")
    return 0


def _measure(cfg, ws, dev) -> tuple[list[dict], list[dict]]:
    """Per dev question: the closed-book answer's score, confidence and check, and the reading's score."""
    from engrain.answerers import AnswererFactory
    from engrain.evaluate import runner
    from engrain.model.answerer import ClosedBookAnswerer
    from engrain.model.batching import answer_all
    from engrain.rag.verify import supported
    from engrain.scoring import is_abstention, score

    with AnswererFactory.for_workspace(cfg, ws, cfg.eval.batch) as factory, factory.memoized():
        rag = runner.run(factory.build("rag"), dev, 0, None, set(), cfg.eval.batch)
        always_read = {"hybrid": "verify", "read_refusals": True, "recall_confidence": 1.01}
        factory.cfg = cfg.model_copy(update={"rag": factory.cfg.rag.model_copy(update=always_read)})
        read = runner.run(factory.build("ft+rag"), dev, 0, None, set(), cfg.eval.batch)
        asked = [(d.question, d.kind) for d in dev]
        closed = answer_all(ClosedBookAnswerer("ft", factory.tuned), asked, cfg.eval.batch)
        rows = []
        for d, a, r in zip(dev, closed, read):
            passages, _ = factory.retriever.search(d.question, factory.cfg.rag.top_k)
            rows.append(
                {
                    "recall": score(a.text, d.answers, d.wrong),
                    "read": {k: r[k] for k in ("correct", "hallucinated")},
                    "confidence": a.confidence or 0.0,
                    "supported": supported(a.text, d.question, passages),
                    "refused": is_abstention(a.text),
                }
            )
    return rows, rag


def _replay(row: dict, threshold: float, read_refusals: bool) -> dict:
    """ft+rag's answer's score at `threshold`, by the rule VerifiedAnswerer applies."""
    if row["refused"] and not read_refusals:
        return row["recall"]
    return row["recall"] if row["supported"] and row["confidence"] >= threshold else row["read"]


if __name__ == "__main__":
    sys.exit(main())
