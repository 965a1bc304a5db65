"""Stand-ins for what tests cannot reach: an OpenAI-compatible endpoint (httpx.MockTransport)."""

from __future__ import annotations

from pathlib import Path

import httpx

from engrain.config import TeacherConfig
from engrain.model.chat import ChatClient
from engrain.synth.teacher import Teacher


class FakeEndpoint:
    """Answers every chat request with `reply` (or `status`); records the requests it saw."""

    def __init__(self, reply: str = "", status: int = 200) -> None:
        self.reply, self.status, self.requests = reply, status, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": {"message": "nope"}})
        return httpx.Response(200, json={"choices": [{"message": {"role": "assistant", "content": self.reply}}]})


def make_chat(tmp_path: Path, endpoint: FakeEndpoint, **cfg) -> ChatClient:
    """A chat client whose endpoint is `endpoint` (no network, no retry waits)."""
    tc = TeacherConfig(base_url="http://teacher.test/v1/", api_key_env="ENGRAIN_TEST_KEY", **cfg)
    chat = ChatClient(tc, tmp_path / "cache.jsonl", client=httpx.Client(transport=httpx.MockTransport(endpoint)))
    chat.backoff_s = 0
    return chat


def make(tmp_path: Path, endpoint: FakeEndpoint, **cfg) -> Teacher:
    return Teacher(make_chat(tmp_path, endpoint, **cfg))
