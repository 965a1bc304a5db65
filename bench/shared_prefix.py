"""Training steps with the prompt every row shares computed once, against every row computed whole.

The same batches of a project's synthesized examples (its schedule's first --steps, after one
warm-up step), timed with the trainer's own step (`time_steps`, as the plan times this machine)
once with the shared prefix and once without, alternating which goes first per repeat; the
loss is the same either way (tests/train/test_loss.py). Prints seconds, tokens/s and the share
of tokens the shared prefix saves.

    python bench/shared_prefix.py -c engrain-demo/engrain.toml [--steps 30] [--repeats 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()

    from engrain.config import load
    from engrain.io import read_jsonl
    from engrain.plan.speed import shapes
    from engrain.records import Example
    from engrain.train import loss, schedule
    from engrain.workspace import Workspace

    cfg = load(args.config)
    examples = [Example(**r) for r in read_jsonl(Workspace(cfg).path("synth", "train"))]
    lengths, _ = shapes(cfg, examples)
    t = cfg.train
    batches = schedule.build(lengths, [e.kind for e in examples], [], 1, t.batch_size, 1, cfg.train_seed, -1, t.batch_order)
    steps = batches.epoch_batches(0)[: args.steps + 1]  # the first warms up
    tokens = sum(lengths[i] for b in steps[1:] for i in b)
    seconds: dict[str, list[float]] = {"shared": [], "whole": []}
    for r in range(args.repeats):
        for mode in ("shared", "whole") if r % 2 == 0 else ("whole", "shared"):
            loss.MIN_SHARED_PREFIX = 8 if mode == "shared" else 10**9
            with tempfile.TemporaryDirectory() as tmp:
                from engrain.train.trainer import time_steps

                seconds[mode].append(sum(time_steps(cfg, examples, steps, Path(tmp))[1:]))
            print(f"repeat {r + 1}, {mode}: {seconds[mode][-1]:.1f} s", flush=True)
    best = {m: min(s) for m, s in seconds.items()}
    print(f"\n{len(steps) - 1} steps, {tokens:,} tokens (batch {t.batch_size}, order {t.batch_order})")
    for mode, s in best.items():
        print(f"{mode:>6s}: {s:7.1f} s  {tokens / s:7.1f} tokens/s")
    print(f"shared / whole tokens/s: {best['whole'] / best['shared']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
