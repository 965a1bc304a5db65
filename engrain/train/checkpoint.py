"""Resumable training state: written whole or not at all, resumed only under the settings that made it.

A checkpoint is a folder `step-N` holding the trainable weights, the optimizer and schedule,
the RNG state and the curves so far, plus the fingerprint of everything that shapes the run
(training settings, base model, the encoded examples) and those settings in the clear. It is
written under a temporary name and renamed, so a kill -9 mid-write leaves the previous
checkpoint as the latest complete one. A checkpoint made under other settings is never deleted:
it is set aside under its fingerprint (the newest few are kept), and a run whose settings match
it again resumes from it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch

from engrain.io import atomic_path

STATE = "state.pt"
FINGERPRINT = "fingerprint.txt"
SETTINGS = "settings.json"
BEST = "best"
KEPT_ASIDE = 2  # checkpoints of other settings kept (each as large as a checkpoint)


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


def save(
    folder: Path,
    fingerprint: str,
    state,
    scheduler,
    progress: Progress,
    write: bool = True,
    settings: dict | None = None,
) -> Path:
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
        (tmp / SETTINGS).write_text(json.dumps(settings or {}, sort_keys=True))
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


def settings_of(path: Path) -> dict:
    try:
        return json.loads((path / SETTINGS).read_text())
    except (OSError, ValueError):
        return {}  # a checkpoint from before settings were kept in the clear


def set_aside(last: Path, best: Path, aside: Path) -> Path:
    """Move a checkpoint of other settings (and its run's best dev weights, `best`) to `aside/<its fingerprint>/`,
    keeping the newest KEPT_ASIDE."""
    dest = aside / (fingerprint_of(last) or "unknown")[:16] / last.name
    shutil.rmtree(dest.parent, ignore_errors=True)
    dest.parent.mkdir(parents=True)
    last.rename(dest)
    if best.is_dir():
        best.rename(dest.parent / BEST)
    kept = sorted((p for p in aside.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEPT_ASIDE:]:
        shutil.rmtree(old, ignore_errors=True)
    return dest


def take_back(aside: Path, fingerprint: str, folder: Path, best: Path) -> Path | None:
    """The checkpoint set aside under this fingerprint, moved back into `folder` and its best dev weights to
    `best` (None: there is none)."""
    found = latest(aside / fingerprint[:16])
    if found is None or fingerprint_of(found) != fingerprint:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / found.name
    found.rename(dest)
    if (found.parent / BEST).is_dir():
        (found.parent / BEST).rename(best)
    shutil.rmtree(found.parent, ignore_errors=True)
    return dest


def changed(old: dict, new: dict) -> str:
    """'train.learning_rate 0.001 -> 0.0005' for each setting that differs; '' when only the data did."""
    names = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if not old:
        return ""
    out = []
    for name in names:
        a, b = old.get(name), new.get(name)
        if isinstance(a, dict) and isinstance(b, dict):
            out += [f"{name}.{k} {a.get(k)} -> {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        else:
            out.append(f"{name} {a} -> {b}")
    return ", ".join(out)
