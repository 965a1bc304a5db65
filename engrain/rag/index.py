"""Embed chunks into an on-disk LanceDB table (embedded, no server) and search it.

The table carries a full-text (BM25) index beside the vectors, so `rag.retriever = "hybrid"`
fuses keyword and dense results by reciprocal rank (LanceDB's hybrid query and RRF reranker)
on the same index; `"dense"` (the default) searches the vectors alone.

Chunks are embedded and written WRITE_BATCH at a time (memory bounded by the batch, not the
corpus). A table of ANN_FROM_ROWS chunks or more also gets an approximate vector index
(HNSW over scalar-quantised vectors in IVF partitions); below that, exact search is fast
enough and exact (bench/bench_retrieval.py measures recall@k against exact search).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from engrain.errors import EngrainError
from engrain.io import atomic_path
from engrain.rag.chunk import Chunk
from engrain.records import Passage

TABLE = "chunks"
TEXT = "text"  # the column the full-text index covers
VECTOR = "vector"
WRITE_BATCH = 4096  # chunks embedded and appended at a time
ANN_FROM_ROWS = 100_000  # tables this large get an approximate vector index
ANN_PARTITION_ROWS = 250_000  # one HNSW graph per this many vectors, every one searched
ANN_EF, ANN_REFINE = 128, 4  # HNSW search breadth; candidates re-ranked on the full vectors, per result
SEARCH_BATCH = 256  # questions embedded and searched at a time by `Retriever.search_many`


def _lancedb():
    """lancedb, with its Rust log quiet unless the user set LANCEDB_LOG: the "creating dataset"
    WARN it prints on every new table is noise. Read once, when lancedb first loads."""
    os.environ.setdefault("LANCEDB_LOG", "error")
    import lancedb

    return lancedb


def build_index(chunks: list[Chunk], embedder, out_dir: str | Path, batch_size: int = 32, progress: bool = True) -> int:
    """Write the index atomically: a failed build leaves the previous index in place."""
    lancedb = _lancedb()

    if not chunks:
        raise EngrainError("nothing to index: the corpus produced no chunks")
    bar = progress and sys.stderr.isatty()  # its tqdm bar redraws by carriage return: a terminal's, not a log's
    with atomic_path(out_dir, is_dir=True) as tmp:
        db, table = lancedb.connect(str(tmp)), None
        for start in range(0, len(chunks), WRITE_BATCH):
            rows = _rows(chunks[start : start + WRITE_BATCH], embedder, batch_size, bar)
            if table is None:
                table = db.create_table(TABLE, data=rows, mode="overwrite")
            else:
                table.add(rows)
        _full_text_index(table)
        if len(chunks) >= ANN_FROM_ROWS:
            vector_index(table)
    return len(chunks)


def _rows(chunks: list[Chunk], embedder, batch_size: int, bar: bool) -> list[dict]:
    vectors = embedder.encode(
        [c.text for c in chunks], batch_size=batch_size, normalize_embeddings=True, show_progress_bar=bar
    )
    return [
        {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "text": c.text, VECTOR: v.astype(np.float32).tolist()}
        for c, v in zip(chunks, vectors)
    ]


def vector_index(table) -> None:
    """The approximate vector index (cosine) a large table is searched through: few large partitions,
    each an HNSW graph, all of them searched (`dense_search`). Many small IVF partitions probed in
    part lose neighbours in the partitions left out."""
    from lancedb.index import IvfHnswSq

    partitions = max(1, -(-table.count_rows() // ANN_PARTITION_ROWS))
    table.create_index(VECTOR, config=IvfHnswSq(distance_type="cosine", num_partitions=partitions), replace=True)


def dense_search(table, vector, k: int) -> list[dict]:
    """The `k` nearest rows by cosine: exact, or through the approximate index where one exists (every
    partition probed, candidates re-ranked on the full vectors). A 2-D `vector` is a batch of queries:
    each row then carries its `query_index`."""
    query = table.search(vector).distance_type("cosine").limit(k)
    return query.nprobes(1024).ef(ANN_EF).refine_factor(ANN_REFINE).to_list()


def _full_text_index(table) -> None:
    from lancedb.index import FTS

    table.create_index(TEXT, config=FTS(), replace=True)


def _has_full_text_index(table) -> bool:
    return any(ix.index_type == "FTS" and TEXT in ix.columns for ix in table.list_indices())


class Retriever:
    """Query embedding + vector (or hybrid) search, timed separately for the latency breakdown."""

    def __init__(self, index_dir: str | Path, embedder, mode: str = "dense") -> None:
        lancedb = _lancedb()

        if not (Path(index_dir) / f"{TABLE}.lance").exists():
            raise EngrainError(f"no index at {index_dir}: run `engrain index` first")
        self.table = lancedb.connect(str(index_dir)).open_table(TABLE)
        self.embedder, self.mode = embedder, mode
        if mode == "hybrid" and not _has_full_text_index(self.table):
            _full_text_index(self.table)  # an index built before full-text indexing: a new table version

    def search(self, query: str, k: int) -> tuple[list[Passage], dict[str, float]]:
        t0 = time.perf_counter()
        vec = self.embedder.encode([query], normalize_embeddings=True, show_progress_bar=False)[0].astype(np.float32)
        t1 = time.perf_counter()
        if self.mode == "hybrid":
            passages = self._hybrid(query, vec, k)
        else:
            passages = [_passage(r, 1.0 - float(r["_distance"])) for r in dense_search(self.table, vec, k)][:k]
        t2 = time.perf_counter()
        return passages, {"embed": (t1 - t0) * 1e3, "search": (t2 - t1) * 1e3}

    def search_many(self, queries: list[str], k: int) -> list[list[Passage]]:
        """`search` for many queries at once (synthesis's RAFT records): embedded in batches, and the
        dense search made as one batched query, ~4x faster a question than one at a time."""
        out: list[list[Passage]] = []
        for start in range(0, len(queries), SEARCH_BATCH):
            batch = queries[start : start + SEARCH_BATCH]
            vecs = self.embedder.encode(batch, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
            vecs = vecs.astype(np.float32)
            if self.mode == "hybrid":  # LanceDB's hybrid query takes one query at a time
                out += [self._hybrid(q, v, k) for q, v in zip(batch, vecs)]
                continue
            found: list[list[Passage]] = [[] for _ in batch]
            rows = sorted(dense_search(self.table, vecs, k), key=lambda r: (r.get("query_index", 0), r["_distance"]))
            for r in rows:  # one query's rows nearest first, as `search` gives them
                found[r.get("query_index", 0)].append(_passage(r, 1.0 - float(r["_distance"])))
            out += found
        return out

    def _hybrid(self, query: str, vec: np.ndarray, k: int) -> list[Passage]:
        from lancedb.rerankers import RRFReranker

        query_ = self.table.search(query_type="hybrid").vector(vec).text(query).limit(k).rerank(RRFReranker())
        return [_passage(r, float(r["_relevance_score"])) for r in query_.to_list()][:k]

    def embed_tokens(self, query: str) -> int:
        return len(self.embedder.tokenizer(query)["input_ids"])


def _passage(row: dict, score: float) -> Passage:
    return Passage(row["doc_id"], row["chunk_id"], row["text"], score)
