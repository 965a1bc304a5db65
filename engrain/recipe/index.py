"""Stage `index`: the documents chunked and embedded into LanceDB (rag's side of the bake-off)."""

from __future__ import annotations

import time

from engrain.config import EngrainConfig
from engrain.progress import Say
from engrain.workers import Workers
from engrain.workspace import Workspace, read_corpus


class RayEmbedder:
    """The embedder on Ray actors (`data.engine = "ray"`), behind sentence-transformers' `encode`."""

    def __init__(self, cfg: EngrainConfig) -> None:
        self.name, self.batch = cfg.model.embedder, cfg.rag.batch_size
        self.par = Workers(cfg.data.workers, "ray").for_words(0)

    def encode(self, texts: list[str], **kw):
        import numpy as np

        from engrain.workers import ray_map

        return np.stack(ray_map(_Embed, (self.name, self.batch), texts, 8 * self.batch, self.par))


class _Embed:
    """A Ray actor's embedder, loaded once."""

    def __init__(self, name: str, batch: int) -> None:
        from engrain.model.loading import load_embedder

        self.model, self.batch = load_embedder(name), batch

    def __call__(self, texts: list[str]) -> list:
        vectors = self.model.encode(texts, batch_size=self.batch, normalize_embeddings=True, show_progress_bar=False)
        return list(vectors)


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, progress: bool) -> None:
    from engrain.model.loading import load_embedder
    from engrain.rag.chunk import chunk_corpus
    from engrain.rag.index import build_index

    docs, _ = read_corpus(ws)
    chunks = chunk_corpus(docs, cfg.rag.chunk_words, cfg.rag.chunk_overlap)
    t0 = time.perf_counter()
    ws.begin("index")
    embedder = load_embedder(cfg.model.embedder) if cfg.data.engine == "local" else RayEmbedder(cfg)
    n = build_index(chunks, embedder, ws.path("index", "lancedb"), cfg.rag.batch_size, progress)
    seconds = time.perf_counter() - t0
    corpus_tokens = sum(len(c.text.split()) for c in chunks) * 4 // 3  # ~tokens; for the cost model only
    ws.mark("index", key, chunks=n, seconds=round(seconds, 2), corpus_tokens_approx=corpus_tokens)
    say(f"index: {n} chunks embedded into LanceDB in {seconds:.1f} s")
