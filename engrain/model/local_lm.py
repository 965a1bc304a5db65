"""A local causal LM answering chat requests (the teacher, the judge): any model transformers
loads, run in batches, or through vLLM where it is installed and a GPU is present.

The same chat requests an OpenAI-compatible endpoint gets go to a model on this machine:
a stronger local model, or the base model itself studying its own corpus (self-study).
Greedy decoding, so the same corpus and model give the same training data.
"""

from __future__ import annotations

import time

import torch

from engrain.model.engines import vllm_missing
from engrain.model.generate import chat_context_ids
from engrain.model.loading import load_causal_lm, resolve_base_model


def local_lm(name_or_path: str, max_new_tokens: int = 256) -> LocalLM | VllmLM:
    """vLLM on a GPU when it is installed (continuous batching: every request at once), else transformers."""
    if vllm_missing() is None:
        return VllmLM(name_or_path, max_new_tokens)
    return LocalLM(name_or_path, max_new_tokens)


class LocalLM:
    """Answers chat request bodies ({"messages": [...]}) with a local model, a batch at a time."""

    engine = "transformers"
    batch_size: int | None = None  # None: synth.teacher.batch_size prompts per batch

    def __init__(self, name_or_path: str, max_new_tokens: int = 256, model=None, tok=None) -> None:
        self.name = name_or_path
        if model is None:
            model, tok = load_causal_lm(name_or_path)
        self.model, self.tok, self.max_new_tokens = model, tok, max_new_tokens
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0}
        stops = (tok.eos_token_id, tok.convert_tokens_to_ids("<|im_end|>"))
        self._stop = sorted({t for t in stops if isinstance(t, int) and t >= 0})

    @torch.inference_mode()
    def complete(self, bodies: list[dict]) -> list[str]:
        """One reply per body; prompts are left-padded into one batch."""
        t0 = time.perf_counter()
        prompts = [chat_context_ids(self.tok, b["messages"]) for b in bodies]
        width = max(len(p) for p in prompts)
        pad = self.tok.pad_token_id
        ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
        device = next(self.model.parameters()).device
        out = self.model.generate(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            do_sample=False,
            max_new_tokens=self.max_new_tokens,
            eos_token_id=self._stop,
            pad_token_id=pad,
        )
        replies = []
        for row in out[:, width:].tolist():
            n = next((i for i, t in enumerate(row) if t in self._stop), len(row))
            self.usage["completion_tokens"] += n
            replies.append(self.tok.decode(row[:n], skip_special_tokens=True).strip())
        self.usage["prompt_tokens"] += sum(len(p) for p in prompts)
        self.usage["seconds"] += time.perf_counter() - t0
        return replies


class VllmLM:
    """The same requests through vLLM's offline engine, which schedules its own batches."""

    engine = "vllm"
    batch_size: int | None = 1024  # prompts handed over at once (the cache is written after each hand-over)

    def __init__(self, name_or_path: str, max_new_tokens: int = 256) -> None:
        from vllm import LLM, SamplingParams

        self.name = name_or_path
        self.llm = LLM(model=resolve_base_model(name_or_path), seed=0)
        self.params = SamplingParams(temperature=0.0, max_tokens=max_new_tokens)
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0}

    def complete(self, bodies: list[dict]) -> list[str]:
        t0 = time.perf_counter()
        outs = self.llm.chat([b["messages"] for b in bodies], self.params, use_tqdm=False)
        self.usage["prompt_tokens"] += sum(len(o.prompt_token_ids or []) for o in outs)
        self.usage["completion_tokens"] += sum(len(o.outputs[0].token_ids) for o in outs)
        self.usage["seconds"] += time.perf_counter() - t0
        return [o.outputs[0].text.strip() for o in outs]
