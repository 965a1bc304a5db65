"""Stage `baseline`: the untuned pipelines (base, rag) answer the eval split before training starts.

What retrieval alone achieves is known within minutes, not after the training it is compared with;
the eval stage reuses these rows (they do not depend on training), so nothing is answered twice.
"""

from __future__ import annotations

from engrain import progress as ui
from engrain.config import EngrainConfig
from engrain.io import read_jsonl, write_jsonl
from engrain.pipelines import PIPELINES
from engrain.progress import Say
from engrain.workspace import Workspace, read_split


def untuned(cfg: EngrainConfig) -> list[str]:
    return [p for p in cfg.eval.pipelines if not PIPELINES[p].tuned]


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, progress: bool) -> None:
    from engrain.answerers import AnswererFactory
    from engrain.evaluate import runner

    items = runner.sample_items(read_split(ws, "eval"), cfg.eval.limit, cfg.seed)
    rows: list[dict] = []
    factory = AnswererFactory.for_workspace(cfg, ws, cfg.eval.batch)
    with factory, ui.bar(progress and bool(untuned(cfg))) as b, factory.memoized():
        for name in untuned(cfg):
            tick = ui.ticker(b, f"eval {name}", len(items))
            rows += runner.run_as_configured(factory.build(name), items, cfg.eval, tick)
    ws.begin("baseline")
    write_jsonl(ws.path("baseline", "results"), rows)
    ws.mark("baseline", key, questions=len(items), pipelines=untuned(cfg))
    if rows:
        say(f"baseline, before training ({len(items)} questions): {headline(rows)}")


def headline(rows: list[dict]) -> str:
    """'rag 28.1% right, 71.9% hallucinated; base 0.0% right, 100.0% hallucinated'."""
    from engrain.evaluate.runner import summarise

    pipes = summarise(rows)["pipelines"]
    return "; ".join(
        f"{name} {m['accuracy']:.1%} right, {m['hallucination_rate']:.1%} hallucinated"
        for name, m in sorted(pipes.items(), key=lambda kv: -kv[1]["accuracy"])
    )


def rows(ws: Workspace) -> list[dict]:
    """The baseline's answers, as the eval stage reuses them."""
    return list(read_jsonl(ws.path("baseline", "results")))
