"""Retrieval-augmented answering: the `rag` and `ft+rag` pipelines."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from engrain.model.generate import Generation, TextGenerator
from engrain.model.timing import Spent
from engrain.rag.index import Retriever
from engrain.rag.prompt import completion_prompt, rag_prompt
from engrain.records import Answer, Passage


def read(
    generator: TextGenerator,
    question: str,
    passages: list[Passage],
    kind: Literal["qa", "completion"],
    refusal: str,
    max_new_tokens: int | None = None,
    on_text: Callable[[str], None] | None = None,
) -> tuple[Generation, float]:
    """Answer from the passages (the RAFT prompt ft+rag was trained on); also the prompt-building ms."""
    t0 = time.perf_counter()
    if kind == "qa":
        ids = generator.chat_ids(rag_prompt(question, passages, refusal))
    else:
        ids = generator.text_ids(completion_prompt(question, passages))
    prompt_ms = (time.perf_counter() - t0) * 1e3
    return generator.generate(ids, kind == "completion", max_new_tokens, on_text), prompt_ms


def read_into(
    spent: Spent,
    generator: TextGenerator,
    question: str,
    passages: list[Passage],
    kind: Literal["qa", "completion"],
    refusal: str,
    max_new_tokens: int | None = None,
    on_text: Callable[[str], None] | None = None,
) -> Generation:
    """`read`, its time and tokens added to the answer's account; the answer starts with this reading."""
    started = spent.clock()
    g, prompt_ms = read(generator, question, passages, kind, refusal, max_new_tokens, on_text)
    spent.generated(g, prompt_ms, started)
    return g


class RagAnswerer:
    """Retrieve top-k passages, put them in the prompt, generate with the same base (or tuned) model."""

    def __init__(self, name: str, generator: TextGenerator, retriever: Retriever, top_k: int, refusal: str) -> None:
        self.name = name
        self.generator = generator
        self.retriever = retriever
        self.top_k = top_k
        self.refusal = refusal

    def answer(
        self,
        question: str,
        kind: Literal["qa", "completion"] = "qa",
        max_new_tokens: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        spent = Spent(self.generator.clock)
        passages, retrieval = self.retriever.search(question, self.top_k)
        g = read_into(spent, self.generator, question, passages, kind, self.refusal, max_new_tokens, on_text)
        return Answer(
            g.text,
            spent.prompt_tokens,
            spent.completion_tokens,
            spent.timings(retrieval),
            passages,
            embed_tokens=self.retriever.embed_tokens(question),
        )
