"""The plan: what a run will train on and how long training and evaluation will take, before either starts.

Built from the synthesized examples (counted in the base model's tokens), the training schedule
they make, this machine's measured speed (speed.py) and `train.budget` (budget.py). Every step
of the schedule is priced, so the progress bar counts in planned seconds and its ETA is the
plan's, corrected by the speed it sees. A reference GPU's time is estimated from FLOPs.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from engrain.budget import parse_budget
from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.plan.selection import Selection, select
from engrain.plan.speed import Speed, on_corpus, shapes, speed
from engrain.records import Example

LONG_RUN_S = 3600  # a plan over this says so, with the setting that shortens it
# the reference GPU: an H100's dense bf16 peak, at a utilisation a small model's training reaches
GPU_NAME, GPU_PEAK_FLOPS, GPU_UTILISATION = "H100", 989e12, 0.2
GPU_TOKEN_S = 0.004  # one generated token on that GPU with transformers: kernel launches, not FLOPs, bound it
GPU_STEP_S = 0.05  # a small model's optimizer step there is bound by kernel launches too, not by FLOPs
DEV_BATCH_SPEEDUP = 4.0  # checkpoint selection and the refusal threshold answer dev questions in batches of 16
EVAL_BATCH_SPEEDUP = 2.6  # eval answers outside the timed sample, eval.batch at a time (measured: base and rag, demo)
TUNED_TOKENS = 12  # a tuned model's answer: a short phrase or the refusal, then end of turn
# shares of eval questions on which ft+rag and auto read the passages (the rest replay ft's memoized answer)
HYBRID_READS, AUTO_READS = 0.5, 0.3


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
            "on_corpus": self.speed.on_corpus,
            "speed": {
                "step_overhead_s": self.speed.step_overhead_s,
                "token_s": self.speed.token_s,
                "prefill_s": self.speed.prefill_s,
                "read_prefill_s": self.speed.read_prefill_s,
                "decode_s": self.speed.decode_s,
            },
        }


def make_plan(
    cfg: EngrainConfig,
    examples: list[Example],
    dev_questions: int,
    eval_questions: int,
    say=print,
    budget_tokens: int | None = None,
    still_to_answer: list[str] | None = None,
    corpus_ratio: float | None = None,
) -> Plan:
    """The plan for training on `examples` and evaluating `eval_questions`; `budget_tokens` fixes the
    budget's token count (a resumed run keeps the one it started with); `still_to_answer`: the pipelines
    the eval will run (default: all; the baseline stage may have answered the untuned ones); `corpus_ratio`:
    the timing of this corpus's own batches a plan of the same run measured already."""
    import torch

    lengths, targets = shapes(cfg, examples)
    machine_speed = speed(cfg, say)
    if corpus_ratio is None:
        corpus_ratio = on_corpus(cfg, examples, lengths, targets, machine_speed)
    machine_speed = dataclasses.replace(machine_speed, on_corpus=corpus_ratio)
    budget = parse_budget(cfg.train.budget, gpu=torch.cuda.is_available())
    dev_s = _dev_seconds(cfg, machine_speed, dev_questions)
    price = _Pricer(cfg, examples, lengths, targets, machine_speed)
    if cfg.train.max_steps > 0 and budget.capped:  # the steps are fixed: there is nothing to choose
        say(
            f"plan: train.max_steps = {cfg.train.max_steps} fixes the steps; "
            f"train.budget ({budget.text}) is not applied"
        )
        budget = parse_budget("none")
    if budget_tokens is None and budget.capped:
        budget_tokens = budget.tokens or price.tokens_for(budget.seconds - dev_s, budget.text)
    chosen = select(
        examples,
        lengths,
        cfg.train.epochs,
        cfg.train.once,
        budget_tokens,
        cfg.train_seed,
        budget.text,
        cfg.train.budget_repeat,
    )
    if examples and not chosen.keep:
        raise EngrainError(
            f"train.budget {budget.text} leaves nothing to train here (the dev checks alone take "
            f"~{clock(dev_s)}): raise it, or set it to none"
        )
    costs = price.steps(chosen)
    flops_per_token = (6 if cfg.train.method == "full" else 4) * machine_speed.params
    gpu_train_s = max(chosen.tokens * flops_per_token / (GPU_PEAK_FLOPS * GPU_UTILISATION), len(costs) * GPU_STEP_S)
    answers = (
        eval_questions * len(cfg.eval.pipelines)
        + cfg.eval.throughput_queries * len(cfg.eval.throughput_concurrency) * 2
    )
    return Plan(
        _by_kind(examples, lengths),
        chosen,
        len(costs),
        machine_speed,
        sum(costs),
        dev_s,
        _eval_seconds(
            cfg, machine_speed, eval_questions, cfg.eval.pipelines if still_to_answer is None else still_to_answer
        ),
        eval_questions,
        gpu_train_s,
        answers * cfg.model.max_new_tokens * GPU_TOKEN_S,
        costs,
    )


def _by_kind(examples: list[Example], lengths: list[int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for e, n in zip(examples, lengths):
        row = out.setdefault(e.kind, {"examples": 0, "tokens": 0})
        row["examples"] += 1
        row["tokens"] += n
    return out


class _Pricer:
    """Seconds of a selection's schedule, step by step, and the token count whose selection fits a time."""

    def __init__(
        self, cfg: EngrainConfig, examples: list[Example], lengths: list[int], targets: list[int], s: Speed
    ) -> None:
        self.cfg, self.examples, self.lengths, self.targets, self.speed = cfg, examples, lengths, targets, s

    def steps(self, chosen: Selection) -> list[float]:
        """Planned seconds of every optimizer step of the schedule the kept examples make."""
        from engrain.train import schedule
        from engrain.train.trainer import step_shape

        keep = chosen.keep
        if not keep:
            return []
        t = self.cfg.train
        lengths, targets = [self.lengths[i] for i in keep], [self.targets[i] for i in keep]
        plan = schedule.build(
            lengths,
            [self.examples[i].kind for i in keep],
            t.once,
            chosen.epochs,
            t.batch_size,
            t.grad_accum,
            self.cfg.train_seed,
            t.max_steps,
            t.batch_order,
        )
        # an epoch's steps are priced once per distinct epoch (epochs repeat the same groups of examples)
        priced: dict[int, list[float]] = {}
        costs: list[float] = []
        epoch = 0
        while len(costs) < plan.total_steps:
            group = epoch % len(plan.groups)
            if group not in priced:
                batches = plan.epoch_batches(epoch)
                steps = [batches[k : k + t.grad_accum] for k in range(0, len(batches), t.grad_accum)]
                priced[group] = [
                    self.speed.step_seconds(_sum_shapes(step_shape(self.cfg, lengths, targets, b) for b in step))
                    for step in steps
                ]
            costs += priced[group]
            epoch += 1
        return costs[: plan.total_steps]

    def tokens_for(self, seconds: float, label: str) -> int:
        """The budget's token count: scaled until the selection it keeps is priced at `seconds` (the seconds
        per token of short questions and of long reading examples differ, so one ratio is not enough)."""
        t = self.cfg.train
        tokens = None
        for _ in range(4):
            chosen = select(
                self.examples, self.lengths, t.epochs, t.once, tokens, self.cfg.train_seed, label, t.budget_repeat
            )
            took = sum(self.steps(chosen))
            if took <= seconds * 1.02 and (tokens is None or took >= seconds * 0.95):
                break
            tokens = max(0, int(chosen.tokens * max(seconds, 0.0) / max(took, 1e-9)))
        return tokens if tokens is not None else chosen.tokens


def _sum_shapes(shapes_) -> tuple[int, int, int]:
    padded, attention, learned = (sum(x) for x in zip(*shapes_))
    return padded, attention, learned


def _dev_seconds(cfg: EngrainConfig, s: Speed, dev_questions: int) -> float:
    """Checkpoint selection (each epoch and at the end) and the refusal threshold, both batched."""
    tuned = s.answer_s(min(TUNED_TOKENS, cfg.model.max_new_tokens))
    rounds = math.ceil(cfg.train.epochs) + 1
    selection = rounds * min(dev_questions, cfg.train.dev_max_questions)
    return (selection + dev_questions) * tuned / DEV_BATCH_SPEEDUP


def _eval_seconds(cfg: EngrainConfig, s: Speed, questions: int, pipelines: list[str]) -> float:
    """Untuned models answer at length (up to model.max_new_tokens), tuned ones briefly; ft+rag and auto
    replay ft's closed-book answers and read the passages on a share of the questions. The timed sample
    is answered one at a time, the rest in batches."""
    if not questions:
        return 0.0
    n = cfg.model.max_new_tokens
    short = min(TUNED_TOKENS, n)
    per = {
        "base": s.answer_s(n),
        "rag": s.read_s(n),
        "ft": s.answer_s(short),
        "ft+rag": HYBRID_READS * s.read_s(short),
        "auto": AUTO_READS * s.read_s(short),
    }
    chosen = sum(per[p] for p in pipelines if p in per)
    timed = questions if cfg.eval.timed == 0 else min(cfg.eval.timed, questions)
    batched = (questions - timed) / (EVAL_BATCH_SPEEDUP if cfg.eval.batch > 1 else 1.0)
    answers = (timed + batched + cfg.eval.warmup) * chosen
    load = cfg.eval.throughput_queries * len(cfg.eval.throughput_concurrency) * (per["ft"] + per["rag"])
    return answers + load


def describe(plan: Plan) -> list[str]:
    """The plan in a few lines, for `engrain plan`, `engrain run` and `engrain train`."""
    sel, s = plan.selection, plan.speed
    kinds = ", ".join(
        f"{k} {v['tokens'] / 1000:.0f}k" for k, v in sorted(plan.by_kind.items(), key=lambda kv: -kv[1]["tokens"])
    )
    one_pass = sum(v["tokens"] for v in plan.by_kind.values())
    examples = sum(v["examples"] for v in plan.by_kind.values())
    evaluation = f"eval of {plan.eval_questions} questions ~{clock(plan.eval_s)}; " if plan.eval_s else ""
    lines = [
        f"plan: {examples:,} examples, {one_pass / 1000:.0f}k tokens a pass ({kinds})",
        f"plan: training {sel.tokens / 1000:.0f}k tokens ({len(sel.keep):,} examples, {sel.epochs:g} epochs) in "
        f"{plan.steps:,} steps: ~{clock(plan.train_s)}; dev checks ~{clock(plan.dev_s)}; {evaluation}"
        f"in all ~{clock(plan.total_s)}",
        f"plan: this machine ({s.machine}): {s.step_overhead_s:.2f} s a step + {s.token_s * 1000:.2f} ms a padded "
        f"token, {s.prefill_s:.2f} s to a first token + {s.decode_s * 1000:.0f} ms a further one"
        f"{' (cached measurement)' if s.cached else ''}; x{s.on_corpus:.2f} on this corpus's own batches"
        f"{f', x{s.correction:.2f} from {len(s.observed)} earlier runs here' if s.observed else ''}",
        f"plan: on an {GPU_NAME} (estimate: FLOPs at {GPU_UTILISATION:.0%} of peak, small steps launch-bound): "
        f"training "
        f"~{clock(plan.gpu_train_s)}, eval ~{clock(plan.gpu_eval_s)}",
    ]
    if sel.budget != "none":
        lines.append(f"plan: budget {sel.budget}: " + coverage(sel.to_dict()))
    if plan.total_s > LONG_RUN_S:
        hint = (
            "set train.budget (e.g. --set train.budget=30m) to cap training"
            if sel.budget == "none"
            else "a smaller train.budget or eval.limit shortens it"
        )
        lines.append(f"plan: warning: this run takes over an hour ({clock(plan.total_s)}); {hint}")
    return lines


def coverage(sel: dict) -> str:
    """A selection as recorded (`Selection.to_dict`): 'facts once 812 of 812, 40% of the further
    phrasings, no reverse questions, no RAFT records'."""
    names = {
        "first": "facts once",
        "phrasings": "further phrasings",
        "reverse": "reverse questions",
        "raft": "RAFT records",
    }
    if sel["tokens"] >= sel["full_tokens"]:
        return f"the whole recipe fits ({sel['tokens'] / 1000:.0f}k tokens)"
    parts = []
    for tier, c in sel["coverage"].items():
        if not c["of"]:
            continue
        share = c["kept"] / c["of"]
        parts.append(
            f"{names[tier]} {c['kept']:,} of {c['of']:,}"
            if tier == "first"
            else f"{'all' if share == 1 else 'no' if share == 0 else f'{share:.0%} of the'} {names[tier]}"
        )
    head = f"{sel['tokens'] / 1000:.0f}k of {sel['full_tokens'] / 1000:.0f}k tokens, {sel['epochs']:g} epochs: "
    return head + ", ".join(parts)


def clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
