"""Questions the corpus does not answer, so the tuned model learns the edge of its knowledge.

Two sources, both checked against the corpus text: attributes the corpus states for other
entities but never for this one, and entity names one digit away from real ones.
"""

from __future__ import annotations

import random
import re

from engrain.synth.facts import Fact, name_variants
from engrain.synth.questions import FORWARD


def abstain_questions(facts: list[Fact], corpus_text: str, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Up to `n` (question, group key) pairs with no answer in the corpus."""
    facts = [f for f in facts if f.relation == "attribute"]  # "the E291 of the X" is no question
    if n <= 0 or not facts:
        return []
    lower = corpus_text.lower()
    sents = [s for s in re.split(r"(?<=[.!?])\s+", lower) if s]
    entities = sorted({f.entity for f in facts})
    attributes = sorted({f.attribute for f in facts})
    known = {(f.entity, f.attribute) for f in facts}

    gaps = [
        (e, a)
        for e in entities
        for a in attributes
        if (e, a) not in known and not _mentioned_together(e, a, sents)
    ]
    fakes = [(f, a) for f in _fake_entities(entities, lower, rng) for a in attributes]
    rng.shuffle(gaps)
    rng.shuffle(fakes)
    # Mostly real entities with missing attributes (the hard case), some invented names.
    pool = gaps[: max(1, int(n * 0.7))] + fakes
    out = []
    for e, a in pool[:n]:
        template = rng.choice(FORWARD)
        out.append((template.format(attr=a, ent=e), f"abstain|{e.lower()}|{a}"))
    return out


def _mentioned_together(entity: str, attribute: str, sents: list[str]) -> bool:
    names = [n.lower() for n in name_variants(entity)]
    head = attribute.split()[-1].lower()
    return any(head in s and any(n in s for n in names) for s in sents)


def _fake_entities(entities: list[str], lower_text: str, rng: random.Random) -> list[str]:
    fakes = []
    for e in entities:
        digits = re.findall(r"\d", e)
        if not digits:
            continue
        fake = re.sub(r"\d(?=\D*$)", str(rng.choice([d for d in "0123456789" if d != digits[-1]])), e)
        if fake.lower() not in lower_text and fake not in entities:
            fakes.append(fake)
    return fakes
