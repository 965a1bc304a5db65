"""`ft+rag` in verify mode: recall first, retrieval as the check, reading as the fallback.

A small tuned model recalls trained facts more reliably than it reads three passages (on
the demo, the top 3 passages held the answer for 40 of 40 lookups and the RAFT reader still
missed 9). So the tuned model answers closed-book, and the answer stands when one retrieved
passage states every value it claims together with what the question is about; when none
does (a slip of memory, a made-up spec, another product's value), the passages are read
instead: by the tuned model, or by the base model with `rag.reader = "base"`. A closed-book
refusal stands unless `read_refusals` (the default): a refusal claims no value the passages
could confirm, and on the demo reading after one turned more answers to questions the corpus
does not answer into hallucinations than it recovered forgotten facts (docs/experiments.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from engrain.model.answerer import ClosedBookAnswerer
from engrain.model.generate import TextGenerator
from engrain.model.timing import Spent, joint_clock
from engrain.rag.answerer import read_into
from engrain.rag.index import Retriever
from engrain.records import Answer, Passage
from engrain.scoring import is_abstention

# A claim is a token with a digit in it ("2643", "IP67", "E291", "5.4.9") or, when there is none,
# a capitalised word that does not open a sentence ("Hirose"); words already in the question claim nothing.
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z]+\b")


def claims(answer: str, question: str) -> list[str]:
    """What an answer asserts beyond the question: the values a passage must contain."""
    text = re.sub(r"\[\d+\]", " ", answer)  # citations
    asked = question.lower()
    return [t for t in _values(text) if t.lower() not in asked]


def subject(question: str) -> list[str]:
    """What a question is about: its codes and numbers ("RC-68e", "1990"), else its names. A list
    number ("2. Where was ...") is not; "Yxngxr1's real name" is about Yxngxr1."""
    return _values(re.sub(r"(\w)['’]s\b", r"\1", re.sub(r"^\s*\d+[.)]\s+", "", question)))


def supported(answer: str, question: str, passages: list[Passage]) -> bool:
    """True when the answer claims something and one passage states every claim and names the question's
    subject (one of its codes or names: a person is often named by surname alone): a value the passages
    give for another product or person confirms nothing ("How heavy is the Phalarope GS-14?" answered
    with the QX-58e's weight)."""
    must, about = claims(answer, question), subject(question)

    def states(text: str) -> bool:
        return all(_mentions(text, t) for t in must) and (not about or any(_mentions(text, t) for t in about))

    return bool(must) and any(states(p.text.lower()) for p in passages)


def _values(text: str) -> list[str]:
    found = [t.strip("$€£()[].,:;!?\"'") for t in text.split() if any(ch.isdigit() for ch in t)]
    return [t for t in dict.fromkeys(found or _NAME.findall(text.strip())) if t]


def _mentions(lowered: str, token: str) -> bool:
    """`token` as a whole word of already-lowercased text ("IP6" is not in "ip67", "4.9" not in "5.4.9")."""
    return re.search(rf"(?<![\w.]){re.escape(token.lower())}(?![\w])", lowered) is not None


class VerifiedAnswerer:
    """Closed-book answer checked against the retrieved passages; RAFT reading when it fails."""

    def __init__(
        self,
        name: str,
        generator: TextGenerator,
        retriever: Retriever,
        top_k: int,
        refusal: str,
        read_refusals: bool = False,
        reader: TextGenerator | None = None,
        recall_confidence: float = 0.0,
    ) -> None:
        """`reader`: the model that reads the passages when recall does not stand (default: `generator`);
        `recall_confidence`: a confirmed recall below this confidence is read instead."""
        self.name = name
        self.generator = generator
        self.reader = reader or generator
        self.closed_book = ClosedBookAnswerer(name, generator)
        self.retriever = retriever
        self.top_k = top_k
        self.refusal = refusal
        self.read_refusals = read_refusals
        self.recall_confidence = recall_confidence

    def answer(
        self,
        question: str,
        kind: Literal["qa", "completion"] = "qa",
        max_new_tokens: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """`on_text` receives the answer once it is checked: a recalled answer is never released unverified."""
        spent = Spent(joint_clock(self.generator.clock, self.reader.clock))
        passages, retrieval = self.retriever.search(question, self.top_k)
        recalled = self.closed_book.answer(question, kind, max_new_tokens)
        spent.attempted(recalled)
        sure = (recalled.confidence or 0.0) >= self.recall_confidence
        stands = sure and supported(recalled.text, question, passages)
        if stands or (is_abstention(recalled.text) and not self.read_refusals):
            route, text = ("recall" if stands else "refusal"), recalled.text
            spent.released()  # the answer is released only once checked
        else:
            route = "read"
            text = read_into(spent, self.reader, question, passages, kind, self.refusal, max_new_tokens).text
        if on_text and text:
            on_text(text)
        return Answer(
            text,
            spent.prompt_tokens,
            spent.completion_tokens,
            spent.timings(retrieval),
            passages,
            route,
            self.retriever.embed_tokens(question),
        )
