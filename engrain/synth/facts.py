"""Find attribute facts in document sentences, with no LLM.

Technical documentation states most facts in a few declarative shapes ("The X of the Y is
Z.", "The Y has an X of Z.", "The Y's X is Z."). Matching those gives (entity, attribute,
value) triples that the built-in generator can restate and ask about in both directions.
Sentences in other shapes still reach the model through document views.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engrain.records import Document
from engrain.text import paragraphs, sentences

_ENT = r"(?P<ent>[A-Z][\w\-]*(?:\s+[A-Z0-9][\w\-]*){0,3})"
_ATTR = r"(?P<attr>[a-z][a-z0-9\-/]*(?:\s+[a-z0-9][a-z0-9\-/]*){0,4})"
_VAL = r"(?P<val>[^\s].{0,60}?)"
FORMS = {
    "attr_first": re.compile(rf"^The {_ATTR} of (?:the )?{_ENT} is {_VAL}\.?$"),
    "has": re.compile(rf"^(?:The )?{_ENT} has an? {_ATTR} of {_VAL}\.?$"),
    "possessive": re.compile(rf"^(?:The )?{_ENT}'s {_ATTR} is {_VAL}\.?$"),
}


@dataclass(frozen=True)
class Fact:
    entity: str
    attribute: str
    value: str
    sentence: str
    doc_id: str

    @property
    def key(self) -> str:
        return f"{self.entity.lower()}|{self.attribute.lower()}"


def extract_facts(docs: list[Document]) -> list[Fact]:
    """Every matching sentence, in corpus order; the same fact found twice is kept once per value."""
    seen: set[tuple[str, str]] = set()
    facts: list[Fact] = []
    for doc in docs:
        for para in paragraphs(doc.text):
            for sent in sentences(para):
                fact = match_sentence(sent, doc.id)
                if fact and (fact.key, fact.value.lower()) not in seen:
                    seen.add((fact.key, fact.value.lower()))
                    facts.append(fact)
    return facts


def match_sentence(sentence: str, doc_id: str = "") -> Fact | None:
    s = sentence.strip()
    for pattern in FORMS.values():
        m = pattern.match(s)
        if m and _plausible(m["ent"], m["attr"], m["val"]):
            return Fact(m["ent"].strip(), m["attr"].strip(), m["val"].strip().rstrip("."), s, doc_id)
    return None


def _plausible(ent: str, attr: str, val: str) -> bool:
    # "The Corvid team has a lot of ..." is not a spec: require a model-like entity (has a digit
    # or hyphen, or two capitalised words) and a short value.
    model_like = bool(re.search(r"\d|-", ent)) or len(ent.split()) >= 2
    return model_like and len(val.split()) <= 8 and len(attr.split()) <= 5 and attr not in {"lot", "number", "range"}


def render(fact: Fact, form: str) -> str:
    """The fact as a sentence of the given shape: the unit of restatement and answers."""
    if form == "attr_first":
        return f"The {fact.attribute} of the {fact.entity} is {fact.value}."
    if form == "has":
        article = "an" if fact.attribute[0] in "aeiou" else "a"
        return f"The {fact.entity} has {article} {fact.attribute} of {fact.value}."
    return f"The {fact.entity}'s {fact.attribute} is {fact.value}."


def short_name(entity: str) -> str | None:
    """'Kestrel DL-40' -> 'DL-40': the name variant people actually type."""
    parts = entity.split()
    if len(parts) >= 2 and re.search(r"\d", parts[-1]):
        return parts[-1]
    return None
