"""API keys (kept only as SHA-256 hashes) and a per-key rate limit."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections import deque
from pathlib import Path

from engrain.errors import EngrainError


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def configured_keys(env_var: str, file: Path | None) -> list[str]:
    """The API keys from a comma-separated environment variable and/or a file of one key a line
    (blank lines and `#` comments skipped); a named file that does not exist is an error."""
    raw = [k.strip() for k in os.environ.get(env_var, "").split(",")]
    if file is not None:
        if not file.is_file():
            raise EngrainError(f"API key file not found: {file}")
        raw += [line.strip() for line in file.read_text(encoding="utf-8").splitlines()]
    return list(dict.fromkeys(k for k in raw if k and not k.startswith("#")))


class Keys:
    """The accepted keys (engrain's own server), kept only as hashes; none configured means open."""

    def __init__(self, env_var: str, file: Path | None) -> None:
        self._hashes = {_digest(k) for k in configured_keys(env_var, file)}

    @property
    def required(self) -> bool:
        return bool(self._hashes)

    def check(self, authorization: str | None) -> str | None:
        """The caller's key id (a hash prefix, for rate limits and logs), or None when refused."""
        if not self.required:
            return "open"
        if not authorization or not authorization.startswith("Bearer "):
            return None
        digest = _digest(authorization.removeprefix("Bearer ").strip())
        ok = any(hmac.compare_digest(digest, h) for h in self._hashes)
        return digest[:12] if ok else None


class RateLimit:
    """At most `per_minute` requests per key in any 60-second window (0: unlimited)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        if not self.per_minute:
            return True
        now = time.monotonic()
        with self._lock:
            q = self._seen.setdefault(key, deque())
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True
