"""Stage `ingest`: documents and chat logs read, scrubbed and written with provenance hashes."""

from __future__ import annotations

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.io import write_jsonl
from engrain.progress import Say
from engrain.workers import Workers
from engrain.workspace import Workspace


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, progress: bool) -> None:
    from engrain.ingest import load_documents, load_logs

    if not cfg.data.docs:
        raise EngrainError("no documents configured: set data.docs in the config (files or folders)")
    d = cfg.data
    workers = Workers(d.workers, d.engine)
    docs = load_documents([cfg.path(p) for p in d.docs], d.scrub_pii, d.max_file_mb, d.scrub_names == "all", workers)
    logs = load_logs(
        [cfg.path(p) for p in d.logs], d.scrub_pii, d.max_file_mb, d.scrub_names in ("logs", "all"), workers
    )
    ws.begin("ingest")
    write_jsonl(ws.path("ingest", "documents"), docs)
    write_jsonl(ws.path("ingest", "logs"), logs)
    words = sum(len(d.text.split()) for d in docs)
    ws.mark(
        "ingest",
        key,
        documents=len(docs),
        words=words,
        conversations=len(logs),
        sources={d.id: d.sha256 for d in docs},
        log_sources={c.id: c.sha256 for c in logs},
    )
    say(f"ingest: {len(docs)} documents ({words:,} words), {len(logs)} conversations")
