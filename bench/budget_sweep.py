"""Accuracy against training budget: one project trained at several `train.budget`s, ft and ft+rag scored.

Each budget trains in its own workspace beside the project's (the ingest, index, synth and tune_rag
stages are copied, so every budget trains on the same examples and is read by the same rag
settings); the plan picks what each budget buys. Every model answers the dev split (the settings
were chosen there) and the eval sample once. Writes a Markdown table and a plot of accuracy
against training minutes to --out.

    python bench/budget_sweep.py -c wnbio/engrain.toml --budgets 5m 10m 20m 40m --out docs/budget
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ("ingest", "index", "synth", "tune_rag")  # what every budget reads, made once
PIPELINES = ("ft", "ft+rag")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--budgets", nargs="+", default=["5m", "10m", "20m", "40m"])
    ap.add_argument("--out", type=Path, default=Path("budget-sweep"))
    args = ap.parse_args()
    from engrain import recipe
    from engrain.config import load

    base = load(args.config)
    recipe.run_stage(base, "tune_rag", print)  # the shared stages, current
    rows = [_one(base, budget, args.config) for budget in args.budgets]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "budget_sweep.md").write_text(_table(rows))
    _plot(rows, args.out / "budget_sweep.png")
    print(_table(rows))
    return 0


def _one(base, budget: str, config: Path) -> dict:
    """Train at `budget` in a workspace of its own and score ft and ft+rag on dev and eval."""
    from engrain import recipe
    from engrain.config import load
    from engrain.io import read_json
    from engrain.workspace import Workspace

    cfg = load(config, [f"train.budget={budget}", f"workspace={base.workspace_dir}-budget-{budget}"])
    for stage in SHARED:
        src, dst = Workspace(base).dir(stage), Workspace(cfg).dir(stage)
        if not dst.exists():
            shutil.copytree(src, dst)
    recipe.run_stage(cfg, "train", print)
    trained = read_json(Workspace(cfg).path("train", "result"))
    return {"budget": budget, "tokens": trained["tokens"], "minutes": trained["seconds"] / 60, **_scores(cfg)}


def _scores(cfg) -> dict:
    from engrain.answerers import AnswererFactory
    from engrain.evaluate import runner
    from engrain.workspace import Workspace, read_split

    ws = Workspace(cfg)
    sets = {
        "dev": [d for d in read_split(ws, "dev") if d.kind == "qa"],
        "eval": runner.sample_items(read_split(ws, "eval"), cfg.eval.limit, cfg.seed),
    }
    out = {}
    with AnswererFactory.for_workspace(cfg, ws, cfg.eval.batch) as factory:
        for name in PIPELINES:
            answerer = factory.build(name)
            for split, items in sets.items():
                rows = runner.run(answerer, items, 0, None, set(), cfg.eval.batch)
                out[f"{name} {split}"] = sum(r["correct"] for r in rows) / len(rows)
                out[f"{name} {split} answered"] = sum(not r["abstained"] for r in rows) / len(rows)
    return out


def _table(rows: list[dict]) -> str:
    cols = [f"{p} {s}" for p in PIPELINES for s in ("dev", "eval")]
    lines = [
        "| budget | tokens | minutes | " + " | ".join(f"{c} acc." for c in cols) + " | ft eval answered |",
        "|---|---|---|" + "---|" * len(cols) + "---|",
    ]
    for r in rows:
        accs = " | ".join(f"{r[c]:.1%}" for c in cols)
        lines.append(f"| {r['budget']} | {r['tokens']:,} | {r['minutes']:.1f} | {accs} | {r['ft eval answered']:.1%} |")
    return "\n".join(lines) + "\n"


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    minutes = [r["minutes"] for r in rows]
    for name in PIPELINES:
        for split, style in (("dev", "--"), ("eval", "-")):
            ax.plot(minutes, [r[f"{name} {split}"] for r in rows], style, marker="o", label=f"{name} ({split})")
    ax.set_xlabel("training minutes (this machine)")
    ax.set_ylabel("accuracy")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    sys.exit(main())
