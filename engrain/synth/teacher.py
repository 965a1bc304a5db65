"""An optional teacher: a stronger model behind any OpenAI-compatible endpoint, or a local
causal LM run through transformers (`local_lm.py`), the base model itself included.

The built-in generator only restates facts in fixed templates. A teacher adds phrasings a
template would never produce (more paraphrases teach more robust recall) and freer document
rewrites. A teacher can also invent or garble facts, so every output is checked against the
extracted facts before it is used: a question must name the entity and not leak its answer,
and a rewrite must keep every fact value, entity name and number verbatim.

For any prose it also writes question-answer pairs about each passage; an answer must be
found in the passage (normalised) and must not be given away by its question.

Only imported when a teacher is configured. Responses are cached on disk, keyed by the
request body, and appended as they arrive, so a re-run (or a run resumed after a kill)
costs no calls for what was done and gives the same data.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from engrain.config import TeacherConfig
from engrain.errors import EngrainError
from engrain.evaluate.metrics import normalize
from engrain.io import sha256_json
from engrain.synth.facts import Fact, name_variants

if TYPE_CHECKING:
    from engrain.synth.local_lm import LocalLM, VllmLM

TIMEOUT_S = 60.0
RETRIES = 2  # on 5xx, 429 and timeouts
FATAL_STATUS = {401: "check the API key", 403: "check the API key", 404: "check base_url and model"}
_BULLET = re.compile(r"^\s*(?:[-*•·]+\s*|\(?(?:\d+|[a-z])[.):]\s+)", re.IGNORECASE)
_QUOTES = "\"'“”‘’`"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Openings of a request that has no question mark ("Tell me the ... of the DL-40.").
_ASKING = re.compile(r"^(?:what|which|how|who|where|when|is|are|does|do|can|could|would|tell|give|"
                     r"i need|i'd like|please|look up|show|find|list)\b")
SYSTEM = "You help build training data for a technical support assistant. Follow the format exactly."


class Teacher:
    """Asks the teacher model for paraphrases and rewrites; caches and checks every answer."""

    backoff_s = 1.0  # first retry wait, doubled per retry; tests set 0

    def __init__(self, cfg: TeacherConfig, cache_path: Path, client: httpx.Client | None = None,
                 local: LocalLM | VllmLM | None = None, progress: bool = False) -> None:
        if not cfg.base_url and local is None:
            raise EngrainError("teacher: set synth.teacher.base_url or synth.teacher.local")
        self.cfg, self.local, self.progress = cfg, local, progress
        # Used exactly as given ("http://host:8000/v1" or ".../v1/"): servers differ on the prefix.
        self.url = (cfg.base_url or "").rstrip("/") + "/chat/completions"
        self.cache_path = Path(cache_path)
        self._own_client = client is None and local is None  # a local teacher opens no connection
        self._client = client or (httpx.Client(timeout=TIMEOUT_S) if self._own_client else None)
        self._stats = {"requests": 0, "cache_hits": 0, "rejected": 0, "failures": 0, "over_budget": 0}
        self._usage = {"prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0}
        self._cache, self._needs_newline = _load_cache(self.cache_path)

    @property
    def stats(self) -> dict:
        """requests: network calls made (retries included); rejected: lines and rewrites that failed
        the checks; failures: calls that gave no usable reply; over_budget: calls skipped after
        `max_requests`. Tokens and seconds are the calls actually made (cache hits cost none)."""
        usage = self.local.usage if self.local is not None else self._usage
        return dict(self._stats) | {k: round(v, 1) if isinstance(v, float) else v for k, v in usage.items()}

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    # -- tasks -----------------------------------------------------------------------------
    def paraphrase_questions(self, facts: list[Fact], n: int) -> list[list[str]]:
        """Up to `n` distinct questions per fact that name its entity and do not contain its
        answer: one request per fact, sent in batches to a local teacher."""
        if n <= 0:
            return [[] for _ in facts]
        prompts = [
            f"Write {n} different ways a user might ask for the {f.topic} of the {f.entity}. "
            "Vary the wording; some may be casual. One question per line, no numbering, "
            "no answers, nothing else." for f in facts
        ]
        return [self._questions(reply, f, n) for reply, f in zip(self._complete_many(prompts), facts)]

    def _questions(self, reply: str | None, fact: Fact, n: int) -> list[str]:
        names = [n.lower() for n in name_variants(fact.entity)]
        out: list[str] = []
        seen: set[str] = set()
        for line in (reply or "").splitlines():
            q = _BULLET.sub("", line.strip()).strip().strip(_QUOTES).strip()
            low = q.lower()
            if not q or len(q) > 300 or low in seen:
                continue
            if not _is_question(low) or not any(name in low for name in names) or _leaks(q, fact):
                self._stats["rejected"] += 1
                continue
            seen.add(low)
            out.append(q)
            if len(out) == n:
                break
        return out

    def rewrites(self, pieces: list[tuple[str, list[Fact]]]) -> list[str | None]:
        """Each (passage, its facts) in other words, or None where the rewrite lost or changed a
        fact, a name or a number."""
        prompts = [
            "Rewrite the passage below in different words and a different sentence order. Keep every "
            "fact exactly: product and entity names, numbers and units must appear verbatim. Do not add "
            "information. Reply with the rewritten passage only.\n\n" + text for text, _ in pieces
        ]
        return [self._kept(reply, text, facts) for reply, (text, facts) in zip(self._complete_many(prompts), pieces)]

    def _kept(self, reply: str | None, text: str, facts: list[Fact]) -> str | None:
        if reply is None:
            return None
        out = reply.strip()
        must_keep = {s for f in facts for s in (f.value, f.entity) if s in text}
        numbers_kept = set(_NUMBER.findall(text)) <= set(_NUMBER.findall(out))
        if not out or not numbers_kept or any(s not in out for s in must_keep):
            self._stats["rejected"] += 1
            return None
        return out

    def qa_pairs(self, passages: list[str], n: int) -> list[list[tuple[str, str]]]:
        """Up to `n` (question, answer) pairs per passage, each answer found in its passage."""
        prompts = [
            f"Read the passage and write {n} different questions a reader could ask about it, each followed "
            "by its short answer copied from the passage. Use exactly this format, nothing else:\n"
            f"Q: <question>\nA: <answer>\n\nPassage:\n{p}" for p in passages
        ]
        return [self._grounded_pairs(reply, p, n) for reply, p in zip(self._complete_many(prompts), passages)]

    def statements(self, passages: list[str], n: int) -> list[list[str]]:
        """Up to `n` sentences per passage restating what it says, its implications and the
        relations between the entities it names, in the teacher's own words (EntiGraph-style
        rewrites). A sentence is kept when every number in it is in the passage and it names
        a capitalised name the passage names."""
        prompts = [
            f"Write {n} short sentences about the passage below, one per line: restate its facts in other words, "
            "say what follows from them, and how the people, places and organisations it names relate to each "
            "other. Use full names, never 'he' or 'she'. Add nothing the passage does not support.\n\n"
            f"Passage:\n{p}" for p in passages
        ]
        return [self._grounded_statements(reply, p, n) for reply, p in zip(self._complete_many(prompts), passages)]

    def _grounded_statements(self, reply: str | None, passage: str, n: int) -> list[str]:
        names = _names(passage)
        numbers = set(_NUMBER.findall(passage))
        out: list[str] = []
        for line in (reply or "").splitlines():
            sent = _BULLET.sub("", line.strip()).strip().strip(_QUOTES).strip()
            if not sent or sent in out:
                continue
            grounded = set(_NUMBER.findall(sent)) <= numbers and any(name in sent for name in names if len(name) > 2)
            if not grounded or len(sent.split()) > 40 or sent.endswith("?"):
                self._stats["rejected"] += 1
                continue
            out.append(sent)
        return out[:n]

    def _grounded_pairs(self, reply: str | None, passage: str, n: int) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        source = f" {normalize(passage)} "
        q = None
        for line in (reply or "").splitlines():
            line = line.strip()
            if line[:2].upper() not in ("Q:", "A:"):
                line = _BULLET.sub("", line).strip()  # "1. Q: ..." -> "Q: ..."
            if line[:2].upper() == "Q:":
                q = line[2:].strip().strip(_QUOTES).strip()
            elif line[:2].upper() == "A:" and q:
                a, question = line[2:].strip().strip(_QUOTES).strip().rstrip("."), q
                q = None
                na, nq = normalize(a), normalize(question)
                grounded = bool(na) and f" {na} " in source and len(a.split()) <= 20
                if not grounded or not _is_question(question.lower()) or f" {na} " in f" {nq} " or nq in seen:
                    self._stats["rejected"] += 1
                    continue
                seen.add(nq)
                out.append((question, a))
        return out[:n]

    def grade(self, rows: list[tuple[str, list[str], str]]) -> list[bool | None]:
        """Whether each (question, references, answer) answer says what a reference says, in any wording:
        an LLM judge for free-text answers that containment under-counts. None: no usable verdict."""
        prompts = [
            "Grade an answer to a question against the reference answers. It is correct when it gives the same "
            "information as one of the references, whatever its wording, date or number format; it is wrong when it "
            "gives other information or only part of it. Reply with one word: correct or wrong.\n\n"
            f"Question: {q}\nReference answers: {' | '.join(refs)}\nAnswer: {answer}" for q, refs, answer in rows
        ]
        verdicts: list[bool | None] = []
        for reply in self._complete_many(prompts):
            word = (reply or "").strip().strip(_QUOTES + ".!").split()
            first = word[0].lower().strip(".,!:") if word else ""
            verdicts.append(True if first == "correct" else False if first == "wrong" else None)
        return verdicts

    # -- transport -------------------------------------------------------------------------
    def _body(self, prompt: str) -> dict:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
        if self.local is not None:  # greedy: the same corpus gives the same data
            return {"model": f"local:{self.local.name}", "messages": messages, "temperature": 0.0}
        return {"model": self.cfg.model, "messages": messages, "temperature": 0.7, "seed": 0}

    def _complete_many(self, prompts: list[str]) -> list[str | None]:
        """Replies in order: cached ones first, the rest from the endpoint or the local model
        in batches, each appended to the cache as it arrives (a killed run resumes there)."""
        bodies = [self._body(p) for p in prompts]
        keys = [sha256_json(b) for b in bodies]
        out: list[str | None] = [self._cache.get(k) for k in keys]
        self._stats["cache_hits"] += sum(o is not None for o in out)
        todo = [i for i, o in enumerate(out) if o is None]
        step = (self.local.batch_size or self.cfg.batch_size) if self.local is not None else 1
        if step > 1:  # prompts of similar length share a batch: less padding, and rewrites end together
            todo.sort(key=lambda i: len(prompts[i]))
        batches = [todo[i : i + step] for i in range(0, len(todo), step)]
        for batch in _progress(batches, "teacher", self.progress and len(batches) > 1):
            for i, content in zip(batch, self._send([bodies[i] for i in batch])):
                out[i] = content
                if content is not None:
                    self._cache[keys[i]] = content
                    self._append_cache(keys[i], content)
        return out

    def _send(self, bodies: list[dict]) -> list[str | None]:
        if self.local is None:
            t0 = time.perf_counter()
            replies = [self._post(b) for b in bodies]
            self._usage["seconds"] += time.perf_counter() - t0
            return replies
        room = max(0, self.cfg.max_requests - self._stats["requests"])
        self._stats["over_budget"] += max(0, len(bodies) - room)
        self._stats["requests"] += min(room, len(bodies))
        replies = self.local.complete(bodies[:room]) if room else []
        return replies + [None] * (len(bodies) - len(replies))

    def _post(self, body: dict) -> str | None:
        """POST with retries. Misconfiguration (auth, wrong URL, nothing listening) is fatal:
        every later call would fail the same way. A transient failure only skips this item."""
        api_key = os.environ.get(self.cfg.api_key_env)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        for attempt in range(RETRIES + 1):
            if self._stats["requests"] >= self.cfg.max_requests:
                self._stats["over_budget"] += 1
                return None
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            self._stats["requests"] += 1
            try:
                r = self._client.post(self.url, json=body, headers=headers, timeout=TIMEOUT_S)
            except httpx.ConnectError as e:
                raise EngrainError(f"teacher at {self.url}: cannot connect ({_one_line(e)})") from None
            except (httpx.TimeoutException, httpx.TransportError):
                continue
            if r.status_code in FATAL_STATUS:
                hint = FATAL_STATUS[r.status_code]
                if r.status_code in (401, 403):
                    hint += f" in ${self.cfg.api_key_env}"
                raise EngrainError(f"teacher at {self.url}: HTTP {r.status_code} {r.reason_phrase} ({hint})")
            if r.status_code >= 500 or r.status_code == 429:
                continue
            if r.status_code >= 400:
                break
            try:
                content = r.json()["choices"][0]["message"]["content"]
                usage = r.json().get("usage") or {}
            except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                break
            for k in ("prompt_tokens", "completion_tokens"):
                self._usage[k] += usage.get(k, 0) if isinstance(usage.get(k, 0), int) else 0
            if isinstance(content, str):
                return content
            break
        self._stats["failures"] += 1
        return None

    def _append_cache(self, key: str, content: str) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        with self.cache_path.open("a", encoding="utf-8") as f:
            if self._needs_newline:  # a crash left a half line: do not glue the next entry to it
                f.write("\n")
                self._needs_newline = False
            f.write(json.dumps({"key": key, "content": content}, ensure_ascii=False) + "\n")
            f.flush()


def _load_cache(path: Path) -> tuple[dict[str, str], bool]:
    """Entries by key, and whether the file ends mid-line. Corrupt lines are skipped: the
    cache only saves calls, so losing an entry costs one request, never the run."""
    if not path.is_file():
        return {}, False
    raw = path.read_text(encoding="utf-8", errors="replace")
    cache: dict[str, str] = {}
    for line in raw.splitlines():
        try:
            row = json.loads(line)
            if isinstance(row["key"], str) and isinstance(row["content"], str):
                cache[row["key"]] = row["content"]
        except (ValueError, KeyError, TypeError):
            continue
    return cache, bool(raw) and not raw.endswith("\n")


def _names(text: str) -> set[str]:
    """Capitalised words and runs of them, except a lone word that only starts a sentence ('She')."""
    out = set()
    for m in re.finditer(r"\b[A-Z][\w\-]+(?:\s+[A-Z][\w\-]+)*", text):
        starts_sentence = not text[: m.start()].rstrip() or text[: m.start()].rstrip()[-1] in ".!?:"
        if " " in m[0] or not starts_sentence:
            out.add(m[0])
    return out


def _progress(items: list, label: str, enabled: bool):
    """A rich progress bar over `items` when enabled (the CLI), else the items as they are."""
    if not enabled:
        return items
    from rich.progress import track

    return track(items, description=label)


def _is_question(low: str) -> bool:
    return low.endswith("?") or bool(_ASKING.match(low))


def _leaks(question: str, fact: Fact) -> bool:
    """The answer is in the question: the value itself, or one of its numbers not in the name."""
    if fact.value.lower() in question.lower():
        return True
    value_numbers = set(_NUMBER.findall(fact.value)) - set(_NUMBER.findall(fact.entity))
    return bool(value_numbers & set(_NUMBER.findall(question)))


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split()) or type(e).__name__
