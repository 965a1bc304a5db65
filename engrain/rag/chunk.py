"""Split documents into overlapping, sentence-aligned chunks."""

from __future__ import annotations

from dataclasses import dataclass

from engrain.records import Document
from engrain.text import paragraphs, sentences


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    text: str


def chunk_document(doc: Document, size: int = 120, overlap: int = 30) -> list[Chunk]:
    """Whole sentences up to `size` words; the next chunk repeats ~`overlap` words of the last."""
    sents = [s for p in paragraphs(doc.text) for s in sentences(p)]
    chunks: list[Chunk] = []
    current: list[str] = []
    n_words = 0
    for sent in sents:
        w = len(sent.split())
        if current and n_words + w > size:
            chunks.append(_make(doc, len(chunks), current))
            current, n_words = _tail(current, overlap)
        current.append(sent)
        n_words += w
    if current:
        chunks.append(_make(doc, len(chunks), current))
    return chunks


def chunk_corpus(docs: list[Document], size: int = 120, overlap: int = 30) -> list[Chunk]:
    return [c for d in docs for c in chunk_document(d, size, overlap)]


def _make(doc: Document, i: int, sents: list[str]) -> Chunk:
    body = " ".join(sents)
    # The title travels with every chunk: a chunk about "it" is useless without its subject.
    text = body if body.startswith(doc.title) else f"{doc.title}: {body}"
    return Chunk(f"{doc.id}#{i}", doc.id, text)


def _tail(sents: list[str], overlap: int) -> tuple[list[str], int]:
    kept: list[str] = []
    n = 0
    for s in reversed(sents):
        if n >= overlap:
            break
        kept.insert(0, s)
        n += len(s.split())
    return (kept, n) if len(kept) < len(sents) else ([], 0)
