"""Retrieval alone, dense against hybrid (BM25 + dense, reciprocal rank fusion): how often a reference
answer is in the top-k passages, on the dev share of a project's eval file (`hold_out_dev`, as synthesis
splits it), never on its eval sample. No generation: seconds on a CPU.

    python bench/context_hit.py -c /tmp/engrain-external/wiki-newpages-bio/engrain.toml [--k 3 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--k", type=int, nargs="+", default=[3, 5])
    args = ap.parse_args()
    from engrain.config import load
    from engrain.evaluate.diagnostics import context_rank
    from engrain.evaluate.evalfile import load_eval_file
    from engrain.model.loading import load_embedder
    from engrain.rag.index import Retriever
    from engrain.synth.build import hold_out_dev
    from engrain.workspace import Workspace

    cfg = load(args.config)
    if not cfg.data.eval:
        print("the project has no eval file (data.eval)", file=sys.stderr)
        return 2
    items = [it for it in load_eval_file(cfg.path(cfg.data.eval)) if it.kind == "qa" and it.answers]
    dev, _ = hold_out_dev(items, cfg.synth.dev_from_eval, cfg.synth.dev_max_facts, cfg.seed)
    embedder = load_embedder(cfg.model.embedder)
    print(f"{len(dev)} answerable dev questions; chunks of {cfg.rag.chunk_words} words\n")
    print("| retriever | " + " | ".join(f"hit@{k}" for k in args.k) + " |\n|---|" + "---|" * len(args.k))
    for mode in ("dense", "hybrid"):
        retriever = Retriever(Workspace(cfg).path("index", "lancedb"), embedder, mode)
        ranks = [context_rank(retriever.search(it.question, max(args.k))[0], it.answers) for it in dev]
        cells = [f"{sum(0 < r <= k for r in ranks) / len(ranks):.1%}" for k in args.k]
        print(f"| {mode} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
