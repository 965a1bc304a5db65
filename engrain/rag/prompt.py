"""The retrieval-augmented prompt, shared by the RAG pipelines and RAFT training data.

One function builds it so the fine-tuned model is trained on exactly the prompt it is
served with.
"""

from __future__ import annotations

from engrain.records import Passage

INSTRUCTION = (
    "Answer the question using the passages. Cite the passage number like [1]. "
    "If the passages do not contain the answer, say: {refusal}"
)


def rag_prompt(question: str, passages: list[Passage], refusal: str) -> str:
    blocks = "\n\n".join(f"[{i}] {p.text}" for i, p in enumerate(passages, 1))
    return f"{INSTRUCTION.format(refusal=refusal)}\n\n{blocks}\n\nQuestion: {question}"


def completion_prompt(prefix: str, passages: list[Passage]) -> str:
    """Knowledge probes are continued as raw text, so their context is raw text too."""
    blocks = "\n\n".join(p.text for p in passages)
    return f"{blocks}\n\n{prefix}"
