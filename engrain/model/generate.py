"""Greedy generation with the timings the bake-off reports.

A hand-written KV-cache loop instead of `model.generate`, because it lets us time prefill
(time to first token) and decode separately, the same way for every pipeline.

In an evaluation several pipelines ask one model the same thing (`ft+rag` and `auto` start
with `ft`'s closed-book question and read the same passages); with a memo each identical
request is computed once and replayed, and the generator's clock advances by the replayed
generation's measured time, so every pipeline's timings read as if it had run again (greedy
decoding would give the same tokens). A generation decoded in a batch is replayed into other
batches only: its timings are the batch's, so a timed single request computes it again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

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
    batched: bool = False  # decoded in a batch: its timings are the batch's, not one request's


@dataclass
class Request:
    """One decoding to run: the prompt's token ids and how to stop and stream."""

    input_ids: list[int]
    stop_at_newline: bool = False
    max_new_tokens: int | None = None
    on_text: Callable[[str], None] | None = None


class _Row:
    """One sequence's decoding state: the tokens taken, when it stopped, and why."""

    def __init__(self, gen: Generator, req: Request, capture: bool = False) -> None:
        """`capture`: keep an exception raised by the stream's sink (a batch goes on) instead of raising it."""
        self.gen, self.req, self.capture = gen, req, capture
        self.limit = req.max_new_tokens or gen.max_new_tokens
        self.stream = _TextStream(gen.tok, req.on_text, req.stop_at_newline) if req.on_text else None
        self.generated: list[int] = []
        self.logprobs: list[float] = []
        self.done, self.error, self.finished = False, None, 0.0

    def take(self, token: int, logprob: float) -> bool:
        """Record the next greedy token; False once this sequence is finished."""
        if token in self.gen._stop:
            return self._stop()
        self.generated.append(token)
        self.logprobs.append(logprob)
        if self.stream:
            try:
                self.stream.push(self.generated)
            except Exception as e:  # the sink stops this generation (a client went away)
                if not self.capture:
                    raise
                self.error = e
                return self._stop()
        if len(self.generated) >= self.limit or (self.req.stop_at_newline and "\n" in self.gen.tok.decode([token])):
            return self._stop()
        return True

    def _stop(self) -> bool:
        self.done, self.finished = True, time.perf_counter()
        return False

    def result(self, prefill_ms: float, decode_ms: float, batched: bool = False) -> Generation:
        text = self.gen.tok.decode(self.generated, skip_special_tokens=True).strip()
        if self.req.stop_at_newline:
            text = text.split("\n")[0].strip()
        lp = self.logprobs
        confidence = math.exp(sum(lp) / len(lp)) if lp else 1.0
        return Generation(
            text, len(self.req.input_ids), len(self.generated), prefill_ms, decode_ms, confidence, lp, batched
        )


class TextGenerator(Protocol):
    """What answerers generate with: a `Generator`, or a `BatchingGenerator` around one (a server)."""

    model: Any
    tok: Any
    system_prompt: str

    def clock(self) -> float: ...

    def memoized(self, on: bool = True) -> AbstractContextManager[None]: ...

    def chat_ids(self, user: str) -> list[int]: ...

    def text_ids(self, text: str) -> list[int]: ...

    def generate(
        self,
        input_ids: list[int],
        stop_at_newline: bool = False,
        max_new_tokens: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Generation: ...


class Generator:
    """Wraps a causal LM and its tokenizer; builds prompts and decodes greedily."""

    def __init__(self, model, tokenizer, system_prompt: str = "", max_new_tokens: int = 32) -> None:
        self.model = model
        self.tok = tokenizer
        self.system_prompt = system_prompt
        self.max_new_tokens = max_new_tokens
        self.device = next(model.parameters()).device
        self._stop = {
            t
            for t in (tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>"))
            if isinstance(t, int) and t >= 0
        }
        self._memo: dict[tuple, Generation] | None = None  # see the module docstring; single-threaded use only
        self._replayed_s = 0.0

    def clock(self) -> float:
        """What answerers time with: perf_counter plus the time of every generation replayed from the memo."""
        return time.perf_counter() + self._replayed_s

    @contextmanager
    def memoized(self, on: bool = True) -> Iterator[None]:
        """Within: identical requests (without a stream sink) are computed once; `on=False` pauses the memo."""
        before = self._memo
        self._memo = (before or {}) if on else None
        try:
            yield
        finally:
            self._memo = before

    def chat_ids(self, user: str) -> list[int]:
        return chat_prompt_ids(self.tok, user, self.system_prompt)

    def text_ids(self, text: str) -> list[int]:
        return self.tok(text, add_special_tokens=False)["input_ids"]

    @torch.inference_mode()
    def generate(
        self,
        input_ids: list[int],
        stop_at_newline: bool = False,
        max_new_tokens: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Generation:
        """Greedy decoding; `on_text` receives the answer's text as it grows, once per token (a
        server streams it; an exception it raises, e.g. on a client's disconnect, stops the generation)."""
        key = (tuple(input_ids), stop_at_newline, max_new_tokens or self.max_new_tokens)
        if on_text is None and (seen := self._replay(key, batched=False)):
            return seen
        row = _Row(self, Request(input_ids, stop_at_newline, max_new_tokens, on_text))
        ids = torch.tensor([input_ids], device=self.device)
        t0 = time.perf_counter()
        out = self.model(input_ids=ids, use_cache=True, logits_to_keep=1)  # the head on the last position only
        token, logprob = _pick(out.logits[0, -1])
        _sync(self.device)
        t1 = time.perf_counter()
        past = out.past_key_values
        while row.take(token, logprob):
            out = self.model(
                input_ids=torch.tensor([[token]], device=self.device), past_key_values=past, use_cache=True
            )
            past, (token, logprob) = out.past_key_values, _pick(out.logits[0, -1])
        _sync(self.device)
        result = row.result((t1 - t0) * 1e3, (time.perf_counter() - t1) * 1e3)
        if self._memo is not None and on_text is None:
            self._memo[key] = result
        return result

    @torch.inference_mode()
    def generate_batch(self, requests: list[Request]) -> list[Generation | Exception]:
        """Several greedy decodings in one batch (left-padded prompts, one forward pass per step):
        on a memory-bound decode the batch costs little more than one. Each request gets its own
        Generation, or the exception its `on_text` raised (that request stops, the others go on)."""
        keys = [(tuple(r.input_ids), r.stop_at_newline, r.max_new_tokens or self.max_new_tokens) for r in requests]
        seen = [self._replay(k, batched=True) if r.on_text is None else None for k, r in zip(keys, requests)]
        todo = [i for i, s in enumerate(seen) if s is None]
        out: list[Generation | Exception | None] = list(seen)
        for i, g in zip(todo, self._decode_batch([requests[i] for i in todo]) if todo else []):
            out[i] = g
            if self._memo is not None and requests[i].on_text is None and isinstance(g, Generation):
                self._memo[keys[i]] = g
        return [g for g in out if g is not None]

    def _replay(self, key: tuple, batched: bool) -> Generation | None:
        """The memo's generation for `key`, its time added to the clock; a batch's generation only
        into a batch (`batched`)."""
        seen = self._memo.get(key) if self._memo is not None else None
        if seen is None or (seen.batched and not batched):
            return None
        self._replayed_s += (seen.prefill_ms + seen.decode_ms) / 1e3
        return replace(seen)

    def _decode_batch(self, requests: list[Request]) -> list[Generation | Exception]:
        rows = [_Row(self, r, capture=True) for r in requests]
        width = max(len(r.input_ids) for r in requests)
        pad = self.tok.pad_token_id if self.tok.pad_token_id is not None else 0
        ids = torch.tensor([[pad] * (width - len(r.input_ids)) + r.input_ids for r in requests], device=self.device)
        mask = torch.tensor(
            [[0] * (width - len(r.input_ids)) + [1] * len(r.input_ids) for r in requests], device=self.device
        )
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        t0 = time.perf_counter()
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True, logits_to_keep=1)
        _sync(self.device)
        t1 = time.perf_counter()
        past, pos = out.past_key_values, pos[:, -1:]
        while True:
            picks = [(pad, 0.0) if row.done else _pick(out.logits[i, -1]) for i, row in enumerate(rows)]
            live = [row.take(*pick) if not row.done else False for row, pick in zip(rows, picks)]
            if not any(live):
                break
            step = torch.tensor([[pick[0] if on else pad] for pick, on in zip(picks, live)], device=self.device)
            mask, pos = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1), pos + 1
            out = self.model(
                input_ids=step, attention_mask=mask, position_ids=pos, past_key_values=past, use_cache=True
            )
            past = out.past_key_values
        _sync(self.device)
        return [row.error or row.result((t1 - t0) * 1e3, (row.finished - t1) * 1e3, batched=True) for row in rows]


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
        new, self.sent = text[len(self.sent) :], text
        self.sink(new)
