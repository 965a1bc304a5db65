"""Greedy generation with the timings the bake-off reports.

A hand-written KV-cache loop instead of `model.generate`, because it lets us time prefill
(time to first token) and decode separately, the same way for every pipeline.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    prefill_ms: float
    decode_ms: float
    confidence: float = 1.0  # geometric mean probability of the generated tokens (greedy picks)
    logprobs: list[float] | None = None  # log-probability of each generated token


class Generator:
    """Wraps a causal LM and its tokenizer; builds prompts and decodes greedily."""

    def __init__(self, model, tokenizer, system_prompt: str = "", max_new_tokens: int = 32) -> None:
        self.model = model
        self.tok = tokenizer
        self.system_prompt = system_prompt
        self.max_new_tokens = max_new_tokens
        self.device = next(model.parameters()).device
        self._stop = {t for t in (tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>")) if isinstance(t, int) and t >= 0}

    def chat_ids(self, user: str) -> list[int]:
        return chat_prompt_ids(self.tok, user, self.system_prompt)

    def text_ids(self, text: str) -> list[int]:
        return self.tok(text, add_special_tokens=False)["input_ids"]

    @torch.inference_mode()
    def generate(self, input_ids: list[int], stop_at_newline: bool = False, max_new_tokens: int | None = None,
                 on_text: Callable[[str], None] | None = None) -> Generation:
        """Greedy decoding; `on_text` receives the answer's text as it grows, once per token (a
        server streams it; an exception it raises, e.g. on a client's disconnect, stops the generation)."""
        limit = max_new_tokens or self.max_new_tokens
        stream = _TextStream(self.tok, on_text, stop_at_newline) if on_text else None
        ids = torch.tensor([input_ids], device=self.device)
        t0 = time.perf_counter()
        out = self.model(input_ids=ids, use_cache=True)
        token, logprob = _pick(out.logits[0, -1])
        _sync(self.device)
        t1 = time.perf_counter()
        past, generated, logprobs = out.past_key_values, [], []
        while token not in self._stop:
            generated.append(token)
            logprobs.append(logprob)
            if stream:
                stream.push(generated)
            if len(generated) >= limit or (stop_at_newline and "\n" in self.tok.decode([token])):
                break
            out = self.model(input_ids=torch.tensor([[token]], device=self.device), past_key_values=past, use_cache=True)
            past, (token, logprob) = out.past_key_values, _pick(out.logits[0, -1])
        _sync(self.device)
        t2 = time.perf_counter()
        text = self.tok.decode(generated, skip_special_tokens=True).strip()
        if stop_at_newline:
            text = text.split("\n")[0].strip()
        confidence = math.exp(sum(logprobs) / len(logprobs)) if logprobs else 1.0
        return Generation(text, len(input_ids), len(generated), (t1 - t0) * 1e3, (t2 - t1) * 1e3, confidence, logprobs)


def _pick(logits: torch.Tensor) -> tuple[int, float]:
    """The greedy token and its log-probability (what `auto` routing reads as confidence)."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    token = int(logp.argmax())
    return token, float(logp[token])


def chat_prompt_ids(tokenizer, user: str, system_prompt: str = "") -> list[int]:
    """Token ids of a one-turn chat prompt, ending where the assistant starts."""
    return chat_context_ids(tokenizer, [{"role": "user", "content": user}], system_prompt)


def chat_context_ids(tokenizer, messages: list[dict], system_prompt: str = "") -> list[int]:
    """The prompt for the next assistant turn; training uses it too, so it learns the served prompt."""
    messages = ([{"role": "system", "content": system_prompt}] if system_prompt else []) + messages
    out = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    if hasattr(out, "keys") and "input_ids" in out:  # transformers 5 returns a BatchEncoding
        out = out["input_ids"]
    return list(out)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class _TextStream:
    """Turns a growing list of token ids into text increments (whole characters, no leading space).

    The sink is called once per generated token, with "" when the token adds no whole
    character yet, so a sink that stops generation (by raising) is asked at every token."""

    def __init__(self, tok, sink: Callable[[str], None], first_line_only: bool) -> None:
        self.tok, self.sink, self.first_line_only, self.sent = tok, sink, first_line_only, ""

    def push(self, generated: list[int]) -> None:
        text = self.tok.decode(generated, skip_special_tokens=True).lstrip()
        if self.first_line_only:
            text = text.split("\n")[0]
        if text.endswith("\ufffd") or not text.startswith(self.sent):
            self.sink("")  # half a multi-byte character, or a retokenised prefix: wait for the next token
            return
        new, self.sent = text[len(self.sent):], text
        self.sink(new)
