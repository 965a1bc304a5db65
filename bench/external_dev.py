"""Settings decided on dev questions, never on the eval sample: replay a trained project on questions
of its eval file that the eval sample does not hold.

For a project whose stages have run (e.g. the workspace of `bench/bench_external.py`), this draws
`--n` questions from outside the eval sample (`eval.limit`, `seed`), answers them with `ft`, `rag`,
`ft+rag` and `ft+rag` reading after a refusal (`rag.read_refusals = true`), then asks the tuned
model again every question it refused with the refusal blocked: how many of its refusals hid an
answer it knew.

    python bench/external_dev.py -c /tmp/engrain-external/wiki-newpages-bio/engrain.toml [--n 120] [--limit 120]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--n", type=int, default=120, help="dev questions")
    ap.add_argument("--limit", type=int, default=120, help="the eval sample's eval.limit, kept out of dev")
    args = ap.parse_args()
    from engrain.answerers import AnswererFactory
    from engrain.config import load
    from engrain.evaluate import runner
    from engrain.recipe import load_split
    from engrain.workspace import Workspace

    cfg = load(args.config, [f"eval.limit={args.limit}"])
    everything = load_split(cfg, "eval")
    held = {it.id for it in runner.sample_items(everything, cfg.eval.limit, cfg.seed)}
    dev = random.Random(cfg.seed + 12345).sample([it for it in everything if it.id not in held], args.n)
    print(f"dev: {len(dev)} questions outside the eval sample of {len(held)}")
    print("| pipeline | accuracy | hallucination | abstention | token F1 |\n|---|---|---|---|---|")
    ft_rows = []
    for overrides, names in (([], ["ft", "rag", "ft+rag"]), (["rag.read_refusals=true"], ["ft+rag"])):
        c = load(args.config, [f"eval.limit={args.limit}", *overrides])
        factory = AnswererFactory.for_workspace(c, Workspace(c))
        for name in names:
            rows = runner.run(factory.build(name), dev, 1)
            ft_rows = rows if name == "ft" else ft_rows
            m = runner.summarise(rows)["pipelines"][name]
            label = name + (" (reading after a refusal)" if overrides else "")
            print(f"| {label} | {m['accuracy']:.1%} | {m['hallucination_rate']:.1%} | {m['abstention_rate']:.1%} | {m['f1']:.3f} |",
                  flush=True)
    refused, right = forced_answers(cfg, [r for r in ft_rows if r["abstained"]])
    print(f"ft refused {refused} dev questions; with the refusal blocked, {right} of them were answered correctly")
    return 0


def forced_answers(cfg, rows: list[dict]) -> tuple[int, int]:
    """Greedy answers with the refusal's opening words banned; (questions, correct)."""
    import torch

    from engrain.evaluate.metrics import score
    from engrain.model.generate import chat_prompt_ids
    from engrain.model.loading import load_causal_lm
    from engrain.workspace import Workspace

    model, tok = load_causal_lm(cfg.model.base, cfg.model.dtype, adapter=Workspace(cfg).path("train", "model"))
    opening = " ".join(cfg.synth.refusal.split()[:2])
    bad = [tok(opening, add_special_tokens=False).input_ids, tok(" " + opening, add_special_tokens=False).input_ids]
    right = 0
    for r in rows:
        ids = torch.tensor([chat_prompt_ids(tok, r["question"], cfg.model.system_prompt)])
        out = model.generate(ids, max_new_tokens=cfg.model.max_new_tokens, do_sample=False, bad_words_ids=bad)
        right += score(tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True), r["references"])["correct"]
    return len(rows), right


if __name__ == "__main__":
    sys.exit(main())
