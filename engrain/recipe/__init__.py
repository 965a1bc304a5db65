"""The bake-off recipe: ingest -> index -> synth -> tune_rag -> baseline -> train -> eval -> report.

The index comes before synth because RAFT records are built from what it retrieves; the untuned
pipelines (rag, base) answer before training, so their figures come first.

Every stage is declared once in `engrain/graph.py` (what it reads: upstream stages, settings, input
files); its key, the stages brought up to date before it and `engrain report`'s staleness check
all come from that declaration. A stage whose key is unchanged and whose outputs are intact is
reused; otherwise its module here (`ingest.py`, `index.py`, ...) runs it and writes its outputs
atomically. `run_all` is the whole recipe; the CLI exposes each stage on its own too.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from engrain import graph
from engrain.config import EngrainConfig
from engrain.errors import EngrainError, stopping
from engrain.graph import out_of_date
from engrain.progress import Say, quiet
from engrain.recipe import baseline as _baseline
from engrain.recipe import evaluate as _evaluate
from engrain.recipe import index as _index
from engrain.recipe import ingest as _ingest
from engrain.recipe import report as _report
from engrain.recipe import synth as _synth
from engrain.recipe import train as _train
from engrain.recipe import tune_rag as _tune_rag
from engrain.recipe.registration import register_model
from engrain.recipe.train import announce_plan, calibrate_refusal
from engrain.workspace import Workspace

__all__ = [
    "announce_plan",
    "calibrate_refusal",
    "evaluate",
    "index",
    "ingest",
    "out_of_date",
    "register_model",
    "report",
    "run_all",
    "run_stage",
    "synth",
    "train",
]

_RUNNERS: dict[str, ModuleType] = {
    "ingest": _ingest,
    "index": _index,
    "synth": _synth,
    "tune_rag": _tune_rag,
    "baseline": _baseline,
    "train": _train,
    "eval": _evaluate,
}


def run_stage(cfg: EngrainConfig, stage: str, say: Say = quiet, force: bool = False, progress: bool = True) -> str:
    """A stage and every stage it reads (graph order; each reused when unchanged), so an edited
    document or setting upstream is never answered with a stale "unchanged". Returns its key."""
    from engrain.train.distributed import launched

    if stage == "train" and launched():
        return _train_data_parallel(cfg, say, force, progress)
    with Workspace(cfg).lock():
        _check(cfg, [*graph.before(stage), stage])
        for up in graph.before(stage):
            _run_one(cfg, up, say, False, progress)
        return _run_one(cfg, stage, say, force, progress)


def _check(cfg: EngrainConfig, stages: list[str]) -> None:
    """Inputs a stage can check cheaply (an eval file) are checked before any stage works: a typo costs
    one line, not an index build first."""
    for stage in stages:
        if hasattr(_RUNNERS[stage], "check"):
            _RUNNERS[stage].check(cfg)


def _run_one(cfg: EngrainConfig, stage: str, say: Say, force: bool, progress: bool) -> str:
    ws = Workspace(cfg)
    key = graph.key(stage, cfg, ws)
    runner = _RUNNERS[stage]
    if not force and ws.fresh(stage, key):
        say(f"{stage}: unchanged, reusing")
        if hasattr(runner, "reuse"):
            runner.reuse(cfg, ws, say)
        return key
    done = ", ".join(graph.before(stage)) or "nothing"
    with stopping(stage, f"the next run reuses {done} and runs {stage} again"):  # between two batches: no output
        runner.run(cfg, ws, key, say, progress)
    return key


def _train_data_parallel(cfg: EngrainConfig, say: Say, force: bool, progress: bool) -> str:
    """`engrain train` under `accelerate launch` / `torchrun`: every process trains its share; process 0
    holds the workspace lock and writes. The stages before it must be current (run them in one process)."""
    from engrain.train.distributed import world

    ws = Workspace(cfg)
    stale = [up for up in graph.before("train") if not ws.fresh(up, graph.key(up, cfg, ws))]
    if stale:
        raise EngrainError(
            f"{stale[0]} is not current: run `engrain synth` in one process before a multi-process `engrain train`"
        )
    if not world().main:
        return _run_one(cfg, "train", quiet, force, progress=False)
    with ws.lock():
        return _run_one(cfg, "train", say, force, progress)


def ingest(cfg: EngrainConfig, say: Say = quiet, force: bool = False, progress: bool = True) -> str:
    return run_stage(cfg, "ingest", say, force, progress)


def index(cfg: EngrainConfig, say: Say = quiet, force: bool = False, progress: bool = True) -> str:
    return run_stage(cfg, "index", say, force, progress)


def synth(cfg: EngrainConfig, say: Say = quiet, force: bool = False, progress: bool = True) -> str:
    return run_stage(cfg, "synth", say, force, progress)


def train(cfg: EngrainConfig, say: Say = quiet, force: bool = False, progress: bool = True) -> str:
    return run_stage(cfg, "train", say, force, progress)


def evaluate(cfg: EngrainConfig, say: Say = quiet, force: bool = False, progress: bool = True) -> str:
    return run_stage(cfg, "eval", say, force, progress)


def plan(cfg: EngrainConfig, say: Say = quiet, progress: bool = True):
    """The training plan (what `engrain train` would train on and how long it would take) without training:
    the stages before train are brought up to date; this machine's speed is measured once if not cached."""
    from engrain.workspace import read_split

    with Workspace(cfg).lock():
        run_stage(cfg, "synth", say, progress=progress)  # what train reads: ingest, index, synth
        ws = Workspace(cfg)
        return _train.plan_training(
            cfg, ws, graph.key("train", cfg, ws), read_split(ws, "train"), read_split(ws, "dev"), say
        )


def report(cfg: EngrainConfig, out_dir: Path | None = None, say: Say = quiet) -> Path:
    """The report of the current eval (an error when any stage is out of date)."""
    ws = Workspace(cfg)
    return _report.run(cfg, ws, graph.key("report", cfg, ws), say, out_dir)


def run_all(cfg: EngrainConfig, say: Say = quiet, report_dir: Path | None = None, progress: bool = True) -> Path:
    with Workspace(cfg).lock():
        run_stage(cfg, "eval", say, progress=progress)
        return report(cfg, report_dir, say)
