"""Fine-tune the base model: setup -> train -> select -> save.

transformers' Trainer does the loop (resumable checkpoints, bf16 autocast, accelerate on
GPUs); engrain adds LoRA/full setup, checkpoint selection by dev *answer accuracy* rather
than loss (Gekhman et al. 2024: once unknown facts are fitted, hallucination rises), peak
memory sampling and an atomic final write.
"""

from __future__ import annotations

import math
import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from transformers import TrainerCallback

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.evaluate.metrics import score
from engrain.io import atomic_path, write_json
from engrain.model.generate import Generator
from engrain.model.loading import load_causal_lm
from engrain.records import EvalItem, Example
from engrain.train.data import collate, encode


@dataclass
class TrainResult:
    model_dir: str
    method: str
    examples: int
    tokens: int  # tokens processed, all epochs
    seconds: float
    tokens_per_second: float
    peak_rss_mb: float
    bf16: bool
    steps: int
    truncated: int
    best_step: int | None = None
    loss_curve: list[dict] = field(default_factory=list)  # [{step, epoch, loss}]
    dev_curve: list[dict] = field(default_factory=list)  # [{step, accuracy, abstained}]

    def to_dict(self) -> dict:
        return asdict(self)


def train(cfg: EngrainConfig, examples: list[Example], dev: list[EvalItem], out_dir: str | Path, progress: bool = True) -> TrainResult:
    from transformers import Trainer, TrainingArguments, set_seed

    if not examples:
        raise EngrainError("no training examples: run `engrain synth` on a non-empty corpus first")
    out_dir = Path(out_dir)
    set_seed(cfg.seed)
    if cfg.model.threads:
        torch.set_num_threads(cfg.model.threads)
    t = cfg.train

    # -- setup
    model, tok = load_causal_lm(cfg.model.base, dtype="float32")
    model.train()
    if t.method == "lora":
        from peft import LoraConfig, get_peft_model

        targets = [m for m in t.lora_targets if any(n.endswith(m) for n, _ in model.named_modules())]
        if not targets:
            raise EngrainError(f"none of train.lora_targets {t.lora_targets} exist in {cfg.model.base}")
        lora = LoraConfig(r=t.lora_r, lora_alpha=t.lora_alpha, lora_dropout=t.lora_dropout, target_modules=targets, task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)
    encoded = [encode(e, tok, cfg.model.system_prompt, t.max_seq_len) for e in examples]
    n_tokens = sum(len(e["input_ids"]) for e in encoded)
    bf16 = _use_bf16(t.bf16)
    steps_per_epoch = math.ceil(len(encoded) / (t.batch_size * t.grad_accum))
    total_steps = t.max_steps if t.max_steps > 0 else math.ceil(steps_per_epoch * t.epochs)
    eval_every = t.eval_every or steps_per_epoch

    args = TrainingArguments(
        output_dir=str(out_dir / "checkpoints"),
        per_device_train_batch_size=t.batch_size,
        gradient_accumulation_steps=t.grad_accum,
        learning_rate=t.learning_rate,
        num_train_epochs=t.epochs,
        max_steps=total_steps,
        lr_scheduler_type="cosine",
        warmup_steps=int(total_steps * t.warmup_ratio),
        weight_decay=t.weight_decay,
        logging_steps=max(1, min(t.logging_steps, total_steps // 10)),  # >= 10 points on short runs
        save_steps=t.save_every,
        save_total_limit=1,
        bf16=bf16,
        use_cpu=not torch.cuda.is_available(),
        seed=cfg.seed,
        data_seed=cfg.seed,
        report_to=[],
        remove_unused_columns=False,
        train_sampling_strategy="group_by_length",
        disable_tqdm=not progress,
        dataloader_num_workers=0,
    )
    selector = _DevSelector(model, tok, cfg, dev[: t.dev_max], eval_every, out_dir / "best", t.patience)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=_LengthDataset(encoded),
        data_collator=lambda b: collate(b, tok.pad_token_id),
        callbacks=[selector],
    )

    # -- train
    sampler = _PeakRss()
    t0 = time.perf_counter()
    with sampler:
        resume = _last_checkpoint(out_dir / "checkpoints")
        trainer.train(resume_from_checkpoint=resume)
        selector.evaluate(trainer.state.global_step)  # the final weights compete too
    seconds = time.perf_counter() - t0

    # -- save: the best dev checkpoint (or the last one when there is no dev split)
    final = out_dir / "model"
    if selector.best_dir.exists() and selector.best_step is not None:
        with atomic_path(final, is_dir=True) as tmp:
            shutil.copytree(selector.best_dir, tmp, dirs_exist_ok=True)
    else:
        with atomic_path(final, is_dir=True) as tmp:
            _save(model, tok, tmp)
    shutil.rmtree(out_dir / "checkpoints", ignore_errors=True)
    shutil.rmtree(selector.best_dir, ignore_errors=True)

    tokens_seen = int(n_tokens * trainer.state.epoch)
    curve = [{"step": h["step"], "epoch": round(h.get("epoch", 0), 3), "loss": h["loss"]} for h in trainer.state.log_history if "loss" in h]
    result = TrainResult(
        model_dir=str(final),
        method=t.method,
        examples=len(encoded),
        tokens=tokens_seen,
        seconds=round(seconds, 2),
        tokens_per_second=round(tokens_seen / seconds, 1) if seconds else 0.0,
        peak_rss_mb=round(sampler.peak_mb, 1),
        bf16=bf16,
        steps=trainer.state.global_step,
        truncated=sum(e["truncated"] for e in encoded),
        best_step=selector.best_step,
        loss_curve=curve,
        dev_curve=selector.curve,
    )
    write_json(out_dir / "train_result.json", result.to_dict())
    return result


class _LengthDataset(torch.utils.data.Dataset):
    """A list of encoded examples that also tells `group_by_length` each length."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        return self.rows[i]


def _save(model, tok, path: Path) -> None:
    model.save_pretrained(path)  # LoRA: only the adapter; full: the whole model
    tok.save_pretrained(path)


class _DevSelector(TrainerCallback):
    """Trainer callback: score dev answers every N steps, keep the most accurate weights."""

    def __init__(self, model, tok, cfg: EngrainConfig, dev: list[EvalItem], every: int, best_dir: Path,
                 patience: int = 0) -> None:
        self.model, self.tok, self.dev, self.every, self.patience = model, tok, dev, every, patience
        self.best_dir = best_dir
        self.generator = Generator(model, tok, cfg.model.system_prompt, cfg.model.max_new_tokens)
        self.best_acc = -1.0
        self.best_step: int | None = None
        self.curve: list[dict] = []
        self._last = -1

    def on_step_end(self, args, state, control, **kw):
        if state.global_step % self.every == 0:
            self.evaluate(state.global_step)
            rounds_since_best = sum(1 for c in self.curve if c["step"] > (self.best_step or 0))
            if self.patience and rounds_since_best >= self.patience:
                control.should_training_stop = True  # early stopping on dev answer accuracy
        return control

    def evaluate(self, step: int) -> None:
        if not self.dev or step == self._last:
            return
        self._last = step
        was_training = self.model.training
        self.model.eval()
        scores = [score(self.generator.generate(self.generator.chat_ids(d.question)).text, d.answers) for d in self.dev]
        self.model.train(was_training)
        by_cat: dict[str, list[bool]] = {}
        for d, s in zip(self.dev, scores):
            by_cat.setdefault(d.category, []).append(s["correct"])
        per_cat = {c: round(sum(v) / len(v), 4) for c, v in sorted(by_cat.items())}
        acc = dev_score(by_cat)
        self.curve.append({"step": step, "accuracy": round(acc, 4), "by_category": per_cat,
                           "abstained": round(sum(s["abstained"] for s in scores) / len(scores), 4)})
        if acc >= self.best_acc:  # a tie goes to the later, further-annealed weights
            self.best_acc, self.best_step = acc, step
            with atomic_path(self.best_dir, is_dir=True) as tmp:
                _save(self.model, self.tok, tmp)


class _PeakRss:
    """Samples this process's RSS every 0.2 s: ru_maxrss would include earlier stages."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()

    def __enter__(self):
        import psutil

        proc = psutil.Process(os.getpid())

        def loop() -> None:
            while not self._stop.is_set():
                self.peak_mb = max(self.peak_mb, proc.memory_info().rss / 2**20)
                self._stop.wait(0.2)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def dev_score(by_category: dict[str, list[bool]]) -> float:
    """Answer accuracy over the dev questions, or 0 when a category scores 0.

    A model that refuses everything is right on every unanswerable and no lookup; one that
    never refuses is the reverse. Neither is a candidate, whatever its average. Plain
    accuracy otherwise: a harmonic mean over categories picked mid-schedule checkpoints
    that traded many lookups for a few refusals and scored worse on the eval set.
    """
    if not by_category or not all(any(v) for v in by_category.values()):
        return 0.0
    correct = [c for v in by_category.values() for c in v]
    return sum(correct) / len(correct)


def _use_bf16(setting: str) -> bool:
    if setting == "off":
        return False
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    supported = _cpu_has_bf16()
    if setting == "on" and not supported:
        raise EngrainError("train.bf16 = 'on' but this CPU has no native bf16 (avx512_bf16/amx); use 'auto'")
    return supported


def _cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _last_checkpoint(folder: Path) -> str | None:
    if not folder.is_dir():
        return None
    ckpts = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    return str(ckpts[-1]) if ckpts else None
