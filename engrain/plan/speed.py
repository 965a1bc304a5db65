"""This machine's speed for one model and its settings: measured once, cached, reused.

Training: a few real optimizer steps on batches of the run's own examples (short, median and
long), fitted as `seconds = overhead + per_token * padded tokens`, so a plan can price every
step of the schedule. Generation: a closed-book answer and an answer that reads passages (a
RAFT record's prompt), with the base model. The cache (`$ENGRAIN_CACHE/speed.json`, or
`$ENGRAIN_SPEED_CACHE`) is keyed
by the machine (processor, cores, accelerator, torch), the model and every setting that
changes the speed, never by the corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from engrain.config import EngrainConfig
from engrain.io import read_json, write_json
from engrain.records import Example

_SPEED_SETTINGS = (
    "method",
    "lora_r",
    "lora_targets",
    "bf16",
    "batch_size",
    "grad_accum",
    "max_seq_len",
    "max_batch_tokens",
    "batch_order",
    "packing",
    "grad_checkpointing",
)


@dataclass
class Speed:
    step_overhead_s: float  # per optimizer step, whatever its size (optimizer, adapter bookkeeping)
    token_s: float  # per padded token in the step's forward and backward passes
    answer_s: float  # one closed-book answer (model.max_new_tokens at most)
    read_s: float  # one answer that reads retrieved passages
    params: int  # the base model's parameters
    machine: str
    measured: str  # when (ISO time)
    cached: bool = False

    def step_seconds(self, padded_tokens: int) -> float:
        return self.step_overhead_s + self.token_s * padded_tokens


def machine() -> str:
    """What sets this machine's speed: processor, cores, accelerator, torch build."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu}, {os.cpu_count()} cores, {gpu}, torch {torch.__version__}"


def cache_key(cfg: EngrainConfig) -> str:
    settings = {k: getattr(cfg.train, k) for k in _SPEED_SETTINGS}
    model = {k: getattr(cfg.model, k) for k in ("base", "dtype", "max_new_tokens", "threads")}
    raw = json.dumps([machine(), model, settings, cfg.rag.top_k, cfg.rag.chunk_words], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _cache_path() -> Path:
    from engrain.model.loading import cache_dir

    return Path(os.environ.get("ENGRAIN_SPEED_CACHE", cache_dir() / "speed.json"))


def cached(cfg: EngrainConfig) -> Speed | None:
    path = _cache_path()
    try:
        entry = read_json(path).get(cache_key(cfg)) if path.is_file() else None
        return Speed(**{**entry, "cached": True}) if entry else None
    except (ValueError, TypeError, OSError):
        return None  # an unreadable cache only costs a measurement


def speed(cfg: EngrainConfig, examples: list[Example], lengths: list[int], say=print) -> Speed:
    """The cached speed, or a measurement (about a minute on a 2-core CPU) written to the cache."""
    if (hit := cached(cfg)) is not None:
        return hit
    say("plan: measuring this machine's speed for this model and settings (once; cached)")
    measured = Speed(
        **_train_speed(cfg, examples, lengths),
        **_generation_speed(cfg, examples),
        machine=machine(),
        measured=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    path = _cache_path()
    try:
        table = read_json(path) if path.is_file() else {}
    except ValueError:
        table = {}
    write_json(path, {**table, cache_key(cfg): {k: v for k, v in asdict(measured).items() if k != "cached"}})
    return measured


def _train_speed(cfg: EngrainConfig, examples: list[Example], lengths: list[int]) -> dict:
    """Steps on the shortest, median and longest batches (after a warm-up step), fitted by least squares."""
    from engrain.train.trainer import padded_tokens, time_steps

    n = cfg.train.batch_size
    by_length = sorted(range(len(examples)), key=lambda i: lengths[i])
    mid = max(0, len(by_length) // 2 - n // 2)
    batches = [by_length[:n], by_length[:n], by_length[mid : mid + n], by_length[-n:]]
    sample = sorted({i for b in batches for i in b})
    local = {i: j for j, i in enumerate(sample)}
    steps = [[local[i] for i in b] for b in batches]
    with tempfile.TemporaryDirectory() as tmp:
        seconds = time_steps(cfg, [examples[i] for i in sample], steps, Path(tmp))[1:]  # the first warms up
    sizes = [padded_tokens(cfg, lengths, b) for b in batches[1:]]
    token_s, overhead = _fit(sizes, seconds)
    return {"step_overhead_s": overhead, "token_s": token_s}


def _fit(x: list[int], y: list[float]) -> tuple[float, float]:
    """Slope and intercept of y = a x + b (the slope alone through the origin when the sizes do not differ)."""
    mx, my = sum(x) / len(x), sum(y) / len(y)
    var = sum((a - mx) ** 2 for a in x)
    if var == 0:
        return my / max(mx, 1), 0.0
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y)) / var
    slope = max(slope, 0.0)
    return slope, max(my - slope * mx, 0.0)


def _generation_speed(cfg: EngrainConfig, examples: list[Example]) -> dict:
    """A closed-book answer and a reading answer with the base model, each after one warm-up answer."""
    from engrain.model.generate import Generator
    from engrain.model.loading import load_causal_lm

    model, tok = load_causal_lm(cfg.model.base, cfg.model.dtype)
    gen = Generator(model, tok, cfg.model.system_prompt, cfg.model.max_new_tokens)
    questions = [e.messages[0]["content"] for e in examples if e.messages and e.kind != "raft"][:2] or ["Hello?"]
    reading = next((e.messages[0]["content"] for e in examples if e.kind == "raft" and e.messages), None)
    if reading is None:  # no RAFT records: a question after passages of the configured size
        text = " ".join(" ".join((e.text or "").split()[: cfg.rag.chunk_words]) for e in examples if e.text)
        reading = " ".join(text.split()[: cfg.rag.chunk_words * cfg.rag.top_k]) + "\n\n" + questions[0]

    def answer_seconds(prompt: str) -> float:
        t0 = time.perf_counter()
        gen.generate(gen.chat_ids(prompt))
        return time.perf_counter() - t0

    answer_seconds(questions[0])  # warm-up
    closed = sum(answer_seconds(q) for q in questions) / len(questions)
    params = sum(p.numel() for p in model.parameters())
    return {"answer_s": closed, "read_s": answer_seconds(reading), "params": params}
