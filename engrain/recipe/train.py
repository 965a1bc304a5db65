"""Stage `train`: the tuned model, its refusal threshold chosen on the dev split, registered."""

from __future__ import annotations

from pathlib import Path

from engrain import graph
from engrain import progress as ui
from engrain.config import EngrainConfig
from engrain.io import read_json, write_json
from engrain.plan.estimate import Plan
from engrain.progress import Say
from engrain.recipe import baseline
from engrain.recipe.registration import discard_training_data, register_model
from engrain.records import EvalItem, Example
from engrain.workspace import Workspace, read_split


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, progress: bool) -> None:
    from engrain.train.distributed import world
    from engrain.train.trainer import train as run_training

    examples, dev = read_split(ws, "train"), read_split(ws, "dev")
    w = world()
    plan = None if w.size > 1 else plan_training(cfg, ws, key, examples, dev, say)
    if plan is not None:
        examples = [examples[i] for i in plan.selection.keep]
    elif w.main:
        say("train: a multi-process run trains the whole recipe (train.budget applies to one process)")
    epochs = plan.selection.epochs if plan is not None else cfg.train.epochs
    say(f"train: {cfg.train.method} on {len(examples)} examples, {epochs:g} epochs")
    if w.main:
        ws.begin("train")
    run_cfg = cfg.model_copy(update={"train": cfg.train.model_copy(update={"epochs": epochs})})
    costs = plan.step_costs if plan is not None else None
    result = run_training(
        run_cfg, examples, dev, ws.dir("train"), ws.path("train", "model"), progress, None, costs, say
    )
    if not w.main:  # a data-parallel helper process: process 0 writes the model and the workspace
        return
    trained = result.to_dict() | {"refusal": calibrate_refusal(cfg, ws.path("train", "model"), dev, say, progress)}
    if plan is not None:
        trained["plan"] = plan.to_dict()
    write_json(ws.path("train", "result"), trained)
    model_id = register_model(cfg, ws, trained)
    summary = {k: v for k, v in trained.items() if k not in ("loss_curve", "dev_curve", "refusal", "plan")}
    ws.mark("train", key, model_id=model_id, **summary)
    say(f"train: registered as model {model_id} (alias candidate)")
    if cfg.train.discard_data:
        discard_training_data(ws, model_id, say)
    planned = ""
    if plan is not None:
        from engrain.plan.speed import observe

        planned = f" (planned {plan.train_s:.0f} s)"
        if result.steps == plan.steps:  # a whole run (not stopped early): what it took corrects later plans
            observe(cfg, plan.train_s, result.seconds)
    say(
        f"train: {result.steps} steps in {result.seconds:.0f} s{planned} ({result.tokens_per_second:.0f} tokens/s), "
        f"best dev step {result.best_step}"
    )


def plan_training(
    cfg: EngrainConfig, ws: Workspace, key: str, examples: list[Example], dev: list[EvalItem], say: Say
) -> Plan:
    """The train stage's plan, with the evaluation still to come (the baseline stage may have answered
    the untuned pipelines already)."""
    from engrain.evaluate.runner import sample_items

    questions = len(sample_items(read_split(ws, "eval"), cfg.eval.limit, cfg.seed))
    left = cfg.eval.pipelines
    if ws.fresh("baseline", graph.key("baseline", cfg, ws)):
        left = [p for p in left if p not in baseline.untuned(cfg)]
    return announce_plan(cfg, ws.path("train", "plan"), key, examples, dev, say, questions, left)


def announce_plan(
    cfg: EngrainConfig,
    record_path: Path,
    key: str,
    examples: list[Example],
    dev: list[EvalItem],
    say: Say,
    eval_questions: int = 0,
    still_to_answer: list[str] | None = None,
) -> Plan:
    """The plan, printed before training; its budget's token count is kept at `record_path` with the
    training's key, so a resumed run trains on the very examples it started with (a new speed
    measurement does not move it)."""
    from engrain.plan.estimate import describe, make_plan

    stored = read_json(record_path) if record_path.is_file() else {}
    qa = sum(d.kind == "qa" for d in dev)
    same = stored.get("key") == key
    tokens, ratio = (stored.get("budget_tokens"), stored.get("on_corpus")) if same else (None, None)
    plan = make_plan(cfg, examples, qa, eval_questions, say, tokens, still_to_answer, ratio)
    for line in describe(plan):
        say(line)
    kept = plan.selection
    write_json(record_path, {"key": key, "budget_tokens": None if kept.complete else kept.tokens, **plan.to_dict()})
    return plan


def calibrate_refusal(
    cfg: EngrainConfig,
    model_dir: Path,
    dev: list[EvalItem],
    say: Say = ui.quiet,
    progress: bool = True,
    fallback: float = 0.0,
) -> dict:
    """The tuned model's refusal threshold, chosen on the dev split and written into its folder
    before it is registered (`model.refuse_below = "auto"` reads it; engrain.model.calibrate);
    `fallback` (a retrain cycle: production's) where the dev split is too small to choose."""
    from engrain.answerers import AnswererFactory
    from engrain.model.answerer import ClosedBookAnswerer
    from engrain.model.calibrate import MIN_QUESTIONS, calibrate

    qa = [d for d in dev if d.kind == "qa"]
    with AnswererFactory(cfg, model_dir, None, max_batch=cfg.eval.batch, linger_s=0.05) as factory:
        answerer = ClosedBookAnswerer("ft", factory.tuned)
        with ui.bar(progress and bool(qa)) as b:
            tick = ui.ticker(b, "refusal threshold", len(qa))
            rec = calibrate(answerer, qa, cfg.model.refusal, model_dir, tick, cfg.eval.batch, fallback)
    if rec["kept"]:
        few = f"{len(qa)} dev questions are too few to choose one (< {MIN_QUESTIONS})"
        say(f"train: refusal threshold {fallback:.2f} kept: {few}")
    elif qa:
        off, on = rec["off"], rec["chosen"]
        say(
            f"train: refusal threshold {rec['refuse_below']:.2f} on {len(qa)} dev questions (accuracy "
            f"{off['correct']:.1%} -> {on['correct']:.1%}, hallucination {off['hallucinated']:.1%} -> "
            f"{on['hallucinated']:.1%})"
        )
    return rec
