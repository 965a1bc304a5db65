"""Evaluation answers one at a time (the peer) vs `eval.batch` at a time, same questions, same answerer.

The eval stage answers its timed sample alone and the other questions in batches (their
generations decoded together). This measures what the batches save on a project whose stages
have run (e.g. the demo's workspace), per pipeline, and whether the answers stay the same.

    python bench/eval_batching.py -c engrain-demo/engrain.toml [--pipelines base,rag] [--n 16]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--pipelines", default="base,rag")
    ap.add_argument("--n", type=int, default=16, help="questions per pipeline")
    args = ap.parse_args()
    from engrain.answerers import AnswererFactory
    from engrain.config import load
    from engrain.model.batching import answer_all
    from engrain.workspace import Workspace, read_split

    cfg = load(args.config)
    ws = Workspace(cfg)
    questions = [(it.question, it.kind) for it in read_split(ws, "eval")[: args.n]]
    print(f"{len(questions)} questions, batch {cfg.eval.batch}")
    print("| pipeline | one at a time (s) | batched (s) | speed-up | same answers |\n|---|---|---|---|---|")
    with AnswererFactory.for_workspace(cfg, ws, cfg.eval.batch) as factory:
        for name in args.pipelines.split(","):
            answerer = factory.build(name)
            answerer.answer(*questions[0])  # warm-up: model load, allocator
            t0 = time.perf_counter()
            alone = [answerer.answer(*q) for q in questions]
            t1 = time.perf_counter()
            batched = answer_all(answerer, questions, cfg.eval.batch)
            t2 = time.perf_counter()
            same = sum(a.text == b.text for a, b in zip(alone, batched))
            ratio = (t1 - t0) / (t2 - t1)
            print(f"| {name} | {t1 - t0:.1f} | {t2 - t1:.1f} | {ratio:.1f}x | {same}/{len(questions)} |")


if __name__ == "__main__":
    main()
