"""RAFT records (Zhang et al. 2024) for the `ft+rag` pipeline.

A question with the passages the RAG pipeline would really retrieve for it, in the exact
prompt it serves. Retrieved distractors are hard ones: other chunks of the same manual, so
the model learns to pick the asked attribute, not any sentence naming the product. Some
records have the answer-bearing chunk taken out and the answer as target anyway (RAFT's
"P"), so the model also answers from memory when retrieval misses; questions the corpus
does not answer get the refusal.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from engrain.rag.chunk import Chunk
from engrain.rag.prompt import rag_prompt
from engrain.records import Example, Passage
from engrain.synth.facts import Fact
from engrain.synth.questions import forward_answer

Retrieve = Callable[[str, int], list[Passage]]
RetrieveMany = Callable[[list[str], int], list[list[Passage]]]  # one batched search for many questions


@dataclass(frozen=True)
class Grounded:
    """A question, its closed-book answer and the corpus sentence that states it."""

    question: str
    answer: str
    evidence: str
    key: str

    @classmethod
    def of(cls, question: str, fact: Fact) -> Grounded:
        return cls(question, forward_answer(fact), fact.sentence, fact.key)


class Oracles:
    """The first chunk (in corpus order) holding a sentence, found through the chunks holding the
    sentence's rarest inner word: a scan of every chunk per record grows with the square of the corpus
    (1.1 ms a record at 1M words, 0.02 ms through the index). Inner words only: the sentence's first
    and last may be cut from longer ones."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks, self.holding = chunks, {}
        for i, c in enumerate(chunks):
            for word in set(c.text.split()):
                self.holding.setdefault(word, []).append(i)

    def find(self, sentence: str) -> Chunk | None:
        inner = sentence.split()[1:-1]
        if not inner:
            return next((c for c in self.chunks if sentence in c.text), None)
        rarest = min(inner, key=lambda w: len(self.holding.get(w, ())))
        return next((self.chunks[i] for i in self.holding.get(rarest, ()) if sentence in self.chunks[i].text), None)


def fact_record(
    item: Grounded, retrieve: Retrieve, oracles: Oracles, k: int, keep_oracle: bool, refusal: str, rng: random.Random
) -> Example | None:
    """`keep_oracle=False` takes the answer-bearing chunk out: the target is then memory."""
    question, evidence = item.question, item.evidence
    oracle = oracles.find(evidence)
    if oracle is None:  # the evidence straddles two chunks: no clean record to make
        return None
    ranked = retrieve(question, k + 1)
    rank = next((i for i, p in enumerate(ranked) if evidence in p.text), None)
    passages = [p for p in ranked if evidence not in p.text][:k]
    answer = item.answer.rstrip(".")  # the closed-book wording: one style for ft and ft+rag
    if keep_oracle:
        rank = rank if rank is not None and rank < k else rng.randrange(k)
        passages = passages[: k - 1]
        passages.insert(rank, Passage(oracle.doc_id, oracle.chunk_id, oracle.text, 0.0))
        answer += f" [{rank + 1}]"
    return _record(question, passages, answer + ".", refusal, item.key, oracle.doc_id)


def abstain_record(question: str, key: str, retrieve: Retrieve, k: int, refusal: str) -> Example:
    return _record(question, retrieve(question, k), refusal, refusal, key, "")


class Prefetched:
    """A `Retrieve` answering from searches made in batches ahead of time: a question's embedding
    and search cost ~25 ms alone and ~6 ms in a batch. A question not fetched is searched alone."""

    def __init__(self, many: RetrieveMany) -> None:
        self.many, self.found = many, {}

    def fetch(self, questions: list[str], k: int) -> None:
        todo = [q for q in dict.fromkeys(questions) if (q, k) not in self.found]
        self.found |= {(q, k): ranked for q, ranked in zip(todo, self.many(todo, k) if todo else [])}

    def __call__(self, question: str, k: int) -> list[Passage]:
        if (question, k) not in self.found:
            self.fetch([question], k)
        return self.found[(question, k)]


def lexical_retriever(chunks: list[Chunk]) -> RetrieveMany:
    """Word-overlap ranking, for synthesis without an embedding index (tests, the Python API)."""
    bags = [set(_words(c.text)) for c in chunks]

    def retrieve(query: str, k: int) -> list[Passage]:
        q = set(_words(query))
        order = sorted(range(len(chunks)), key=lambda i: -len(q & bags[i]))[:k]
        return [Passage(chunks[i].doc_id, chunks[i].chunk_id, chunks[i].text, float(len(q & bags[i]))) for i in order]

    return lambda queries, k: [retrieve(q, k) for q in queries]


def _record(question: str, passages: list[Passage], target: str, refusal: str, group: str, source: str) -> Example:
    messages = [
        {"role": "user", "content": rag_prompt(question, passages, refusal)},
        {"role": "assistant", "content": target},
    ]
    return Example("raft", messages=messages, source=source, fact=group)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())
