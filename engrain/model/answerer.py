"""Closed-book answering: the `base` and `ft` pipelines (they differ only in weights)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from engrain.model.generate import TextGenerator
from engrain.model.timing import Spent
from engrain.records import Answer
from engrain.scoring import is_abstention


class ClosedBookAnswerer:
    """Answers from the model's weights alone; with `refuse_below` > 0, a question answer less
    confident than that is replaced by `refusal` (a tuned model is sure of what it learnt and
    unsure of what it makes up; docs/experiments.md)."""

    def __init__(self, name: str, generator: TextGenerator, refuse_below: float = 0.0, refusal: str = "") -> None:
        self.name = name
        self.generator = generator
        self.refuse_below = refuse_below
        self.refusal = refusal

    def answer(
        self,
        question: str,
        kind: Literal["qa", "completion"] = "qa",
        max_new_tokens: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """With `refuse_below` on, `on_text` receives the answer once it is known to stand."""
        checked = self.refuse_below > 0.0 and kind == "qa"
        spent = Spent(self.generator.clock)
        ids = self.generator.chat_ids(question) if kind == "qa" else self.generator.text_ids(question)
        prompt_ms = spent.since_start()
        g = self.generator.generate(ids, kind == "completion", max_new_tokens, None if checked else on_text)
        spent.generated(g, prompt_ms, spent.t0)
        text, route = g.text, ""
        if checked:
            route = recall_route(g.text, g.confidence, self.refuse_below)
            text = self.refusal if route == "unsure" else g.text
            if on_text and text:
                on_text(text)
        return Answer(
            text, spent.prompt_tokens, spent.completion_tokens, spent.timings(), route=route, confidence=g.confidence
        )


def recall_route(text: str, confidence: float | None, threshold: float) -> str:
    """How a closed-book answer stands: the model's own `refusal`, `closed-book` (confident) or
    `unsure` (below `threshold`); `ft` refuses when unsure, `auto` reads the passages."""
    if is_abstention(text):
        return "refusal"
    return "closed-book" if (confidence or 0.0) >= threshold else "unsure"
