"""Answer spans and questions from any prose, with no LLM and no assumed sentence shapes.

Every sentence of the corpus (pronouns resolved, see `nlp.py`) is parsed; each named
entity, date, number, object noun phrase and predicate adjective in it is an answer span.
A span becomes:
- a wh-question with the wh-word fronted, the way people ask ("When was Andrew Turner
  born?"; rule-based question generation in the manner of Heilman & Smith 2010), built
  from the dependency tree with do-support and auxiliary inversion;
- the same question in place ("Andrew Turner (born when) is an English rugby union player?"),
  which keeps the corpus's own words for the relation;
- the fronted question's short form, without optional modifiers ("When was Andrew Turner
  born?" beside "... born in Leeds?"), and "Who is X?" for what kind of person X is, also
  asked as X's profession and occupation (and a nationality as X's nationality);
- a cloze: the sentence up to the span, continued by the span.
Questions are built from the sentence without its parenthetical asides; the aside after a
person's name in the opening sentence gives the birth and death dates ("X (born 4 March
1991)", "X (1902 – 1963)") as facts of their own.
A sentence whose subject is the document's subject is also asked backwards ("Who is an
English rugby union player ...?" -> "Andrew Turner"): 'A is B' does not teach 'B is A'.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from engrain.synth.nlp import ParsedDoc, Sentence, subject_child

MAX_SENTENCE_WORDS = 45  # longer sentences are parsed less reliably; they still reach views
MAX_SPAN_WORDS = 12
MAX_PART_TOKENS = 8  # a predicate's dependent longer than this is left out of the question
_SKIP_LABELS = {"ORDINAL"}
_NUMERIC_LABELS = {"DATE", "TIME", "CARDINAL", "MONEY", "QUANTITY", "PERCENT"}
_PLACE_PREPS = {"in", "at", "from", "near", "to", "into"}
_DURATION = re.compile(r"\b(?:years?|months?|weeks?|days?|decades?|hours?|minutes?|seasons?)\b", re.I)
_MONTHS = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
_DROP_DEPS = {
    "nsubj",
    "nsubjpass",
    "aux",
    "auxpass",
    "neg",
    "punct",
    "cc",
    "conj",
    "mark",
    "advcl",
    "relcl",
    "ccomp",
    "parataxis",
    "dep",
    "intj",
    "appos",
    "csubj",
    "expl",
    "meta",
    "preconj",
}
_CORE_DEPS = {"dobj", "attr", "oprd", "dative", "prt", "acomp"}
_LIGHT_LEMMAS = {"be", "have", "do", "become", "also", "currently", "then", "later", "s"}
_CONTENT_POS = {"NOUN", "VERB", "ADJ", "PROPN", "ADV"}


@dataclass(frozen=True)
class SpanFact:
    """One answer span of one sentence, with the questions that ask for it."""

    doc_id: str
    sentence: str  # as written in the corpus: what retrieval finds
    statement: str  # pronouns resolved: what training restates
    answer: str
    label: str  # entity label, or NP / ADJ for noun chunks and predicate adjectives
    questions: tuple[str, ...]  # distinct phrasings: fronted, in place, fronted with the full title
    cloze: str  # the statement up to the span
    subject: str  # who or what the question is about, as named in it
    content: frozenset[str] = field(default_factory=frozenset)  # content lemmas of the fronted question

    @property
    def key(self) -> str:
        return f"span|{self.doc_id}|{self.sentence[:60].lower()}|{self.answer.lower()}"


@dataclass(frozen=True)
class ReverseQuestion:
    question: str
    answer: str
    doc_id: str
    sentence: str

    @property
    def key(self) -> str:
        return f"reverse|{self.doc_id}|{self.sentence[:60].lower()}"


def span_facts(parsed: list[ParsedDoc]) -> list[SpanFact]:
    """Every answer span of every sentence, in corpus order, with at least one question."""
    out = []
    for pdoc in parsed:
        out += lifespan_facts(pdoc)
        for sent in pdoc.sentences:
            if len(sent.plain.split()) > MAX_SENTENCE_WORDS or not_prose(sent, pdoc):
                continue
            for span in answer_spans(sent):
                if fact := _span_fact(pdoc, sent, span):
                    out.append(fact)
    return out


def span_kind(label: str) -> str:
    """What `synth.span_kinds` filters on: names, numbers (dates, amounts) or phrases."""
    return "numbers" if label in _NUMERIC_LABELS else "phrases" if label in ("NP", "ADJ") else "names"


def distinct_spans(
    spans: list[SpanFact], stated: Mapping[str, list[tuple[str, str]]], kinds: list[str], unmatched_only: bool = False
) -> tuple[list[SpanFact], Counter]:
    """The spans worth training, with what was dropped and why: a sentence repeated across
    documents (boilerplate, templates) is asked in the first one; a span that another strategy already
    trains from the same sentence (`stated`: sentence -> (entity, value) of its pattern facts)
    is not asked again, nor any span of such a sentence with `unmatched_only`; only the kinds
    the config names."""
    out, first_doc, dropped = [], {}, Counter()
    for f in spans:
        answer = f.answer.lower()
        if span_kind(f.label) not in kinds:
            dropped["span kind not asked for"] += 1
        elif unmatched_only and f.sentence in stated:
            dropped["span of a sentence a pattern fact is read from"] += 1
        elif first_doc.setdefault((f.statement, answer), f.doc_id) != f.doc_id:
            dropped["span of a sentence repeated in another document"] += 1
        elif any(_overlaps(answer, e.lower()) or _overlaps(answer, v.lower()) for e, v in stated.get(f.sentence, ())):
            dropped["span a pattern fact states"] += 1
        else:
            out.append(f)
    return out, dropped


def _overlaps(a: str, b: str) -> bool:
    return bool(a and b) and (a in b or b in a)


_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = rf"(?:\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|{_MONTH}\s+\d{{4}}|\d{{4}})"
_BORN = re.compile(rf"\b(?:born|b\.)\W+(?:on\s+|in\s+|c\.\s*|circa\W+)?({_DATE})")
_DIED = re.compile(rf"\b(?:died|d\.)\W+(?:on\s+|in\s+)?({_DATE})")
_RANGE_DASH = re.compile(r"\s*[–—]\s*|\s+-\s+|(?<=\d)-(?=\d|\?)")
_ANY_DATE = re.compile(rf"\b{_DATE}\b")
# What a birth or death question asks, in every form a question or a parse writes it.
_LIFE_WORDS = {"birth": frozenset({"born", "bear", "birth"}), "death": frozenset({"died", "die", "death"})}


def lifespan_facts(pdoc: ParsedDoc) -> list[SpanFact]:
    """Birth and death dates from the aside after a person's name in the opening sentence
    ("X (born 21 March 1996) is ...", "X (11 March 1902 – 26 August 1963) was ...",
    "X (Naples, 11 December 1827 – Naples, 21 December 1876)", "X (Munich, 1820 - ?)"), the
    way biographies everywhere give them; the parser cannot ask about a parenthesis."""
    opening = next((s for s in pdoc.sentences if len(s.text.split()) >= 4 and not is_heading(s, pdoc)), None)
    aside = re.match(r"[^()]{2,120}?\(([^()]*)\)", opening.original) if opening else None
    if aside is None or not personal(pdoc):
        return []
    born, died = _life_dates(aside.group(1))
    who = pdoc.subject
    out = []
    for date, verb, when, what in (
        (born, "was born", f"When was {who} born?", "birth"),
        (died, "died", f"When did {who} die?", "death"),
    ):
        if date is None:
            continue
        year, in_year = (
            date[-4:],
            f"In what year was {who} born?" if what == "birth" else f"In what year did {who} die?",
        )
        asks = [(date, "on", (when, f"What is {who}'s date of {what}?", f"{who} {verb} on what date?"))]
        if year == date:
            asks = []
        asks.append((year, "in", (in_year, f"What is {who}'s year of {what}?") if asks else (when, in_year)))
        titled = pdoc.title if pdoc.title != who else None  # "When was Nelson Lee (raconteur) born?"
        out += [
            SpanFact(
                pdoc.doc.id,
                opening.original,
                f"{who} {verb} {prep} {answer}.",
                answer,
                "DATE",
                tuple(q for q in (questions[0], titled and questions[0].replace(who, titled, 1), *questions[1:]) if q),
                f"{who} {verb} {prep}",
                who,
                _LIFE_WORDS[what],
            )
            for answer, prep, questions in asks
        ]
    return out


def _life_dates(inner: str) -> tuple[str | None, str | None]:
    """(birth, death) from a name's aside: "born X" / "died Y", or a range "X – Y" whose sides
    may carry places and other asides before the dates; a lone date is the birth date."""
    if m := _BORN.search(inner):
        died = _DIED.search(inner)
        return m.group(1), died.group(1) if died else None
    sides = _RANGE_DASH.split(inner, maxsplit=1)
    if len(sides) == 1 and (d := _DIED.search(inner)):
        return None, d.group(1)
    left = _ANY_DATE.findall(sides[0].split(";")[-1])
    right = _ANY_DATE.findall(sides[1]) if len(sides) == 2 else []
    return (left[-1] if left else None), (right[0] if right else None)


def is_heading(sent: Sentence, pdoc: ParsedDoc) -> bool:
    """The title line ("Andrew Turner (rugby union, born 2002)") states nothing to ask about."""
    return sent.original.strip().rstrip(".") == pdoc.title


def not_prose(sent: Sentence, pdoc: ParsedDoc) -> bool:
    """The title line, a table row (the patterns strategy reads tables by their columns), or a
    question: it states nothing, and its answer is the next sentence's."""
    return is_heading(sent, pdoc) or "|" in sent.original or _is_question(sent.original)


_QUESTION = re.compile(
    r"^[\W_]*(?:Q:\W*)?(?:what|which|who|whom|whose|when|where|why|how|can|could|do|does|did|"
    r"is|are|was|were|will|would|should|shall|may|has|have)\b[^?]*\?[\W_]*$",
    re.IGNORECASE,
)


def _is_question(text: str) -> bool:
    """ "Q: What does it weigh?", "Can I ...?": not "... of "Market Friendly or Family Friendly?"."""
    return bool(_QUESTION.match(text))


def answer_spans(sent: Sentence) -> list:
    """Named entities, object/attribute noun chunks and predicate adjectives, deduplicated."""
    parse = sent.parse
    found: dict[tuple[int, int], object] = {}
    for ent in parse.ents:
        if ent.label_ not in _SKIP_LABELS:
            span = _with_day(ent) if ent.label_ in _NUMERIC_LABELS else _with_of_phrase(ent)
            found[(span.start, span.end)] = span
    for chunk in parse.noun_chunks:
        if chunk.root.dep_ in {"dobj", "attr", "pobj", "oprd", "dative", "appos"} and chunk.root.pos_ != "PRON":
            span = _with_of_phrase(chunk)
            found.setdefault((span.start, span.end), span)
    for tok in parse:
        if tok.dep_ == "acomp" and tok.pos_ == "ADJ":
            found.setdefault((tok.i, tok.i + 1), parse.doc[tok.i : tok.i + 1])
    spans = [s for _, s in sorted(found.items())]
    return [
        s
        for s in spans
        if len(s.text) >= 2 and len(s.text.split()) <= MAX_SPAN_WORDS and any(t.is_alpha or t.like_num for t in s)
    ]


def _with_of_phrase(span):
    """'the member' -> 'the member of the Constituent Assembly': a noun's of-phrases belong
    to the answer ('a combination of X, Y and Z', 'Chief of Staff of the Land Forces');
    cut off, the answer says nothing. Clauses and asides after it stay out."""
    doc, end = span.doc, span.end
    while (
        end < len(doc) and doc[end].lower_ == "of" and doc[end].dep_ == "prep" and span.start <= doc[end].head.i < end
    ):
        pobj = next((c for c in doc[end].children if c.dep_ == "pobj"), None)
        last = _phrase_end(pobj) if pobj is not None else end
        if pobj is None or last - span.start > MAX_SPAN_WORDS:
            break
        end = last
    if end == span.end:
        return span
    from spacy.tokens import Span  # spaCy loads only with the generic strategy

    return Span(doc, span.start, end, label=span.label_)


def _phrase_end(noun) -> int:
    """One past a noun's last word, its conjuncts included ('X, Y, and Z')."""
    conj = [c for c in noun.rights if c.dep_ == "conj"]
    return max([noun.i + 1, *(_phrase_end(c) for c in conj)])


def _with_day(ent):
    """'4 [March 1991]' -> '[4 March 1991]': the recogniser sometimes leaves the day out."""
    prev = ent.doc[ent.start - 1] if ent.start > ent.sent.start else None
    if ent.label_ == "DATE" and prev is not None and prev.like_num and len(prev.text) <= 2 and _MONTHS.match(ent.text):
        from spacy.tokens import Span  # spaCy loads only with the generic strategy

        return Span(ent.doc, ent.start - 1, ent.end, label="DATE")
    return ent


def reverse_questions(parsed: list[ParsedDoc]) -> list[ReverseQuestion]:
    """Sentences about the document's subject that name another entity, asked for the subject."""
    out = []
    for pdoc in parsed:
        who = "Who" if personal(pdoc) else "What"
        for sent in pdoc.sentences:
            root = sent.parse.root
            subj = subject_child(root)
            if subj is None or _phrase(subj) != pdoc.subject:  # "Holt's coach was Lund" is not about Holt
                continue
            rest = sent.parse.doc[subj.right_edge.i + 1 : sent.parse.end]
            named = [e for e in rest.ents if e.label_ not in {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT"}]
            words = rest.text.rstrip(" .!").split()
            if named and 2 <= len(words) <= 30:
                out.append(ReverseQuestion(f"{who} {' '.join(words)}?", pdoc.subject, pdoc.doc.id, sent.original))
    return out


# -- one span -----------------------------------------------------------------------------


def _span_fact(pdoc: ParsedDoc, sent: Sentence, span) -> SpanFact | None:
    if pdoc.subject.lower() in span.text.lower() or span.text.lower() in pdoc.subject.lower():
        return None  # the subject itself is asked for by reverse questions
    wh = wh_phrase(span)
    written = front_question(span, wh)
    fronted = _as_titled(written, pdoc) if written else None
    short = _short_question(span, wh, fronted, pdoc)
    titled = fronted.replace(pdoc.subject, pdoc.title, 1) if fronted and pdoc.subject in fronted else None
    typed = _attribute_questions(fronted, short, pdoc)
    questions = [q for q in (fronted, short, *typed, titled, in_place_question(span, wh), written) if q]
    if not questions:
        return None
    cloze = sent.plain[: span.start_char - sent.parse.start_char].rstrip()
    answer = span.text.strip()
    content = _content_words(fronted, wh, pdoc.subject, span) if fronted else frozenset()
    subject = pdoc.subject if pdoc.subject in (fronted or "") else ""
    return SpanFact(
        sent.doc_id,
        sent.original,
        sent.plain,
        answer,
        _label(span),
        tuple(dict.fromkeys(questions)),
        cloze if len(cloze.split()) >= 3 else "",
        subject,
        content,
    )


def _short_question(span, wh: str, fronted: str | None, pdoc: ParsedDoc) -> str | None:
    """The fronted question without its optional modifiers ("When was X born in Cork?" ->
    "When was X born?"), or "Who is X?" for what a person is: readers ask the short form."""
    if fronted is None:
        return None
    m = re.fullmatch(rf"What (is|was) {re.escape(pdoc.subject)}\?", fronted)
    whole = not any(c.dep_ == "prep" for c in span.root.children)  # "a member" of what?
    if m and personal(pdoc) and span[0].lower_ in ("a", "an") and whole:  # what kind of person, not "the member"
        return f"Who {m.group(1)} {pdoc.subject}?"
    if span.root.head.lemma_ == "be":  # "What was X from 1991 to 1995?" needs its modifiers
        return None
    bare = front_question(span, wh, bare=True)
    return _as_titled(bare, pdoc) if bare else None


def _attribute_questions(fronted: str | None, short: str | None, pdoc: ParsedDoc) -> list[str]:
    """The attribute a question about a person asks, named the way readers name it: what kind
    of person X is ("Who is X?") is their profession or occupation; a nationality is one."""
    who = re.escape(pdoc.subject)
    if short and (m := re.fullmatch(rf"Who (is|was) {who}\?", short)):
        return [f"What {m.group(1)} {pdoc.subject}'s {attr}?" for attr in ("profession", "occupation")]
    if fronted and (m := re.fullmatch(rf"What nationality (is|was) {who}\?", fronted)):
        return [f"What {m.group(1)} {pdoc.subject}'s nationality?"]
    return []


def _as_titled(question: str, pdoc: ParsedDoc) -> str:
    """The subject named as the title names it, the way a reader asks: the text's
    'Nathan-Dylan Saliba' or 'Saliba' is the title's 'Nathan Saliba'."""
    if pdoc.subject in question:
        return question
    for alias in pdoc.aliases:
        # a whole name, not the end of another one ("John Saliba" is someone else)
        m = re.search(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", question)
        if m and not re.search(r"[A-Z][\w.-]*\s$", question[: m.start()]):
            return question[: m.start()] + pdoc.subject + question[m.end() :]
    return question


def wh_phrase(span) -> str:
    """What to ask in place of the span, from its entity label and shape."""
    label, text, root = _label(span), span.text, span.root
    if label in ("DATE", "TIME"):
        return (
            "how long"
            if _DURATION.search(text) and not _MONTHS.search(text) and not re.search(r"\d{4}", text)
            else "when"
        )
    if label == "PERSON":
        return "who"
    if label in ("GPE", "LOC", "FAC"):
        return "where" if root.dep_ == "pobj" and root.head.lower_ in _PLACE_PREPS else "what"
    if label in ("MONEY", "QUANTITY"):
        return "how much"
    if label == "PERCENT":
        return "what percentage"
    if label == "NORP":
        return "what nationality"
    if label == "CARDINAL" or (span[0].like_num and len(span) > 1):
        rest = " ".join(t.text for t in span if not t.like_num and t.dep_ != "det")
        return f"how many {rest}".strip() if rest and label != "CARDINAL" else "how many"
    return "what"


def front_question(span, wh: str, bare: bool = False) -> str | None:
    """'When was Andrew Turner born?': the span's verb, its subject, the auxiliary inverted;
    `bare` keeps only the verb's objects, not its modifiers."""
    root = span.root
    verb, removed, prep = _governor(root)
    if verb is None and span.label_ == "NORP":
        return _nationality_question(root)
    if verb is None:
        return None
    if (
        verb.dep_ in ("acl", "relcl") and verb.tag_ == "VBN" and verb.head.pos_ == "PROPN"
    ):  # "X (born 16 February 2002)"
        subject = _phrase(verb.head)
        be = "is" if verb.lower_ in {"known", "called", "named", "nicknamed"} else "was"
        parts = [be, subject, verb.text, _rest(verb, removed, span, bare)]
    else:
        subj = _subject(verb)
        if subj is None:
            return None
        parts = _inverted(verb, _phrase(subj), _rest(verb, removed, span, bare))
        if parts is None:
            return None
    if verb.lemma_ in ("be", "have") and not parts[-1] and removed.dep_ not in ("attr", "acomp"):
        return None  # "When has X been?": nothing left to say what is asked
    objects = [
        c
        for c in verb.children
        if c.i != removed.i
        and (
            c.dep_ in ("dobj", "oprd")
            or (  # or a misparsed one
                c.dep_ == "ccomp" and not any(t.pos_ in ("VERB", "AUX") for t in c.subtree)
            )
        )
    ]
    if any(c.text not in " ".join(p for p in parts if p) for c in objects):
        return None  # "When did X make?": the object did not fit, the question would ask nothing
    if prep and wh not in ("when", "where", "how long"):
        parts.append(prep)
    question = " ".join(p for p in parts if p)
    return _cap(f"{wh} {question}".strip()) + "?"


def in_place_question(span, wh: str) -> str | None:
    """The statement with the span replaced by the wh-phrase: the corpus's own wording."""
    text, sent = span.doc.text, span.sent
    before = text[sent.start_char : span.start_char]
    if wh == "what nationality":  # "is an English player" -> "is which player", not "an what nationality"
        wh, before = "which", re.sub(r"\b(?:an?|the)\s+$", "", before)
    asked = f"{before}{wh}{text[span.end_char : sent.end_char]}"
    asked = asked.split(";")[0].strip().rstrip(" .!:,")
    return _cap(asked) + "?" if len(asked.split()) >= 3 else None


# -- dependency helpers -------------------------------------------------------------------


def _governor(root):
    """(verb, the dependent the span hangs from, a preposition to strand) or (None, None, None)."""
    if root.dep_ in {"dobj", "attr", "acomp", "oprd", "dative", "npadvmod"} and root.head.pos_ in ("VERB", "AUX"):
        return root.head, root, None
    if root.dep_ in {"pobj"} and root.head.dep_ in ("prep", "agent") and root.head.head.pos_ in ("VERB", "AUX"):
        return root.head.head, root.head, root.head.text
    return None, None, None


def _subject(verb):
    """The verb's subject; a conjoined verb borrows its head's ('born in X and raised in Y'),
    a relative clause its antecedent's ('X is a player who plays for Y': X plays for Y)."""
    for _ in range(3):
        subj = subject_child(verb)
        if subj is not None and subj.tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
            return _antecedent(verb.head)
        if subj is not None:
            return None if subj.pos_ == "PRON" or subj.tag_ in ("WP", "WDT") else subj
        if verb.dep_ not in ("conj", "xcomp"):
            return None
        verb = verb.head
    return None


def _antecedent(noun):
    """Who a relative clause is about: a named noun itself, or the subject a predicate noun
    describes ('X is a player who ...', 'X, a player who ...')."""
    if noun.pos_ == "PROPN":
        return noun
    if noun.dep_ == "attr" and noun.head.lemma_ == "be":
        subj = subject_child(noun.head)
        return subj if subj is not None and subj.pos_ == "PROPN" else None
    if noun.dep_ == "appos" and noun.head.pos_ == "PROPN":
        return noun.head
    return None


def _inverted(verb, subject: str, rest: str) -> list[str] | None:
    """Subject-auxiliary inversion, or do-support when the verb has no auxiliary."""
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i]
    neg = [c.text for c in verb.children if c.dep_ == "neg"]
    if auxes:
        if auxes[0].lower_ == "to":
            return None
        return [auxes[0].text.lower(), subject, *[a.text for a in auxes[1:]], *neg, verb.text, rest]
    if verb.lemma_ == "be":
        return [verb.text.lower(), subject, *neg, rest]
    if verb.tag_ not in ("VBD", "VBZ", "VBP"):
        return None
    do = {"VBD": "did", "VBZ": "does"}.get(verb.tag_, "do")
    return [do, subject, *neg, verb.lemma_, rest]


def _rest(verb, removed, span, bare: bool = False) -> str:
    """The predicate's short dependents, minus the span's branch, in sentence order; with
    `bare`, only its objects and particles."""
    parts = []
    for child in verb.children:
        if child.dep_ in _DROP_DEPS or child.i == removed.i or child.i in range(span.start, span.end):
            continue
        if bare and child.dep_ not in _CORE_DEPS:
            continue
        sub = list(child.subtree)
        if len(sub) > MAX_PART_TOKENS or any(t.i in range(span.start, span.end) for t in sub):
            continue
        text = _tokens_text(sub)
        if sub[0].i == sub[0].sent.start and sub[0].pos_ != "PROPN":  # "In 2004, she became" -> "... in 2004"
            text = text[:1].lower() + text[1:]
        parts.append((child.i, text))
    return " ".join(text for _, text in sorted(parts))


def _nationality_question(root) -> str | None:
    """'Andrew Turner is an English rugby union player' -> 'What nationality is Andrew Turner?'"""
    noun = root.head
    if root.dep_ not in ("amod", "compound") or noun.dep_ != "attr" or noun.head.lemma_ != "be":
        return None
    subj = _subject(noun.head)
    return f"What nationality {noun.head.text.lower()} {_phrase(subj)}?" if subj is not None else None


def _phrase(tok) -> str:
    """A noun's name: its left modifiers and itself, without appositives or clauses."""
    doc = tok.doc
    words = [
        t
        for t in doc[tok.left_edge.i : tok.i + 1]
        if t.dep_ != "punct" or t.text == "'s" or (t.text == "-" and not t.whitespace_)
    ]  # "Nathan-Dylan"
    return _tokens_text(words)


def _tokens_text(tokens) -> str:
    text = "".join(t.text_with_ws for t in tokens if t.text not in "()[]")
    return re.sub(r"\s+", " ", text).strip(" ,;:")


def _content_words(question: str, wh: str, subject: str, span) -> frozenset[str]:
    """What a fronted question asks about beyond its subject: its content words, as written
    and as lemmas ('found', 'founded'), without the wh-phrase and the subject's name."""
    skip = set(wh.lower().split()) | set(subject.lower().split())
    words = {w for w in re.findall(r"[a-z]+", question.lower()) if w not in skip}
    toks = [t for t in span.sent if t.pos_ in _CONTENT_POS and t.is_alpha]
    forms = {form: t.lemma_.lower() for t in toks for form in (t.lower_, t.lemma_.lower())}
    return frozenset(x for w in words if w in forms and forms[w] not in _LIGHT_LEMMAS for x in (w, forms[w]))


def _label(span) -> str:
    if getattr(span, "label_", ""):
        return span.label_
    return "ADJ" if len(span) == 1 and span[0].pos_ == "ADJ" else "NP"


def personal(pdoc: ParsedDoc) -> bool:
    """The subject is a person: named as one, or referred to as he or she."""
    return any(s.text != s.original for s in pdoc.sentences) or any(
        e.label_ == "PERSON" and pdoc.subject in e.text for s in pdoc.sentences[:3] for e in s.parse.ents
    )


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]
