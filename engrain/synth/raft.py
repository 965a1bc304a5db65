"""RAFT records (Zhang et al. 2024) for the `ft+rag` pipeline.

Question + the answer-bearing chunk + distractor chunks, in the exact prompt the RAG
pipeline serves; the target quotes the evidence sentence and cites it. Some records
leave the answer-bearing chunk out, so the model also learns to answer from memory.
"""

from __future__ import annotations

import random

from engrain.rag.chunk import Chunk
from engrain.rag.prompt import rag_prompt
from engrain.records import Example, Passage
from engrain.synth.facts import Fact, render


def raft_example(
    question: str,
    fact: Fact | None,
    chunks: list[Chunk],
    n_distractors: int,
    with_oracle: bool,
    refusal: str,
    rng: random.Random,
    group: str,
) -> Example | None:
    """`fact=None` makes an abstention record: distractors only, refusal as the target."""
    oracle = next((c for c in chunks if fact and fact.sentence in c.text), None) if fact else None
    if fact and oracle is None:
        return None
    others = [c for c in chunks if oracle is None or c.doc_id != oracle.doc_id]
    picked = rng.sample(others, k=min(n_distractors + (0 if with_oracle and oracle else 1), len(others)))
    if with_oracle and oracle is not None:
        picked.insert(rng.randrange(len(picked) + 1), oracle)
    passages = [Passage(c.doc_id, c.chunk_id, c.text, 0.0) for c in picked]
    if fact is None:
        target = refusal
    elif with_oracle:
        cite = next(i for i, c in enumerate(picked, 1) if c is oracle)
        target = f"{_statement(fact).rstrip('.')} [{cite}]."
    else:
        target = _statement(fact)  # from memory: the fact was trained in closed-book form too
    messages = [{"role": "user", "content": rag_prompt(question, passages, refusal)}, {"role": "assistant", "content": target}]
    return Example("raft", messages=messages, source=oracle.doc_id if oracle else "", fact=group)


def _statement(fact: Fact) -> str:
    """The evidence sentence, or the fact in words when the evidence is a table row."""
    return fact.sentence if fact.sentence.endswith(".") else render(fact, "attr_first")
