"""LanceDB search (engrain's index) vs exact brute-force cosine in numpy (the peer).

Reports query latency for both and recall@k of LanceDB against the exact answer, on
random unit vectors of the embedder's size: uniform (no clusters: the hard case for an
approximate index) or, with `--clustered`, around 500 topic centres as text embeddings are.
`--ann` searches through the approximate vector index engrain builds for tables of
`ANN_FROM_ROWS` chunks or more (engrain.rag.index.vector_index), and reports its build time.

    python bench/bench_retrieval.py [--n 20000] [--queries 200] [--k 3] [--ann] [--clustered]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import lancedb
    import pyarrow as pa

    from engrain.rag.index import dense_search, vector_index

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--ann", action="store_true", help="search through engrain's approximate vector index")
    ap.add_argument("--clustered", action="store_true", help="points around 500 topic centres, as text embeddings")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    vecs, queries = _points(rng, args.n, args.dim, args.clustered), _points(rng, args.queries, args.dim, args.clustered)

    with tempfile.TemporaryDirectory() as tmp:
        column = pa.FixedSizeListArray.from_arrays(vecs.ravel(), args.dim)
        table = lancedb.connect(tmp).create_table("v", data=pa.table({"id": np.arange(args.n), "vector": column}))
        if args.ann:
            t0 = time.perf_counter()
            vector_index(table)
            print(f"ann index built in {time.perf_counter() - t0:.1f} s ({args.n:,} vectors)")
        t0 = time.perf_counter()
        lance_ids = [[r["id"] for r in dense_search(table, q, args.k)] for q in queries]
        lance_ms = (time.perf_counter() - t0) * 1e3 / args.queries
    t0 = time.perf_counter()
    exact_ids = [list(np.argsort(-(vecs @ q))[: args.k]) for q in queries]
    numpy_ms = (time.perf_counter() - t0) * 1e3 / args.queries
    recall = np.mean([len(set(a) & set(b)) / args.k for a, b in zip(lance_ids, exact_ids)])
    label = "lancedb ann" if args.ann else "lancedb"
    print(f"{label}  {lance_ms:7.2f} ms/query")
    print(f"numpy    {numpy_ms:7.2f} ms/query (exact)")
    print(f"ratio lancedb/numpy: {lance_ms / numpy_ms:.2f}; recall@{args.k} vs exact: {recall:.3f}")


def _points(rng, n: int, dim: int, clustered: bool) -> np.ndarray:
    """Unit vectors: uniform, or around 500 seeded topic centres (drawn the same for every call)."""
    if clustered:
        centres = np.random.default_rng(1).normal(size=(500, dim))
        x = centres[rng.integers(0, 500, n)] + 0.7 * rng.normal(size=(n, dim))
    else:
        x = rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


if __name__ == "__main__":
    main()
