"""The demo's second cycle: release 2 of the domain arrives and a retraining cycle meets it.

Release 1's model goes to production (as `engrain models promote` would), the documentation
update and the new month of logs are applied, and `engrain retrain` trains a candidate from the
production adapter on what changed. Its report answers what a stale checkpoint costs: the
release-1 model on release-2 questions, `rag` on the new index, and the retrained model.
"""

from __future__ import annotations

from pathlib import Path

from engrain.config import EngrainConfig, dump_toml, load
from engrain.demo.release import RELEASE_EVAL, RELEASE_LOGS, build_release
from engrain.io import read_json, write_text
from engrain.retrain import Cycle, retrain
from engrain.workspace import Workspace, artifact_in


def run_second_cycle(out: Path, cfg: EngrainConfig, say, progress: bool = True) -> Cycle:
    """Apply release 2 under `out/domain`, point the project's config at it and run one cycle."""
    release = build_release(out / "domain", seed=0)
    say(
        f"release 2: {release.changed_facts} specs changed in {release.changed_docs} documents, "
        f"{release.new_products} products added ({release.new_docs} documents), {release.n_conversations} new "
        f"conversations, {release.n_eval} questions"
    )
    _release_one_in_production(cfg)
    cfg2 = cfg.model_copy(deep=True)
    cfg2.data.eval = f"domain/{RELEASE_EVAL}"
    cfg2.data.logs = list(dict.fromkeys([*cfg.data.logs, f"domain/{RELEASE_LOGS}"]))
    path = out / "engrain.toml"  # follow-up commands see release 2
    write_text(path, dump_toml(cfg2))
    cycle = retrain(load(path), say=say, progress=progress)
    if cycle is None:  # cannot happen with release 2 applied: its documents are new to production
        raise RuntimeError("release 2 changed nothing the production model was trained on")
    return cycle


def _release_one_in_production(cfg: EngrainConfig) -> None:
    """Release 1's model ships, also when a previous demo run promoted its retrained one."""
    from engrain.registry import Registry
    from engrain.registry.audit import default_who

    ws = Workspace(cfg)
    release_1 = (ws.manifest("train") or {}).get("model_id")  # what the first cycle trained (or found trained)
    if release_1 is None:
        raise RuntimeError("the second cycle runs after the first: no trained model in the workspace")
    with Registry(ws.dir("registry")) as reg:
        if reg.alias("production") != release_1:
            reg.promote(release_1, "production", default_who(), "demo: release 1's model ships")


def headline(cycle: Cycle) -> list[str]:
    """What a stale checkpoint costs, per category of the release-2 questions, and the gate's verdict."""
    record = read_json(artifact_in(cycle.report.parent, "retrain", "json"))
    current = next(s for s in record["sets"] if s["current"])
    models = {
        "ft, release 1 (stale)": current["production"],
        "ft, retrained": current["candidate"],
        **{f"{k}, new index": v for k, v in current["references"].items()},
    }
    cats = sorted(next(iter(models.values()))["by_category"])
    lines = [f"release-2 questions ({current['n']}): accuracy / hallucination"]
    for name, m in models.items():
        per = ", ".join(f"{c} {m['by_category'][c]['accuracy']:.0%}" for c in cats if c in m["by_category"])
        lines.append(f"  {name:<24} {m['accuracy']:6.1%} / {m['hallucination']:5.1%}  ({per})")
    lines.append(f"gate: {'promoted' if cycle.promoted else 'refused'}: {'; '.join(cycle.reasons)}")
    return lines
