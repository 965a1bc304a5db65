"""The table behind `model.refuse_below = "auto"` (the default, engrain.model.calibrate): chosen on a
project's dev split, never on its eval set.

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

from engrain.answerers import AnswererFactory
from engrain.config import load as load_config
from engrain.model.calibrate import choose, measure
from engrain.workspace import Workspace, read_split


def table(rows: list[dict], title: str) -> tuple[float, list[dict]]:
    pick, out = choose(rows)
    print(
        f"\n{title}: {len(rows)} questions\n| refuse_below | accuracy | hallucination | abstention |\n|---|---|---|---|"
    )
    for t in out:
        print(f"| {t['threshold']:.2f} | {t['correct']:.1%} | {t['hallucinated']:.1%} | {t['abstained']:.1%} |")
    return pick, out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--check", type=int, default=0, help="also replay on N eval-file questions outside the eval sample")
    ap.add_argument(
        "--limit", type=int, help="the eval sample's eval.limit, kept out of --check (default: the config's)"
    )
    args = ap.parse_args()
    cfg = load_config(args.config, ["model.refuse_below=0"] + ([f"eval.limit={args.limit}"] if args.limit else []))
    ft = AnswererFactory.for_workspace(cfg, Workspace(cfg)).build("ft")  # loaded once for both question sets
    pick, _ = table(measure(ft, read_split(Workspace(cfg), "dev"), cfg.model.refusal), "dev split")
    print(f"chosen: model.refuse_below = {pick:.2f} (best dev accuracy; what `auto` stores with the model)")
    if args.check:
        from external_dev import dev_questions

        _, checked = table(
            measure(ft, dev_questions(cfg, args.check), cfg.model.refusal),
            "eval-file questions outside the eval sample",
        )
        at = next(t for t in checked if t["threshold"] == pick)
        print(
            f"there, at {pick:.2f}: accuracy {at['correct']:.1%}, hallucination {at['hallucinated']:.1%} "
            f"(off: {checked[0]['correct']:.1%}, {checked[0]['hallucinated']:.1%})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
