"""`auto`: the fine-tuned model answers closed-book and retrieves only when it needs to.

A question the tuned model knows costs one short prompt; retrieval (embedding, search and a
prompt several times longer) is paid only when
- the closed-book answer's confidence (the geometric mean probability of its tokens) is below
  `rag.auto_confidence`: the passages are searched, the answer stands when they contain every
  value it claims (the verify check), else the model reads them;
- the model refuses closed-book and `rag.read_refusals` is on: it reads the passages;
- the question touches a document that changed since the checkpoint was trained (content
  hashes: the model's lineage against the ingested corpus): with changed documents every
  question is searched first (embedding is cheap next to generation), and a passage from a
  changed document is read instead of trusting the weights.

Routes are named in `engrain.pipelines.ROUTES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from engrain.model.answerer import ClosedBookAnswerer, recall_route
from engrain.model.generate import TextGenerator
from engrain.model.timing import Spent, joint_clock
from engrain.rag.answerer import read_into
from engrain.rag.index import Retriever
from engrain.rag.verify import supported
from engrain.records import Answer, Passage


class AutoAnswerer:
    """Closed-book first; retrieval on low confidence, on a refusal (optional) or a changed document."""

    def __init__(
        self,
        name: str,
        generator: TextGenerator,
        retriever: Retriever,
        top_k: int,
        refusal: str,
        threshold: float,
        read_refusals: bool = False,
        changed: frozenset[str] = frozenset(),
        reader: TextGenerator | None = None,
    ) -> None:
        """`reader`: the model that reads the passages (default: `generator`)."""
        self.name = name
        self.generator = generator
        self.reader = reader or generator
        self.closed_book = ClosedBookAnswerer(name, generator)
        self.retriever = retriever
        self.top_k = top_k
        self.refusal = refusal
        self.threshold = threshold
        self.read_refusals = read_refusals
        self.changed = changed

    def answer(
        self,
        question: str,
        kind: Literal["qa", "completion"] = "qa",
        max_new_tokens: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """`on_text` receives the answer once its route is decided (confidence is known only at its end)."""
        spent = Spent(joint_clock(self.generator.clock, self.reader.clock))
        passages: list[Passage] | None = None
        retrieval: dict[str, float] = {"embed": 0.0, "search": 0.0}
        if self.changed:
            passages, retrieval = self.retriever.search(question, self.top_k)
            if any(p.doc_id in self.changed for p in passages):
                return self._read(question, kind, max_new_tokens, passages, retrieval, spent, "read-changed", on_text)
        recalled = self.closed_book.answer(question, kind, max_new_tokens)
        spent.attempted(recalled)
        route = self._route(recalled)
        if route in ("read-unsure", "read-refusal") and passages is None:
            passages, retrieval = self.retriever.search(question, self.top_k)
        if route == "read-unsure" and supported(recalled.text, question, passages or []):
            route = "recall"
        if route.startswith("read"):
            return self._read(
                question, kind, max_new_tokens, passages or [], retrieval, spent, route, on_text, recalled.confidence
            )
        if on_text and recalled.text:
            on_text(recalled.text)
        spent.released()
        return Answer(
            recalled.text,
            spent.prompt_tokens,
            spent.completion_tokens,
            spent.timings(retrieval),
            passages or [],
            route,
            self.retriever.embed_tokens(question) if passages is not None else 0,
            recalled.confidence,
        )

    def _route(self, recalled: Answer) -> str:
        route = recall_route(recalled.text, recalled.confidence, self.threshold)
        if route == "refusal":
            return "read-refusal" if self.read_refusals else "refusal"
        return "read-unsure" if route == "unsure" else route

    def _read(
        self,
        question: str,
        kind: Literal["qa", "completion"],
        max_new_tokens: int | None,
        passages: list[Passage],
        retrieval: dict[str, float],
        spent: Spent,
        route: str,
        on_text: Callable[[str], None] | None,
        confidence: float | None = None,
    ) -> Answer:
        """The reader reads the passages; a closed-book attempt before it is already in `spent`."""
        g = read_into(spent, self.reader, question, passages, kind, self.refusal, max_new_tokens, on_text)
        return Answer(
            g.text,
            spent.prompt_tokens,
            spent.completion_tokens,
            spent.timings(retrieval),
            passages,
            route,
            self.retriever.embed_tokens(question),
            confidence,
        )
