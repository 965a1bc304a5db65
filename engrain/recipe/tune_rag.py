"""Stage `tune_rag`: rag's retriever, top_k and chunk size chosen on the dev split (engrain.rag.tune).

ft's checkpoint and refusal threshold are chosen on the dev split; without this stage rag would
enter the bake-off with whatever settings it was given. Every setting of the grid retrieves for
the dev questions (the context hit, seconds); the finalists are then read by the base model,
batched. A chunk size other than the configured one gets its own index here (the corpus embedded
again: seconds). The winner answers as rag, ft+rag and auto.
"""

from __future__ import annotations

from engrain import progress as ui
from engrain.config import EngrainConfig
from engrain.io import write_json
from engrain.progress import Say
from engrain.rag import tune
from engrain.records import EvalItem
from engrain.workspace import Workspace, read_corpus, read_split

STAGE = tune.STAGE


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, progress: bool) -> None:
    dev = [d for d in read_split(ws, "dev") if d.kind == "qa"][: cfg.rag.tune_questions]
    settings = tune.grid(cfg.rag) if cfg.rag.tune and dev else [tune.configured(cfg.rag)]
    ws.begin(STAGE)
    if len(settings) == 1:
        record = {"questions": 0, "grid": [], "chosen": {"setting": settings[0].to_dict()}}
        say("tune_rag: off (rag.tune = false or no dev questions): rag answers with its settings as given")
    else:
        scored = _score(cfg, ws, settings, dev, say, progress)
        best = tune.choose(scored)
        record = {"questions": len(dev), "grid": scored, "chosen": best}
        say(_summary(best, scored[0], len(dev)))
    write_json(ws.path(STAGE, "choice"), record)
    ws.mark(STAGE, key, questions=record["questions"], settings=len(settings))


def _score(
    cfg: EngrainConfig, ws: Workspace, settings: list[tune.Setting], dev: list[EvalItem], say: Say, progress: bool
) -> list[dict]:
    """Every setting's context hit, then the finalists' answers."""
    from engrain.answerers import AnswererFactory
    from engrain.evaluate import runner
    from engrain.model.loading import load_embedder
    from engrain.rag.answerer import RagAnswerer
    from engrain.rag.index import Retriever

    embedder = load_embedder(cfg.model.embedder)
    _build_indexes(cfg, ws, settings, embedder)
    retrievers = {s: Retriever(tune.index_dir(ws, s.chunk_words, cfg), embedder, s.retriever) for s in settings}
    scored = {
        s: {"setting": s.to_dict(), "label": s.label, "context_hit": _hit(retrievers[s], s, dev)} for s in settings
    }
    final = tune.finalists(settings, [scored[s]["context_hit"] for s in settings])
    say(
        f"tune_rag: {len(settings)} retrieval settings by context hit on {len(dev)} dev questions; "
        f"{len(final)} read by the base model"
    )
    factory = AnswererFactory(cfg, None, None, max_batch=cfg.eval.batch, linger_s=0.05)
    with factory, ui.bar(progress) as b:
        for s in final:
            answerer = RagAnswerer("rag", factory.base, retrievers[s], s.top_k, cfg.model.refusal)
            tick = ui.ticker(b, f"tune rag: {s.label}", len(dev))
            scored[s] |= _reading(runner.run(answerer, dev, 0, tick, set(), cfg.eval.batch))
    return [scored[s] for s in settings]


def _hit(retriever, s: tune.Setting, dev: list[EvalItem]) -> float | None:
    """The share of dev questions with a reference whose top_k passages hold one."""
    from engrain.evaluate.diagnostics import context_rank

    ranks = [context_rank(retriever.search(d.question, s.top_k)[0], d.answers) for d in dev if d.answers]
    seen = [r for r in ranks if r is not None]
    return round(sum(r > 0 for r in seen) / len(seen), 4) if seen else None


def _build_indexes(cfg: EngrainConfig, ws: Workspace, settings: list[tune.Setting], embedder) -> None:
    from engrain.rag.chunk import chunk_corpus
    from engrain.rag.index import build_index

    docs, _ = read_corpus(ws)
    for s in {s.chunk_words: s for s in settings if s.chunk_words != cfg.rag.chunk_words}.values():
        chunks = chunk_corpus(docs, s.chunk_words, s.chunk_overlap)
        build_index(chunks, embedder, tune.index_dir(ws, s.chunk_words, cfg), cfg.rag.batch_size, progress=False)


def _reading(rows: list[dict]) -> dict:
    n = len(rows)
    return {
        "correct": sum(r["correct"] for r in rows),
        "accuracy": round(sum(r["correct"] for r in rows) / n, 4),
        "hallucination_rate": round(sum(r["hallucinated"] for r in rows) / n, 4),
        "prompt_tokens": round(sum(r["prompt_tokens"] for r in rows) / n, 1),
    }


def _summary(best: dict, given: dict, n: int) -> str:
    if best is given:
        return f"tune_rag: the settings as given stay ({best['label']}: {best['accuracy']:.1%} on {n} dev questions)"
    return (
        f"tune_rag: {best['label']} ({best['accuracy']:.1%} on {n} dev questions; as given, {given['label']}: "
        f"{given['accuracy']:.1%})"
    )
