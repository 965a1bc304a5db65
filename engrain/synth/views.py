"""Document views: the corpus rewritten several ways for continued training.

Allen-Zhu & Li (Physics of LMs 3.1): knowledge becomes extractable when each fact is seen
in several rewrites with shuffled sentence order and full names. Each view reorders the
sentences of every paragraph and restates matched facts in a different shape.
"""

from __future__ import annotations

import random

from engrain.records import Document
from engrain.synth.facts import FORMS, match_sentence, render
from engrain.text import paragraphs, sentences

_FORM_NAMES = list(FORMS)
MAX_PIECE_WORDS = 160  # keeps each training text well under max_seq_len


def document_views(
    doc: Document, n_views: int, rng: random.Random, original: bool = True, resolved: dict[str, str] | None = None
) -> list[str]:
    """The original (view 0) plus `n_views` rewrites, each cut into paragraph-sized pieces.

    `resolved` maps a sentence to its pronoun-resolved form ("He ..." -> "Andrew Turner ..."):
    rewrites use it, so a shuffled sentence still says whom it is about."""
    resolved = resolved or {}
    paras = [sentences(p) for p in paragraphs(doc.text)]
    pieces = _pieces(doc.title, [" ".join(s) for s in paras]) if original else []
    for k in range(1, n_views + 1):
        rewritten = []
        for sents in paras:
            sents = [_restate(resolved.get(s, s), k) for s in sents]
            if len(sents) > 2:
                sents = sents[:1] + rng.sample(sents[1:], len(sents) - 1)  # keep the topic sentence first
            rewritten.append(" ".join(sents))
        pieces += _pieces(doc.title, rewritten)
    return pieces


def _restate(sentence: str, k: int) -> str:
    fact = match_sentence(sentence)
    if fact is None:
        return sentence
    original = next(name for name, pat in FORMS.items() if pat.match(fact.sentence))  # "A: " markers stripped
    others = [f for f in _FORM_NAMES if f != original]
    return render(fact, others[k % len(others)])


def _pieces(title: str, paras: list[str]) -> list[str]:
    """Group paragraphs into pieces of at most ~MAX_PIECE_WORDS words, each headed by the title."""
    out: list[str] = []
    current: list[str] = []
    n = 0
    for p in paras:
        w = len(p.split())
        if current and n + w > MAX_PIECE_WORDS:
            out.append(f"{title}\n\n" + "\n\n".join(current))
            current, n = [], 0
        current.append(p)
        n += w
    if current:
        out.append(f"{title}\n\n" + "\n\n".join(current))
    return out
