"""engrain's trainer vs TRL's SFTTrainer (the peer): same model, examples and hyper-parameters, one run.

Each contender trains in its own process (so peak RSS is its own) for the same number of
optimizer steps on the demo's synthesized examples, tokenised once by engrain (TRL gets the
very token ids and completion masks). Prints tokens/s (real tokens, padding excluded), peak
RSS, the fraction of this machine's measured matmul peak each reaches, and the ratios. Both
train in the same precision: fp32, or with `--bf16` bf16 autocast (a CPU with avx512_bf16/AMX,
or a GPU).

    python bench/train_vs_trl.py [--steps 30] [--bf16] [--examples workspace/synth/train.jsonl] [--trainers engrain,trl]

Needs `pip install trl` (a bench-only dependency).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BATCH, LR, WARMUP = 8, 1e-3, 0.05
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--examples", type=Path, help="a train.jsonl (default: synthesize the demo's)")
    ap.add_argument("--trainers", default="engrain,trl,trl-grouped", help="comma-separated subset to run")
    ap.add_argument("--bf16", action="store_true", help="both contenders with bf16 autocast (default: fp32)")
    ap.add_argument("--worker", choices=["engrain", "trl", "trl-grouped"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.examples, args.steps, args.bf16)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        examples = args.examples or _demo_examples(Path(tmp))
        peak, flops = _matmul_peak_gflops(args.bf16), _flops_per_token()
        rows = {name: _spawn(name, examples, args.steps, args.bf16) for name in args.trainers.split(",")}
    print(f"machine {'bf16' if args.bf16 else 'fp32'} matmul peak: {peak:.0f} GFLOP/s (2 threads)")
    print(f"{'trainer':12s} {'tokens/s':>9s} {'peak RSS MB':>12s} {'of peak':>8s} {'steps':>6s}")
    for name, r in rows.items():
        util = r["tokens_per_s"] * flops / (peak * 1e9)
        print(f"{name:12s} {r['tokens_per_s']:9.1f} {r['peak_rss_mb']:12.0f} {util:8.1%} {r['steps']:6d}")
    notes = {
        "trl": "TRL defaults: random batches padded to the longest",
        "trl-grouped": "TRL with length-grouped batches",
    }
    for peer in [p for p in ("trl", "trl-grouped") if p in rows and "engrain" in rows]:
        e, t = rows["engrain"], rows[peer]
        print(
            f"ratio engrain/{peer}: tokens/s {e['tokens_per_s'] / t['tokens_per_s']:.2f}x, "
            f"peak RSS {e['peak_rss_mb'] / t['peak_rss_mb']:.2f}x ({notes[peer]})"
        )


def _spawn(name: str, examples: Path, steps: int, bf16: bool) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, "--examples", str(examples), "--steps", str(steps)]
    out = subprocess.run(cmd + (["--bf16"] if bf16 else []), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _demo_examples(tmp: Path) -> Path:
    from engrain import recipe
    from engrain.demo.domain import build_domain
    from engrain.demo.project import write_demo_config
    from engrain.workspace import Workspace

    build_domain(tmp / "domain", seed=0)
    cfg = write_demo_config(tmp, "full")
    recipe.ingest(cfg)
    recipe.synth(cfg, progress=False)
    src = Workspace(cfg).dir("synth") / "train.jsonl"
    dest = tmp / "train.jsonl"
    dest.write_bytes(src.read_bytes())
    return dest


def _matmul_peak_gflops(bf16: bool) -> float:
    import torch

    torch.set_num_threads(2)
    dtype = torch.bfloat16 if bf16 else torch.float32
    a, b = torch.randn(2048, 2048, dtype=dtype), torch.randn(2048, 2048, dtype=dtype)
    for _ in range(3):
        a @ b
    t0, n = time.perf_counter(), 10
    for _ in range(n):
        a @ b
    return 2 * 2048**3 * n / (time.perf_counter() - t0) / 1e9


def _encoded(path: Path):
    from engrain.config import EngrainConfig
    from engrain.model.loading import load_causal_lm
    from engrain.records import Example
    from engrain.train.data import encode

    cfg = EngrainConfig()
    _, tok = load_causal_lm(cfg.model.base)
    rows = [Example(**json.loads(line)) for line in path.read_text().splitlines()]
    return cfg, tok, [encode(e, tok, cfg.model.system_prompt, cfg.train.max_seq_len) for e in rows]


def _flops_per_token() -> int:
    """Forward (2N) and the gradient w.r.t. activations (2N); LoRA's own weight gradients are negligible."""
    from engrain.config import EngrainConfig
    from engrain.model.loading import load_causal_lm

    model, _ = load_causal_lm(EngrainConfig().model.base)
    return 4 * sum(p.numel() for p in model.parameters())


def _run_engrain(examples: Path, steps: int, bf16: bool) -> dict:
    from engrain.config import EngrainConfig
    from engrain.records import Example
    from engrain.train.trainer import train

    cfg = EngrainConfig()
    cfg.model.threads = 2
    cfg.train.max_steps, cfg.train.batch_size, cfg.train.learning_rate = steps, BATCH, LR
    cfg.train.warmup_ratio, cfg.train.save_every = WARMUP, 10**6
    cfg.train.bf16 = "on" if bf16 else "off"
    rows = [Example(**json.loads(line)) for line in examples.read_text().splitlines()]
    with tempfile.TemporaryDirectory() as out:
        r = train(cfg, rows, [], out, Path(out) / "model", progress=False)
    return {"tokens_per_s": r.tokens / r.seconds, "peak_rss_mb": _peak_rss_mb(), "steps": r.steps}


def _run_trl(examples: Path, steps: int, bf16: bool, grouped: bool = False) -> dict:
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    from engrain.model.loading import load_causal_lm

    torch.set_num_threads(2)
    cfg, tok, enc = _encoded(examples)
    data = Dataset.from_list(
        [{"input_ids": e["input_ids"], "completion_mask": [int(lab != -100) for lab in e["labels"]]} for e in enc]
    )
    model, _ = load_causal_lm(cfg.model.base, dtype="float32")
    args = SFTConfig(
        output_dir=tempfile.mkdtemp(),
        max_steps=steps,
        per_device_train_batch_size=BATCH,
        learning_rate=LR,
        lr_scheduler_type="cosine",
        warmup_steps=int(steps * WARMUP),
        weight_decay=0.0,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        completion_only_loss=True,
        max_length=cfg.train.max_seq_len,
        seed=cfg.seed,
        disable_tqdm=True,
        bf16=bf16,
        dataset_num_proc=None,
        **({"train_sampling_strategy": "group_by_length"} if grouped else {}),
    )
    lora = LoraConfig(
        r=cfg.train.lora_r, lora_alpha=cfg.train.lora_alpha, target_modules=TARGETS, task_type="CAUSAL_LM"
    )
    trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tok, peft_config=lora)
    t0 = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - t0
    tokens = max(h.get("num_tokens", 0) for h in trainer.state.log_history)  # non-padding tokens seen
    return {"tokens_per_s": tokens / seconds, "peak_rss_mb": _peak_rss_mb(), "steps": trainer.state.global_step}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WORKERS = {"engrain": _run_engrain, "trl": _run_trl, "trl-grouped": lambda e, s, b: _run_trl(e, s, b, grouped=True)}

if __name__ == "__main__":
    main()
