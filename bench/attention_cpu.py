"""Flash vs plain (matrix-product) attention for one training step on CPU, by row length.

engrain trains rows up to `engrain.train.trainer.MATH_ATTENTION_MAX_LEN` tokens with PyTorch's
plain SDPA backend on CPU, longer ones with its flash kernel; this bench is where that
threshold comes from. For each length it takes a batch of real synthesized examples of about
that length (up to 8, at most `train.max_batch_tokens` tokens), runs forward and backward with
each backend in turn in the same process (so machine drift hits both), and prints the best of
five timings and their ratio. bf16 autocast where the CPU has it, as training does.

    python bench/attention_cpu.py --examples WS/workspace/synth/train.jsonl
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=Path, required=True, help="a synthesized train.jsonl")
    ap.add_argument("--lengths", default="64,96,128,160,200,256,400")
    args = ap.parse_args()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    from engrain.config import EngrainConfig
    from engrain.io import read_jsonl
    from engrain.records import Example
    from engrain.train import trainer

    cfg = EngrainConfig()
    cfg.train.dev_max_questions = 0
    run = trainer.setup(cfg, [Example(**r) for r in read_jsonl(args.examples)], [], Path(tempfile.mkdtemp()))
    encoded = sorted(run.encoded, key=lambda e: len(e["input_ids"]))
    backends = {"flash": contextlib.nullcontext, "plain": lambda: sdpa_kernel(SDPBackend.MATH)}
    print(f"bf16 autocast: {run.bf16}")
    print(f"{'rows <=':>8s} {'batch':>6s} {'flash ms':>9s} {'plain ms':>9s} {'flash/plain':>12s}")
    for length in map(int, args.lengths.split(",")):
        size = max(1, min(8, cfg.train.max_batch_tokens // length))
        pool = [e for e in encoded if 0.8 * length <= len(e["input_ids"]) <= length][:size]
        if len(pool) < size:
            continue
        batch = trainer._collate(run, pool)
        best = {}
        for name, backend in backends.items():
            times = []
            for _ in range(6):
                t0 = time.perf_counter()
                with backend(), trainer.autocast(run.bf16):
                    loss = run.loss(batch)
                loss.backward()
                run.optimizer.zero_grad(set_to_none=True)
                times.append(time.perf_counter() - t0)
            best[name] = min(times[1:]) * 1e3  # the first pass warms the allocator
        print(f"{length:8d} {size:6d} {best['flash']:9.0f} {best['plain']:9.0f} {best['flash'] / best['plain']:12.2f}")


if __name__ == "__main__":
    main()
