"""Fine-tune the base model: setup -> fit -> save.

A short loop of its own rather than transformers' Trainer, for what that loop cannot do
here: the output head runs only where an answer token is learned (loss.py), batches are
length-grouped or packed (data.py), a checkpoint resumes only under the settings that made
it and is written whole or not at all (checkpoint.py), Ctrl-C saves and exits resumable, one
progress bar shows loss, tokens/s and ETA. engrain adds LoRA/full setup, checkpoint
selection by dev *answer accuracy* rather than loss (Gekhman et al. 2024: once unknown facts
are fitted, hallucination rises), peak-memory sampling and an atomic final write.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from engrain.config import EngrainConfig
from engrain.errors import EngrainError, Interrupted, Terminated
from engrain.graph import GRAPH
from engrain.io import atomic_path
from engrain.model.generate import Generation, Generator, Request
from engrain.model.loading import load_causal_lm, native_bf16, set_threads
from engrain.progress import Say, quiet
from engrain.records import EvalItem, Example
from engrain.scoring import score
from engrain.train import checkpoint, schedule
from engrain.train.checkpoint import Progress
from engrain.train.data import collate, encode, pack, split_by_tokens
from engrain.train.distributed import World, share, world
from engrain.train.loss import TrainingLoss, target_count
from engrain.train.sharding import LocalState, ShardedState, shard

# settings the train stage reads that act after the weights are trained (checkpoint selection's answer
# length, the refusal text, inference dtype): a changed one keeps the resumable checkpoints
_AFTER_TRAINING = ("model.max_new_tokens", "model.refusal", "model.dtype")


MATH_ATTENTION_MAX_LEN = 192  # padded row length up to which CPU training uses plain attention
DEV_BATCH = 16  # dev questions answered in one batched generation


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
    packing: bool = False
    grad_checkpointing: bool = False
    processes: int = 1  # data-parallel processes (accelerate launch / torchrun)
    sharded: bool = False  # FSDP2 across those processes
    seed: int = 0  # training's seed (train.seed, else the project's)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Run:
    """Everything `fit` needs, built once by `setup`."""

    cfg: EngrainConfig
    model: torch.nn.Module
    tok: object
    encoded: list[dict]
    optimizer: torch.optim.Optimizer
    scheduler: object
    selector: _DevSelector
    out_dir: Path
    fingerprint: str
    schedule: schedule.Schedule
    eval_every: int  # 0: at the end of every epoch
    bf16: bool
    packing: bool
    grad_checkpointing: bool
    progress: Progress
    loss: torch.nn.Module  # TrainingLoss: the model's summed target-token loss (sharded with it under FSDP)
    state: LocalState | ShardedState
    world: World = field(default_factory=World)
    settings: dict = field(default_factory=dict)  # what the fingerprint hashes, kept readable in each checkpoint

    @property
    def total_steps(self) -> int:
        return self.schedule.total_steps

    @property
    def similar_passes(self) -> bool:
        """Shuffled batches mix lengths: run them in passes of similar length (packed rows have no padding)."""
        return self.schedule.order == "shuffled" and not self.packing

    def evaluates_at(self, step: int) -> bool:
        return step % self.eval_every == 0 if self.eval_every else self.schedule.ends_epoch(step)


def train(
    cfg: EngrainConfig,
    examples: list[Example],
    dev: list[EvalItem],
    work_dir: str | Path,
    model_dir: str | Path,
    progress: bool = True,
    init_adapter: Path | None = None,
    step_costs: list[float] | None = None,
    say: Say = quiet,
) -> TrainResult:
    """Train into `work_dir` (resumable checkpoints, the best dev weights) and write the chosen model to `model_dir`.
    `init_adapter`: continue a trained LoRA adapter (a retraining cycle) instead of starting a new one.
    `step_costs`: the plan's seconds for each step, so the progress bar's ETA is the plan's (engrain.plan)."""
    run = setup(cfg, examples, dev, Path(work_dir), init_adapter, say)
    with _PeakRss() as rss:
        fit(run, progress, step_costs)
    return save(run, Path(model_dir), rss.peak_mb)


# -- setup ----------------------------------------------------------------------------------
def setup(
    cfg: EngrainConfig,
    examples: list[Example],
    dev: list[EvalItem],
    out_dir: Path,
    init_adapter: Path | None = None,
    say: Say = quiet,
) -> _Run:
    """Model, data, optimizer and schedule; restored from the last checkpoint made under these settings."""
    from transformers import get_cosine_schedule_with_warmup, set_seed

    if not examples:
        raise EngrainError("no training examples: run `engrain synth` on a non-empty corpus first")
    t = cfg.train
    w = world()
    set_seed(cfg.train_seed)
    set_threads(cfg.model.threads)
    bf16 = _use_bf16(t.bf16)
    sharded = t.sharding != "none" and w.size > 1
    model, tok = _model(cfg, init_adapter, frozen_bf16=bf16 and not sharded)  # FSDP wants one dtype per unit
    encoded = [encode(e, tok, cfg.model.system_prompt, t.max_seq_len) for e in examples]
    plan = schedule.build(
        [len(e["input_ids"]) for e in encoded],
        [e.kind for e in examples],
        t.once,
        t.epochs,
        t.batch_size * w.size,
        t.grad_accum,
        cfg.train_seed,
        t.max_steps,
        t.batch_order,
    )
    total_steps = plan.total_steps
    longest = min(t.max_seq_len, max(len(e["input_ids"]) for e in encoded))
    grad_ckpt = _use_grad_checkpointing(
        t.grad_checkpointing, model, max(longest, min(t.batch_size * longest, t.max_batch_tokens))
    )
    if grad_ckpt:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    loss = shard(TrainingLoss(model), reshard_after_forward=t.sharding == "fsdp") if sharded else TrainingLoss(model)
    optimizer = torch.optim.AdamW(
        [p for p in loss.parameters() if p.requires_grad], lr=t.learning_rate, weight_decay=t.weight_decay, **_fused()
    )
    scheduler = get_cosine_schedule_with_warmup(optimizer, int(total_steps * t.warmup_ratio), total_steps)
    state = ShardedState(loss, optimizer) if sharded else LocalState(model, optimizer)
    settings = _settings(cfg, init_adapter, w.size)
    fingerprint = _fingerprint(settings, encoded)
    progress = _resume(out_dir, fingerprint, settings, state, scheduler, w, say)
    selector = _DevSelector(
        model, tok, cfg, dev[: t.dev_max_questions], out_dir / "best", t.patience, progress, bf16, state, w
    )
    return _Run(
        cfg,
        model,
        tok,
        encoded,
        optimizer,
        scheduler,
        selector,
        out_dir,
        fingerprint,
        plan,
        t.eval_every,
        bf16,
        _use_packing(t.packing),
        grad_ckpt,
        progress,
        loss=loss,
        state=state,
        world=w,
        settings=settings,
    )


def _model(cfg: EngrainConfig, init_adapter: Path | None = None, frozen_bf16: bool = False):
    """The base model, with a new or continued LoRA adapter (or whole, for full fine-tuning)."""
    t = cfg.train
    model, tok = load_causal_lm(cfg.model.base, dtype="float32")
    if init_adapter is not None:
        from peft import PeftModel

        if t.method != "lora" or not (init_adapter / "adapter_config.json").exists():
            raise EngrainError(f"continuing training needs a LoRA adapter and train.method = 'lora': {init_adapter}")
        model = PeftModel.from_pretrained(model, str(init_adapter), is_trainable=True)
    elif t.method == "lora":
        from peft import LoraConfig, get_peft_model

        targets = [m for m in t.lora_targets if any(n.endswith(m) for n, _ in model.named_modules())]
        if not targets:
            raise EngrainError(f"none of train.lora_targets {t.lora_targets} exist in {cfg.model.base}")
        lora = LoraConfig(
            r=t.lora_r,
            lora_alpha=t.lora_alpha,
            lora_dropout=t.lora_dropout,
            target_modules=targets,
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, lora)
    if frozen_bf16 and t.method == "lora":
        _frozen_linears_to_bf16(model)
    return model, tok


def _frozen_linears_to_bf16(model) -> None:
    """The adapted layers' frozen weights stored in bf16. Autocast casts them to bf16 in every
    forward pass anyway (it caches the casts of trained weights only), so a step computes the
    same numbers without re-reading and re-writing every weight each pass, in less memory."""
    from peft.tuners.lora import LoraLayer

    for module in model.modules():
        if isinstance(module, LoraLayer) and isinstance(base := module.get_base_layer(), torch.nn.Linear):
            base.to(torch.bfloat16)


def _settings(cfg: EngrainConfig, init_adapter: Path | None, processes: int) -> dict:
    """What a checkpoint must share with this run besides its examples: training settings, base model (and the
    adapter continued), the number of processes (it sets the global batch)."""
    settings = {k: v for k, v in GRAPH["train"].config(cfg).items() if k not in _AFTER_TRAINING}
    return settings | {"init_adapter": str(init_adapter or ""), "processes": processes}


def _fingerprint(settings: dict, encoded: list[dict]) -> str:
    """The settings and the very examples, hashed."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for e in encoded:
        h.update(json.dumps([e["input_ids"], e["labels"]]).encode())
    return h.hexdigest()


def _resume(
    out_dir: Path, fingerprint: str, settings: dict, state: LocalState | ShardedState, scheduler, w: World, say: Say
) -> Progress:
    """The latest checkpoint of these settings and examples. One of others is set aside, never deleted (a setting
    changed by mistake must not cost the training done), and one set aside earlier under these is taken back."""
    folder = out_dir / "checkpoints"
    if w.main:
        _sort_checkpoints(out_dir, fingerprint, settings, say)
    w.barrier()  # no process reads before process 0 has sorted the checkpoints
    last = checkpoint.latest(folder)
    if last is None or checkpoint.fingerprint_of(last) != fingerprint:
        return Progress()
    return checkpoint.load(last, state, scheduler)


def _sort_checkpoints(out_dir: Path, fingerprint: str, settings: dict, say: Say) -> None:
    """Leave in `checkpoints/` (and `best/`) only what this run can resume: another run's state is set aside
    with its best dev weights, and this run's, if set aside earlier, is taken back."""
    folder, best, aside = out_dir / "checkpoints", out_dir / "best", out_dir / "set-aside"
    last = checkpoint.latest(folder)
    if last is not None and checkpoint.fingerprint_of(last) == fingerprint:
        return
    if last is not None:
        kept = checkpoint.set_aside(last, best, aside)
        what = checkpoint.changed(checkpoint.settings_of(kept), settings) or "the training examples changed"
        say(f"train: the checkpoint at {last.name} was made under other settings ({what}); kept at {kept}")
    shutil.rmtree(folder, ignore_errors=True)  # unfinished writes of a killed run
    shutil.rmtree(best, ignore_errors=True)  # best dev weights without a checkpoint to resume them with
    if (back := checkpoint.take_back(aside, fingerprint, folder, best)) is not None:
        say(f"train: resuming from {back.name}, set aside earlier under these settings")


# -- fit ------------------------------------------------------------------------------------
def fit(run: _Run, progress: bool, step_costs: list[float] | None = None) -> None:
    """Optimizer steps from where the run stands to the end of the schedule (or early stop)."""
    t, p, w = run.cfg.train, run.progress, run.world
    takes_part = w.main or run.state.sharded  # gathering sharded weights is a collective
    costs = step_costs if step_costs and len(step_costs) == run.total_steps else [1.0] * run.total_steps
    with _ProgressBar(progress and w.main, costs, p.step) as bar, _SaveOnInterrupt() as stop:
        while p.step < run.total_steps and not w.any(w.main and run.selector.should_stop):
            t0 = time.perf_counter()
            loss, tokens = _step(run)
            p.step, p.tokens, p.seconds = p.step + 1, p.tokens + tokens, p.seconds + time.perf_counter() - t0
            p.window.append(loss)
            if p.step % _log_every(t.logging_steps, run.total_steps) == 0 or p.step == run.total_steps:
                p.loss_curve.append(
                    {
                        "step": p.step,
                        "epoch": round(run.schedule.epoch_of(p.step), 3),
                        "loss": round(sum(p.window) / len(p.window), 4),
                    }
                )
                p.window = []
            bar.update(p.step, loss, tokens / max(time.perf_counter() - t0, 1e-9))
            if run.evaluates_at(p.step) and takes_part:
                run.selector.evaluate(p.step)
            requested = w.any(stop.requested)
            if (p.step % t.save_every == 0 or requested) and takes_part:
                checkpoint.save(
                    run.out_dir / "checkpoints", run.fingerprint, run.state, run.scheduler, p, w.main, run.settings
                )
            if requested:
                w.barrier()
                raise Interrupted(
                    f"training stopped at step {p.step}/{run.total_steps}; `engrain train` resumes from there",
                    stop.signum,
                )
    if takes_part:
        run.selector.evaluate(p.step)  # the final weights compete too


def _step(run: _Run, batches: list[list[int]] | None = None) -> tuple[float, int]:
    """One optimizer step over `grad_accum` global batches (the schedule's, or `batches`); the loss is the mean
    over all their target tokens (this process's share of each batch; the gradients summed over processes)."""
    t, w = run.cfg.train, run.world
    batches = run.schedule.batches(run.progress.step) if batches is None else batches
    chosen = [[run.encoded[i] for i in share(b, w)] for b in batches]
    micro = [
        _collate(run, part) for b in chosen if b for part in split_by_tokens(b, t.max_batch_tokens, run.similar_passes)
    ]
    n = max(w.sum(sum(target_count(b) for b in micro)), 1)
    total = 0.0
    for batch in micro:
        with _attention_for(batch), autocast(run.bf16):
            loss = run.loss(batch) / n
        loss.backward()
        total += loss.item()
    trainable = [p for group in run.optimizer.param_groups for p in group["params"]]
    if not run.state.sharded:  # FSDP has reduce-scattered them already
        w.sum_gradients(trainable)
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)
    return w.sum(total), int(w.sum(sum(len(e["input_ids"]) for b in chosen for e in b)))


def _collate(run: _Run, batch: list[dict]) -> dict[str, torch.Tensor]:
    """Padded (or packed) tensors on the model's device."""
    if run.packing:
        tensors = pack(batch, max(run.cfg.train.max_seq_len, max(len(b["input_ids"]) for b in batch)))
    else:
        tensors = collate(batch, run.tok.pad_token_id)
    device = next(run.model.parameters()).device
    return {k: v.to(device) for k, v in tensors.items()}


def autocast(bf16: bool):
    """bf16 autocast on this process's device (or nothing): training steps and the dev answers
    generated between them run under the same one."""
    return torch.autocast(_device(), dtype=torch.bfloat16, enabled=bf16)


def _attention_for(batch: dict[str, torch.Tensor]):
    """Plain matrix-product attention for short rows on CPU, where the flash kernel's backward
    costs more than it saves: a step on 8 rows of up to 200 tokens ran ~1.1x faster, on rows
    of 256 ~1.15x slower (bench/attention_cpu.py). Long rows keep flash attention, whose memory
    does not grow with the square of the length; GPUs keep their kernels."""
    if torch.cuda.is_available() or batch["input_ids"].shape[1] > MATH_ATTENTION_MAX_LEN:
        return contextlib.nullcontext()
    return sdpa_kernel(SDPBackend.MATH)


def _log_every(logging_steps: int, total: int) -> int:
    return max(1, min(logging_steps, total // 10))  # >= 10 points on short runs


def time_steps(cfg: EngrainConfig, examples: list[Example], steps: list[list[int]], work_dir: Path) -> list[float]:
    """Seconds of each optimizer step on the given batches of `examples` (indices), set up exactly as
    training is (model, adapter, dtype, attention, micro-batching); the first step warms up and is
    timed too. Nothing is saved: the plan measures this machine with it."""
    run = setup(cfg, examples, [], work_dir)
    seconds = []
    for batch in steps:
        t0 = time.perf_counter()
        _step(run, [batch])
        seconds.append(time.perf_counter() - t0)
    return seconds


def step_shape(cfg: EngrainConfig, lengths: list[int], targets: list[int], batch: list[int]) -> tuple[int, int, int]:
    """What one batch's forward and backward passes compute, as the plan prices it: padded tokens, attention
    (rows x width^2 summed over the passes) and learned tokens (the output head runs only on those)."""
    rows = [{"input_ids": [0] * min(lengths[i], cfg.train.max_seq_len)} for i in batch]
    learned = sum(targets[i] for i in batch)
    if _use_packing(cfg.train.packing):
        n = sum(len(r["input_ids"]) for r in rows)
        return n, sum(len(r["input_ids"]) ** 2 for r in rows), learned
    similar = cfg.train.batch_order == "shuffled"
    parts = [p for p in split_by_tokens(rows, cfg.train.max_batch_tokens, similar) if p]
    widths = [max(len(r["input_ids"]) for r in part) for part in parts]
    return (sum(len(p) * w for p, w in zip(parts, widths)), sum(len(p) * w * w for p, w in zip(parts, widths)), learned)


# -- save -----------------------------------------------------------------------------------
def save(run: _Run, final: Path, peak_rss_mb: float) -> TrainResult:
    """The best dev checkpoint (or the final weights when there is no dev split), written atomically (process 0)."""
    best = run.selector.best_step is not None and (run.state.sharded or run.selector.best_dir.exists())
    weights = run.state.full_model() if not best else None  # sharded: every process gathers
    if run.world.main:
        with atomic_path(final, is_dir=True) as tmp:
            if best:
                shutil.copytree(run.selector.best_dir, tmp, dirs_exist_ok=True)
            else:
                _save(run.model, run.tok, tmp, weights)
        shutil.rmtree(run.out_dir / "checkpoints", ignore_errors=True)
        shutil.rmtree(run.selector.best_dir, ignore_errors=True)
    run.world.barrier()
    p = run.progress
    result = TrainResult(
        model_dir=str(final),
        method=run.cfg.train.method,
        examples=len(run.encoded),
        tokens=p.tokens,
        seconds=round(p.seconds, 2),
        tokens_per_second=round(p.tokens / p.seconds, 1) if p.seconds else 0.0,
        peak_rss_mb=round(peak_rss_mb, 1),
        bf16=run.bf16,
        steps=p.step,
        truncated=sum(e["truncated"] for e in run.encoded),
        best_step=run.selector.best_step,
        loss_curve=p.loss_curve,
        dev_curve=p.dev_curve,
        packing=run.packing,
        grad_checkpointing=run.grad_checkpointing,
        processes=run.world.size,
        sharded=run.state.sharded,
        seed=run.cfg.train_seed,
    )
    return result


def _save(model, tok, path: Path, weights: dict[str, torch.Tensor] | None = None) -> None:
    """`weights`: the full tensors of a sharded model (None: the model's own)."""
    model.save_pretrained(path, state_dict=weights)  # LoRA: only the adapter; full: the whole model
    tok.save_pretrained(path)
    _stable_adapter_config(path / "adapter_config.json")


def _stable_adapter_config(path: Path) -> None:
    """PEFT writes `target_modules` from a set, in an order that changes from one process to the next:
    sorted, the same weights make the same files and so the same registry id (a re-run registers nothing)."""
    if not path.exists():
        return
    conf = json.loads(path.read_text())
    if isinstance(conf.get("target_modules"), list):
        conf["target_modules"] = sorted(conf["target_modules"])
        path.write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n")


class _DevSelector:
    """Scores dev answers every N steps and keeps the most accurate weights; its record lives in the run's Progress.
    A sharded model is scored by every process (each layer's weights are gathered by all), on process 0's verdict."""

    def __init__(
        self,
        model,
        tok,
        cfg: EngrainConfig,
        dev: list[EvalItem],
        best_dir: Path,
        patience: int,
        progress: Progress,
        bf16: bool,
        state: LocalState | ShardedState,
        world: World,
    ) -> None:
        self.model, self.tok, self.dev, self.patience, self.progress = model, tok, dev, patience, progress
        self.state, self.world = state, world
        self.bf16 = bf16  # the frozen weights are bf16: generate under the autocast that trains
        self.best_dir = best_dir
        self.generator = Generator(model, tok, cfg.model.system_prompt, cfg.model.max_new_tokens)

    @property
    def best_step(self) -> int | None:
        return self.progress.best_step

    @property
    def should_stop(self) -> bool:
        """Early stopping on dev answer accuracy: `patience` rounds without a new best."""
        rounds_since_best = sum(1 for c in self.progress.dev_curve if c["step"] > (self.best_step or 0))
        return bool(self.patience) and rounds_since_best >= self.patience

    def evaluate(self, step: int) -> None:
        curve = self.progress.dev_curve
        if not self.dev or (curve and curve[-1]["step"] == step):
            return
        was_training = self.model.training
        self.model.eval()
        with autocast(self.bf16), self.state.gathered():
            scores = [score(g.text, d.answers) for d, g in zip(self.dev, self._answers())]
        self.model.train(was_training)
        by_cat: dict[str, list[bool]] = {}
        for d, s in zip(self.dev, scores):
            by_cat.setdefault(d.category, []).append(s["correct"])
        per_cat = {c: round(sum(v) / len(v), 4) for c, v in sorted(by_cat.items())}
        acc = dev_score(by_cat)
        if self.state.sharded:  # every process scored; all follow process 0's verdict
            acc = self.world.sum(acc if self.world.main else 0.0)
        curve.append(
            {
                "step": step,
                "accuracy": round(acc, 4),
                "by_category": per_cat,
                "abstained": round(sum(s["abstained"] for s in scores) / len(scores), 4),
            }
        )
        if acc >= self.progress.best_acc:  # a tie goes to the later, further-annealed weights
            self.progress.best_acc, self.progress.best_step = acc, step
            weights = self.state.full_model()
            if self.world.main:
                with atomic_path(self.best_dir, is_dir=True) as tmp:
                    _save(self.model, self.tok, tmp, weights)

    def _answers(self) -> list[Generation]:
        """Greedy answers to the dev questions, DEV_BATCH at a time: decoding is memory-bound, so a
        batch costs little more than one question (the rounds between steps are a large share of
        a short run's wall time otherwise)."""
        out: list[Generation] = []
        for i in range(0, len(self.dev), DEV_BATCH):
            chunk = self.dev[i : i + DEV_BATCH]
            for g in self.generator.generate_batch([Request(self.generator.chat_ids(d.question)) for d in chunk]):
                if isinstance(g, Exception):  # only a stream sink raises, and there is none: never silently dropped
                    raise g
                out.append(g)
        return out


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
    supported = native_bf16()
    if setting == "on" and not supported and not torch.cuda.is_available():
        raise EngrainError("train.bf16 = 'on' but this CPU has no native bf16 (avx512_bf16/amx); use 'auto'")
    return supported


def _use_packing(setting: str) -> bool:
    """Packing removes padding but attends over whole rows: a win with GPU kernels, a loss on CPU."""
    return setting == "on" or (setting == "auto" and torch.cuda.is_available())


def _use_grad_checkpointing(setting: str, model, batch_tokens: int) -> bool:
    """Recompute activations in the backward pass when keeping them would not fit in a quarter of free memory."""
    if setting != "auto":
        return setting == "on"
    c = model.config
    per_token = 12 * c.hidden_size + 2 * getattr(
        c, "intermediate_size", 4 * c.hidden_size
    )  # floats kept per layer, measured
    need = batch_tokens * c.num_hidden_layers * per_token * 4
    return need > 0.25 * _free_memory()


def _free_memory() -> int:
    if torch.cuda.is_available():
        return torch.cuda.mem_get_info()[0]
    import psutil

    return psutil.virtual_memory().available


def _fused() -> dict:
    return {"fused": True} if torch.cuda.is_available() else {"foreach": True}


def _device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


class _ProgressBar:
    """One line: step, loss, tokens/s and ETA (or nothing when progress is off). The bar counts the plan's
    seconds of each step (equal weights without a plan), so its ETA is the plan's remaining time scaled by
    the speed it sees: long and short steps alike move it by what they cost."""

    def __init__(self, enabled: bool, costs: list[float], start: int) -> None:
        self.enabled, self.costs, self.start = enabled, costs, start
        self.done = [0.0]
        for c in costs:
            self.done.append(self.done[-1] + c)

    def __enter__(self):
        if self.enabled:
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("train"),
                BarColumn(),
                TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("train", total=self.done[-1], completed=self.done[self.start], info="")
        return self

    def update(self, step: int, loss: float, tokens_per_s: float) -> None:
        if self.enabled:
            info = f"step {step}/{len(self.costs)}  loss {loss:.3f}  {tokens_per_s:.0f} tok/s"
            self.bar.update(self.task, completed=self.done[min(step, len(self.costs))], info=info)

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.bar.stop()


class _SaveOnInterrupt:
    """Turns Ctrl-C (and SIGTERM) into a request the loop honours after the current step, so the checkpoint is
    whole."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested = False
        self.signum = int(signal.SIGINT)

    def __enter__(self):
        self._previous: dict = {}
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:  # a second Ctrl-C: stop now
            raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt
        self.requested, self.signum = True, signum

    def __exit__(self, *exc) -> None:
        for s, previous in self._previous.items():
            signal.signal(s, previous)
