"""Question-answer pairs the corpus already contains (FAQ pages, Q:/A: lists, KB articles).

They are the best paraphrases there are: real users' wording ("what is it sealed to?")
paired with the sentence that answers it, which no template generator can invent.
Recognised shapes: a heading or bold line ending in "?" followed by its answer paragraph,
and "Q: ..." / "A: ..." lines.
"""

from __future__ import annotations

import itertools
import re

from engrain.records import Document
from engrain.text import paragraphs, sentences

# a question line: marked "Q:", or a heading / bold line with a "?" in it, or plain text ending in "?"
_Q_MARK = re.compile(
    r"^(?:(?:#{1,6}\s*|\*\*|__)?\s*Q(?:uestion)?\s*:\s*(?P<marked>.+?)"
    r"|(?:#{1,6}\s*|\*\*|__)\s*(?P<titled>[^*_]*\?[^*_]*?)"
    r"|(?P<plain>[^*_#].*\?))\s*(?:\*\*|__)?$"
)
_A_MARK = re.compile(r"^\s*A(?:nswer)?\s*:\s*")


def faq_pairs(doc: Document) -> list[tuple[str, str]]:
    """(question, first sentence of its answer) pairs, in document order."""
    out: list[tuple[str, str]] = []
    paras = paragraphs(doc.text)
    for i, para in enumerate(paras):
        lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
        # "Q: ...?" then "A: ..." inside one paragraph (a plain-text FAQ)
        for q_line, a_line in itertools.pairwise(lines):
            q, a = _question(q_line), _A_MARK.match(a_line)
            if q and a:
                out.append((q, _first_sentence(a_line[a.end() :])))
        # a one-line question paragraph, answered by the next paragraph
        if len(lines) == 1 and (q := _question(lines[0])) and i + 1 < len(paras):
            answer = _A_MARK.sub("", paras[i + 1])
            if not _question(answer.splitlines()[0].strip()):
                out.append((q, _first_sentence(answer)))
    return [(q, a) for q, a in out if a]


def _question(line: str) -> str | None:
    m = _Q_MARK.match(line)
    return (m["marked"] or m["titled"] or m["plain"]).strip() if m else None


def _first_sentence(text: str) -> str:
    """The answer's first sentence: FAQ answers lead with the answer and trail boilerplate."""
    sents = sentences(text)
    return sents[0] if sents else ""
