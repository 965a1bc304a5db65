"""LanceDB search (engrain's index) vs exact brute-force cosine in numpy (the peer).

Reports query latency for both and recall@k of LanceDB against the exact answer, on
random unit vectors of the embedder's size.

    python bench/bench_retrieval.py [--n 20000] [--queries 200] [--k 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np


def main() -> None:
    import lancedb

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--dim", type=int, default=384)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(args.n, args.dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    queries = rng.normal(size=(args.queries, args.dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)

    with tempfile.TemporaryDirectory() as tmp:
        table = lancedb.connect(tmp).create_table(
            "v", data=[{"id": i, "vector": v.tolist()} for i, v in enumerate(vecs)]
        )
        t0 = time.perf_counter()
        lance_ids = [
            [r["id"] for r in table.search(q).distance_type("cosine").limit(args.k).to_list()] for q in queries
        ]
        lance_ms = (time.perf_counter() - t0) * 1e3 / args.queries
    t0 = time.perf_counter()
    exact_ids = [list(np.argsort(-(vecs @ q))[: args.k]) for q in queries]
    numpy_ms = (time.perf_counter() - t0) * 1e3 / args.queries
    recall = np.mean([len(set(a) & set(b)) / args.k for a, b in zip(lance_ids, exact_ids)])
    print(f"lancedb  {lance_ms:7.2f} ms/query")
    print(f"numpy    {numpy_ms:7.2f} ms/query (exact)")
    print(f"ratio lancedb/numpy: {lance_ms / numpy_ms:.2f}; recall@{args.k} vs exact: {recall:.3f}")


if __name__ == "__main__":
    main()
