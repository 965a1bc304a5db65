"""The corpus's own wordings of an attribute, learnt from sentences that restate a known fact.

A restatement ("Corvid introduced the Kestrel DL-40 in 2019", found because the spec table
gives the DL-40's release year as 2019) is a wording of that attribute with two slots, the
entity and the value. Two uses, with no LLM:
- induction (DIPRE, Brin 1998; Snowball, Agichtein & Gravano 2000): the wording matched
  against every other sentence reads facts no pattern shape states ("Corvid introduced the
  Heron WQ-5 in 2017": the Heron's release year, said only in prose);
- carried questions: the wording asked about every entity with that attribute, so a fact is
  asked in the words the corpus uses for its attribute elsewhere ("upper limit", "on the
  market since"), not only in the canonical templates.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from engrain.records import Document
from engrain.synth.facts import Fact, doc_sentences, name_variants, plausible, short_name
from engrain.synth.questions import echo_question

CONTEXT_WORDS = 3  # literal words kept on each side of the slots (DIPRE's prefix and suffix)
MIN_LITERAL_WORDS = 3  # fewer, and the wording matches sentences about something else
_SLOT = "\x00"  # stands for the entity's name in a question template
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Wording:
    attribute: str
    pattern: str  # regex with (?P<ent>) and (?P<val>) slots; the name alternatives are added at match time
    question: str  # the echo question with _SLOT where the name was
    short: bool  # the sentence used the short name ("the DL-40")
    entity: str  # the entity of the fact it was learnt from


def learn_wordings(restated: list[tuple[Fact, str]]) -> list[Wording]:
    """One wording per distinct question template, in corpus order."""
    out: dict[str, Wording] = {}
    for fact, sentence in restated:
        if fact.relation == "attribute" and (w := _wording(fact, sentence)) and w.question not in out:
            out[w.question] = w
    return list(out.values())


def induce_facts(wordings: list[Wording], docs: list[Document], facts: list[Fact]) -> list[Fact]:
    """Facts stated only in a learnt wording: a known entity, an attribute it has no value for,
    one value. A key two sentences give different values for is left out."""
    if not wordings or not facts:
        return []
    names = _name_index(facts)
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    compiled = [(w, re.compile(w.pattern.replace("(?P<ent>)", rf"(?P<ent>{alternatives})"))) for w in wordings]
    known = {f.key for f in facts}
    found: dict[str, list[Fact]] = {}
    for doc in docs:
        for sent in doc_sentences(doc):
            for w, rx in compiled:
                m = rx.search(sent)
                value = m["val"].strip().rstrip(".!?") if m else ""
                if not m or not value or not plausible(names[m["ent"]], w.attribute, value):
                    continue
                fact = Fact(names[m["ent"]], w.attribute, value, sent, doc.id)
                if fact.key not in known:
                    found.setdefault(fact.key, []).append(fact)
    return [group[0] for group in found.values() if len({f.value.lower() for f in group}) == 1]


def carried_questions(fact: Fact, wordings: list[Wording], n: int, rng: random.Random) -> list[str]:
    """Up to `n` of the corpus's wordings of the fact's attribute, learnt from other entities,
    asked about this one."""
    pool = [w for w in wordings if w.attribute.lower() == fact.attribute.lower() and w.entity != fact.entity]
    return [ask(w, fact.entity) for w in rng.sample(pool, k=min(n, len(pool)))]


def ask(wording: Wording, entity: str) -> str:
    """The wording's question about `entity`, named the way the wording named its own."""
    short = short_name(entity)
    return wording.question.replace(_SLOT, short if wording.short and short else entity)


def _wording(fact: Fact, sentence: str) -> Wording | None:
    name = next((n for n in name_variants(fact.entity) if sentence.count(n) == 1), None)
    if name is None or sentence.count(fact.value) != 1 or name in fact.value or fact.value in name:
        return None
    question = echo_question(sentence.replace(name, _SLOT), fact.value)
    pattern = _pattern(sentence, name, fact.value)
    if question is None or pattern is None:
        return None
    return Wording(fact.attribute, pattern, question, name != fact.entity, fact.entity)


def _pattern(sentence: str, name: str, value: str) -> str | None:
    """The sentence around its two slots: the words between them, and CONTEXT_WORDS either side."""
    slots = sorted([(sentence.index(name), name, "(?P<ent>)"), (sentence.index(value), value, _value_slot(value))])
    (i, first, slot1), (j, second, slot2) = slots
    if i + len(first) > j:
        return None
    before, middle, after = sentence[:i], sentence[i + len(first) : j], sentence[j + len(second) :]
    before = " ".join(before.split(" ")[-CONTEXT_WORDS - 1 :]) if before.count(" ") >= CONTEXT_WORDS else before
    after_words = after.rstrip(" .!?").split(" ")
    after = " ".join(after_words[: CONTEXT_WORDS + 1]) if len(after_words) > CONTEXT_WORDS + 1 else after.rstrip(" .!?")
    if len(f"{before} {middle} {after}".split()) < MIN_LITERAL_WORDS:
        return None
    start = "^" if before == sentence[:i] else r"(?<!\S)"
    end = r"\s*[.!?]?$" if after == sentence[j + len(second) :].rstrip(" .!?") else ""
    return f"{start}{re.escape(before)}{slot1}{re.escape(middle)}{slot2}{re.escape(after)}{end}"


def _value_slot(value: str) -> str:
    """Values of the value's shape: numbers for numbers, a word for each unit word; a run of
    up to eight words for a value with no digit."""
    if not re.search(r"\d", value):
        return r"(?P<val>[^.;:!?]{1,60}?)"
    tokens = []
    for tok in value.split():
        if re.search(r"\d", tok):
            parts = _NUMBER.split(tok)
            tokens.append(r"\d+(?:[.,]\d+)*".join(re.escape(p) for p in parts))
        else:
            tokens.append(r"[^\s,;]+")
    return "(?P<val>" + r"\s+".join(tokens) + ")"


def _name_index(facts: list[Fact]) -> dict[str, str]:
    """Every name a sentence may use (full or short) -> the full name; ambiguous short names dropped."""
    out: dict[str, str | None] = {}
    for entity in {f.entity for f in facts}:
        for name in name_variants(entity):
            out[name] = entity if out.get(name, entity) == entity else None
    return {k: v for k, v in out.items() if v}
