"""The registry's side of a run: a trained model registered with its lineage, its training data
discarded behind an audit entry, and the bake-off's results attached to the model they measured."""

from __future__ import annotations

from pathlib import Path

from engrain.config import EngrainConfig
from engrain.io import sha256_file
from engrain.progress import Say
from engrain.workspace import Workspace

# what `train.discard_data` deletes once the model is registered: (stage, artifact)
TRAINING_DATA = (
    ("ingest", "documents"),
    ("ingest", "logs"),
    ("synth", "train"),
    ("synth", "dev"),
    ("cache", "teacher"),
)


def register_model(
    cfg: EngrainConfig, ws: Workspace, trained: dict, model_dir: Path | None = None, extra: dict | None = None
) -> str:
    """A trained model into the registry, with what made it and its frozen eval set; `candidate` points at it."""
    from engrain.registry import Registry
    from engrain.registry.audit import default_who

    ingest_m, synth_m = ws.manifest("ingest") or {}, ws.manifest("synth") or {}
    meta = {
        "base": cfg.model.base,
        "method": cfg.train.method,
        "config": cfg.model_dump(mode="json"),
        "lineage": {
            "documents": ingest_m.get("sources", {}),
            "conversations": ingest_m.get("log_sources", {}),
            "synth": {
                name: {
                    "sha256": _sha_or_none(ws.path("synth", name)),
                    "examples": synth_m.get("examples") if name == "train" else None,
                }
                for name in ("train", "dev", "eval")
            },
        },
        "training": {k: v for k, v in trained.items() if k not in ("loss_curve", "dev_curve", "model_dir")},
        "pricebook": sha256_file(cfg.path(cfg.cost.pricebook)) if cfg.cost.pricebook else "defaults",
        **(extra or {}),
    }
    with Registry(ws.dir("registry")) as reg:
        meta["eval_set"] = reg.store_eval_set(ws.path("synth", "eval"))
        model_id = reg.register(model_dir or ws.path("train", "model"), meta, default_who(), "trained by engrain")
        if reg.alias("candidate") != model_id:
            reg.promote(model_id, "candidate", default_who(), "newest trained model")
        return model_id


def discard_training_data(ws: Workspace, model_id: str, say: Say) -> None:
    """Only after a successful registration: the audit entry (names and hashes) first, then the deletion.
    Run again after a kill, it finishes the job; with nothing left it does nothing."""
    from engrain.registry import Registry
    from engrain.registry.audit import default_who

    present = {
        f"{stage}/{ws.path(stage, a).name}": sha256_file(ws.path(stage, a))
        for stage, a in TRAINING_DATA
        if ws.path(stage, a).is_file()
    }
    if not present:
        return
    with Registry(ws.dir("registry")) as reg:
        reg.record_discard(model_id, present, default_who(), "train.discard_data")
    ws.discard("ingest", ["documents", "logs"])
    ws.discard("synth", ["train", "dev"])
    ws.path("cache", "teacher").unlink(missing_ok=True)
    say(f"train: training data discarded ({len(present)} files; their hashes are in the audit log)")


def record_evaluation(ws: Workspace, rep: dict) -> None:
    """The bake-off's results travel with the registered model they measured."""
    from engrain.registry import Registry
    from engrain.registry.audit import default_who

    model_id = (ws.manifest("train") or {}).get("model_id")
    if model_id:
        with Registry(ws.dir("registry")) as reg:
            reg.add_evaluation(model_id, rep, default_who())


def _sha_or_none(path: Path) -> str | None:
    return sha256_file(path) if path.is_file() else None
