"""Question phrasings for a fact, forwards and backwards.

Many phrasings per fact (Ovadia et al. 2023: accuracy rose with every added paraphrase) and
both directions of each relation (Berglund et al.: 'A is B' does not teach 'B is A').
"""

from __future__ import annotations

import random
import re

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
# Code definitions ("error E291 means corrupted log index") are asked about differently.
FORWARD_CODE = [
    "What does error {attr} mean on the {ent}?",
    "What does {attr} indicate on the {ent}?",
    "The {ent} shows {attr}. What is the cause?",
    "What is the cause of error {attr} on the {ent}?",
    "My {ent} is showing {attr}. What does that mean?",
    "What is error {attr} on the {ent}?",
    "{ent} error {attr}: what does it mean?",
    "Which fault does code {attr} point to on the {ent}?",
]
REVERSE_CODE = [
    "Which error code does the {ent} show for {val}?",
    "What code means {val} on the {ent}?",
    "On the {ent}, which code indicates {val}?",
]


def forward_questions(fact: Fact, n: int, rng: random.Random) -> list[str]:
    """`n` distinct phrasings; about a third use the short name ('DL-40') when there is one."""
    pool = FORWARD if fact.relation == "attribute" else FORWARD_CODE
    templates = rng.sample(pool, k=min(n, len(pool)))
    short = short_name(fact.entity)
    out = []
    for i, t in enumerate(templates):
        ent = short if short and i % 3 == 2 else fact.entity
        out.append(_cap(t.format(attr=fact.attribute, ent=ent)))
    return out


def reverse_questions(fact: Fact, n: int, rng: random.Random) -> list[str]:
    pool = REVERSE if fact.relation == "attribute" else REVERSE_CODE
    templates = rng.sample(pool, k=min(n, len(pool)))
    return [_cap(t.format(attr=fact.attribute, ent=fact.entity, val=fact.value)) for t in templates]


# What to ask in place of a value, by its shape; anything else is asked with "what".
_WH = [
    (re.compile(r"^[$€£]|\b(?:USD|EUR|GBP)$"), "how much"),
    (re.compile(r"^(?:19|20)\d\d$"), "what year"),
    (re.compile(r"^[\d.,]+\s*(?:ms|s|sec|seconds?|min|minutes?|h|hours?|days?|weeks?|months?|years?)$"), "how long"),
]


def echo_question(sentence: str, value: str) -> str | None:
    """The corpus's own sentence with its value asked for: "A factory reset on the HB-10 needs
    the button held for how long?". The question keeps the corpus's words for the attribute
    ("latest build", "on the market since"), which the canonical templates never use."""
    if sentence.count(value) != 1:
        return None
    wh = next((w for pattern, w in _WH if pattern.search(value)), "what")
    asked = sentence.replace(value, wh).split(";")[0].rstrip(" .!")
    return _cap(asked) + "?"


def forward_answer(fact: Fact) -> str:
    return render(fact, "attr_first")


def reverse_answer(fact: Fact) -> str:
    return render(fact, "has")


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]
