"""Stage `synth`: training examples and the dev and eval splits, from the corpus (and a teacher, if set)."""

from __future__ import annotations

from engrain.config import EngrainConfig
from engrain.evaluate.evalfile import load_eval_file
from engrain.io import write_json, write_jsonl
from engrain.progress import Say
from engrain.workers import Workers
from engrain.workspace import Workspace, read_corpus


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, progress: bool) -> None:
    from engrain.rag.chunk import chunk_corpus
    from engrain.synth.build import synthesize

    eval_items = load_eval_file(cfg.path(cfg.data.eval)) if cfg.data.eval else None
    docs, logs = read_corpus(ws)
    chunks = chunk_corpus(docs, cfg.rag.chunk_words, cfg.rag.chunk_overlap)
    retrieve = None
    if cfg.synth.raft_fraction > 0:  # RAFT records are built from real retrievals
        from engrain.model.loading import load_embedder
        from engrain.rag.index import Retriever

        retriever = Retriever(ws.path("index", "lancedb"), load_embedder(cfg.model.embedder), cfg.rag.retriever)
        retrieve = retriever.search_many
    teacher = open_teacher(cfg, ws, say, progress)
    try:
        result = synthesize(
            docs,
            logs,
            chunks,
            cfg.synth,
            cfg.seed,
            eval_items,
            teacher=teacher,
            retrieve=retrieve,
            top_k=cfg.rag.top_k,
            refusal=cfg.model.refusal,
            par=Workers(cfg.data.workers, cfg.data.engine).for_words(sum(len(d.text.split()) for d in docs)),
        )
    finally:
        if teacher is not None:
            teacher.close()
    ws.begin("synth")
    write_jsonl(ws.path("synth", "train"), result.train)
    write_jsonl(ws.path("synth", "dev"), result.dev)
    write_jsonl(ws.path("synth", "eval"), result.eval)
    write_json(ws.path("synth", "stats"), result.stats)
    ws.mark("synth", key, **result.stats)
    by_kind = ", ".join(f"{k} {v}" for k, v in result.stats["by_kind"].items())
    say(f"synth: {result.stats['examples']} training examples ({by_kind}); {result.stats['facts_found']} facts found")
    if result.stats["dev_source"] == "eval file":
        say(
            f"synth: dev split: {len(result.dev)} questions of the eval file, held out (seeded; never in the eval "
            f"sample); eval keeps {len(result.eval)}"
        )
    if "teacher" in result.stats:
        say(f"synth: teacher {result.stats['teacher']}")


def check(cfg: EngrainConfig) -> None:
    """A bad eval file fails before any stage works."""
    if cfg.data.eval:
        load_eval_file(cfg.path(cfg.data.eval))


def open_chat(cfg: EngrainConfig, ws: Workspace, say: Say, progress: bool):
    """The configured teacher model as a chat client (endpoint or local model), or None."""
    tc = cfg.synth.teacher
    if not tc.base_url and not tc.local:
        return None
    from engrain.model.chat import ChatClient

    local = None
    if tc.local:
        from engrain.model.local_lm import local_lm

        local = local_lm(cfg.model.base if tc.local == "base" else tc.local, tc.max_new_tokens)
        say(f"synth: local teacher {local.name} ({local.engine})")
    else:
        say(f"synth: teacher {tc.model} at {tc.base_url}")
    return ChatClient(tc, ws.path("cache", "teacher"), local=local, progress=progress)


def open_teacher(cfg: EngrainConfig, ws: Workspace, say: Say, progress: bool):
    """The configured teacher, or None for the built-in generator alone."""
    chat = open_chat(cfg, ws, say, progress)
    if chat is None:
        return None
    from engrain.synth.teacher import Teacher

    return Teacher(chat)
