"""Ask every pipeline the same held-out questions and summarise what happened.

Each pipeline answers at batch 1 after an untimed warm-up, one pipeline at a time, so
latency is measured the same way for all of them.
"""

from __future__ import annotations

import contextlib
import itertools
import random
from collections import Counter, defaultdict

from engrain.evaluate.stats import bootstrap_ci, mcnemar, percentiles
from engrain.records import LATENCY_STAGES, Answerer, EvalItem
from engrain.scoring import score

STAGES = LATENCY_STAGES


def sample_items(items: list[EvalItem], per_category: int, seed: int) -> list[EvalItem]:
    """A seeded, stratified subset (per_category 0 = all), in the original order."""
    if per_category <= 0:
        return items
    rng = random.Random(seed)
    by_cat: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        by_cat[f"{it.category}/{it.kind}"].append(i)
    keep = {i for idxs in by_cat.values() for i in rng.sample(idxs, min(per_category, len(idxs)))}
    return [it for i, it in enumerate(items) if i in keep]


def run(answerer: Answerer, items: list[EvalItem], warmup: int = 2, progress=None) -> list[dict]:
    """One row per question: the answer, its score, tokens and timings."""
    _warm_up(answerer, items[:warmup])
    rows = []
    for it in items:
        ans = answerer.answer(it.question, it.kind)
        rows.append(
            {
                "pipeline": answerer.name,
                "id": it.id,
                "category": it.category,
                "kind": it.kind,
                "question": it.question,
                "references": it.answers,
                "answer": ans.text,
                **score(ans.text, it.answers, it.wrong),
                "prompt_tokens": ans.prompt_tokens,
                "completion_tokens": ans.completion_tokens,
                "timings_ms": {k: round(v, 3) for k, v in ans.timings_ms.items()},
                "passages": [p.chunk_id for p in ans.passages],
                "embed_tokens": ans.embed_tokens,
                **({"route": ans.route} if ans.route else {}),
                **({"confidence": round(ans.confidence, 4)} if ans.confidence is not None else {}),
            }
        )
        if progress:
            progress()
    return rows


def _warm_up(answerer: Answerer, items: list[EvalItem]) -> None:
    """Untimed answers first (lazy initialisation, allocator caches). They bypass a generator's memo
    (engrain.model.generate), or a timed answer could replay a cold generation's time."""
    generator = getattr(answerer, "generator", None)  # a scripted answerer in tests has none
    with generator.memoized(on=False) if generator is not None else contextlib.nullcontext():
        for it in items:
            answerer.answer(it.question, it.kind)


def summarise(rows: list[dict]) -> dict:
    """Per-pipeline metrics with 95% bootstrap CIs, per-category breakdown and pairwise McNemar."""
    by_pipe: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_pipe[r["pipeline"]].append(r)
    pipelines = {name: _pipeline_metrics(rs) for name, rs in by_pipe.items()}
    return {"pipelines": pipelines, "significance": _pairwise(by_pipe)}


def _rates(rs: list[dict]) -> dict:
    out = {"n": len(rs)}
    for key, field in (
        ("accuracy", "correct"),
        ("exact_match", "exact_match"),
        ("f1", "f1"),
        ("hallucination_rate", "hallucinated"),
        ("abstention_rate", "abstained"),
    ):
        mean, lo, hi = bootstrap_ci([float(r[field]) for r in rs])
        out[key] = round(mean, 4)
        out[f"{key}_ci"] = [round(lo, 4), round(hi, 4)]
    return out


def _pipeline_metrics(rs: list[dict]) -> dict:
    m = _rates(rs)
    totals = [r["timings_ms"]["total"] for r in rs]
    m["latency_ms"] = {k: round(v, 2) for k, v in percentiles(totals).items()}
    m["ttft_ms"] = {k: round(v, 2) for k, v in percentiles([r["timings_ms"]["ttft"] for r in rs]).items()}
    m["stage_ms_mean"] = {s: round(sum(r["timings_ms"].get(s, 0.0) for r in rs) / len(rs), 2) for s in STAGES}
    m["prompt_tokens_mean"] = round(sum(r["prompt_tokens"] for r in rs) / len(rs), 1)
    m["completion_tokens_mean"] = round(sum(r["completion_tokens"] for r in rs) / len(rs), 2)
    m["embed_tokens_mean"] = round(sum(r.get("embed_tokens", 0) for r in rs) / len(rs), 1)
    m["retrieved_fraction"] = round(sum(bool(r.get("passages")) for r in rs) / len(rs), 4)
    decode_s = sum(r["timings_ms"]["decode"] for r in rs) / 1e3
    m["decode_tokens_per_second"] = round(sum(r["completion_tokens"] for r in rs) / decode_s, 1) if decode_s else 0.0
    if routes := [r["route"] for r in rs if "route" in r]:
        m["routes"] = {k: round(v / len(routes), 4) for k, v in sorted(Counter(routes).items())}
    cats: dict[str, list[dict]] = defaultdict(list)
    for r in rs:
        cats[r["category"] if r["kind"] == "qa" else f"{r['category']} (completion)"].append(r)
    m["by_category"] = {c: _rates(v) for c, v in sorted(cats.items())}
    if any("judged" in r for r in rs):  # eval.judge: the teacher's verdicts, where it gave one
        graded = [bool(r["judged"]) for r in rs if r.get("judged") is not None]
        m["judged_accuracy"] = round(sum(graded) / len(graded), 4) if graded else None
        m["judged_n"] = len(graded)
    return m


def _pairwise(by_pipe: dict[str, list[dict]]) -> list[dict]:
    out = []
    for a, b in itertools.combinations(by_pipe, 2):
        ra = {r["id"]: r["correct"] for r in by_pipe[a]}
        rb = {r["id"]: r["correct"] for r in by_pipe[b]}
        ids = [i for i in ra if i in rb]
        if not ids:
            continue
        test = mcnemar([ra[i] for i in ids], [rb[i] for i in ids])
        out.append({"a": a, "b": b, "n": len(ids), **test})
    return out


def throughput(answerer: Answerer, items: list[EvalItem], levels: list[int], n_queries: int) -> list[dict]:
    """Queries per second with `c` requests in flight against one loaded model.

    Threads are enough here: torch releases the GIL inside its kernels, which is also how a
    single-process server would share one model between requests.
    """
    import time
    from concurrent.futures import ThreadPoolExecutor

    questions = [items[i % len(items)] for i in range(n_queries)]
    out = []
    for c in levels:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=c) as pool:
            answers = list(pool.map(lambda it: answerer.answer(it.question, it.kind), questions))
        wall = time.perf_counter() - t0
        lat = [a.timings_ms["total"] for a in answers]
        out.append(
            {
                "pipeline": answerer.name,
                "concurrency": c,
                "queries": n_queries,
                "qps": round(n_queries / wall, 3),
                "latency_mean_ms": round(sum(lat) / len(lat), 1),
                "latency_p95_ms": round(percentiles(lat)["p95"], 1),
            }
        )
    return out
