"""A chat model behind one call: any OpenAI-compatible endpoint, or a local causal LM
(`local_lm.py`), with an on-disk cache, retries and a request budget.

Synthesis asks it for paraphrases and rewrites (engrain.synth.teacher), the evaluation for
verdicts (engrain.evaluate.judge). Replies are cached on disk, keyed by the request body, and
appended as they arrive, so a re-run (or a run resumed after a kill) costs no calls for what
was done and gives the same data.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from engrain.config import TeacherConfig
from engrain.errors import EngrainError
from engrain.io import sha256_json
from engrain.progress import track

if TYPE_CHECKING:
    from engrain.model.local_lm import LocalLM, VllmLM

TIMEOUT_S = 60.0
RETRIES = 2  # on 5xx, 429 and timeouts
FATAL_STATUS = {401: "check the API key", 403: "check the API key", 404: "check base_url and model"}
SYSTEM = "You help build training data for a technical support assistant. Follow the format exactly."


class ChatClient:
    """Completes prompts with the configured model; caches every reply and counts every call."""

    backoff_s = 1.0  # first retry wait, doubled per retry; tests set 0

    def __init__(
        self,
        cfg: TeacherConfig,
        cache_path: Path,
        client: httpx.Client | None = None,
        local: LocalLM | VllmLM | None = None,
        progress: bool = False,
    ) -> None:
        if not cfg.base_url and local is None:
            raise EngrainError("teacher: set synth.teacher.base_url or synth.teacher.local")
        self.cfg, self.local, self.progress = cfg, local, progress
        # Used exactly as given ("http://host:8000/v1" or ".../v1/"): servers differ on the prefix.
        self.url = (cfg.base_url or "").rstrip("/") + "/chat/completions"
        self.cache_path = Path(cache_path)
        self._own_client = client is None and local is None  # a local model opens no connection
        self._client = client or (httpx.Client(timeout=TIMEOUT_S) if self._own_client else None)
        self._stats = {"requests": 0, "cache_hits": 0, "failures": 0, "over_budget": 0}
        self._usage = {"prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0}
        self._cache, self._needs_newline = _load_cache(self.cache_path)

    @property
    def stats(self) -> dict:
        """requests: network calls made (retries included); failures: calls that gave no usable reply;
        over_budget: calls skipped after `max_requests`. Tokens and seconds are the calls actually
        made (cache hits cost none)."""
        usage = self.local.usage if self.local is not None else self._usage
        return dict(self._stats) | {k: round(v, 1) if isinstance(v, float) else v for k, v in usage.items()}

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def _body(self, prompt: str) -> dict:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
        if self.local is not None:  # greedy: the same corpus gives the same data
            return {"model": f"local:{self.local.name}", "messages": messages, "temperature": 0.0}
        return {"model": self.cfg.model, "messages": messages, "temperature": 0.7, "seed": 0}

    def complete_many(self, prompts: list[str]) -> list[str | None]:
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
        for batch in track(batches, "teacher", self.progress and len(batches) > 1):
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


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split()) or type(e).__name__
