"""The pipelines a bake-off compares, each declared once with its traits.

Everything that treats pipelines differently (which weights answer, whether the question is
embedded and passages are read, what a query costs, which colour a plot uses) reads these
traits; nothing parses a pipeline's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engrain.errors import EngrainError

Answering = Literal["closed-book", "read", "hybrid", "auto"]


@dataclass(frozen=True)
class Pipeline:
    name: str
    tuned: bool  # answers with the fine-tuned weights (else the base model's)
    retrieves: bool  # embeds the question and searches the index on (some) queries
    answering: (
        Answering  # closed-book; reads retrieved passages; the hybrid set by `rag.hybrid`; or routed per question
    )
    color: str  # in every plot
    summary: str


PIPELINES: dict[str, Pipeline] = {
    p.name: p
    for p in (
        Pipeline(
            "base",
            tuned=False,
            retrieves=False,
            answering="closed-book",
            color="#9e9e9e",
            summary="the base model, closed-book",
        ),
        Pipeline(
            "rag",
            tuned=False,
            retrieves=True,
            answering="read",
            color="#1f77b4",
            summary="the base model reading retrieved passages",
        ),
        Pipeline(
            "ft",
            tuned=True,
            retrieves=False,
            answering="closed-book",
            color="#ff7f0e",
            summary="the fine-tuned model, closed-book",
        ),
        Pipeline(
            "ft+rag",
            tuned=True,
            retrieves=True,
            answering="hybrid",
            color="#2ca02c",
            summary="the fine-tuned model with retrieval (verify or read, see rag.hybrid)",
        ),
        Pipeline(
            "auto",
            tuned=True,
            retrieves=True,
            answering="auto",
            color="#9467bd",
            summary="the fine-tuned model closed-book, retrieving only when unsure or a document changed",
        ),
    )
}
NAMES: tuple[str, ...] = tuple(PIPELINES)

# the routes a multi-path pipeline reports per answer (ft+rag verify, auto), for reports and /metrics
ROUTES = {
    "closed-book": "answered from the weights, confident",
    "recall": "the closed-book answer, confirmed by the passages",
    "refusal": "the closed-book refusal, which stands",
    "unsure": "the closed-book answer was below model.refuse_below: the refusal instead",
    "read": "the model read the passages",
    "read-unsure": "unsure and unconfirmed closed-book: the model read the passages",
    "read-refusal": "refused closed-book: the model read the passages",
    "read-changed": "the question touches a changed document: the model read the passages",
}


def get(name: str) -> Pipeline:
    try:
        return PIPELINES[name]
    except KeyError:
        raise EngrainError(f"unknown pipeline {name!r}: choose from {', '.join(NAMES)}") from None


def choices() -> str:
    """For help texts: 'base (the base model, closed-book) | rag (...) | ...'."""
    return " | ".join(f"{p.name} ({p.summary})" for p in PIPELINES.values())


def ordered(names: list[str] | set[str]) -> list[str]:
    """Declared order first, then anything else (e.g. ablation labels) alphabetically."""
    return [n for n in NAMES if n in names] + sorted(n for n in names if n not in PIPELINES)
