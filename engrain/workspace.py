"""Where each stage keeps its outputs, what they are called, and whether they are still fresh.

The artifact table below is the one place that names a stage's files; stages write through
`path` and read each other's outputs through the readers here, never by file name. Every
stage writes `<stage>/manifest.json` holding a key: the hash of its inputs (upstream keys,
the config sections it reads, input file hashes). A stage whose key is unchanged and whose
outputs exist is skipped, so changing one setting re-runs only what depends on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.io import folder_hashes, read_json, read_jsonl, sha256_file, sha256_json, write_json
from engrain.records import Conversation, Document, EvalItem, Example

STAGES = ("ingest", "index", "synth", "tune_rag", "baseline", "train", "eval", "report")
MANIFEST, LOCK = "manifest.json", ".lock"
_HELD: set[Path] = set()  # workspace locks this process holds

# stage -> artifact -> file or folder name; `fresh` requires every one marked True
ARTIFACTS: dict[str, dict[str, tuple[str, bool]]] = {
    "ingest": {"documents": ("documents.jsonl", True), "logs": ("logs.jsonl", True)},
    "index": {"lancedb": ("lancedb", True)},
    "synth": {
        "train": ("train.jsonl", True),
        "dev": ("dev.jsonl", True),
        "eval": ("eval.jsonl", True),
        "stats": ("stats.json", False),
    },
    "tune_rag": {"choice": ("choice.json", True), "indexes": ("indexes", False)},
    "train": {"model": ("model", True), "result": ("train_result.json", True), "plan": ("plan.json", False)},
    "baseline": {"results": ("results.jsonl", True)},
    "eval": {"results": ("results.jsonl", True), "metrics": ("metrics.json", True)},
    "report": {
        "json": ("report.json", False),
        "markdown": ("report.md", False),
        "html": ("report.html", False),
        "results": ("results.jsonl", False),
    },
    "cache": {"teacher": ("teacher.jsonl", False)},
    "registry": {"catalogue": ("catalogue.sqlite", False)},
    "retrain": {
        "json": ("cycle.json", False),
        "markdown": ("cycle.md", False),
        "model": ("model", False),
        "work": ("train", False),
        "plan": ("plan.json", False),
    },  # under retrain/<cycle key>/
    "leakage": {"json": ("leakage.json", False), "markdown": ("leakage.md", False)},  # under leakage/report/
    "ablate": {"json": ("ablation.json", False), "markdown": ("ablation.md", False), "plot": ("ablation.png", False)},
}


def artifact_in(folder: str | Path, stage: str, artifact: str) -> Path:
    """An artifact in a folder outside the workspace layout: a report written to --out, an ablation."""
    return Path(folder) / ARTIFACTS[stage][artifact][0]


class Workspace:
    def __init__(self, cfg: EngrainConfig) -> None:
        self.root = cfg.workspace_dir

    def dir(self, stage: str) -> Path:
        return self.root / stage

    def path(self, stage: str, artifact: str) -> Path:
        return self.dir(stage) / ARTIFACTS[stage][artifact][0]

    def manifest(self, stage: str) -> dict | None:
        path = self.dir(stage) / MANIFEST
        try:
            return read_json(path) if path.exists() else None
        except Exception:
            return None  # an unreadable manifest just means "stale"

    def key(self, stage: str) -> str | None:
        m = self.manifest(stage)
        return m.get("key") if m else None

    def fresh(self, stage: str, key: str) -> bool:
        """Same inputs, every required output present (or deliberately discarded) and unchanged since the
        stage wrote it."""
        m = self.manifest(stage)
        if not m or m.get("key") != key:
            return False
        gone = m.get("discarded", {})
        required = [name for name, needed in ARTIFACTS[stage].values() if needed and name not in gone]
        if not all((self.dir(stage) / o).exists() for o in required):
            return False
        return m.get("outputs") == self._output_hashes(stage)

    def discard(self, stage: str, artifacts: list[str]) -> dict[str, str]:
        """Delete a stage's data files, keeping their hashes in its manifest (the stage stays fresh for what
        does not need them); returns {file: sha256} of what was deleted."""
        m = self.manifest(stage) or {}
        gone = dict(m.get("discarded", {}))
        for artifact in artifacts:
            path = self.path(stage, artifact)
            if path.is_file():
                gone[path.name] = sha256_file(path)
        if m:  # the manifest first: a kill between the two leaves files the manifest no longer vouches for
            write_json(
                self.dir(stage) / MANIFEST,
                {**m, "discarded": gone, "outputs": {k: v for k, v in m.get("outputs", {}).items() if k not in gone}},
            )
        for name in gone:
            (self.dir(stage) / name).unlink(missing_ok=True)
        return {f"{stage}/{k}": v for k, v in gone.items()}

    def discarded(self, stage: str, artifact: str) -> bool:
        return ARTIFACTS[stage][artifact][0] in (self.manifest(stage) or {}).get("discarded", {})

    def begin(self, stage: str) -> None:
        """Called before a stage writes: from here until `mark`, a kill leaves the stage stale."""
        (self.dir(stage) / MANIFEST).unlink(missing_ok=True)

    def mark(self, stage: str, key: str, **info: Any) -> None:
        """Written last, after the stage's outputs, with their hashes: a crash leaves the stage
        stale, never falsely fresh, and a damaged output is noticed on the next run."""
        write_json(self.dir(stage) / MANIFEST, {"key": key, "outputs": self._output_hashes(stage), **info})

    def _output_hashes(self, stage: str) -> dict[str, str]:
        out = {}
        for name, _ in ARTIFACTS[stage].values():
            path = self.dir(stage) / name
            if path.is_file():
                out[name] = sha256_file(path)
            elif path.is_dir():
                out[name] = sha256_json(folder_hashes(path))
        return out

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One engrain run per workspace at a time; the OS drops the lock when its process dies (kill -9 too)."""
        path = self.root / LOCK
        if path in _HELD:  # this process already holds it (a stage inside `run`)
            yield
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.seek(0)
                holder = f.read().strip() or "?"
                raise EngrainError(
                    f"another engrain run (pid {holder}) is using {self.root}; wait for it or stop it"
                ) from None
            f.seek(0)
            f.truncate()
            f.write(str(os.getpid()))
            f.flush()
            _HELD.add(path)
            try:
                yield
            finally:
                _HELD.discard(path)
                fcntl.flock(f, fcntl.LOCK_UN)


def stage_key(*parts: Any) -> str:
    return sha256_json(json.loads(json.dumps(parts, default=str)))[:16]


# -- readers: how one stage reads another's outputs ---------------------------------------
def _need(ws: Workspace, stage: str, artifact: str, command: str) -> Path:
    path = ws.path(stage, artifact)
    if ws.discarded(stage, artifact):
        raise EngrainError(
            f"{stage} data was discarded after training (train.discard_data); rebuild it from the "
            f"sources with `engrain {stage} --force`"
        )
    if not path.exists():
        raise EngrainError(f"no {stage} output yet ({path.name}): run `engrain {command}` first")
    return path


def read_corpus(ws: Workspace) -> tuple[list[Document], list[Conversation]]:
    docs = _need(ws, "ingest", "documents", "ingest")
    return [Document(**r) for r in read_jsonl(docs)], [Conversation(**r) for r in read_jsonl(ws.path("ingest", "logs"))]


def read_split(ws: Workspace, name: str) -> list:
    """Training examples ("train") or held-out questions ("dev", "eval")."""
    cls = Example if name == "train" else EvalItem
    return [cls(**r) for r in read_jsonl(_need(ws, "synth", name, "synth"))]


def read_artifact(ws: Workspace, stage: str, artifact: str) -> dict:
    """A stage's JSON summary (synth stats, train result, eval metrics)."""
    return read_json(_need(ws, stage, artifact, stage))
