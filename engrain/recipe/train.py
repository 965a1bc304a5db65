"""Stage `train`: the tuned model, its refusal threshold chosen on the dev split, registered."""

from __future__ import annotations

from pathlib import Path

from engrain import progress as ui
from engrain.config import EngrainConfig
from engrain.io import write_json
from engrain.progress import Say
from engrain.recipe.registration import discard_training_data, register_model
from engrain.records import EvalItem
from engrain.workspace import Workspace, read_split


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, progress: bool) -> None:
    from engrain.train.distributed import world
    from engrain.train.trainer import train as run_training

    examples, dev = read_split(ws, "train"), read_split(ws, "dev")
    say(f"train: {cfg.train.method} on {len(examples)} examples, {cfg.train.epochs:g} epochs")
    main = world().main
    if main:
        ws.begin("train")
    result = run_training(cfg, examples, dev, ws.dir("train"), ws.path("train", "model"), progress=progress)
    if not main:  # a data-parallel helper process: process 0 writes the model and the workspace
        return
    trained = result.to_dict() | {"refusal": calibrate_refusal(cfg, ws.path("train", "model"), dev, say, progress)}
    write_json(ws.path("train", "result"), trained)
    model_id = register_model(cfg, ws, trained)
    ws.mark(
        "train",
        key,
        model_id=model_id,
        **{k: v for k, v in trained.items() if k not in ("loss_curve", "dev_curve", "refusal")},
    )
    say(f"train: registered as model {model_id} (alias candidate)")
    if cfg.train.discard_data:
        discard_training_data(ws, model_id, say)
    say(
        f"train: {result.steps} steps in {result.seconds:.0f} s ({result.tokens_per_second:.0f} tokens/s), "
        f"best dev step {result.best_step}"
    )


def reuse(cfg: EngrainConfig, ws: Workspace, say: Say) -> None:
    """An unchanged model: finish a discard that a kill interrupted (nothing left: a no-op)."""
    if cfg.train.discard_data:
        discard_training_data(ws, ws.manifest("train")["model_id"], say)


def calibrate_refusal(
    cfg: EngrainConfig, model_dir: Path, dev: list[EvalItem], say: Say = ui.quiet, progress: bool = True
) -> dict:
    """The tuned model's refusal threshold, chosen on the dev split and written into its folder
    before it is registered (`model.refuse_below = "auto"` reads it; engrain.model.calibrate)."""
    from engrain.answerers import AnswererFactory
    from engrain.model.answerer import ClosedBookAnswerer
    from engrain.model.calibrate import calibrate

    qa = [d for d in dev if d.kind == "qa"]
    answerer = ClosedBookAnswerer("ft", AnswererFactory(cfg, model_dir, None).tuned)
    with ui.bar(progress and bool(qa)) as b:
        rec = calibrate(answerer, qa, cfg.model.refusal, model_dir, ui.ticker(b, "refusal threshold", len(qa)))
    if qa:
        off, on = rec["off"], rec["chosen"]
        say(
            f"train: refusal threshold {rec['refuse_below']:.2f} on {len(qa)} dev questions (accuracy "
            f"{off['correct']:.1%} -> {on['correct']:.1%}, hallucination {off['hallucinated']:.1%} -> "
            f"{on['hallucinated']:.1%})"
        )
    return rec
