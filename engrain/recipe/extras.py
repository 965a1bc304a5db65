"""What the eval stage measures beside accuracy: throughput under concurrency and forgetting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engrain.config import EngrainConfig
from engrain.pipelines import PIPELINES
from engrain.progress import Say
from engrain.records import EvalItem

if TYPE_CHECKING:
    from engrain.answerers import AnswererFactory


def throughput(cfg: EngrainConfig, factory: AnswererFactory, items: list[EvalItem], say: Say) -> list[dict]:
    """Queries per second of ft and rag at each `eval.throughput_concurrency` (none when switched off)."""
    from engrain.evaluate.runner import throughput as measure

    if not cfg.eval.throughput_queries:
        return []
    out = []
    for name in [p for p in ("ft", "rag") if p in cfg.eval.pipelines]:
        say(f"throughput: {name} at concurrency {cfg.eval.throughput_concurrency}")
        out += measure(factory.build(name), items, cfg.eval.throughput_concurrency, cfg.eval.throughput_queries)
    return out


def forgetting(cfg: EngrainConfig, factory: AnswererFactory, say: Say) -> dict | None:
    """What specialisation cost: general-text perplexity, base vs fine-tuned (needs both in the bake-off)."""
    if not cfg.eval.forgetting or {PIPELINES[p].tuned for p in cfg.eval.pipelines} != {True, False}:
        return None
    from engrain.evaluate.forgetting import forgetting_check

    result = forgetting_check(factory.base.model, factory.tuned.model, factory.base.tok)
    say(f"forgetting: general-text perplexity {result['base_ppl']:.2f} (base) -> {result['ft_ppl']:.2f} (fine-tuned)")
    return result
