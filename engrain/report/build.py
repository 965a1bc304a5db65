"""Assemble `report.json` from the workspace, then render it as Markdown and HTML.

Everything in the report is read from what the stages measured; nothing is estimated here
except the cost model, whose every price comes from the (editable) price book.
"""

from __future__ import annotations

import datetime as dt
import shutil
from importlib.metadata import version
from pathlib import Path

from engrain.config import CHANGE_MONTHS, EngrainConfig
from engrain.cost.model import break_even, pipeline_costs, query_cost, training_cost
from engrain.cost.pricebook import load_pricebook
from engrain.io import atomic_path, write_json, write_text
from engrain.pipelines import PIPELINES
from engrain.rag import tune
from engrain.report.decide import DecisionInputs, decide
from engrain.workspace import Workspace, artifact_in, read_artifact


def build_report(cfg: EngrainConfig, ws: Workspace, decision_inputs: DecisionInputs | None = None) -> dict:
    metrics = read_artifact(ws, "eval", "metrics")
    trained = read_artifact(ws, "train", "result")
    synth_stats = read_artifact(ws, "synth", "stats")
    ingest = ws.manifest("ingest") or {}
    index = ws.manifest("index") or {}
    pipes = metrics["pipelines"]

    rep: dict = {
        "name": cfg.name,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engrain_version": version("engrain"),
        "models": {
            "base": cfg.model.base,
            "embedder": cfg.model.embedder,
            "method": cfg.train.method,
            "refuse_below": metrics.get("refuse_below"),
        },
        "corpus": {k: ingest.get(k) for k in ("documents", "words", "conversations")} | {"chunks": index.get("chunks")},
        "data": synth_stats,
        "eval": {
            "questions": metrics["questions"],
            "questions_total": metrics["questions_total"],
            "source": synth_stats.get("eval_source"),
            "sampled_per_category": cfg.eval.limit or None,
        },
        "pipelines": pipes,
        "significance": metrics["significance"],
        "training": {
            k: trained.get(k)
            for k in (  # None: a field older runs did not record (seed)
                "method",
                "seed",
                "examples",
                "tokens",
                "seconds",
                "tokens_per_second",
                "peak_rss_mb",
                "bf16",
                "steps",
                "best_step",
                "truncated",
                "loss_curve",
                "dev_curve",
                "refusal",
                "plan",
            )
        },
        "latency": _latency_ratios(pipes),
        "throughput": metrics.get("throughput") or [],
    }
    if metrics.get("forgetting"):
        rep["forgetting"] = metrics["forgetting"]
    rep["rag_tuning"] = tune.chosen(ws)
    rep["cost"] = _costs(cfg, pipes, trained, index)
    inputs = decision_inputs or DecisionInputs(
        change_rate=cfg.cost.change_rate, log_months=cfg.cost.log_months, monthly_queries=cfg.cost.monthly_queries
    )
    if "ft" in pipes and "rag" in pipes:
        rep["decision"] = decide(
            _with_significance(pipes, metrics["significance"]), rep["cost"].get("break_even"), inputs
        )
        rep["decision"]["reasons"] += _category_caveats(pipes, inputs.max_accuracy_gap)
        rep["decision"]["inputs"] = inputs.model_dump()
    else:
        rep["decision"] = {
            "recommendation": "undecided",
            "reasons": ["the decision needs both ft and rag measured (eval.pipelines)"],
            "thresholds": inputs.thresholds(),
            "what_would_change": [],
            "inputs": inputs.model_dump(),
        }
    return rep


def _with_significance(pipes: dict, tests: list[dict]) -> dict:
    """Attach each pair's McNemar result, so the decision can say which gaps are real."""
    out = {name: dict(m, significant_vs={}) for name, m in pipes.items()}
    for t in tests:
        out[t["a"]]["significant_vs"][t["b"]] = t
        out[t["b"]]["significant_vs"][t["a"]] = t
    return out


def _category_caveats(pipes: dict, gap: float) -> list[str]:
    """An overall win can hide a loss where it matters (e.g. won on abstention, lost on lookups)."""
    ft, rag = pipes["ft"].get("by_category", {}), pipes["rag"].get("by_category", {})
    out = []
    for cat in sorted(set(ft) & set(rag)):
        a, b = ft[cat]["accuracy"], rag[cat]["accuracy"]
        if b - a > gap:
            out.append(f"caveat: ft trails rag on {cat} ({a:.2f} vs {b:.2f}, n={ft[cat]['n']})")
    return out


def _latency_ratios(pipes: dict) -> dict:
    out: dict = {}
    if "ft" in pipes and "rag" in pipes:
        ft, rag = pipes["ft"]["latency_ms"], pipes["rag"]["latency_ms"]
        out["ft_over_rag"] = {k: round(ft[k] / rag[k], 3) for k in ("mean", "p50", "p95") if rag[k]}
        out["rag_speedup_of_ft"] = {k: round(rag[k] / ft[k], 2) for k in ("mean", "p95") if ft[k]}
    return out


def _costs(cfg: EngrainConfig, pipes: dict, trained: dict, index: dict) -> dict:
    prices = load_pricebook(cfg.path(cfg.cost.pricebook) if cfg.cost.pricebook else None)
    per_query = {
        name: query_cost(
            prices,
            round(m["prompt_tokens_mean"]),
            round(m["completion_tokens_mean"]),
            retrieved=_retrieved_share(name, m),
            embed_tokens=round(m.get("embed_tokens_mean", 0)),
        )
        for name, m in pipes.items()
    }
    train_usd = training_cost(prices, trained["tokens"], trained["seconds"])
    out: dict = {
        "currency": prices.currency,
        "per_query": per_query,
        "training": train_usd,
        "prices": prices.model_dump(),
    }
    if "ft" in per_query and "rag" in per_query:
        ft_cost, rag_cost = pipeline_costs(
            prices,
            per_query["ft"],
            per_query["rag"],
            train_usd,
            retrain_every_months=CHANGE_MONTHS[cfg.cost.change_rate],
            index=index.get("corpus_tokens_approx", 0) / 1000 * prices.embedding_per_1k,
        )
        out["break_even"] = break_even(ft_cost, rag_cost, cfg.cost.monthly_queries, cfg.cost.horizon_months).to_dict()
        out["volume_curve"] = [
            {
                "monthly_queries": q,
                "ft": round(ft_cost.steady_monthly(q), 6),
                "rag": round(rag_cost.steady_monthly(q), 6),
            }
            for q in (10 ** (e / 4) for e in range(8, 41))  # 100 .. 10^10 queries/month
        ]
    return out


def _retrieved_share(name: str, m: dict) -> float:
    """Measured share of queries that searched the index (older results: from the pipeline's trait)."""
    if not PIPELINES[name].retrieves:
        return 0.0
    return float(m.get("retrieved_fraction", 1.0))


def write_report(rep: dict, out_dir: Path, results: Path | None = None) -> None:
    from engrain.report.html import render_html
    from engrain.report.markdown import render_markdown

    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(artifact_in(out_dir, "report", "json"), rep)
    if results is not None:  # per-question rows travel with the report, for `engrain compare`
        with atomic_path(artifact_in(out_dir, "report", "results")) as tmp:
            shutil.copyfile(results, tmp)
    write_text(artifact_in(out_dir, "report", "markdown"), render_markdown(rep))
    write_text(artifact_in(out_dir, "report", "html"), render_html(rep))
