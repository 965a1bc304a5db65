"""This machine's speed for one model and its settings: measured once, cached, reused.

Training: real optimizer steps, set up exactly as training is, on batches of synthetic
examples of fixed shapes: question-answer rows of three lengths and one row of text learned
whole. Their times are fitted as `seconds = overhead + a x padded tokens + b x attention
(rows x width^2) + c x learned tokens`, so a plan can price every step of any corpus's
schedule (short questions, long reading examples and documents cost differently per token).
Generation: a closed-book answer and an answer that reads passages, with the base model.

The cache (`$ENGRAIN_CACHE/speed.json`, or `$ENGRAIN_SPEED_CACHE`) is keyed by the machine
(processor, cores, accelerator, torch), the model and every setting that changes the speed,
never by the corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engrain.config import EngrainConfig
from engrain.io import read_json, write_json
from engrain.records import Example

_VERSION = 4  # of the measurement: a new one does not read an older one's entries
CORPUS_STEPS = 6  # batches of the corpus's own timed by every plan
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
    attention_s: float  # per row x width^2 of a pass (attention grows with the square of the length)
    target_s: float  # per learned token (the output head and its loss run only there)
    prefill_s: float  # a question's prompt built and read (the first token out)
    read_prefill_s: float  # the same with `rag.top_k` retrieved passages in the prompt
    decode_s: float  # each further generated token
    params: int  # the base model's parameters
    machine: str
    measured: str  # when (ISO time)
    observed: list[float] = field(default_factory=list)  # taken / planned training time of earlier runs here
    cached: bool = False
    on_corpus: float = 1.0  # measured / priced seconds of a few steps of this corpus's own batches (not cached)

    @property
    def correction(self) -> float:
        """What earlier runs on this machine say of the fitted prices: the median of taken / planned."""
        return statistics.median(self.observed) if self.observed else 1.0

    def answer_s(self, tokens: int) -> float:
        """A closed-book answer of `tokens` tokens."""
        return self.prefill_s + tokens * self.decode_s

    def read_s(self, tokens: int) -> float:
        """An answer of `tokens` tokens that reads the retrieved passages."""
        return self.read_prefill_s + tokens * self.decode_s

    def fitted(self, shape: tuple[int, int, int]) -> float:
        """A step's seconds as the probe's fit prices it, before any correction."""
        padded, attention, learned = shape
        return self.step_overhead_s + self.token_s * padded + self.attention_s * attention + self.target_s * learned

    def step_seconds(self, shape: tuple[int, int, int]) -> float:
        return self.fitted(shape) * self.correction * self.on_corpus


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
    raw = json.dumps([_VERSION, machine(), model, settings, cfg.rag.top_k, cfg.rag.chunk_words], sort_keys=True)
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


def speed(cfg: EngrainConfig, say=print) -> Speed:
    """The cached speed, or a measurement (about a minute on a 2-core CPU) written to the cache."""
    if (hit := cached(cfg)) is not None:
        return hit
    say("plan: measuring this machine's speed for this model and settings (once; cached)")
    measured = Speed(
        **_train_speed(cfg),
        **_generation_speed(cfg),
        machine=machine(),
        measured=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    _store(cfg, measured)
    return measured


def observe(cfg: EngrainConfig, planned_s: float, taken_s: float) -> None:
    """A finished training run's time against its plan (before the correction by earlier runs, after the one
    by the corpus's own batches): later plans on this machine, model and settings are corrected by the
    median of the last few."""
    entry = cached(cfg)
    if entry is None or planned_s <= 0 or taken_s <= 0:
        return
    uncorrected = planned_s / entry.correction
    entry.observed = [*entry.observed, round(taken_s / uncorrected, 3)][-5:]
    _store(cfg, entry)


def _store(cfg: EngrainConfig, entry: Speed) -> None:
    path = _cache_path()
    try:
        table = read_json(path) if path.is_file() else {}
    except ValueError:
        table = {}
    kept = {k: v for k, v in asdict(entry).items() if k not in ("cached", "on_corpus")}
    write_json(path, {**table, cache_key(cfg): kept})


def shapes(cfg: EngrainConfig, examples: list[Example]) -> tuple[list[int], list[int]]:
    """Each example's training tokens and learned tokens, as the trainer encodes it (chat template and
    system prompt included)."""
    from transformers import AutoTokenizer

    from engrain.model.loading import resolve_base_model
    from engrain.train.data import IGNORE, encode

    tok = AutoTokenizer.from_pretrained(resolve_base_model(cfg.model.base))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    encoded = [encode(e, tok, cfg.model.system_prompt, cfg.train.max_seq_len) for e in examples]
    return [len(e["input_ids"]) for e in encoded], [sum(x != IGNORE for x in e["labels"][1:]) for e in encoded]


def on_corpus(cfg: EngrainConfig, examples: list[Example], lengths: list[int], targets: list[int], s: Speed) -> float:
    """Measured / fitted seconds of a few batches of this corpus (spread over the range of their prices, after
    one warm-up step): the probe's rows are uniform, a corpus's are not, and the fit alone was 20-30% short on
    the bundled demo and a Wikipedia corpus. About ten seconds on a 2-core CPU, once per plan."""
    from engrain.train import schedule
    from engrain.train.trainer import step_shape, time_steps

    if not examples:
        return 1.0
    t = cfg.train
    kinds = [e.kind for e in examples]
    batches = schedule.build(lengths, kinds, [], 1, t.batch_size, 1, cfg.train_seed, -1, t.batch_order).epoch_batches(0)
    priced = sorted(batches, key=lambda b: s.fitted(step_shape(cfg, lengths, targets, b)))
    picked = [priced[int((i + 0.5) * len(priced) / CORPUS_STEPS)] for i in range(CORPUS_STEPS)]
    picked = list({tuple(b): b for b in picked}.values())  # a small corpus may have fewer distinct batches
    used = sorted({i for b in picked for i in b})
    at = {i: j for j, i in enumerate(used)}
    steps = [[at[i] for i in b] for b in [picked[len(picked) // 2], *picked]]
    with tempfile.TemporaryDirectory() as tmp:
        seconds = time_steps(cfg, [examples[i] for i in used], steps, Path(tmp))[1:]
    fitted = sum(s.fitted(step_shape(cfg, lengths, targets, b)) for b in picked)
    return round(sum(seconds) / fitted, 3) if fitted > 0 else 1.0


def _probe_examples(cfg: EngrainConfig) -> tuple[list[Example], list[list[int]]]:
    """Synthetic rows of fixed shapes and the batches timed: a warm-up, question-answer rows of three
    lengths, and rows of text learned whole; each batch has `train.batch_size` rows."""
    n = cfg.train.batch_size
    longest = max(64, min(cfg.train.max_seq_len, 400))
    answer = "The documentation says it is forty seven hours."
    examples, batches = [], []
    for words, kind in [(60, "qa"), (20, "qa"), (60, "qa"), (longest - 40, "qa"), (60, "view")]:
        text = " ".join(["word"] * words)
        start = len(examples)
        examples += [
            Example(kind, messages=[{"role": "user", "content": text}, {"role": "assistant", "content": answer}])
            if kind == "qa"
            else Example(kind, text=text)
            for _ in range(n)
        ]
        batches.append(list(range(start, start + n)))
    return examples, batches


def _train_speed(cfg: EngrainConfig) -> dict:
    """Timed steps on the probe batches (the first warms up), fitted by non-negative least squares."""
    from engrain.train.trainer import step_shape, time_steps

    examples, batches = _probe_examples(cfg)
    lengths, targets = shapes(cfg, examples)
    timed = batches[1:] * 2  # every shape twice: one slow step must not set the fit
    with tempfile.TemporaryDirectory() as tmp:
        seconds = time_steps(cfg, examples, batches[:1] + timed, Path(tmp))[1:]
    rows = [[1.0, *step_shape(cfg, lengths, targets, b)] for b in timed]
    c = _nonnegative_fit(rows, seconds)
    return {"step_overhead_s": c[0], "token_s": c[1], "attention_s": c[2], "target_s": c[3]}


def _nonnegative_fit(rows: list[list[float]], y: list[float]) -> list[float]:
    """Least squares with every coefficient >= 0: a term whose fit comes out negative is dropped and the
    rest refitted (timing noise must not make a longer step cheaper)."""
    import numpy as np

    keep = list(range(len(rows[0])))
    while keep:
        a = np.array([[r[j] for j in keep] for r in rows], dtype=float)
        coef, *_ = np.linalg.lstsq(a, np.array(y, dtype=float), rcond=None)
        if (coef >= 0).all():
            out = [0.0] * len(rows[0])
            for j, value in zip(keep, coef):
                out[j] = float(value)
            return out
        keep.pop(int(np.argmin(coef)))
    return [0.0] * len(rows[0])


def _generation_speed(cfg: EngrainConfig) -> dict:
    """A closed-book answer and a reading answer (`rag.top_k` passages of `rag.chunk_words` words) with the
    base model, after one warm-up answer."""
    from engrain.model.generate import Generator
    from engrain.model.loading import load_causal_lm

    model, tok = load_causal_lm(cfg.model.base, cfg.model.dtype)
    gen = Generator(model, tok, cfg.model.system_prompt, cfg.model.max_new_tokens)
    questions = ["What is the default port of the Osprey GX-7?", "When was the Kestrel DL-40 released?"]
    passage = " ".join(["The Osprey GX-7 is a data logger built for field stations."] * (cfg.rag.chunk_words // 10))
    reading = "\n\n".join([passage] * cfg.rag.top_k) + "\n\nQuestion: " + questions[0]

    def timed(prompt: str) -> tuple[float, float]:
        """(seconds to the first token, seconds a further token) of one greedy answer."""
        t0 = time.perf_counter()
        ids = gen.chat_ids(prompt)
        g = gen.generate(ids)
        prompt_s = time.perf_counter() - t0 - (g.prefill_ms + g.decode_ms) / 1e3
        return prompt_s + g.prefill_ms / 1e3, g.decode_ms / 1e3 / max(g.completion_tokens - 1, 1)

    timed(questions[1])  # warm-up
    closed = [timed(q) for q in questions]
    reading = timed(reading)
    params = sum(p.numel() for p in model.parameters())
    return {
        "prefill_s": sum(c[0] for c in closed) / len(closed),
        "read_prefill_s": reading[0],
        "decode_s": sum(c[1] for c in closed + [reading]) / (len(closed) + 1),
        "params": params,
    }
