"""Where each stage keeps its outputs, what they are called, and whether they are still fresh.

The artifact table below is the one place that names a stage's files; stages write through
`path` and read each other's outputs through the readers here, never by file name. Every
stage writes `<stage>/manifest.json` holding a key: the hash of its inputs (upstream keys,
the config sections it reads, input file hashes). A stage whose key is unchanged and whose
outputs exist is skipped, so changing one setting re-runs only what depends on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.io import read_json, read_jsonl, sha256_json, write_json
from engrain.records import Conversation, Document, EvalItem, Example

STAGES = ("ingest", "index", "synth", "train", "eval", "report")

# stage -> artifact -> file or folder name; `fresh` requires every one marked True
ARTIFACTS: dict[str, dict[str, tuple[str, bool]]] = {
    "ingest": {"documents": ("documents.jsonl", True), "logs": ("logs.jsonl", True)},
    "index": {"lancedb": ("lancedb", True)},
    "synth": {"train": ("train.jsonl", True), "dev": ("dev.jsonl", True), "eval": ("eval.jsonl", True),
              "stats": ("stats.json", False)},
    "train": {"model": ("model", True), "result": ("train_result.json", True)},
    "eval": {"results": ("results.jsonl", True), "metrics": ("metrics.json", True)},
    "report": {"json": ("report.json", False), "markdown": ("report.md", False), "html": ("report.html", False),
               "results": ("results.jsonl", False)},
    "cache": {"teacher": ("teacher.jsonl", False)},
}


class Workspace:
    def __init__(self, cfg: EngrainConfig) -> None:
        self.root = cfg.workspace_dir

    def dir(self, stage: str) -> Path:
        return self.root / stage

    def path(self, stage: str, artifact: str) -> Path:
        return self.dir(stage) / ARTIFACTS[stage][artifact][0]

    def manifest(self, stage: str) -> dict | None:
        path = self.dir(stage) / "manifest.json"
        try:
            return read_json(path) if path.exists() else None
        except Exception:
            return None  # an unreadable manifest just means "stale"

    def key(self, stage: str) -> str | None:
        m = self.manifest(stage)
        return m.get("key") if m else None

    def fresh(self, stage: str, key: str) -> bool:
        required = [name for name, needed in ARTIFACTS[stage].values() if needed]
        return self.key(stage) == key and all((self.dir(stage) / o).exists() for o in required)

    def mark(self, stage: str, key: str, **info: Any) -> None:
        """Written last, after the stage's outputs: a crash leaves the stage stale, never falsely fresh."""
        write_json(self.dir(stage) / "manifest.json", {"key": key, **info})


def stage_key(*parts: Any) -> str:
    return sha256_json(json.loads(json.dumps(parts, default=str)))[:16]


# -- readers: how one stage reads another's outputs ---------------------------------------
def _need(ws: Workspace, stage: str, artifact: str, command: str) -> Path:
    path = ws.path(stage, artifact)
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
