"""How much of the corpus the training mix covers, and entity-centric texts.

Coverage answers the user's first question about synthesis, "did it understand my
documents?": the share of sentences with an answer span and with a training example, and of
named entities and numbers that some training example states.
"""

from __future__ import annotations

import re

from engrain.records import Example
from engrain.synth.generic import SpanFact, not_prose
from engrain.synth.nlp import ParsedDoc

MIN_SENTENCE_WORDS = 4  # shorter lines are headings ("Early career.") and table labels
MAX_ENTITY_WORDS = 160
NAMED = {"PERSON", "ORG", "GPE", "LOC", "FAC", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW"}
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def coverage(
    parsed: list[ParsedDoc], spans: list[SpanFact], train: list[Example], stated: set[str] = frozenset()
) -> dict:
    """`spans`: every answer span found; `stated`: sentences whose fact another strategy trains.
    A sentence counts as trained when any copy of it is (repeated sentences are asked once)."""
    sents = [
        s for p in parsed for s in p.sentences if len(s.original.split()) >= MIN_SENTENCE_WORDS and not not_prose(s, p)
    ]
    with_span = {f.sentence for f in spans} | stated
    trained_keys = {e.fact for e in train}
    trained = {f.sentence for f in spans if f.key in trained_keys} | stated
    text = _train_text(train)
    entities = {e.text for s in sents for e in s.parse.ents if e.label_ in NAMED}
    numbers = {n for s in sents for n in _NUMBER.findall(s.original)}
    return {
        "sentences": len(sents),
        "sentences_with_span": sum(s.original in with_span for s in sents),
        "sentences_with_question": sum(s.original in trained for s in sents),
        "entities": len(entities),
        "entities_trained": sum(e in text for e in entities),
        "numbers": len(numbers),
        "numbers_trained": sum(n in text for n in numbers),
    }


def entity_texts(parsed: list[ParsedDoc]) -> list[tuple[str, str]]:
    """(entity, text) for each named entity stated in sentences of two or more documents: what
    the corpus says of it, gathered under its name (EntiGraph's entity focus, without an LLM).
    A document's own subject is covered by that document's views."""
    said: dict[str, dict[str, str]] = {}
    for pdoc in parsed:
        for sent in pdoc.sentences:
            for ent in sent.parse.ents:
                if ent.label_ in NAMED and len(ent.text) > 2:
                    said.setdefault(ent.text, {}).setdefault(sent.text, pdoc.doc.id)
    out = []
    for name in sorted(said):
        if len(set(said[name].values())) < 2:
            continue
        body, n = [], 0
        for sent in said[name]:
            n += len(sent.split())
            if n > MAX_ENTITY_WORDS:
                break
            body.append(sent)
        out.append((name, f"{name}\n\n" + " ".join(body)))
    return out


def _train_text(train: list[Example]) -> str:
    parts = []
    for e in train:
        parts += [e.prompt or "", e.text or ""] + [m["content"] for m in e.messages or []]
    return "\n".join(parts)
