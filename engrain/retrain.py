"""A retraining cycle: a candidate from the production checkpoint on fresh data, promoted only
through a regression gate.

    engrain retrain -c engrain.toml [--logs NEW.jsonl ...] [--docs CHANGED ...]

1. The corpus, with the new logs and documents, is ingested, indexed and synthesized (stages
   reused when unchanged).
2. A candidate trains from the production adapter on the examples of changed or new sources
   plus a seeded replay share of the rest (`retrain.start = "base"`: from the base model on
   everything), and is registered under the `candidate` alias.
3. Candidate and production answer closed-book (`ft`) the frozen eval set of every registered
   model and the current one (new questions).
4. The gate: on no eval set is the candidate significantly worse (paired McNemar, p below
   `retrain.alpha`) or worse by more than `retrain.max_drop`, and its accuracy over all sets
   changes by at least `retrain.min_gain`.
5. Pass: `production` moves to the candidate (compare-and-set: a concurrent promotion makes
   this one fail). Fail: production stays and the command exits 1 with the reasons.

A cycle is keyed by the production model and everything the candidate is made from; its
record (`retrain/<key>/cycle.json`) is written last, so re-running a finished cycle prints
its verdict and does nothing else, and a killed one starts over (training resumes from its
checkpoints).
"""

from __future__ import annotations

import random
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from engrain import recipe
from engrain.config import EngrainConfig
from engrain.errors import EngrainError, stopping
from engrain.evaluate.evalfile import load_eval_file
from engrain.graph import RETRAIN
from engrain.io import read_json, write_json, write_text
from engrain.progress import Say, quiet
from engrain.rag import tune
from engrain.records import EvalItem, Example
from engrain.registry.lineage import changed_sources
from engrain.workspace import Workspace, artifact_in, read_split


@dataclass
class Cycle:
    key: str
    production: str
    candidate: str
    promoted: bool
    reasons: list[str]
    report: Path


def retrain(
    cfg: EngrainConfig, logs: list[str] = (), docs: list[str] = (), say: Say = quiet, progress: bool = True
) -> Cycle | None:
    """One cycle; `logs` and `docs` are added to the configured corpus for it. None: nothing changed since
    the production model was trained (nothing to do)."""
    from engrain.registry import Registry

    cfg = cfg.model_copy(deep=True)
    cfg.data.logs = list(dict.fromkeys([*cfg.data.logs, *logs]))
    cfg.data.docs = list(dict.fromkeys([*cfg.data.docs, *docs]))
    ws = Workspace(cfg)
    with ws.lock():
        with Registry(ws.dir("registry")) as reg:
            production = reg.alias("production")
            if production is None:
                raise EngrainError(
                    "no production model: promote one first (engrain models promote candidate --alias production)"
                )
            prod_meta, prod_dir = reg.show(production), reg.path(production)
        recipe.run_stage(cfg, "synth", say, progress=progress)  # ingest and index first (the stage graph)
        examples, changed = _training_set(cfg, ws, prod_meta)
        if not changed and cfg.retrain.start == "production":
            say(f"retrain: nothing changed since production {production} was trained; nothing to do")
            return None
        key = RETRAIN.key(cfg, ws, production)
        folder = ws.dir("retrain") / key
        if artifact_in(folder, "retrain", "json").exists():
            done = read_json(artifact_in(folder, "retrain", "json"))
            say(f"retrain: cycle {key} already ran: {'promoted' if done['promoted'] else 'refused'}; nothing to do")
            return Cycle(
                key,
                production,
                done["candidate"],
                done["promoted"],
                done["reasons"],
                artifact_in(folder, "retrain", "markdown"),
            )
        n_docs = len(changed & set((ws.manifest("ingest") or {}).get("sources", {})))
        say(
            f"retrain: candidate from {cfg.retrain.start} {production if cfg.retrain.start == 'production' else ''} "
            f"on {len(examples)} examples ({n_docs} changed or new documents, {len(changed) - n_docs} conversations)"
        )
        with stopping("retrain (training the candidate)", "the next `engrain retrain` resumes from its checkpoint"):
            candidate = _train_candidate(cfg, ws, examples, folder, prod_dir, say, progress)
        with stopping(
            f"retrain (comparing {candidate} with production)",
            "the next `engrain retrain` reuses the trained candidate and compares again",
        ):
            result = _compare(cfg, ws, production, candidate, say)
        passed, reasons = gate(result["sets"], cfg.retrain.alpha, cfg.retrain.min_gain, cfg.retrain.max_drop)
        if passed:
            from engrain.registry.audit import default_who

            with Registry(ws.dir("registry")) as reg:
                reg.promote(
                    candidate, "production", default_who(), f"retrain cycle {key}: gate passed", expect=production
                )
        record = {
            "key": key,
            "production": production,
            "candidate": candidate,
            "promoted": passed,
            "reasons": reasons,
            "changed_sources": sorted(changed),
            **result,
        }
        write_text(artifact_in(folder, "retrain", "markdown"), render(record))
        write_json(artifact_in(folder, "retrain", "json"), record)  # last: the cycle is finished
        return Cycle(key, production, candidate, passed, reasons, artifact_in(folder, "retrain", "markdown"))


def _training_set(cfg: EngrainConfig, ws: Workspace, prod_meta: dict) -> tuple[list[Example], set[str]]:
    """Everything (start=base), or the examples of sources production was not trained on plus a replay share."""
    examples: list[Example] = read_split(ws, "train")
    changed = set(changed_sources(prod_meta.get("lineage", {}), ws.manifest("ingest")))
    if cfg.retrain.start == "base":
        return examples, changed
    fresh = [e for e in examples if e.source in changed]
    if not fresh:
        return [], set()
    rest = [e for e in examples if e.source not in changed]
    replay = random.Random(cfg.seed).sample(rest, round(len(rest) * cfg.retrain.replay))
    return fresh + replay, changed


def _train_candidate(
    cfg: EngrainConfig, ws: Workspace, examples: list[Example], folder: Path, prod_dir: Path, say: Say, progress: bool
) -> str:
    from engrain.model import calibrate
    from engrain.train.trainer import train as run_training

    init = prod_dir if cfg.retrain.start == "production" else None
    model_dir = artifact_in(folder, "retrain", "model")
    dev = read_split(ws, "dev")
    plan = recipe.announce_plan(cfg, artifact_in(folder, "retrain", "plan"), folder.name, examples, dev, say)
    examples = [examples[i] for i in plan.selection.keep]  # train.budget holds for a cycle too
    run_cfg = cfg.model_copy(update={"train": cfg.train.model_copy(update={"epochs": plan.selection.epochs})})
    work = artifact_in(folder, "retrain", "work")
    result = run_training(run_cfg, examples, dev, work, model_dir, progress, init, plan.step_costs, say)
    kept = calibrate.chosen(prod_dir)  # production's threshold stands where dev is too small to choose
    refusal = recipe.calibrate_refusal(cfg, model_dir, dev, say, progress, kept)
    trained = result.to_dict() | {"refusal": refusal}
    return recipe.register_model(
        cfg, ws, trained, model_dir, {"parent": str(prod_dir.name) if init else None, "retrain_cycle": folder.name}
    )


def _eval_sets(cfg: EngrainConfig, ws: Workspace) -> list[tuple[str, list[EvalItem], bool]]:
    """The frozen eval set of every registered model (oldest first) and the current one, each once;
    the flag marks the current one."""
    from engrain.evaluate.runner import sample_items
    from engrain.registry import Registry

    sets: dict[str, tuple[str, Path]] = {}
    with Registry(ws.dir("registry")) as reg:
        for m in reg.models():
            if (sha := m.meta.get("eval_set")) and sha not in sets:
                sets[sha] = (f"eval set of {m.id}", reg.eval_set(sha))
        current = reg.store_eval_set(ws.path("synth", "eval"))
        sets[current] = ("current eval set", reg.eval_set(current))  # the candidate's own set is the current one
    return [
        (label, sample_items(load_eval_file(path), cfg.eval.limit, cfg.seed), sha == current)
        for sha, (label, path) in sets.items()
    ]


def _compare(cfg: EngrainConfig, ws: Workspace, production: str, candidate: str, say) -> dict:
    """Both models, closed-book, on every eval set: rates, latency, cost per query, flips, McNemar; the
    reference pipelines (rag on the new index) on the current set."""
    from engrain.answerers import AnswererFactory
    from engrain.cost.pricebook import load_pricebook
    from engrain.evaluate import runner
    from engrain.registry import Registry

    batch = {"max_batch": cfg.eval.batch, "linger_s": 0.05}
    with Registry(ws.dir("registry")) as reg:
        factories = {
            name: AnswererFactory(cfg, reg.path(mid), None, **batch)
            for name, mid in (("production", production), ("candidate", candidate))
        }
    ref_cfg, index = tune.applied(cfg, ws)  # rag as tuned, if tuned on this index
    refs = AnswererFactory(ref_cfg, None, index, **batch)
    prices = load_pricebook(cfg.path(cfg.cost.pricebook) if cfg.cost.pricebook else None)
    out = []
    with ExitStack() as stack:
        for f in (*factories.values(), refs):
            stack.enter_context(f)
        for label, items, current in _eval_sets(cfg, ws):
            say(
                f"retrain: {label}: {len(items)} questions x production and candidate"
                + (f" (and {', '.join(cfg.retrain.reference)})" if current and cfg.retrain.reference else "")
            )
            rows = {name: runner.run_as_configured(f.build("ft"), items, cfg.eval) for name, f in factories.items()}
            references = {
                name: _rates(prices, runner.run_as_configured(refs.build(name), items, cfg.eval))
                for name in (cfg.retrain.reference if current else [])
            }
            out.append(_comparison(label, items, current, rows, references, prices))
    return {"sets": out}


def _comparison(
    label: str, items: list[EvalItem], current: bool, rows: dict[str, list[dict]], references: dict, prices
) -> dict:
    """One eval set's production-vs-candidate record: rates, flips and McNemar."""
    from engrain.evaluate.stats import mcnemar

    p, c = rows["production"], rows["candidate"]
    flips = [
        {
            "id": a["id"],
            "question": a["question"],
            "production": a["answer"],
            "candidate": b["answer"],
            "now": "right" if b["correct"] else "wrong",
        }
        for a, b in zip(p, c)
        if a["correct"] != b["correct"]
    ]
    return {
        "label": label,
        "n": len(items),
        "current": current,
        "correct": {"production": sum(r["correct"] for r in p), "candidate": sum(r["correct"] for r in c)},
        "production": _rates(prices, p),
        "candidate": _rates(prices, c),
        "references": references,
        "mcnemar": mcnemar([r["correct"] for r in p], [r["correct"] for r in c]),
        "flips": flips,
    }


def _rates(prices, rows: list[dict]) -> dict:
    """One model's figures on one eval set, per category too."""
    from engrain.cost.model import query_cost
    from engrain.evaluate import runner

    m = next(iter(runner.summarise(rows)["pipelines"].values()))
    return {
        "accuracy": m["accuracy"],
        "hallucination": m["hallucination_rate"],
        "abstention": m["abstention_rate"],
        "latency_mean_ms": m["latency_ms"]["mean"],
        "cost_per_query": query_cost(
            prices,
            round(m["prompt_tokens_mean"]),
            round(m["completion_tokens_mean"]),
            m["retrieved_fraction"],
            round(m["embed_tokens_mean"]),
        ),
        "by_category": {
            k: {"accuracy": v["accuracy"], "hallucination": v["hallucination_rate"]}
            for k, v in m.get("by_category", {}).items()
        },
    }


def gate(sets: list[dict], alpha: float, min_gain: float, max_drop: float = 1.0) -> tuple[bool, list[str]]:
    """Promote only when no eval set drops significantly or by more than `max_drop`, and the pooled accuracy
    change reaches `min_gain`. `max_drop` catches what a small set cannot make significant (forgetting)."""
    reasons, ok = [], True
    for s in sets:
        prod, cand, n = s["correct"]["production"], s["correct"]["candidate"], s["n"]
        if cand < prod and s["mcnemar"]["p_value"] < alpha:
            ok = False
            reasons.append(
                f"{s['label']}: significant drop ({prod} -> {cand} of {n}, McNemar p = "
                f"{s['mcnemar']['p_value']:.3g} < {alpha})"
            )
        elif n and (prod - cand) / n > max_drop:
            ok = False
            reasons.append(
                f"{s['label']}: accuracy drops {(prod - cand) / n * 100:.1f} pts ({prod} -> {cand} of {n}), "
                f"more than retrain.max_drop ({max_drop * 100:.1f} pts)"
            )
    n = sum(s["n"] for s in sets)
    change = (
        (sum(s["correct"]["candidate"] for s in sets) - sum(s["correct"]["production"] for s in sets)) / n if n else 0.0
    )
    if change < min_gain:
        ok = False
        reasons.append(
            f"overall accuracy change {change * 100:+.1f} pts is below the required {min_gain * 100:+.1f} pts"
        )
    if ok:
        reasons.append(
            f"no significant drop on {len(sets)} eval set(s), none larger than {max_drop * 100:.1f} pts; "
            f"overall accuracy change {change * 100:+.1f} pts (required {min_gain * 100:+.1f})"
        )
    return ok, reasons


def render(record: dict) -> str:
    """The cycle's report: candidate vs production per eval set (and the references on the current one),
    per category on the current set, the flips, the verdict."""
    lines = [
        f"# Retraining cycle {record['key']}",
        "",
        f"Production {record['production']} vs candidate {record['candidate']}: "
        f"**{'promoted' if record['promoted'] else 'refused'}**.",
        "",
    ]
    lines += [f"- {r}" for r in record["reasons"]] + [
        "",
        f"Changed or new sources: {len(record['changed_sources'])}.",
        "",
    ]
    lines += [
        "| eval set | n | model | accuracy | hallucination | abstention | latency mean (ms) | cost/query (USD) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in record["sets"]:
        for name, m in _models(s):
            lines.append(
                f"| {s['label']} | {s['n']} | {name} | {m['accuracy']:.1%} | {m['hallucination']:.1%} | "
                f"{m['abstention']:.1%} | {m['latency_mean_ms']:,.0f} | {m['cost_per_query']:.6f} |"
            )
    for s in (s for s in record["sets"] if s.get("current")):
        models = _models(s)
        cats = sorted({c for _, m in models for c in m.get("by_category", {})})
        lines += [
            "",
            f"## {s['label']}, per category (accuracy / hallucination)",
            "",
            "| model | " + " | ".join(cats) + " |",
            "|---|" + "---|" * len(cats),
        ]
        for name, m in models:
            cells = [
                f"{m['by_category'][c]['accuracy']:.0%} / {m['by_category'][c]['hallucination']:.0%}"
                if c in m.get("by_category", {})
                else "-"
                for c in cats
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for s in record["sets"]:
        lines += ["", f"## {s['label']}: McNemar p = {s['mcnemar']['p_value']:.3g}, {len(s['flips'])} flips", ""]
        lines += [
            f"- now {f['now']}: {f['question']} — production: {f['production']!r}; candidate: {f['candidate']!r}"
            for f in s["flips"]
        ]
    return "\n".join(lines) + "\n"


def _models(s: dict) -> list[tuple[str, dict]]:
    """Production (the stale checkpoint), candidate (retrained), then the reference pipelines."""
    return [("production", s["production"]), ("candidate", s["candidate"]), *s.get("references", {}).items()]
