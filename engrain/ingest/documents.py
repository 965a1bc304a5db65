"""Load a domain corpus (md, txt, html, pdf, jsonl) into normalised `Document`s.

Every user-caused problem is an `EngrainError` naming the file, raised before anything
downstream runs: a bad corpus should fail in seconds, not after an hour of training.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString
from pypdf import PdfReader

from engrain.errors import EngrainError
from engrain.ingest.pii import scrub_many, scrub_paths
from engrain.io import sha256_bytes
from engrain.records import Document
from engrain.workers import ONE_PROCESS, Parallel, Workers

log = logging.getLogger(__name__)

FORMATS = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html",
           ".htm": "html", ".pdf": "pdf", ".jsonl": "jsonl"}  # fmt: skip
_SHORT_TITLE = 80  # a first line longer than this is prose, not a title


# --- shared with logs.py -----------------------------------------------------------------


def walk(paths: list[str | Path], suffixes: set[str]) -> Iterator[tuple[Path, str]]:
    """Yield (file, id) for every supported file; id is the path relative to its root.

    Folders are walked recursively in sorted order, skipping hidden entries, unknown
    extensions and anything that is not a regular file (counted in the log). A file named explicitly must
    have a known extension.
    """
    for root in map(Path, paths):
        if root.is_file():
            if root.suffix.lower() not in suffixes:
                raise EngrainError(f"{root}: unsupported file type (supported: {', '.join(sorted(suffixes))})")
            yield root, root.name
        elif root.is_dir():
            skipped = 0
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or Path(name).suffix.lower() not in suffixes:
                        skipped += 1
                        continue
                    path = Path(folder) / name
                    if not path.is_file():  # a FIFO, socket or dangling/looping symlink: never opened
                        skipped += 1
                        continue
                    yield path, path.relative_to(root).as_posix()
            if skipped:
                log.info("%s: skipped %d hidden or unsupported file(s)", root, skipped)
        else:
            raise EngrainError(f"{root}: no such file or folder")


def read_bytes(path: Path, max_file_mb: float) -> bytes:
    """Read a file, refusing oversized ones before reading them (never silently truncate)."""
    size = path.stat().st_size
    if size > max_file_mb * 2**20:
        mb = size / 2**20
        raise EngrainError(
            f"{path} is {mb:.1f} MB, over the {max_file_mb:g} MB limit (data.max_file_mb)"
            if mb >= 0.1 else f"{path} is {size} bytes, over the {max_file_mb:g} MB limit (data.max_file_mb)"
        )  # fmt: skip
    try:
        return path.read_bytes()
    except OSError as e:
        raise EngrainError(f"{path}: cannot read ({e.strerror})") from None


def decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise EngrainError(f"{path}: not UTF-8 text (byte {e.start}); re-save it as UTF-8") from None


def jsonl_lines(path: Path, text: str) -> Iterator[tuple[int, str, Any]]:
    """Yield (line number, raw line, parsed value) for non-blank lines."""
    for lineno, line in enumerate(text.split("\n"), 1):  # not splitlines(): U+2028 is valid in JSON
        line = line.rstrip("\r")
        if line.strip():
            try:
                yield lineno, line, json.loads(line)
            except json.JSONDecodeError as e:
                raise EngrainError(f"{path}:{lineno}: malformed JSON ({e.msg})") from None


# --- text normalisation and per-format extraction (each returns (title, text)) -------------


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise(text: str) -> str:
    """NFC, \\n line ends, no control characters (NUL bytes and the like), no trailing spaces, at most one
    blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _first_line_title(text: str, fallback: str) -> str:
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line if 0 < len(line) <= _SHORT_TITLE else fallback


def _text(text: str, stem: str) -> tuple[str, str]:
    return _first_line_title(text, stem), text


def _markdown(text: str, stem: str) -> tuple[str, str]:
    text = re.sub(r"\A---\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", "", text, flags=re.S)  # front-matter
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line.startswith("# "):
            return line[2:].strip().rstrip("#").strip() or stem, text
    return stem, text


_PARAS = {"article", "blockquote", "dl", "ol", "p", "pre", "section", "table", "ul", "h1", "h2", "h3", "h4", "h5", "h6"}
_LINES = {"address", "aside", "caption", "dd", "div", "dt", "figcaption", "footer", "form", "header", "hr", "li",
          "main", "td", "th", "tr"}  # fmt: skip


def _html(text: str, stem: str) -> tuple[str, str]:
    """Visible text, one line per block (heading, paragraph, list item, table cell).

    Headings get a Markdown `#` prefix and paragraph-level blocks a blank line around them,
    so HTML documents split into paragraphs and sections like Markdown ones do.
    """
    soup = BeautifulSoup(text.replace("\0", ""), "html.parser")
    found = (" ".join(t.get_text(" ").split()) for t in (soup.find("title"), soup.find("h1")) if t)
    title = next((t for t in found if t), "")
    for tag in soup(["head", "script", "style", "nav", "noscript", "template"]):
        tag.decompose()
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    for s in soup.find_all(string=True):  # collapse source whitespace, except in <pre>
        if type(s) is NavigableString and not s.find_parent("pre"):
            s.replace_with(re.sub(r"\s+", " ", str(s)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for table in soup.find_all("table"):
        table.replace_with(_markdown_table(table))
    for tag in soup.find_all(list(_PARAS | _LINES)):
        if tag.name[0] == "h" and tag.name[1:].isdigit():
            tag.insert(0, "#" * int(tag.name[1:]) + " ")
        gap = "\n\0\n" if tag.name in _PARAS else "\n"  # \0 marks a paragraph break
        tag.insert_before(gap)
        tag.insert_after(gap)
    text = "\n".join(line.strip() for line in soup.get_text().split("\n") if line.strip())
    return title or stem, re.sub(r"\n*\0[\0\n]*", "\n\n", text).strip()


def _markdown_table(table) -> str:
    """A table as Markdown rows, so row and header stay together for chunking and fact
    extraction (one cell per line would separate "Weight" from "3345 g")."""
    lines = []
    for tr in table.find_all("tr"):
        cells = tr.find_all(["td", "th"])
        if not cells:
            continue
        lines.append("| " + " | ".join(" ".join(c.get_text(" ").split()).replace("|", "/") for c in cells) + " |")
        if len(lines) == 1 and all(c.name == "th" for c in cells):
            lines.append("|" + " --- |" * len(cells))
    return "\n\0\n" + "\n".join(lines) + "\n\0\n" if lines else ""


def _pdf(path: Path, data: bytes, stem: str) -> tuple[str, str]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise EngrainError(f"{path}: PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or stem
    except EngrainError:
        raise
    except Exception as e:  # pypdf on a damaged file raises more than PyPdfError (TypeError, IndexError, ...: fuzzed)
        raise EngrainError(
            f"{path}: not a readable PDF ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
        ) from None
    text = "\n\n".join(p.strip() for p in pages)
    if not text.strip():
        raise EngrainError(f"{path}: PDF has no extractable text (scanned? run OCR on it first)")
    return str(title).strip() or stem, text


def _jsonl(path: Path, rel: str, text: str) -> Iterator[tuple[str, str, str, str]]:
    """Yield (id, title, text, raw line) per line of a document JSONL file."""
    for lineno, line, obj in jsonl_lines(path, text):
        where = f"{path}:{lineno}"
        if not isinstance(obj, dict):
            raise EngrainError(f'{where}: expected a JSON object with a "text" field')
        if not isinstance(obj.get("text"), str):
            raise EngrainError(f'{where}: missing "text" field (a string)')
        key, title = obj.get("id", lineno), obj.get("title")
        if not isinstance(key, (str, int)) or (title is not None and not isinstance(title, str)):
            raise EngrainError(f'{where}: "id" must be a string or integer and "title" a string')
        yield f"{rel}#{key}", title or _first_line_title(obj["text"], f"{Path(rel).stem} #{key}"), obj["text"], line


# --- public API -----------------------------------------------------------------------


def _extract(path: Path, rel: str, max_file_mb: float) -> Iterator[tuple[str, str, str, str, str]]:
    """Yield (id, title, raw text, sha256, format) for one file (many for JSONL)."""
    fmt = FORMATS[path.suffix.lower()]
    data = read_bytes(path, max_file_mb)
    if fmt == "pdf":
        yield rel, *_pdf(path, data, path.stem), sha256_bytes(data), fmt
        return
    text = decode(path, data)
    if fmt == "jsonl":  # not normalised first: line numbers and line hashes must match the file
        for doc_id, title, body, line in _jsonl(path, rel, text):
            yield doc_id, title, body, sha256_bytes(line.encode()), fmt
        return
    parse = {"markdown": _markdown, "html": _html, "text": _text}[fmt]
    yield rel, *parse(normalise(text), path.stem), sha256_bytes(data), fmt


def load_documents(
    paths: list[str | Path],
    scrub_pii: bool = True,
    max_file_mb: float = 50.0,
    names: bool = False,
    workers: Workers = ONE_PROCESS,
) -> list[Document]:
    """Load every supported document under `paths`; duplicates (same sha256) are kept once.
    Scrubbing covers the text, the title, and the id and source (a file may be named after a person's e-mail);
    `names`: person names too; `workers`: where scrubbing runs (engrain.workers)."""
    docs: list[Document] = []
    seen: dict[str, str] = {}  # sha256 -> id
    for path, rel in walk(paths, set(FORMATS)):
        for doc_id, title, raw, sha, fmt in _extract(path, rel, max_file_mb):
            if sha in seen:
                log.info("%s: skipped, same content as %s", doc_id, seen[sha])
                continue
            seen[sha] = doc_id
            docs.append(Document(doc_id, title, normalise(raw), str(path), sha, {"format": fmt, "pii": {}}))
    if scrub_pii:
        _scrub_documents(docs, names, workers.for_words(sum(len(d.text.split()) for d in docs)))
    kept = [d for d in docs if d.text]
    if len(kept) < len(docs):
        log.warning("skipped %d empty document(s)", len(docs) - len(kept))
    ids: dict[str, str] = {}  # id -> source
    for d in kept:
        if d.id in ids:
            raise EngrainError(f"{d.source}: document id {d.id!r} also used by {ids[d.id]}; give files unique names")
        ids[d.id] = d.source
    if not kept:
        where = ", ".join(map(str, paths)) or "(no paths given: set data.docs)"
        raise EngrainError(f"no documents found in {where} (supported: {', '.join(FORMATS)})")
    return kept


def _scrub_documents(docs: list[Document], names: bool, par: Parallel) -> None:
    """Texts and titles in one batch (the NER pipeline is the slow part); ids and sources part by part."""
    scrubbed = scrub_many([d.text for d in docs] + [d.title for d in docs], names, par)
    paths = scrub_paths([d.id for d in docs] + [d.source for d in docs])
    for d, (text, counts), (title, _), doc_id, source in zip(
        docs, scrubbed, scrubbed[len(docs) :], paths, paths[len(docs) :]
    ):
        d.text, d.title, d.meta["pii"], d.id, d.source = text, title, counts, doc_id, source
