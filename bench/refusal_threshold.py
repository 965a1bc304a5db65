"""Choose `model.refuse_below` on a project's dev split, never on its eval set.

Every dev question is answered once by the tuned model closed-book (its answer and the answer's
confidence, the geometric mean probability of its tokens); `ft` with the setting is then
replayed per threshold: below it the answer becomes the refusal. Prints a table and the
threshold with the best dev accuracy (the lowest of equals: fewer refusals). `--check N` then
replays the same on N questions of the eval file outside its eval sample (`eval.limit`), to
see whether the dev split's choice carries over to questions written by someone else.

    python bench/refusal_threshold.py -c PROJECT/engrain.toml [--check 120] [--limit 8]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engrain.answerers import AnswererFactory  # noqa: E402
from engrain.config import load as load_config  # noqa: E402
from engrain.evaluate.metrics import score  # noqa: E402
from engrain.model.answerer import recall_route  # noqa: E402
from engrain.recipe import load_split  # noqa: E402
from engrain.workspace import Workspace  # noqa: E402

GRID = [0.0, 0.5, 0.8, 0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.99]


def measure(cfg, ft, items: list) -> list[dict]:
    """Each qa question answered once closed-book by `ft` (built with the threshold off), with
    what the refusal would have scored."""
    rows = []
    for it in items:
        if it.kind != "qa":
            continue
        a = ft.answer(it.question, it.kind)
        rows.append({"id": it.id, "text": a.text, "confidence": a.confidence, "answer": score(a.text, it.answers, it.wrong),
                     "refusal": score(cfg.synth.refusal, it.answers, it.wrong)})
    return rows


def replay(rows: list[dict], threshold: float) -> dict:
    """`ft` with `model.refuse_below = threshold`, by the rule its answerer applies."""
    picked = [r["answer"] if recall_route(r["text"], r["confidence"], threshold) == "closed-book" else r["refusal"]
              for r in rows]
    n = len(rows)
    return {"threshold": threshold, **{k: sum(s[k] for s in picked) / n for k in ("correct", "hallucinated", "abstained")}}


def table(rows: list[dict], title: str) -> list[dict]:
    out = [replay(rows, t) for t in GRID]
    print(f"\n{title}: {len(rows)} questions\n| refuse_below | accuracy | hallucination | abstention |\n|---|---|---|---|")
    for t in out:
        print(f"| {t['threshold']:.2f} | {t['correct']:.1%} | {t['hallucinated']:.1%} | {t['abstained']:.1%} |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--check", type=int, default=0, help="also replay on N eval-file questions outside the eval sample")
    ap.add_argument("--limit", type=int, help="the eval sample's eval.limit, kept out of --check (default: the config's)")
    args = ap.parse_args()
    cfg = load_config(args.config, ["model.refuse_below=0"] + ([f"eval.limit={args.limit}"] if args.limit else []))
    ft = AnswererFactory.for_workspace(cfg, Workspace(cfg)).build("ft")  # loaded once for both question sets
    dev = table(measure(cfg, ft, load_split(cfg, "dev")), "dev split")
    best = max(t["correct"] for t in dev)
    pick = min(t["threshold"] for t in dev if t["correct"] >= best)
    print(f"chosen: model.refuse_below = {pick:.2f} (best dev accuracy)")
    if args.check:
        from external_dev import dev_questions

        checked = table(measure(cfg, ft, dev_questions(cfg, args.check)), "eval-file questions outside the eval sample")
        at = next(t for t in checked if t["threshold"] == pick)
        print(f"there, at {pick:.2f}: accuracy {at['correct']:.1%}, hallucination {at['hallucinated']:.1%} "
              f"(off: {checked[0]['correct']:.1%}, {checked[0]['hallucinated']:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
