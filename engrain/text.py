"""Sentence and paragraph splitting shared by chunking and synthesis."""

from __future__ import annotations

import re

# Split after . ! ? followed by space and an uppercase letter, digit or quote; "3.2.9" and "e.g. x" survive.
_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|No|Fig|Dr|Mr|Ms)\.$")


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; line breaks inside a paragraph (lists, headings) also split."""
    out: list[str] = []
    for line in paragraph.splitlines():
        line = line.strip().lstrip("#*->|").strip()
        if not line.strip("|:- "):  # blank, or a Markdown table's separator row
            continue
        parts = _SENT.split(line)
        merged: list[str] = []
        for part in parts:
            if merged and _ABBREV.search(merged[-1]):
                merged[-1] += " " + part
            else:
                merged.append(part)
        out += [p.strip() for p in merged if p.strip()]
    return out
