"""Where each stage keeps its outputs, and whether they are still fresh.

Every stage writes `<stage>/manifest.json` holding a key: the hash of its inputs (upstream
keys, the config sections it reads, input file hashes). A stage whose key is unchanged and
whose outputs exist is skipped, so changing one setting re-runs only what depends on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engrain.config import EngrainConfig
from engrain.io import read_json, sha256_json, write_json

STAGES = ("ingest", "index", "synth", "train", "eval", "report")


class Workspace:
    def __init__(self, cfg: EngrainConfig) -> None:
        self.root = cfg.workspace_dir

    def dir(self, stage: str) -> Path:
        return self.root / stage

    def manifest(self, stage: str) -> dict | None:
        path = self.dir(stage) / "manifest.json"
        try:
            return read_json(path) if path.exists() else None
        except Exception:
            return None  # an unreadable manifest just means "stale"

    def key(self, stage: str) -> str | None:
        m = self.manifest(stage)
        return m.get("key") if m else None

    def fresh(self, stage: str, key: str, outputs: list[str]) -> bool:
        return self.key(stage) == key and all((self.dir(stage) / o).exists() for o in outputs)

    def mark(self, stage: str, key: str, **info: Any) -> None:
        """Written last, after the stage's outputs: a crash leaves the stage stale, never falsely fresh."""
        write_json(self.dir(stage) / "manifest.json", {"key": key, **info})


def stage_key(*parts: Any) -> str:
    return sha256_json(json.loads(json.dumps(parts, default=str)))[:16]
