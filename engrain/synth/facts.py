"""Find facts in documents, with no LLM.

Technical documentation states most facts in a few shapes, and matching those gives
(entity, attribute, value) triples the built-in generator can restate and ask about in
both directions:
- declarative sentences: "The X of the Y is Z.", "The Y has an X of Z.", "The Y's X is Z.";
- tables: a spec table under a titled document ("| Weight | 3345 g |") or a table with one
  entity per row ("| Kit | Included device |");
- code definitions: "error E291 means corrupted log index", "if it shows E158, the cause is ...".
Short names ("the RC-68") resolve to the full name the corpus uses elsewhere. Sentences in
other shapes still reach the model through document views and FAQ pairs.
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
_CODE = r"(?P<code>[A-Z]{1,3}-?\d{2,5})"
DEFINITIONS = [
    re.compile(
        rf"\b(?i:error|code|fault|alarm)(?:\s+(?i:code))?\s+{_CODE}\b.*?\b(?i:means|indicates|signifies|points "
        rf"to|stands for|denotes)\s+(?P<val>[^.;]+)"
    ),
    re.compile(
        rf"\b(?i:shows|displays|reports|raises)\s+(?:(?i:error|code)\s+)?{_CODE},?\s+(?i:the\s+)?(?i:cause|problem|fault|reason)\s+is\s+(?P<val>[^.;]+)"
    ),
]
_TITLE_ENT = re.compile(r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\s+[A-Z]{1,4}-?\d[\w\-]*")
_PREFIX = re.compile(r"^(?:[QA]|Question|Answer)\s*:\s*")
_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}")


@dataclass(frozen=True)
class Fact:
    entity: str
    attribute: str  # for relation "code": the code itself ("E291")
    value: str
    sentence: str  # the evidence, as it appears in the corpus
    doc_id: str
    relation: str = "attribute"  # or "code": value is what the code means

    @property
    def key(self) -> str:
        return f"{self.entity.lower()}|{self.attribute.lower()}"

    @property
    def topic(self) -> str:
        """What a question asks for: 'battery life', 'meaning of error E291'."""
        return self.attribute if self.relation == "attribute" else f"meaning of error {self.attribute}"


def extract_facts(docs: list[Document]) -> list[Fact]:
    """Every fact found, in corpus order; the same fact found twice is kept once per value."""
    return distinct_facts(find_facts(docs))[0]


def find_facts(docs: list[Document]) -> list[Fact]:
    """Every match of every shape, a fact stated in several sentences once per sentence."""
    found = [f for doc in docs for f in _sentence_facts(doc)]
    known = _Entities({f.entity for f in found})
    found = [_resolve(f, known) for f in found]
    tables = [f for doc in docs for f in _table_facts(doc, known)]
    known.add({f.entity for f in tables})
    return found + tables + [f for doc in docs for f in _definitions(doc, known)]


def distinct_facts(found: list[Fact]) -> tuple[list[Fact], list[Fact]]:
    """The first match of each (fact, value), the one its questions are asked from; and the
    later matches: other sentences that state it in a pattern's shape."""
    seen: set[tuple[str, str]] = set()
    facts, copies = [], []
    for fact in found:
        if (fact.key, fact.value.lower()) in seen:
            copies.append(fact)
        else:
            seen.add((fact.key, fact.value.lower()))
            facts.append(fact)
    return facts, copies


def match_sentence(sentence: str, doc_id: str = "") -> Fact | None:
    s = _PREFIX.sub("", sentence.strip())
    for pattern in FORMS.values():
        m = pattern.match(s)
        if m and plausible(m["ent"], m["attr"], m["val"]):
            return Fact(m["ent"].strip(), m["attr"].strip(), m["val"].strip().rstrip("."), s, doc_id)
    return None


def render(fact: Fact, form: str) -> str:
    """The fact as a sentence of the given shape: the unit of restatement and answers."""
    if fact.relation == "code":
        return f"On the {fact.entity}, error {fact.attribute} means {fact.value}."
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


def name_variants(entity: str) -> list[str]:
    """The names a sentence may use for the entity: full, and short when there is one."""
    return [entity] + ([s] if (s := short_name(entity)) else [])


def restatements(facts: list[Fact], docs: list[Document]) -> list[tuple[Fact, str]]:
    """Other sentences that state a found fact in their own words: the entity (or its short
    name) and the exact value in one sentence, e.g. "On a fresh pack the QX-72 runs for
    1883 hours". They carry the corpus's other names for an attribute ("runtime per charge")."""
    by_value: dict[str, list[Fact]] = {}
    for f in facts:
        by_value.setdefault(f.value, []).append(f)
    out, seen = [], {f.sentence for f in facts}
    for doc in docs:
        for sent in doc_sentences(doc):
            if sent in seen or "|" in sent or match_sentence(sent) or any(p.search(sent) for p in DEFINITIONS):
                continue  # already a fact's evidence, a table row, or the same shape again
            for value, group in by_value.items():
                if value not in sent:
                    continue
                hits = [
                    f for f in group if any(re.search(rf"\b{re.escape(n)}\b", sent) for n in name_variants(f.entity))
                ]
                if len(hits) == 1:
                    seen.add(sent)
                    out.append((hits[0], sent))
                    break
    return out


# --- the three shapes ------------------------------------------------------------------


def doc_sentences(doc: Document) -> list[str]:
    """Every sentence, without a leading "Q:" / "A:" marker."""
    return [_PREFIX.sub("", s) for p in paragraphs(doc.text) for s in sentences(p)]


def _sentence_facts(doc: Document) -> list[Fact]:
    return [f for s in doc_sentences(doc) if (f := match_sentence(s, doc.id))]


def _table_facts(doc: Document, known: _Entities) -> list[Fact]:
    """Markdown tables (HTML tables are ingested as Markdown): entity-per-row or key-value."""
    subject = known.in_text(doc.title) or _title_entity(doc.title)
    out = []
    for para in paragraphs(doc.text):
        lines = [ln.strip() for ln in para.splitlines()]
        if len(lines) < 2 or not all(ln.startswith("|") for ln in lines):
            continue
        rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
        header = rows[0] if _SEPARATOR.match(lines[1]) else None
        body = [r for ln, r in zip(lines, rows) if not _SEPARATOR.match(ln)][1 if header else 0 :]
        per_row = header and len(header) >= 2 and body and all(_model_like(r[0]) for r in body)
        for line, row in zip(lines[-len(body) :] if body else [], body):
            if per_row:
                pairs = [(row[0], _attr_name(h), v) for h, v in zip(header[1:], row[1:])]
            elif len(row) == 2 and subject:
                pairs = [(subject, _attr_name(row[0]), row[1])]
            else:
                continue
            for ent, attr, val in pairs:
                if val and attr and plausible(ent, attr, val):
                    out.append(Fact(known.resolve(ent), attr, val, line.strip("| "), doc.id))
    return out


def _definitions(doc: Document, known: _Entities) -> list[Fact]:
    subject = known.in_text(doc.title)
    out = []
    for sent in doc_sentences(doc):
        m = next((m for p in DEFINITIONS if (m := p.search(sent))), None)
        if not m or len(m["val"].split()) > 8:
            continue
        entity = known.in_text(sent) or subject
        if entity:
            out.append(Fact(entity, m["code"], m["val"].strip(), sent, doc.id, "code"))
    return out


# --- entities ---------------------------------------------------------------------------


class _Entities:
    """Full names seen in the corpus, and the short names that stand for them."""

    def __init__(self, names: set[str]) -> None:
        self.full: set[str] = set()
        self.short: dict[str, str | None] = {}
        self.add(names)

    def add(self, names: set[str]) -> None:
        for name in names:
            if short_name(name):
                self.full.add(name)
        self.short = {}
        for name in self.full:
            s = short_name(name)
            self.short[s] = None if s in self.short and self.short[s] != name else name  # ambiguous -> None

    def resolve(self, name: str) -> str:
        return self.short.get(name) or name

    def in_text(self, text: str) -> str | None:
        """The longest full name in `text`, else the full name of a short name in it."""
        hits = [n for n in self.full if re.search(rf"\b{re.escape(n)}\b", text)]
        if hits:
            return max(hits, key=len)
        shorts = [full for s, full in self.short.items() if full and re.search(rf"\b{re.escape(s)}\b", text)]
        return max(shorts, key=len) if shorts else None


def _resolve(fact: Fact, known: _Entities) -> Fact:
    full = known.resolve(fact.entity)
    return fact if full == fact.entity else Fact(full, fact.attribute, fact.value, fact.sentence, fact.doc_id)


def _title_entity(title: str) -> str | None:
    m = _TITLE_ENT.search(title)
    return m.group(0) if m else None


def _attr_name(header: str) -> str:
    """'Battery life' -> 'battery life'; acronyms ('MTBF') keep their case."""
    h = header.strip().rstrip(":")
    return h[:1].lower() + h[1:] if len(h) > 1 and h[1].islower() else h


def _model_like(ent: str) -> bool:
    return bool(re.search(r"\d|-", ent)) and bool(re.match(r"[A-Z]", ent)) and len(ent.split()) <= 4


def plausible(ent: str, attr: str, val: str) -> bool:
    # "The Corvid team has a lot of ..." is not a spec: require a model-like entity (has a digit
    # or hyphen, or two capitalised words) and a short value.
    model_like = bool(re.search(r"\d|-", ent)) or len(ent.split()) >= 2
    return model_like and len(val.split()) <= 8 and len(attr.split()) <= 5 and attr not in {"lot", "number", "range"}
