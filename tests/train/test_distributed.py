"""Data-parallel training: two processes (torchrun, gloo on CPU) take the steps one process takes
on the whole global batch, and only process 0 writes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from engrain.config import EngrainConfig
from engrain.records import Example
from engrain.train.trainer import train

SCRIPT = """
import json, sys
from engrain.config import EngrainConfig
from engrain.records import Example
from engrain.train.trainer import train
cfg = EngrainConfig.model_validate_json(open(sys.argv[1]).read())
examples = [Example(**e) for e in json.load(open(sys.argv[2]))]
res = train(cfg, examples, [], sys.argv[3], sys.argv[3] + "/model", progress=False)
json.dump(res.to_dict(), open(sys.argv[3] + f"/result-{__import__('os').environ['RANK']}.json", "w"))
"""


def _examples() -> list[Example]:
    """Answers of different lengths, so the two processes' shares differ in size and padding."""
    return [Example("qa", messages=[{"role": "user", "content": f"What is the port of unit {i}?"},
                                    {"role": "assistant", "content": "port " + " ".join(["7418"] * (1 + i % 4))}])
            for i in range(12)]


def _cfg(tiny_model: Path, batch_size: int) -> EngrainConfig:
    cfg = EngrainConfig(seed=0)
    cfg.model.base, cfg.model.threads = str(tiny_model), 1
    cfg.train.epochs, cfg.train.batch_size, cfg.train.learning_rate, cfg.train.logging_steps = 2, batch_size, 5e-3, 1
    cfg.train.bf16 = "off"  # one step on the global batch equals the summed shares in fp32, not under bf16 rounding
    return cfg


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_take_the_steps_of_one_on_the_global_batch(tiny_model, tmp_path):
    examples = _examples()
    (tmp_path / "cfg.json").write_text(_cfg(tiny_model, 2).model_dump_json())
    (tmp_path / "examples.json").write_text(json.dumps([e.__dict__ for e in examples]))
    (tmp_path / "run.py").write_text(SCRIPT)
    work = tmp_path / "dp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", str(_free_port()), str(tmp_path / "run.py"), str(tmp_path / "cfg.json"),
           str(tmp_path / "examples.json"), str(work)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    single = train(_cfg(tiny_model, 4), examples, [], tmp_path / "one", tmp_path / "one" / "model", progress=False)
    dp = [json.loads((work / f"result-{r}.json").read_text()) for r in (0, 1)]
    assert dp[0]["processes"] == 2 and dp[0]["steps"] == single.steps == 6  # 12 examples / global batch 4, 2 epochs
    assert [p["loss"] for p in dp[0]["loss_curve"]] == [p["loss"] for p in dp[1]["loss_curve"]]  # one loss, summed
    for a, b in zip(dp[0]["loss_curve"], single.loss_curve):
        assert abs(a["loss"] - b["loss"]) < 1e-3, (a, b)
    mine = load_file(work / "model" / "adapter_model.safetensors")
    ref = load_file(tmp_path / "one" / "model" / "adapter_model.safetensors")
    assert mine.keys() == ref.keys()
    for k in ref:
        torch.testing.assert_close(mine[k], ref[k], atol=1e-4, rtol=1e-3)
    assert sorted(p.name for p in work.iterdir()) == ["model", "result-0.json", "result-1.json"]  # checkpoints cleaned
