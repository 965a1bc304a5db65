"""The eval file: held-out questions a user writes, one JSON object a line.

    {"id": "q1", "question": "...", "answers": ["..."], "category": "lookup", "kind": "qa", "wrong": ["..."]}

`answers: []` marks a question the corpus does not answer (the right reply is a refusal);
`wrong` lists answers that must not come first (comparisons); `kind` is `qa` or `completion`.
"""

from __future__ import annotations

from pathlib import Path

from engrain.errors import EngrainError
from engrain.io import read_jsonl
from engrain.records import EvalItem


def load_eval_file(path: Path) -> list[EvalItem]:
    """Held-out questions; every item states its answers (`[]`: the corpus does not answer it)."""
    items, seen = [], set()
    for i, r in enumerate(read_jsonl(path), 1):
        item = _eval_item(r, i, f"{path}: item {i}")
        if item.id in seen:  # duplicates would be counted twice in the paired tests
            raise EngrainError(f"{path}: item {i} repeats id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise EngrainError(f"{path}: eval file is empty")
    return items


def _eval_item(r: dict, i: int, where: str) -> EvalItem:
    question, answers, wrong = r.get("question"), r.get("answers"), r.get("wrong", [])
    if not isinstance(question, str) or not question.strip():
        raise EngrainError(f"{where}: 'question' must be a non-empty string")
    if not isinstance(answers, list) or not isinstance(wrong, list):
        raise EngrainError(f"{where}: needs a list 'answers' ([] = unanswerable; 'wrong', if given, a list too)")
    if any(not str(a).strip() for a in answers + wrong):
        raise EngrainError(f"{where}: an empty answer matches everything; remove it")
    kind = r.get("kind", "qa")
    if kind not in ("qa", "completion"):
        raise EngrainError(f"{where}: kind must be 'qa' or 'completion', got {kind!r}")
    return EvalItem(
        str(r.get("id", i)),
        question,
        [str(a) for a in answers],
        r.get("category", "lookup"),
        kind,
        [str(a) for a in wrong],
    )
