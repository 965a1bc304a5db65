"""The demo's project config: the same TOML a user would write, sized for a 2-core CPU."""

from __future__ import annotations

from pathlib import Path

from engrain.config import EngrainConfig, dump_toml
from engrain.io import write_text


def demo_config(quick: bool = False) -> EngrainConfig:
    cfg = EngrainConfig(name="corvid-instruments-demo", workspace="workspace", seed=0)
    cfg.data.docs = ["domain/docs"]
    cfg.data.logs = ["domain/logs/support.jsonl"]
    cfg.data.eval = "domain/eval.jsonl"
    # Budget: the demo must finish in ~15 minutes on 2 cores (see README).
    cfg.eval.limit = 15  # questions per category and kind, stratified and seeded
    cfg.synth.views, cfg.synth.paraphrases = 0, 4  # view 0 (the documents themselves) is always trained
    cfg.synth.raft_fraction, cfg.synth.abstain_fraction = 0.05, 0.1
    cfg.train.epochs, cfg.train.learning_rate = 1.0, 2e-3
    if quick:
        cfg.synth.paraphrases, cfg.synth.views = 1, 0
        cfg.train.max_steps, cfg.train.dev_max = 10, 8
        cfg.eval.limit, cfg.eval.warmup = 3, 1
    return cfg


def write_demo_config(out: Path, quick: bool = False) -> Path:
    path = out / "engrain.toml"
    write_text(path, dump_toml(demo_config(quick)))
    return path
