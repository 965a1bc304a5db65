"""Resumable training state: written whole or not at all, resumed only under the settings that made it.

A checkpoint is a folder `step-N` holding the trainable weights, the optimizer and schedule,
the RNG state and the curves so far, plus the fingerprint of everything that shapes the run
(training settings, base model, the encoded examples). It is written under a temporary name
and renamed, so a kill -9 mid-write leaves the previous checkpoint as the latest complete one.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch

from engrain.io import atomic_path

STATE = "state.pt"
FINGERPRINT = "fingerprint.txt"


@dataclass
class Progress:
    """Where a run stands: restored from a checkpoint, extended by every step."""

    step: int = 0
    tokens: int = 0
    seconds: float = 0.0  # training time of every earlier part of an interrupted run
    loss_curve: list[dict] = field(default_factory=list)
    window: list[float] = field(default_factory=list)  # step losses since the last logged point
    dev_curve: list[dict] = field(default_factory=list)
    best_acc: float = -1.0
    best_step: int | None = None


def save(folder: Path, fingerprint: str, state, scheduler, progress: Progress, write: bool = True) -> Path:
    """Write `folder/step-N` atomically, then drop the older ones. `state`: a sharding.LocalState or
    ShardedState; a sharded one gathers its tensors first, so every process calls and one `write`s."""
    dest = folder / f"step-{progress.step}"
    weights, optimizer = state.trainable(), state.optimizer_state()
    if not write:
        return dest
    with atomic_path(dest, is_dir=True) as tmp:
        torch.save(
            {
                "weights": weights,
                "optimizer": optimizer,
                "scheduler": scheduler.state_dict(),
                "rng": torch.get_rng_state(),
                "progress": progress.__dict__,
            },
            tmp / STATE,
        )
        (tmp / FINGERPRINT).write_text(fingerprint)
    for old in folder.glob("step-*"):
        if old != dest:
            shutil.rmtree(old, ignore_errors=True)
    return dest


def latest(folder: Path) -> Path | None:
    """The newest complete checkpoint (temporary folders from a killed write are ignored)."""
    done = (
        [p for p in folder.glob("step-*") if (p / STATE).is_file() and (p / FINGERPRINT).is_file()]
        if folder.is_dir()
        else []
    )
    return max(done, key=lambda p: int(p.name.split("-")[1]), default=None)


def load(path: Path, state, scheduler) -> Progress:
    saved = torch.load(path / STATE, weights_only=False)
    state.restore(saved["weights"], saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    torch.set_rng_state(saved["rng"])
    return Progress(**saved["progress"])


def fingerprint_of(path: Path) -> str | None:
    try:
        return (path / FINGERPRINT).read_text()
    except OSError:
        return None
