"""Ask every pipeline the same held-out questions and summarise what happened.

One pipeline at a time. Latency is measured on a timed sample of the questions (the same for
every pipeline), each answered alone after an untimed warm-up; the other questions are answered
`batch` at a time for their accuracy alone (their generations decode together: on a CPU a
batch of 16 short answers costs little more than one). Rows say which they were (`timed`), and
the latency figures read the timed rows only.
"""

from __future__ import annotations

import contextlib
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Callable

from engrain.config import EvalConfig
from engrain.evaluate.diagnostics import context_metrics, context_rank, risk_coverage
from engrain.evaluate.stats import bootstrap_ci, mcnemar, percentiles
from engrain.model.batching import answer_all
from engrain.records import LATENCY_STAGES, Answer, Answerer, EvalItem
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


def timed_sample(items: list[EvalItem], n: int) -> set[str]:
    """Ids of `n` questions spread evenly over `items` (n = 0: all): the ones answered alone and timed."""
    if n <= 0 or n >= len(items):
        return {it.id for it in items}
    return {items[i * len(items) // n].id for i in range(n)}


def run(
    answerer: Answerer,
    items: list[EvalItem],
    warmup: int = 2,
    progress: Callable[[], None] | None = None,
    timed: set[str] | None = None,
    batch: int = 1,
) -> list[dict]:
    """One row per question, in `items`' order: the answer, its score, tokens and timings. Questions in
    `timed` (default: all) are answered alone; the rest `batch` at a time, concurrently."""
    timed = {it.id for it in items} if timed is None else timed
    _warm_up(answerer, items[:warmup])
    answers: dict[str, Answer] = {}
    for it in items:
        if it.id in timed:
            answers[it.id] = answerer.answer(it.question, it.kind)
            if progress:
                progress()
    rest = [it for it in items if it.id not in timed]
    for it, ans in zip(rest, answer_all(answerer, [(it.question, it.kind) for it in rest], batch, progress)):
        answers[it.id] = ans
    return [_row(answerer.name, it, answers[it.id], it.id in timed) for it in items]


def run_as_configured(
    answerer: Answerer, items: list[EvalItem], ecfg: EvalConfig, progress: Callable[[], None] | None = None
) -> list[dict]:
    """`run` with the eval section's warm-up, timed sample and batch."""
    return run(answerer, items, ecfg.warmup, progress, timed_sample(items, ecfg.timed), ecfg.batch)


def _row(pipeline: str, it: EvalItem, ans: Answer, timed: bool) -> dict:
    return {
        "pipeline": pipeline,
        "id": it.id,
        "category": it.category,
        "kind": it.kind,
        "question": it.question,
        "references": it.answers,
        "answer": ans.text,
        **score(ans.text, it.answers, it.wrong),
        "prompt_tokens": ans.prompt_tokens,
        "completion_tokens": ans.completion_tokens,
        "timed": timed,
        "timings_ms": {k: round(v, 3) for k, v in ans.timings_ms.items()},
        "passages": [p.chunk_id for p in ans.passages],
        **({} if (rank := context_rank(ans.passages, it.answers)) is None else {"context_rank": rank}),
        "embed_tokens": ans.embed_tokens,
        **({"route": ans.route} if ans.route else {}),
        **({"confidence": round(ans.confidence, 4)} if ans.confidence is not None else {}),
    }


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
    m.update(_latency([r for r in rs if r.get("timed", True)] or rs))
    m["prompt_tokens_mean"] = round(sum(r["prompt_tokens"] for r in rs) / len(rs), 1)
    m["completion_tokens_mean"] = round(sum(r["completion_tokens"] for r in rs) / len(rs), 2)
    m["embed_tokens_mean"] = round(sum(r.get("embed_tokens", 0) for r in rs) / len(rs), 1)
    m["retrieved_fraction"] = round(sum(bool(r.get("passages")) for r in rs) / len(rs), 4)
    m["coverage"] = risk_coverage(rs)
    if (context := context_metrics(rs)) is not None:
        m["context"] = context
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


def _latency(timed: list[dict]) -> dict:
    """Latency figures from the rows answered alone (`timed`; results written before batching: all)."""
    pct = percentiles([r["timings_ms"]["total"] for r in timed])
    ttft = percentiles([r["timings_ms"]["ttft"] for r in timed])
    decode_s = sum(r["timings_ms"]["decode"] for r in timed) / 1e3
    tokens = sum(r["completion_tokens"] for r in timed)
    return {
        "latency_ms": {k: round(v, 2) for k, v in pct.items()},
        "ttft_ms": {k: round(v, 2) for k, v in ttft.items()},
        "stage_ms_mean": {s: round(sum(r["timings_ms"].get(s, 0.0) for r in timed) / len(timed), 2) for s in STAGES},
        "timed_n": len(timed),
        "decode_tokens_per_second": round(tokens / decode_s, 1) if decode_s else 0.0,
    }


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

    Threads are enough here: torch releases the GIL inside its kernels, and with the answerer's
    generator a BatchingGenerator (the evaluation's, as `engrain serve` runs) concurrent requests
    decode as one batch.
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
