"""The plan: what a run will train on and how long training and evaluation will take, before either starts.

Built from the synthesized examples (counted in the base model's tokens), the training schedule
they make, this machine's measured speed (speed.py) and `train.budget` (budget.py). Every step
of the schedule is priced, so the progress bar counts in planned seconds and its ETA is the
plan's, corrected by the speed it sees. A reference GPU's time is estimated from FLOPs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engrain.budget import parse_budget
from engrain.config import EngrainConfig
from engrain.plan.selection import Selection, select
from engrain.plan.speed import Speed, speed
from engrain.records import Example

LONG_RUN_S = 3600  # a plan over this says so, with the setting that shortens it
# the reference GPU: an H100's dense bf16 peak, at a utilisation a small model's training reaches
GPU_NAME, GPU_PEAK_FLOPS, GPU_UTILISATION = "H100", 989e12, 0.2
GPU_TOKEN_S = 0.004  # one generated token on that GPU with transformers: kernel launches, not FLOPs, bound it
DEV_BATCH_SPEEDUP = 4.0  # checkpoint selection answers the dev questions in batches of 16
EVAL_READS = 1.8  # answers that read passages per eval question: rag, plus ft+rag and auto when they read


@dataclass
class Plan:
    by_kind: dict[str, dict[str, int]]  # kind -> {examples, tokens} (one pass, before the budget)
    selection: Selection
    steps: int
    speed: Speed
    train_s: float
    dev_s: float  # checkpoint selection and the refusal threshold
    eval_s: float
    eval_questions: int
    gpu_train_s: float
    gpu_eval_s: float
    step_costs: list[float] = field(default_factory=list, repr=False)  # planned seconds of each step

    @property
    def total_s(self) -> float:
        return self.train_s + self.dev_s + self.eval_s

    def to_dict(self) -> dict:
        return {
            "by_kind": self.by_kind,
            "selection": self.selection.to_dict(),
            "steps": self.steps,
            "train_s": round(self.train_s),
            "dev_s": round(self.dev_s),
            "eval_s": round(self.eval_s),
            "eval_questions": self.eval_questions,
            "gpu": GPU_NAME,
            "gpu_train_s": round(self.gpu_train_s, 1),
            "gpu_eval_s": round(self.gpu_eval_s, 1),
            "machine": self.speed.machine,
            "speed": {
                "step_overhead_s": self.speed.step_overhead_s,
                "token_s": self.speed.token_s,
                "answer_s": self.speed.answer_s,
                "read_s": self.speed.read_s,
            },
        }


def make_plan(
    cfg: EngrainConfig,
    examples: list[Example],
    dev_questions: int,
    eval_questions: int,
    say=print,
    budget_tokens: int | None = None,
) -> Plan:
    """The plan for training on `examples` and evaluating `eval_questions`; `budget_tokens` fixes the
    budget's token count (a resumed run keeps the one it started with)."""
    import torch

    lengths = token_lengths(cfg, examples)
    machine_speed = speed(cfg, examples, lengths, say)
    budget = parse_budget(cfg.train.budget, gpu=torch.cuda.is_available())
    dev_s = _dev_seconds(cfg, machine_speed, dev_questions)
    if budget_tokens is None and budget.capped:
        budget_tokens = budget.tokens or _tokens_for(cfg, examples, lengths, machine_speed, budget.seconds - dev_s)
    chosen = select(examples, lengths, cfg.train.epochs, cfg.train.once, budget_tokens, cfg.train_seed, budget.text)
    costs = step_costs(
        cfg, [lengths[i] for i in chosen.keep], [examples[i].kind for i in chosen.keep], chosen.epochs, machine_speed
    )
    by_kind: dict[str, dict[str, int]] = {}
    for e, n in zip(examples, lengths):
        row = by_kind.setdefault(e.kind, {"examples": 0, "tokens": 0})
        row["examples"] += 1
        row["tokens"] += n
    flops_per_token = (6 if cfg.train.method == "full" else 4) * machine_speed.params
    answers = eval_questions * (2 + EVAL_READS) + cfg.eval.throughput_queries * len(cfg.eval.throughput_concurrency) * 2
    return Plan(
        by_kind,
        chosen,
        len(costs),
        machine_speed,
        sum(costs),
        dev_s,
        _eval_seconds(cfg, machine_speed, eval_questions),
        eval_questions,
        chosen.tokens * flops_per_token / (GPU_PEAK_FLOPS * GPU_UTILISATION),
        answers * cfg.model.max_new_tokens * GPU_TOKEN_S,
        costs,
    )


def token_lengths(cfg: EngrainConfig, examples: list[Example]) -> list[int]:
    """Each example's training tokens, as the trainer encodes it (chat template and system prompt included)."""
    from transformers import AutoTokenizer

    from engrain.model.loading import resolve_base_model
    from engrain.train.data import encode

    tok = AutoTokenizer.from_pretrained(resolve_base_model(cfg.model.base))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return [len(encode(e, tok, cfg.model.system_prompt, cfg.train.max_seq_len)["input_ids"]) for e in examples]


def step_costs(cfg: EngrainConfig, lengths: list[int], kinds: list[str], epochs: float, s: Speed) -> list[float]:
    """Planned seconds of every optimizer step of the schedule these examples make."""
    from engrain.train import schedule
    from engrain.train.trainer import padded_tokens

    if not lengths:
        return []
    t = cfg.train
    plan = schedule.build(
        lengths, kinds, t.once, epochs, t.batch_size, t.grad_accum, cfg.train_seed, t.max_steps, t.batch_order
    )
    return [
        s.step_seconds(sum(padded_tokens(cfg, lengths, b) for b in plan.batches(k))) for k in range(plan.total_steps)
    ]


def _tokens_for(cfg: EngrainConfig, examples: list[Example], lengths: list[int], s: Speed, seconds: float) -> int:
    """Training tokens that fit `seconds` on this machine, at the whole recipe's seconds per token."""
    costs = step_costs(cfg, lengths, [e.kind for e in examples], cfg.train.epochs, s)
    reps = [1.0 if e.kind in cfg.train.once else cfg.train.epochs for e in examples]
    full = sum(n * r for n, r in zip(lengths, reps))
    return max(0, int(max(seconds, 0.0) / max(sum(costs), 1e-9) * full))


def _dev_seconds(cfg: EngrainConfig, s: Speed, dev_questions: int) -> float:
    """Checkpoint selection (each epoch and at the end, batched) and the refusal threshold (one at a time)."""
    rounds = math.ceil(cfg.train.epochs) + 1
    selection = rounds * min(dev_questions, cfg.train.dev_max_questions) * s.answer_s / DEV_BATCH_SPEEDUP
    return selection + dev_questions * s.answer_s


def _eval_seconds(cfg: EngrainConfig, s: Speed, questions: int) -> float:
    per_question = 2 * s.answer_s + EVAL_READS * s.read_s  # base and ft closed-book; the readers
    throughput = cfg.eval.throughput_queries * len(cfg.eval.throughput_concurrency) * (s.answer_s + s.read_s)
    return questions * per_question + throughput + cfg.eval.warmup * 5 * s.answer_s


def describe(plan: Plan) -> list[str]:
    """The plan in a few lines, for `engrain plan`, `engrain run` and `engrain train`."""
    sel, s = plan.selection, plan.speed
    kinds = ", ".join(
        f"{k} {v['tokens'] / 1000:.0f}k" for k, v in sorted(plan.by_kind.items(), key=lambda kv: -kv[1]["tokens"])
    )
    one_pass = sum(v["tokens"] for v in plan.by_kind.values())
    examples = sum(v["examples"] for v in plan.by_kind.values())
    lines = [
        f"plan: {examples:,} examples, {one_pass / 1000:.0f}k tokens a pass ({kinds})",
        f"plan: training {sel.tokens / 1000:.0f}k tokens ({len(sel.keep):,} examples, {sel.epochs:g} epochs) in "
        f"{plan.steps:,} steps: ~{clock(plan.train_s)}; dev checks ~{clock(plan.dev_s)}; eval of "
        f"{plan.eval_questions} questions ~{clock(plan.eval_s)}; in all ~{clock(plan.total_s)}",
        f"plan: this machine ({s.machine}): {s.step_overhead_s:.2f} s a step + {s.token_s * 1000:.2f} ms a "
        f"token, {s.answer_s:.1f} s an answer{' (cached measurement)' if s.cached else ''}",
        f"plan: on an {GPU_NAME} (estimate from FLOPs at {GPU_UTILISATION:.0%} of peak): training "
        f"~{clock(plan.gpu_train_s)}, eval ~{clock(plan.gpu_eval_s)}",
    ]
    if sel.budget != "none":
        lines.append(f"plan: budget {sel.budget}: " + coverage(sel))
    if plan.total_s > LONG_RUN_S:
        hint = (
            "set train.budget (e.g. --set train.budget=30m) to cap training"
            if sel.budget == "none"
            else "a smaller train.budget or eval.limit shortens it"
        )
        lines.append(f"plan: warning: this run takes over an hour ({clock(plan.total_s)}); {hint}")
    return lines


def coverage(sel: Selection) -> str:
    """'every fact once (812 of 812), 40% of further phrasings, no reverse questions, no RAFT records'."""
    names = {
        "first": "facts once",
        "phrasings": "further phrasings",
        "reverse": "reverse questions",
        "raft": "RAFT records",
    }
    if sel.complete:
        return f"the whole recipe fits ({sel.tokens / 1000:.0f}k tokens)"
    parts = []
    for tier, c in sel.coverage.items():
        if not c["of"]:
            continue
        share = c["kept"] / c["of"]
        parts.append(
            f"{names[tier]} {c['kept']:,} of {c['of']:,}"
            if tier == "first"
            else f"{'all' if share == 1 else 'no' if share == 0 else f'{share:.0%} of the'} {names[tier]}"
        )
    return f"{sel.tokens / 1000:.0f}k of {sel.full_tokens / 1000:.0f}k tokens, {sel.epochs:g} epochs: " + ", ".join(
        parts
    )


def clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
