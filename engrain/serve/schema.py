"""OpenAI request and response bodies (the subset engrain serves), as pydantic models.

Unknown request fields are accepted and ignored, as the OpenAI API does for fields it does not
know; fields engrain cannot honour are listed in UNSUPPORTED and refused with a 400.
Every response carries engrain's own extras under one namespaced key, `engrain`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# request fields refused with a 400 when set to anything but their default
UNSUPPORTED = {
    "n": 1,
    "tools": None,
    "functions": None,
    "logprobs": False,
    "echo": False,
    "best_of": None,
    "suffix": None,
    "response_format": None,
}


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list | None = None


class _Request(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str | None = None
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stream: bool = False
    # accepted, not used: decoding is greedy (the answers the bake-off measured)
    temperature: float | None = None
    top_p: float | None = None
    stop: str | list[str] | None = None
    user: str | None = None

    def unsupported(self) -> str | None:
        extra = self.model_extra or {}
        for name, default in UNSUPPORTED.items():
            if extra.get(name, default) != default:
                return name
        return None


class ChatRequest(_Request):
    messages: list[Message] = Field(min_length=1)


class CompletionRequest(_Request):
    prompt: str


class Extras(BaseModel):
    """engrain's additions to every answer: which path it took, what it read, where the time went."""

    pipeline: str
    route: str
    passages: list[str]  # retrieved chunk ids
    timings_ms: dict[str, float]


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatChoice(BaseModel):
    index: int = 0
    message: dict
    finish_reason: Literal["stop", "length"]


class _Response(BaseModel):
    """What chat and text completions share (field order as OpenAI's)."""

    id: str
    created: int
    model: str
    usage: Usage
    engrain: Extras


class ChatResponse(_Response):
    object: Literal["chat.completion"] = "chat.completion"
    choices: list[ChatChoice]


class CompletionChoice(BaseModel):
    index: int = 0
    text: str
    finish_reason: Literal["stop", "length"]
    logprobs: None = None


class CompletionResponse(_Response):
    object: Literal["text_completion"] = "text_completion"
    choices: list[CompletionChoice]


def error_body(
    message: str, type_: str = "invalid_request_error", param: str | None = None, code: str | None = None
) -> dict:
    """OpenAI's error shape: clients (the official one included) read `error.message`."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}
