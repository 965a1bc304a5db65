"""Run the bake-off over a grid of settings and tabulate accuracy and hallucination.

Each grid point is a full run in its own sub-workspace, so every point is a real
measurement and any point can be inspected or re-reported later. When only synthesis or
training settings vary, `base` and `rag` cannot change, so points evaluate just the tuned
pipelines.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from engrain.config import EngrainConfig, parse_override, parse_value, set_dotted, validate
from engrain.io import read_json, write_json, write_text
from engrain.pipelines import PIPELINES
from engrain.workspace import artifact_in

UNTUNED_STABLE = ("synth.", "train.")


def parse_vary(specs: list[str]) -> dict[str, list]:
    """['synth.paraphrases=0,2,5'] -> {'synth.paraphrases': [0, 2, 5]} (values parsed as TOML)."""
    grid: dict[str, list] = {}
    for spec in specs:
        key, values = parse_override(spec, "--vary")
        grid[key] = [parse_value(v.strip()) for v in values.split(",")]
    return grid


def ablate(cfg: EngrainConfig, grid: dict[str, list], say=print, progress: bool = True) -> Path:
    from engrain.recipe import run_all

    out_dir = cfg.workspace_dir / "ablate"
    keys = list(grid)
    tuned_only = all(k.startswith(UNTUNED_STABLE) for k in keys)
    rows = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(keys, values))
        slug = "_".join(f"{k.split('.')[-1]}={v}" for k, v in point.items())
        raw = cfg.model_dump(mode="json")
        raw["workspace"] = str(out_dir / slug)
        for k, v in point.items():
            set_dotted(raw, k, v, "--vary")
        if tuned_only:
            raw["eval"]["pipelines"] = [p for p in raw["eval"]["pipelines"] if PIPELINES[p].tuned] or ["ft"]
            raw["eval"]["throughput_queries"] = 0
        sub = validate(raw, where=f"--vary {slug}")
        sub.root = cfg.root
        say(f"ablate: {slug}")
        report_dir = run_all(sub, say, progress=progress)
        rep = read_json(artifact_in(report_dir, "report", "json"))
        rows.append(
            {
                "setting": point,
                "examples": rep["training"]["examples"],
                "train_seconds": rep["training"]["seconds"],
                "pipelines": {
                    n: {k: m[k] for k in ("accuracy", "accuracy_ci", "hallucination_rate", "abstention_rate")}
                    for n, m in rep["pipelines"].items()
                },
            }
        )
    result = {"grid": grid, "rows": rows}
    write_json(artifact_in(out_dir, "ablate", "json"), result)
    write_text(artifact_in(out_dir, "ablate", "markdown"), render_table(result))
    _plot(result, artifact_in(out_dir, "ablate", "plot"))
    return out_dir


def render_table(result: dict) -> str:
    pipes = sorted({p for r in result["rows"] for p in r["pipelines"]})
    head = ["setting", "examples", "train s"] + [f"{p} acc" for p in pipes] + [f"{p} halluc" for p in pipes]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in result["rows"]:
        setting = ", ".join(f"{k}={v}" for k, v in r["setting"].items())
        cells = [setting, str(r["examples"]), f"{r['train_seconds']:.0f}"]
        cells += [f"{100 * r['pipelines'][p]['accuracy']:.1f}%" if p in r["pipelines"] else "-" for p in pipes]
        cells += [
            f"{100 * r['pipelines'][p]['hallucination_rate']:.1f}%" if p in r["pipelines"] else "-" for p in pipes
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _plot(result: dict, dest: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = result["rows"]
    labels = [", ".join(f"{k.split('.')[-1]}={v}" for k, v in r["setting"].items()) for r in rows]
    pipes = sorted({p for r in rows for p in r["pipelines"]})
    fig = Figure(figsize=(max(6, 1.4 * len(rows)), 4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for ax, metric, title in ((axes[0], "accuracy", "Accuracy"), (axes[1], "hallucination_rate", "Hallucination rate")):
        for p in pipes:
            ax.plot(labels, [r["pipelines"].get(p, {}).get(metric) for r in rows], marker="o", label=p)
        ax.set_title(title)
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", rotation=30)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(dest, dpi=110)
