"""Retrieval-augmented answering: the `rag` and `ft+rag` pipelines."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from engrain.model.generate import Generation, Generator
from engrain.rag.index import Retriever
from engrain.rag.prompt import completion_prompt, rag_prompt
from engrain.records import Answer, Passage


def read(generator: Generator, question: str, passages: list[Passage], kind: Literal["qa", "completion"],
         refusal: str, max_new_tokens: int | None = None, on_text: Callable[[str], None] | None = None,
         ) -> tuple[Generation, float]:
    """Answer from the passages (the RAFT prompt ft+rag was trained on); also the prompt-building ms."""
    t0 = time.perf_counter()
    if kind == "qa":
        ids = generator.chat_ids(rag_prompt(question, passages, refusal))
    else:
        ids = generator.text_ids(completion_prompt(question, passages))
    prompt_ms = (time.perf_counter() - t0) * 1e3
    return generator.generate(ids, kind == "completion", max_new_tokens, on_text), prompt_ms


class RagAnswerer:
    """Retrieve top-k passages, put them in the prompt, generate with the same base (or tuned) model."""

    def __init__(self, name: str, generator: Generator, retriever: Retriever, top_k: int, refusal: str) -> None:
        self.name = name
        self.generator = generator
        self.retriever = retriever
        self.top_k = top_k
        self.refusal = refusal

    def answer(self, question: str, kind: Literal["qa", "completion"] = "qa", max_new_tokens: int | None = None,
               on_text: Callable[[str], None] | None = None) -> Answer:
        t0 = self.generator.clock()
        passages, timings = self.retriever.search(question, self.top_k)
        t1 = self.generator.clock()
        g, prompt_ms = read(self.generator, question, passages, kind, self.refusal, max_new_tokens, on_text)
        timings.update(prompt=prompt_ms, prefill=g.prefill_ms, decode=g.decode_ms)
        timings["ttft"] = (t1 - t0) * 1e3 + prompt_ms + g.prefill_ms
        timings["total"] = (self.generator.clock() - t0) * 1e3
        return Answer(g.text, g.prompt_tokens, g.completion_tokens, timings, passages,
                      embed_tokens=self.retriever.embed_tokens(question))
