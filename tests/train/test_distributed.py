"""Data-parallel training: two processes (torchrun, gloo on CPU) take the steps one process takes
on the whole global batch, and only process 0 writes; sharded (FSDP2) as well, killed and resumed."""

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
from engrain.records import EvalItem, Example
from engrain.train.trainer import train

# Dev questions make every process generate (sharded: all gather the weights) and save the best weights.
DEV = [
    EvalItem("d1", "What is the port of unit 3?", ["7418"]),
    EvalItem("d2", "What is the port of unit 99?", [], "unanswerable"),
]

SCRIPT = """
import json, os, sys
from engrain.config import EngrainConfig
from engrain.records import EvalItem, Example
from engrain.train import trainer
from engrain.train.trainer import train
step, begun = trainer._step, []
def watched(run):  # notes where the run began; KILL_AT_STEP: a kill -9 of both processes as that step begins
    begun.append(run.progress.step + 1)
    if begun[-1] == int(os.environ.get("KILL_AT_STEP", 0)):
        os._exit(9)
    return step(run)
trainer._step = watched
cfg = EngrainConfig.model_validate_json(open(sys.argv[1]).read())
examples = [Example(**e) for e in json.load(open(sys.argv[2]))]
dev = [EvalItem(**d) for d in json.load(open(sys.argv[4]))]
res = train(cfg, examples, dev, sys.argv[3], sys.argv[3] + "/model", progress=False)
json.dump({**res.to_dict(), "first_step": begun[0]}, open(sys.argv[3] + f"/result-{os.environ['RANK']}.json", "w"))
"""


def _examples() -> list[Example]:
    """Answers of different lengths, so the two processes' shares differ in size and padding."""
    return [
        Example(
            "qa",
            messages=[
                {"role": "user", "content": f"What is the port of unit {i}?"},
                {"role": "assistant", "content": "port " + " ".join(["7418"] * (1 + i % 4))},
            ],
        )
        for i in range(12)
    ]


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


def _launch(tmp_path: Path, cfg: EngrainConfig, work: Path, **env) -> subprocess.CompletedProcess:
    (tmp_path / "cfg.json").write_text(cfg.model_dump_json())
    (tmp_path / "examples.json").write_text(json.dumps([e.__dict__ for e in _examples()]))
    (tmp_path / "dev.json").write_text(json.dumps([d.__dict__ for d in DEV]))
    (tmp_path / "run.py").write_text(SCRIPT)
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_addr",
        "127.0.0.1",
        "--master_port",
        str(_free_port()),
        str(tmp_path / "run.py"),
        str(tmp_path / "cfg.json"),
        str(tmp_path / "examples.json"),
        str(work),
        str(tmp_path / "dev.json"),
    ]
    return subprocess.run(
        cmd, env={**os.environ, "OMP_NUM_THREADS": "1", **env}, capture_output=True, text=True, timeout=600
    )


def _same_as_single(tiny_model: Path, tmp_path: Path, work: Path) -> list[dict]:
    single = train(_cfg(tiny_model, 4), _examples(), DEV, tmp_path / "one", tmp_path / "one" / "model", progress=False)
    dp = [json.loads((work / f"result-{r}.json").read_text()) for r in (0, 1)]
    assert dp[0]["processes"] == 2 and dp[0]["steps"] == single.steps == 6  # 12 examples / global batch 4, 2 epochs
    assert dp[0]["dev_curve"] == single.dev_curve and dp[0]["best_step"] == single.best_step
    assert [p["loss"] for p in dp[0]["loss_curve"]] == [p["loss"] for p in dp[1]["loss_curve"]]  # one loss, summed
    for a, b in zip(dp[0]["loss_curve"], single.loss_curve, strict=True):
        assert abs(a["loss"] - b["loss"]) < 1e-3, (a, b)
    mine = load_file(work / "model" / "adapter_model.safetensors")
    ref = load_file(tmp_path / "one" / "model" / "adapter_model.safetensors")
    assert mine.keys() == ref.keys()
    for k in ref:
        torch.testing.assert_close(mine[k], ref[k], atol=1e-4, rtol=1e-3)
    assert sorted(p.name for p in work.iterdir()) == ["model", "result-0.json", "result-1.json"]  # checkpoints cleaned
    return dp


def test_two_processes_take_the_steps_of_one_on_the_global_batch(tiny_model, tmp_path):
    work = tmp_path / "dp"
    done = _launch(tmp_path, _cfg(tiny_model, 2), work)
    assert done.returncode == 0, done.stderr[-3000:]
    dp = _same_as_single(tiny_model, tmp_path, work)
    assert not dp[0]["sharded"] and dp[0]["first_step"] == 1


def test_sharded_processes_killed_and_resumed_take_the_steps_of_one(tiny_model, tmp_path):
    cfg, work = _cfg(tiny_model, 2), tmp_path / "fsdp"
    cfg.train.sharding, cfg.train.save_every = "fsdp", 2
    killed = _launch(tmp_path, cfg, work, KILL_AT_STEP="5")
    assert killed.returncode != 0 and (work / "checkpoints" / "step-4").is_dir(), killed.stderr[-3000:]
    done = _launch(tmp_path, cfg, work)
    assert done.returncode == 0, done.stderr[-3000:]
    dp = _same_as_single(tiny_model, tmp_path, work)
    assert dp[0]["sharded"] and dp[0]["first_step"] == dp[1]["first_step"] == 5  # resumed after step 4


def test_grad_op_sharding_takes_the_steps_of_one(tiny_model, tmp_path):
    cfg, work = _cfg(tiny_model, 2), tmp_path / "grad-op"
    cfg.train.sharding = "fsdp-grad-op"
    done = _launch(tmp_path, cfg, work)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _same_as_single(tiny_model, tmp_path, work)[0]["sharded"]
