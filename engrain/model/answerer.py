"""Closed-book answering: the `base` and `ft` pipelines (they differ only in weights)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from engrain.model.generate import Generator
from engrain.records import Answer


class ClosedBookAnswerer:
    """Answers from the model's weights alone."""

    def __init__(self, name: str, generator: Generator) -> None:
        self.name = name
        self.generator = generator

    def answer(self, question: str, kind: Literal["qa", "completion"] = "qa", max_new_tokens: int | None = None,
               on_text: Callable[[str], None] | None = None) -> Answer:
        t0 = self.generator.clock()
        ids = self.generator.chat_ids(question) if kind == "qa" else self.generator.text_ids(question)
        t1 = self.generator.clock()
        g = self.generator.generate(ids, kind == "completion", max_new_tokens, on_text)
        timings = {"prompt": (t1 - t0) * 1e3, "prefill": g.prefill_ms, "decode": g.decode_ms}
        timings["ttft"] = timings["prompt"] + g.prefill_ms
        timings["total"] = (self.generator.clock() - t0) * 1e3
        return Answer(g.text, g.prompt_tokens, g.completion_tokens, timings, confidence=g.confidence)
