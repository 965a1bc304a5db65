"""An optional teacher: a stronger model (engrain.model.chat: an OpenAI-compatible endpoint or a
local causal LM, the base model itself included) asked for training data.

The built-in generator only restates facts in fixed templates. A teacher adds phrasings a
template would never produce (more paraphrases teach more robust recall) and freer document
rewrites. A teacher can also invent or garble facts, so every output is checked against the
extracted facts before it is used: a question must name the entity and not leak its answer,
and a rewrite must keep every fact value, entity name and number verbatim.

For any prose it also writes question-answer pairs about each passage; an answer must be
found in the passage (normalised) and must not be given away by its question.
"""

from __future__ import annotations

import re

from engrain.model.chat import ChatClient
from engrain.scoring import normalize
from engrain.synth.facts import Fact, name_variants

_BULLET = re.compile(r"^\s*(?:[-*•·]+\s*|\(?(?:\d+|[a-z])[.):]\s+)", re.IGNORECASE)
_QUOTES = "\"'“”‘’`"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Openings of a request that has no question mark ("Tell me the ... of the DL-40.").
_ASKING = re.compile(
    r"^(?:what|which|how|who|where|when|is|are|does|do|can|could|would|tell|give|"
    r"i need|i'd like|please|look up|show|find|list)\b"
)


class Teacher:
    """Asks the teacher model for paraphrases and rewrites; checks every answer."""

    def __init__(self, chat: ChatClient) -> None:
        self.chat = chat
        self._rejected = 0

    @property
    def stats(self) -> dict:
        """The chat client's calls and tokens, and `rejected`: lines and rewrites that failed the checks."""
        return self.chat.stats | {"rejected": self._rejected}

    def close(self) -> None:
        self.chat.close()

    # -- tasks -----------------------------------------------------------------------------
    def paraphrase_questions(self, facts: list[Fact], n: int) -> list[list[str]]:
        """Up to `n` distinct questions per fact that name its entity and do not contain its
        answer: one request per fact, sent in batches to a local teacher."""
        if n <= 0:
            return [[] for _ in facts]
        prompts = [
            f"Write {n} different ways a user might ask for the {f.topic} of the {f.entity}. "
            "Vary the wording; some may be casual. One question per line, no numbering, "
            "no answers, nothing else."
            for f in facts
        ]
        return [self._questions(reply, f, n) for reply, f in zip(self.chat.complete_many(prompts), facts)]

    def _questions(self, reply: str | None, fact: Fact, n: int) -> list[str]:
        names = [n.lower() for n in name_variants(fact.entity)]
        out: list[str] = []
        seen: set[str] = set()
        for line in (reply or "").splitlines():
            q = _BULLET.sub("", line.strip()).strip().strip(_QUOTES).strip()
            low = q.lower()
            if not q or len(q) > 300 or low in seen:
                continue
            if not _is_question(low) or not any(name in low for name in names) or _leaks(q, fact):
                self._rejected += 1
                continue
            seen.add(low)
            out.append(q)
            if len(out) == n:
                break
        return out

    def rewrites(self, pieces: list[tuple[str, list[Fact]]]) -> list[str | None]:
        """Each (passage, its facts) in other words, or None where the rewrite lost or changed a
        fact, a name or a number."""
        prompts = [
            "Rewrite the passage below in different words and a different sentence order. Keep every "
            "fact exactly: product and entity names, numbers and units must appear verbatim. Do not add "
            "information. Reply with the rewritten passage only.\n\n" + text
            for text, _ in pieces
        ]
        return [
            self._kept(reply, text, facts) for reply, (text, facts) in zip(self.chat.complete_many(prompts), pieces)
        ]

    def _kept(self, reply: str | None, text: str, facts: list[Fact]) -> str | None:
        if reply is None:
            return None
        out = reply.strip()
        must_keep = {s for f in facts for s in (f.value, f.entity) if s in text}
        numbers_kept = set(_NUMBER.findall(text)) <= set(_NUMBER.findall(out))
        if not out or not numbers_kept or any(s not in out for s in must_keep):
            self._rejected += 1
            return None
        return out

    def qa_pairs(self, passages: list[str], n: int) -> list[list[tuple[str, str]]]:
        """Up to `n` (question, answer) pairs per passage, each answer found in its passage."""
        prompts = [
            f"Read the passage and write {n} different questions a reader could ask about it, each followed "
            "by its short answer copied from the passage. Use exactly this format, nothing else:\n"
            f"Q: <question>\nA: <answer>\n\nPassage:\n{p}"
            for p in passages
        ]
        return [self._grounded_pairs(reply, p, n) for reply, p in zip(self.chat.complete_many(prompts), passages)]

    def statements(self, passages: list[str], n: int) -> list[list[str]]:
        """Up to `n` sentences per passage restating what it says, its implications and the
        relations between the entities it names, in the teacher's own words (EntiGraph-style
        rewrites). A sentence is kept when every number in it is in the passage and it names
        a capitalised name the passage names."""
        prompts = [
            f"Write {n} short sentences about the passage below, one per line: restate its facts in other words, "
            "say what follows from them, and how the people, places and organisations it names relate to each "
            "other. Use full names, never 'he' or 'she'. Add nothing the passage does not support.\n\n"
            f"Passage:\n{p}"
            for p in passages
        ]
        return [self._grounded_statements(reply, p, n) for reply, p in zip(self.chat.complete_many(prompts), passages)]

    def _grounded_statements(self, reply: str | None, passage: str, n: int) -> list[str]:
        names = _names(passage)
        numbers = set(_NUMBER.findall(passage))
        out: list[str] = []
        for line in (reply or "").splitlines():
            sent = _BULLET.sub("", line.strip()).strip().strip(_QUOTES).strip()
            if not sent or sent in out:
                continue
            grounded = set(_NUMBER.findall(sent)) <= numbers and any(name in sent for name in names if len(name) > 2)
            if not grounded or len(sent.split()) > 40 or sent.endswith("?"):
                self._rejected += 1
                continue
            out.append(sent)
        return out[:n]

    def _grounded_pairs(self, reply: str | None, passage: str, n: int) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        source = f" {normalize(passage)} "
        q = None
        for line in (reply or "").splitlines():
            line = line.strip()
            if line[:2].upper() not in ("Q:", "A:"):
                line = _BULLET.sub("", line).strip()  # "1. Q: ..." -> "Q: ..."
            if line[:2].upper() == "Q:":
                q = line[2:].strip().strip(_QUOTES).strip()
            elif line[:2].upper() == "A:" and q:
                a, question = line[2:].strip().strip(_QUOTES).strip().rstrip("."), q
                q = None
                na, nq = normalize(a), normalize(question)
                grounded = bool(na) and f" {na} " in source and len(a.split()) <= 20
                if not grounded or not _is_question(question.lower()) or f" {na} " in f" {nq} " or nq in seen:
                    self._rejected += 1
                    continue
                seen.add(nq)
                out.append((question, a))
        return out[:n]


def _names(text: str) -> set[str]:
    """Capitalised words and runs of them, except a lone word that only starts a sentence ('She')."""
    out = set()
    for m in re.finditer(r"\b[A-Z][\w\-]+(?:\s+[A-Z][\w\-]+)*", text):
        starts_sentence = not text[: m.start()].rstrip() or text[: m.start()].rstrip()[-1] in ".!?:"
        if " " in m[0] or not starts_sentence:
            out.add(m[0])
    return out


def _is_question(low: str) -> bool:
    return low.endswith("?") or bool(_ASKING.match(low))


def _leaks(question: str, fact: Fact) -> bool:
    """The answer is in the question: the value itself, or one of its numbers not in the name."""
    if fact.value.lower() in question.lower():
        return True
    value_numbers = set(_NUMBER.findall(fact.value)) - set(_NUMBER.findall(fact.entity))
    return bool(value_numbers & set(_NUMBER.findall(question)))
