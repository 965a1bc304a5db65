"""Questions the corpus does not answer, so the tuned model learns the edge of its knowledge.

For spec-shaped facts, two sources checked against the corpus text: attributes the corpus
states for other entities but never for this one, and entity names one digit away from real
ones. For any prose, the same two ideas over generic questions: a question about one
document's subject put to another subject the corpus says nothing similar of, and invented
names.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable

from engrain.synth.facts import Fact, name_variants
from engrain.synth.generic import SpanFact
from engrain.synth.nlp import ParsedDoc
from engrain.synth.questions import FORWARD
from engrain.synth.wordings import Wording, ask


def abstain_questions(
    facts: list[Fact],
    corpus_text: str,
    n: int,
    rng: random.Random,
    wordings: list[Wording] = (),
    plausible_first: bool = False,
) -> list[tuple[str, str]]:
    """Up to `n` (question, group key) pairs with no answer in the corpus. Where the corpus has
    its own wordings of an attribute, half the questions use them, as the answerable ones do
    (carried questions): a wording must not come to mean "there is an answer". With
    `plausible_first`, a gap is one no sentence names with any word of the attribute, and the
    gaps taken first are the attributes that come most often with those the entity has."""
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
        if (e, a) not in known and not _mentioned_together(e, a, sents, every_word=plausible_first)
    ]
    fakes = [(f, a) for f in _fake_entities(entities, lower, rng) for a in attributes]
    rng.shuffle(gaps)
    rng.shuffle(fakes)
    if plausible_first:
        gaps.sort(key=_plausibility(facts), reverse=True)  # stable: ties stay in shuffled order
    # Mostly real entities with missing attributes (the hard case), some invented names.
    pool = gaps[: max(1, int(n * 0.7))] + fakes
    said: dict[str, list[Wording]] = {}
    for w in wordings:
        said.setdefault(w.attribute.lower(), []).append(w)
    out = []
    for e, a in pool[:n]:
        if said.get(a.lower()) and rng.random() < 0.5:
            question = ask(rng.choice(said[a.lower()]), e)
        else:
            question = rng.choice(FORWARD).format(attr=a, ent=e)
        out.append((question, f"abstain|{e.lower()}|{a}"))
    return out


def _mentioned_together(entity: str, attribute: str, sents: list[str], every_word: bool = False) -> bool:
    """A sentence names the entity and the attribute's head word ("year"), or with `every_word`
    any of its words of four letters or more: "power enters the KL-87s through a LEMO
    connector" says no "type" but states a connector type, and a refusal trained there
    contradicts the corpus."""
    names = [n.lower() for n in name_variants(entity)]
    words = re.findall(r"[a-z]{4,}", attribute.lower()) if every_word else [attribute.split()[-1].lower()]
    return any(any(w in s for w in words) and any(n in s for n in names) for s in sents)


def _plausibility(facts: list[Fact]) -> Callable[[tuple[str, str]], float]:
    """Key for a gap (entity, attribute): how often, over the corpus's entities, each attribute
    this entity has comes with the missing one (the mean of P(missing | had)). A gas
    detector's missing warm-up time is a refusal a user will need; its missing network port
    is one nobody asks for."""
    has: dict[str, set[str]] = {}
    for f in facts:
        has.setdefault(f.entity, set()).add(f.attribute)
    count = Counter(a for attrs in has.values() for a in attrs)
    together = Counter((a, b) for attrs in has.values() for a in attrs for b in attrs if a != b)
    return lambda gap: sum(together[(b, gap[1])] / count[b] for b in has[gap[0]]) / len(has[gap[0]])


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


def swapped_subject_questions(
    spans: list[SpanFact], parsed: list[ParsedDoc], corpus_text: str, n: int, rng: random.Random
) -> list[tuple[str, str]]:
    """Up to `n` questions asked of one document's subject, put to another subject whose
    sentences share none of the question's content words ("When did <a rugby player> make
    his MLB debut?"), and to names no document uses (a first name joined to another surname)."""
    asked = [f for f in spans if f.subject and f.content and f.subject in f.questions[0]]
    subjects = sorted({p.subject for p in parsed if p.subject})
    if n <= 0 or not asked or len(subjects) < 2:
        return []
    said = _lemmas_by_subject(parsed)
    for f in spans:  # what the extractors read out of asides ("X (1854 – 1941)" says when X was born)
        said.setdefault(f.subject, set()).update(f.content)
    rng.shuffle(asked)
    lower = corpus_text.lower()
    swaps, fakes = [], []
    for f in asked:
        other = rng.choice(subjects)
        if other != f.subject and not (f.content & said.get(other, set())):
            swaps.append(
                (f.questions[0].replace(f.subject, other, 1), f"abstain|{other.lower()}|{'+'.join(sorted(f.content))}")
            )
        fake = _fake_name(f.subject, rng.choice(subjects))
        if fake and fake.lower() not in lower:
            fakes.append((f.content, (f.questions[0].replace(f.subject, fake, 1), f"abstain|{fake.lower()}")))
        if len(swaps) >= n:
            break
    n_swaps = min(len(swaps), max(1, int(n * 0.7)))
    return (swaps[:n_swaps] + _spread(fakes))[:n]


def _spread(keyed: list[tuple[frozenset[str], tuple[str, str]]]) -> list[tuple[str, str]]:
    """One question per kind of question in turn: every person has a birth date, so fakes
    drawn at random would mostly ask "When was <fake> born?" and teach the model to refuse
    the real ones it half remembers."""
    rounds: dict[frozenset[str], list[tuple[str, str]]] = {}
    for content, item in keyed:
        rounds.setdefault(content, []).append(item)
    out: list[tuple[str, str]] = []
    for i in range(max(map(len, rounds.values()), default=0)):
        out += [items[i] for items in rounds.values() if i < len(items)]
    return out


def _lemmas_by_subject(parsed: list[ParsedDoc]) -> dict[str, set[str]]:
    """Every lemma said of each subject: its own document and any sentence naming it."""
    out: dict[str, set[str]] = {}
    for pdoc in parsed:
        for sent in pdoc.sentences:
            out.setdefault(pdoc.subject, set()).update(_forms(sent))
    for pdoc in parsed:
        for sent in pdoc.sentences:
            for subject in out:
                if subject != pdoc.subject and subject in sent.text:
                    out[subject].update(_forms(sent))
    return out


def _forms(sent) -> set[str]:
    """Lemmas and lower-cased words, asides included: 'born' is 'bear' in one parse and
    'born' in another, and '(born 1984)' is not in the parse at all."""
    return {w for t in sent.parse for w in (t.lemma_.lower(), t.lower_)} | set(re.findall(r"\w+", sent.text.lower()))


def _fake_name(a: str, b: str) -> str | None:
    """'Andrew Turner' + 'Lil Tay' -> 'Andrew Tay': a plausible person no document names."""
    first, last = a.split(), b.split()
    if len(first) < 2 or len(last) < 2 or first[-1] == last[-1]:
        return None
    return f"{first[0]} {last[-1]}"
