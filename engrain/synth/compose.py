"""Questions that need two facts: comparisons and bridges (the eval's "synthesis" category).

Knowing two facts does not make a model compare them, or follow a link from one product
to the next: composing separately learned facts in one step mostly fails (Press et al.
2023, the "compositionality gap"). What works is saying the intermediate step out loud,
so each answer here names the link before the value ("The included device is the Bittern
DL-71; its ingress rating is IP54.") and each hop is a lookup the model was trained on.
A comparison's answer names the winner first, then both values.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

from engrain.synth.facts import Fact, name_variants

_NUMBER = re.compile(r"^(?P<cur>[$€£])?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>[^\d\s].*)?$")

# (question template, True when the larger value wins); {attr}, {a}, {b}.
COMPARE = [
    ("Which has the higher {attr}, the {a} or the {b}?", True),
    ("Which has the lower {attr}, the {a} or the {b}?", False),
    ("Of the {a} and the {b}, which has the greater {attr}?", True),
    ("Of the {a} and the {b}, which has the smaller {attr}?", False),
]
# Everyday comparatives for common quantities, keyed by unit (or "currency" / "year").
COMPARATIVES = {
    "g": [("Which is heavier, the {a} or the {b}?", True), ("Which is lighter, the {a} or the {b}?", False)],
    "kg": [("Which is heavier, the {a} or the {b}?", True), ("Which is lighter, the {a} or the {b}?", False)],
    "currency": [("Which costs more, the {a} or the {b}?", True), ("Which is cheaper, the {a} or the {b}?", False)],
    "year": [("Which is newer, the {a} or the {b}?", True), ("Which came out first, the {a} or the {b}?", False)],
}
BRIDGE = [
    "What is the {attr2} of the {attr1} of the {a}?",
    "What {attr2} does the {attr1} of the {a} have?",
    "The {a} comes with its {attr1}. What is that device's {attr2}?",
]


@dataclass(frozen=True)
class Composed:
    question: str
    answer: str
    facts: tuple[Fact, Fact]

    @property
    def key(self) -> str:
        return "compose|" + "|".join(sorted(f.key for f in self.facts))


def numeric(value: str) -> tuple[float, str] | None:
    """'3435 g' -> (3435.0, 'g'); '$6,125' -> (6125.0, 'currency'); '2019' -> (2019.0, '')."""
    m = _NUMBER.match(value.strip())
    if not m:
        return None
    unit = "currency" if m["cur"] else (m["unit"] or "").strip().lower()
    return float(m["num"].replace(",", "")), unit


def comparisons(facts: list[Fact], n: int, rng: random.Random) -> list[Composed]:
    """Up to `n` pairs of entities with the same numeric attribute and unit, asked both ways."""
    groups: dict[tuple[str, str], list[tuple[Fact, float]]] = {}
    for f in facts:
        if f.relation == "attribute" and (parsed := numeric(f.value)):
            groups.setdefault((f.attribute, parsed[1]), []).append((f, parsed[0]))
    pairs = [
        (a, b)
        for (attr, unit), members in sorted(groups.items())
        for a, b in itertools.combinations(members, 2)
        if a[1] != b[1] and a[0].entity != b[0].entity
    ]
    out = []
    for (fa, va), (fb, vb) in rng.sample(pairs, k=min(n, len(pairs))):
        unit = "year" if "year" in fa.attribute else numeric(fa.value)[1]  # type: ignore[index]
        template, larger_wins = rng.choice(COMPARE + COMPARATIVES.get(unit, []))
        x, y = (fa, fb) if rng.random() < 0.5 else (fb, fa)
        win, lose = (fa, fb) if (va > vb) == larger_wins else (fb, fa)
        q = template.format(attr=fa.attribute, a=x.entity, b=y.entity)
        a = f"The {win.entity}. Its {win.attribute} is {win.value}, against {lose.value} for the {lose.entity}."
        out.append(Composed(q[:1].upper() + q[1:], a, (fa, fb)))
    return out


def bridges(facts: list[Fact], n: int, rng: random.Random) -> list[Composed]:
    """Up to `n` two-hop questions: an attribute of the entity another entity links to."""
    by_entity: dict[str, list[Fact]] = {}
    for f in facts:
        if f.relation == "attribute":
            by_entity.setdefault(f.entity, []).append(f)
    chains = [
        (link, f)
        for link in facts
        if link.relation == "attribute" and link.value in by_entity and link.value != link.entity
        for f in by_entity[link.value]
        if f.value not in by_entity  # one hop past the link, not another link
    ]
    out = []
    for link, f in rng.sample(chains, k=min(n, len(chains))):
        q = rng.choice(BRIDGE).format(attr1=link.attribute, attr2=f.attribute, a=link.entity)
        a = f"The {link.attribute} is the {f.entity}; its {f.attribute} is {f.value}."
        out.append(Composed(q, a, (link, f)))
    return out


def asked_already(c: Composed, questions: list[tuple[str, list[str]]]) -> bool:
    """True when a held-out question asks the same thing: it names every entity the composed
    question names, and (for a bridge) its answers include the composed answer's value."""
    link, f = c.facts
    bridge = link.value == f.entity
    entities = [link.entity] if bridge else [link.entity, f.entity]
    for q, answers in questions:
        if all(any(v in q for v in name_variants(e)) for e in entities) and (not bridge or f.value in answers):
            return True
    return False
