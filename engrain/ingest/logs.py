"""Load interaction logs: OpenAI chat-messages JSONL, one conversation per line.

Each line is `{"messages": [{"role": ..., "content": ...}, ...]}` or a bare list of
messages. Lines are validated strictly, because a silently dropped or mangled turn would
become a wrong training target.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from engrain.errors import EngrainError
from engrain.ingest.documents import decode, jsonl_lines, read_bytes, walk
from engrain.ingest.pii import scrub_many, scrub_paths
from engrain.io import sha256_bytes
from engrain.records import Conversation
from engrain.workers import ONE_PROCESS, Workers

ROLES = ("system", "user", "assistant")


def _messages(where: str, obj: Any) -> list[dict]:
    """Validate one line and return its messages as clean {role, content} dicts."""
    messages = obj.get("messages") if isinstance(obj, dict) else obj
    if not isinstance(messages, list) or not messages:
        raise EngrainError(f'{where}: expected {{"messages": [...]}} or a list of messages')
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise EngrainError(f"{where}: message {i} is not an object")
        if m.get("role") not in ROLES:
            raise EngrainError(f"{where}: message {i} has role {m.get('role')!r}; expected one of {', '.join(ROLES)}")
        if not isinstance(m.get("content"), str):
            raise EngrainError(f"{where}: message {i} content must be a string")
        content = unicodedata.normalize("NFC", m["content"])
        out.append({"role": m["role"], "content": content})
    roles = {m["role"] for m in out}
    if not {"user", "assistant"} <= roles:
        raise EngrainError(f"{where}: needs at least one user and one assistant message")
    return out


def load_logs(
    paths: list[str | Path],
    scrub_pii: bool = True,
    max_file_mb: float = 50.0,
    names: bool = True,
    workers: Workers = ONE_PROCESS,
) -> list[Conversation]:
    """Load every conversation in the .jsonl files under `paths` (an empty list: none); `names`: scrub
    person names too (customers and agents name themselves in chats); `workers`: where scrubbing runs."""
    convs = []
    for path, rel in walk(paths, {".jsonl"}):
        text = decode(path, read_bytes(path, max_file_mb))
        for lineno, line, obj in jsonl_lines(path, text):
            messages = _messages(f"{path}:{lineno}", obj)
            convs.append(Conversation(f"{rel}:{lineno}", messages, str(path), sha256_bytes(line.encode())))
    if scrub_pii:
        _scrub(convs, names, workers)
    if paths and not convs:
        raise EngrainError(f"no conversations found in {', '.join(map(str, paths))} (expected .jsonl chat logs)")
    return convs


def _scrub(convs: list[Conversation], names: bool, workers: Workers) -> None:
    """Every message in one batch (the NER pipeline is the slow part); ids and sources part by part."""
    messages = [m for c in convs for m in c.messages]
    par = workers.for_words(sum(len(m["content"].split()) for m in messages))
    for m, (clean, _) in zip(messages, scrub_many([m["content"] for m in messages], names, par)):
        m["content"] = clean
    paths = scrub_paths([c.id for c in convs] + [c.source for c in convs])
    for c, conv_id, source in zip(convs, paths, paths[len(convs) :]):
        c.id, c.source = conv_id, source
