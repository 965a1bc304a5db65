"""Question phrasings for a fact, forwards and backwards.

Many phrasings per fact (Ovadia et al. 2023: accuracy rose with every added paraphrase) and
both directions of each relation (Berglund et al.: 'A is B' does not teach 'B is A').
"""

from __future__ import annotations

import random

from engrain.synth.facts import Fact, render, short_name

FORWARD = [
    "What is the {attr} of the {ent}?",
    "What {attr} does the {ent} have?",
    "Tell me the {attr} of the {ent}.",
    "{ent}: what is its {attr}?",
    "I need the {attr} for the {ent}.",
    "What's the {ent}'s {attr}?",
    "Do you know the {attr} of the {ent}?",
    "Which {attr} is specified for the {ent}?",
    "Give me the {ent} {attr}.",
    "Look up the {attr} of the {ent}, please.",
    "Quick question about the {ent}: what {attr} does it have?",
    "What does the documentation give as the {ent}'s {attr}?",
]
REVERSE = [
    "Which product has a {attr} of {val}?",
    "What has the {attr} {val}?",
    "Name the model whose {attr} is {val}.",
    "Which one comes with a {attr} of {val}?",
]


def forward_questions(fact: Fact, n: int, rng: random.Random) -> list[str]:
    """`n` distinct phrasings; about a third use the short name ('DL-40') when there is one."""
    templates = rng.sample(FORWARD, k=min(n, len(FORWARD)))
    short = short_name(fact.entity)
    out = []
    for i, t in enumerate(templates):
        ent = short if short and i % 3 == 2 else fact.entity
        out.append(_cap(t.format(attr=fact.attribute, ent=ent)))
    return out


def reverse_questions(fact: Fact, n: int, rng: random.Random) -> list[str]:
    templates = rng.sample(REVERSE, k=min(n, len(REVERSE)))
    return [_cap(t.format(attr=fact.attribute, val=fact.value)) for t in templates]


def forward_answer(fact: Fact) -> str:
    return render(fact, "attr_first")


def reverse_answer(fact: Fact) -> str:
    return render(fact, "has")


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]
