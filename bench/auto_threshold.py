"""Choose `rag.auto_confidence` on a project's dev split, never on its eval set.

Every dev question is answered once closed-book by the tuned model (its answer, confidence,
whether the passages confirm it) and once by the tuned model reading the passages; `auto`'s
accuracy, hallucination and retrieved share are then replayed for each threshold. Prints a
table and the lowest threshold whose accuracy is within `--tolerance` of the best one (less
retrieval for the same accuracy).

    python bench/auto_threshold.py -c PROJECT/engrain.toml [--tolerance 0.01]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engrain.answerers import AnswererFactory
from engrain.config import load as load_config
from engrain.rag.answerer import RagAnswerer
from engrain.rag.verify import supported
from engrain.scoring import is_abstention, score
from engrain.workspace import Workspace, read_split

GRID = [0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.01]


def measure(cfg) -> list[dict]:
    factory = AnswererFactory.for_workspace(cfg, Workspace(cfg))
    closed = factory.build("ft")
    reader = RagAnswerer("read", factory.tuned, factory.retriever, cfg.rag.top_k, cfg.model.refusal)
    rows = []
    for it in read_split(Workspace(cfg), "dev"):
        a = closed.answer(it.question, it.kind)
        g = factory.tuned.generate(factory.tuned.chat_ids(it.question))
        passages, _ = factory.retriever.search(it.question, cfg.rag.top_k)
        r = reader.answer(it.question, it.kind)
        rows.append(
            {
                "confidence": a.confidence,
                "min_p": math.exp(min(g.logprobs or [0.0])),
                "refused": is_abstention(a.text),
                "confirmed": supported(a.text, it.question, passages),
                "closed": score(a.text, it.answers, it.wrong),
                "read": score(r.text, it.answers, it.wrong),
            }
        )
    return rows


def replay(rows: list[dict], threshold: float, read_refusals: bool, measure: str = "confidence") -> dict:
    acc = hal = retrieved = 0
    for r in rows:
        if r["refused"]:
            s, looked = (r["read"], True) if read_refusals else (r["closed"], False)
        elif r[measure] >= threshold:
            s, looked = r["closed"], False
        else:
            s, looked = (r["closed"] if r["confirmed"] else r["read"]), True
        acc, hal, retrieved = acc + s["correct"], hal + s["hallucinated"], retrieved + looked
    n = len(rows)
    return {"threshold": threshold, "accuracy": acc / n, "hallucination": hal / n, "retrieved": retrieved / n}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--tolerance", type=float, default=0.01)
    ap.add_argument("--dump", type=Path, help="write the per-question measurements here (JSONL)")
    args = ap.parse_args()
    cfg = load_config(args.config)
    rows = measure(cfg)
    if args.dump:
        args.dump.write_text("\n".join(json.dumps(r) for r in rows))
    table = [replay(rows, t, cfg.rag.read_refusals) for t in GRID]
    print(
        f"dev questions: {len(rows)}; closed-book {sum(r['closed']['correct'] for r in rows) / len(rows):.1%}, "
        f"reading {sum(r['read']['correct'] for r in rows) / len(rows):.1%}"
    )
    print("| threshold | accuracy | hallucination | retrieved |\n|---|---|---|---|")
    for t in table:
        print(f"| {t['threshold']:.2f} | {t['accuracy']:.1%} | {t['hallucination']:.1%} | {t['retrieved']:.1%} |")
    best = max(t["accuracy"] for t in table)
    pick = min(t["threshold"] for t in table if t["accuracy"] >= best - args.tolerance)
    print(f"chosen: rag.auto_confidence = {pick:.2f} (lowest within {args.tolerance:.0%} of the best dev accuracy)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
