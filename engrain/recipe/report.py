"""Stage `report`: report.json, .md and .html from the current eval; never from a stale one."""

from __future__ import annotations

from pathlib import Path

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.graph import out_of_date
from engrain.progress import Say
from engrain.recipe.registration import record_evaluation
from engrain.workspace import Workspace, artifact_in


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, out_dir: Path | None = None) -> Path:
    from engrain.report.build import build_report, write_report

    for stage in ("synth", "train", "eval"):
        if ws.key(stage) is None:
            raise EngrainError(f"nothing to report yet: run `engrain {stage}` first")
    if stage := out_of_date(cfg):
        raise EngrainError(
            f"the {stage} stage is out of date (its inputs or settings changed since it ran): "
            "run `engrain eval` (or `engrain run`) before `engrain report`"
        )
    rep = build_report(cfg, ws)
    dest = out_dir or ws.dir("report")
    with ws.lock():
        ws.begin("report")
        write_report(rep, dest, ws.path("eval", "results"))
        ws.mark("report", key, out=str(dest))
    record_evaluation(ws, rep)
    say(f"report: {artifact_in(dest, 'report', 'html')}")
    return dest
