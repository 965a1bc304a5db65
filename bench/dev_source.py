"""Which dev split tunes ft's refusal threshold closer to questions people write: the synthesized one
or a share of the user's eval file (`synth.dev_from_eval`).

For a trained project with an eval file, the eval file is split as synthesis splits it
(`hold_out_dev`, seed and share from the config); the tuned model answers every question closed-book
once, with its confidence (threshold off, batched). Then ft is replayed at the threshold the model
carries (chosen on whatever dev split it was trained with) and at the one the held-out share
chooses (engrain.model.calibrate), and each is scored on the dev share and on the rest of the file.
A single-epoch run has one checkpoint, so the threshold is all the dev split decides there.

    python bench/dev_source.py -c /tmp/engrain-external/wiki-newpages-bio/engrain.toml [--share 0.25]
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
    ap.add_argument("--share", type=float, help="the eval file's share held out as dev (default: synth.dev_from_eval)")
    args = ap.parse_args()
    from engrain.answerers import AnswererFactory
    from engrain.config import load
    from engrain.evaluate.evalfile import load_eval_file
    from engrain.io import read_json
    from engrain.model.answerer import ClosedBookAnswerer
    from engrain.model.calibrate import CALIBRATION, choose, measure, replay
    from engrain.synth.build import hold_out_dev
    from engrain.workspace import Workspace

    cfg = load(args.config)
    if not cfg.data.eval:
        print("the project has no eval file (data.eval): nothing to hold out", file=sys.stderr)
        return 2
    share = cfg.synth.dev_from_eval if args.share is None else args.share
    items = [it for it in load_eval_file(cfg.path(cfg.data.eval)) if it.kind == "qa"]
    dev, rest = hold_out_dev(items, share, cfg.synth.dev_max_facts, cfg.seed)
    ws = Workspace(cfg)
    model_dir = ws.path("train", "model")
    carried = read_json(model_dir / CALIBRATION)
    with AnswererFactory.for_workspace(cfg, ws, cfg.eval.batch) as f:
        rows = measure(ClosedBookAnswerer("ft", f.tuned), dev + rest, cfg.model.refusal, None, cfg.eval.batch)
    on_dev, on_rest = rows[: len(dev)], rows[len(dev) :]
    chosen, _ = choose(on_dev)
    print(f"{len(dev)} dev questions (share {share:g} of the eval file), {len(rest)} eval questions\n")
    print("| dev split | threshold | dev accuracy | eval accuracy | eval hallucination | eval answered |")
    print("|---|---|---|---|---|---|")
    for label, t in (
        (f"the model's own ({carried.get('dev_questions', '?')} questions)", carried["refuse_below"]),
        ("the eval file's held-out share", chosen),
        ("none (threshold off)", 0.0),
    ):
        d, e = replay(on_dev, t), replay(on_rest, t)
        print(
            f"| {label} | {t:.2f} | {d['correct']:.1%} | {e['correct']:.1%} | {e['hallucinated']:.1%} | "
            f"{1 - e['abstained']:.1%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
