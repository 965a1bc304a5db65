"""The model registry: every trained model an immutable, content-addressed, self-describing artifact.

Files live under `<registry>/artifacts/<id>/` (the model folder plus `artifact.json`: base
model, resolved config, data lineage, training result, file hashes); the catalogue, the
aliases and the audit log live in one SQLite database. A change and its audit entry commit
in one transaction, and an artifact's folder is renamed into place whole before its row is
written, so a kill -9 at any moment leaves the old state or the new one, never half.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from engrain.errors import EngrainError
from engrain.io import atomic_path, folder_hashes, sha256_json, write_json
from engrain.registry import audit

ARTIFACT = "artifact.json"
HEAD = "audit-head.json"  # the newest audit entry, outside the database
UNCHECKED = object()  # `promote` without an expected current value
SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS models (id TEXT PRIMARY KEY, created REAL NOT NULL, base TEXT, method TEXT,
    meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, model_id TEXT NOT NULL REFERENCES models(id),
    updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS alias_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, alias TEXT NOT NULL,
    model_id TEXT, previous TEXT, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS evaluations (model_id TEXT NOT NULL REFERENCES models(id), at REAL NOT NULL,
    report TEXT NOT NULL);
"""
    + audit.SCHEMA
)


@dataclass
class Model:
    id: str
    created: float
    base: str
    method: str
    meta: dict
    aliases: list[str]


class Registry:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.root / "catalogue.sqlite", timeout=30, isolation_level=None)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------
    def register(self, model_dir: Path, meta: dict, who: str, why: str = "") -> str:
        """Copy a trained model in under its content hash; registering the same files twice is a no-op."""
        files = folder_hashes(model_dir)
        if not files:
            raise EngrainError(f"nothing to register: {model_dir} holds no files")
        model_id = sha256_json(files)[:16]
        if self._row(model_id) is not None:
            return model_id
        dest = self.root / "artifacts" / model_id
        if not (dest / ARTIFACT).exists():
            with atomic_path(dest, is_dir=True) as tmp:
                shutil.copytree(model_dir, tmp, dirs_exist_ok=True)
                write_json(tmp / ARTIFACT, {"id": model_id, "files": files, **meta})
        with self._transaction():
            self.db.execute(
                "INSERT INTO models VALUES (?, ?, ?, ?, ?)",
                (model_id, time.time(), meta.get("base", ""), meta.get("method", ""), json.dumps(meta)),
            )
            audit.append(self.db, who, "register", model_id, why)
        return model_id

    def promote(self, model_id: str, alias: str, who: str, why: str = "", expect: object = UNCHECKED) -> str | None:
        """Point `alias` at a model; `expect` (the id, or None, the caller saw) makes a concurrent
        change fail instead of both winning."""
        self.verify(model_id)
        with self._transaction():
            current = self.alias(alias)
            if expect is not UNCHECKED and current != expect:
                raise EngrainError(f"{alias} changed to {current} meanwhile; nothing promoted")
            self._set_alias(alias, model_id, current)
            audit.append(self.db, who, "promote", model_id, why, {"alias": alias, "previous": current})
        return current

    def rollback(self, alias: str, who: str, why: str = "") -> str:
        """Point `alias` back at the model it named before its last change (repeatable: walks back)."""
        with self._transaction():
            row = self.db.execute(
                "SELECT seq, previous FROM alias_history WHERE alias = ? ORDER BY seq DESC LIMIT 1", (alias,)
            ).fetchone()
            if row is None or row[1] is None:
                raise EngrainError(f"nothing to roll back: {alias} has no earlier model")
            current = self.alias(alias)
            self.db.execute(
                "UPDATE aliases SET model_id = ?, updated = ? WHERE alias = ?", (row[1], time.time(), alias)
            )
            self.db.execute("DELETE FROM alias_history WHERE seq = ?", (row[0],))
            audit.append(self.db, who, "rollback", row[1], why, {"alias": alias, "from": current})
        return row[1]

    def store_eval_set(self, path: Path) -> str:
        """Freeze an eval set (content-addressed, kept whatever happens to the workspace); its sha256."""
        from engrain.io import sha256_file

        sha = sha256_file(path)
        dest = self.root / "evalsets" / f"{sha}.jsonl"
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(dest) as tmp:
                shutil.copyfile(path, tmp)
        return sha

    def eval_set(self, sha: str) -> Path:
        path = self.root / "evalsets" / f"{sha}.jsonl"
        if not path.exists():
            raise EngrainError(f"frozen eval set {sha[:12]} is missing from {path.parent}")
        return path

    def record_discard(self, model_id: str, files: dict[str, str], who: str, why: str = "") -> None:
        """Audit what training data was deleted after `model_id` was registered: names and sha256, no content."""
        with self._transaction():
            audit.append(self.db, who, "discard", model_id, why, {"files": files})

    def add_evaluation(self, model_id: str, report: dict, who: str) -> None:
        with self._transaction():
            self.db.execute("INSERT INTO evaluations VALUES (?, ?, ?)", (model_id, time.time(), json.dumps(report)))
            audit.append(self.db, who, "evaluate", model_id, "", {"questions": report.get("eval", {}).get("questions")})

    # -- reading ---------------------------------------------------------------------------
    def alias(self, alias: str) -> str | None:
        row = self.db.execute("SELECT model_id FROM aliases WHERE alias = ?", (alias,)).fetchone()
        return row[0] if row else None

    def resolve(self, ref: str) -> str:
        """An id, a unique id prefix, or an alias."""
        if (by_alias := self.alias(ref)) is not None:
            return by_alias
        rows = self.db.execute("SELECT id FROM models WHERE id LIKE ?", (ref + "%",)).fetchall()
        if len(rows) != 1:
            raise EngrainError(
                f"no model or alias {ref!r}" if not rows else f"{ref!r} names {len(rows)} models: give more of the id"
            )
        return rows[0][0]

    def models(self) -> list[Model]:
        aliases: dict[str, list[str]] = {}
        for alias, mid in self.db.execute("SELECT alias, model_id FROM aliases ORDER BY alias"):
            aliases.setdefault(mid, []).append(alias)
        return [
            Model(r[0], r[1], r[2], r[3], json.loads(r[4]), aliases.get(r[0], []))
            for r in self.db.execute("SELECT * FROM models ORDER BY created")
        ]

    def show(self, ref: str) -> dict:
        model_id = self.resolve(ref)
        model = next(m for m in self.models() if m.id == model_id)
        evals = [
            json.loads(r[0])
            for r in self.db.execute("SELECT report FROM evaluations WHERE model_id = ? ORDER BY at", (model_id,))
        ]
        return {
            "id": model.id,
            "created": model.created,
            "aliases": model.aliases,
            **model.meta,
            "evaluations": [_headline(e) for e in evals],
        }

    def path(self, ref: str) -> Path:
        """The verified model folder of an id or alias, to load."""
        model_id = self.resolve(ref)
        self.verify(model_id)
        return self.root / "artifacts" / model_id

    def verify(self, model_id: str) -> None:
        """Refuse an artifact whose files no longer match the hashes it was registered with."""
        folder = self.root / "artifacts" / model_id
        try:
            recorded = json.loads((folder / ARTIFACT).read_text())["files"]
        except (OSError, ValueError, KeyError):
            raise EngrainError(f"model {model_id}: {ARTIFACT} is missing or unreadable") from None
        found = folder_hashes(folder, skip=ARTIFACT)
        for name in sorted(set(recorded) | set(found)):
            if recorded.get(name) != found.get(name):
                raise EngrainError(
                    f"model {model_id} is corrupted: {name} {'is missing' if name not in found else 'changed'}"
                )

    # -- internals -------------------------------------------------------------------------
    def _row(self, model_id: str):
        return self.db.execute("SELECT id FROM models WHERE id = ?", (model_id,)).fetchone()

    def _set_alias(self, alias: str, model_id: str, current: str | None) -> None:
        if self._row(model_id) is None:
            raise EngrainError(f"no model {model_id}")
        self.db.execute(
            "INSERT INTO aliases VALUES (?, ?, ?) ON CONFLICT(alias) DO UPDATE SET model_id = excluded.model_id, "
            "updated = excluded.updated",
            (alias, model_id, time.time()),
        )
        self.db.execute(
            "INSERT INTO alias_history (alias, model_id, previous, at) VALUES (?, ?, ?, ?)",
            (alias, model_id, current, time.time()),
        )

    def verify_audit(self) -> list[str]:
        head_file = self.root / HEAD
        known = json.loads(head_file.read_text()) if head_file.exists() else None
        return audit.verify(self.db, known)

    def _transaction(self):
        return _Transaction(self.db, lambda: write_json(self.root / HEAD, audit.head(self.db)))


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT: one writer at a time; an exception (or a kill) rolls everything back."""

    def __init__(self, db: sqlite3.Connection, after_commit) -> None:
        self.db, self.after_commit = db, after_commit

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *exc) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        if not exc_type:
            self.after_commit()


def _headline(report: dict) -> dict:
    pipes = report.get("pipelines", {})
    return {
        "questions": report.get("eval", {}).get("questions"),
        "accuracy": {n: m.get("accuracy") for n, m in pipes.items()},
        "hallucination": {n: m.get("hallucination_rate") for n, m in pipes.items()},
    }
