"""The bake-off on a corpus nobody on this project wrote, from a clean workspace.

Runs `engrain init` + `engrain run` (default settings, no teacher) on a corpus under
`../shared/corpora/` and writes its result table to `docs/external-<corpus>.md`, with the
command, the synthesis coverage and the wall time of each stage. Skips (exit 0) when the
corpus is absent. Settings are the defaults, decided on the dev split; the eval file is
scored once per run.

    python bench/bench_external.py [--corpus wiki-newpages-bio] [--limit 120] [--work /tmp/engrain-external]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="wiki-newpages-bio")
    ap.add_argument("--limit", type=int, default=120, help="eval questions per category (0: all)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/engrain-external"))
    ap.add_argument("--keep", action="store_true", help="reuse an existing workspace instead of starting clean")
    args = ap.parse_args()
    corpus = CORPORA / args.corpus
    if not (corpus / "docs").is_dir():
        print(f"skipped: {corpus} is absent")
        return 0
    project = args.work / args.corpus
    if project.exists() and not args.keep:
        shutil.rmtree(project)
    if not project.exists():
        cmd = ["engrain", "init", str(project), "--docs", str(corpus / "docs")]
        cmd += ["--eval", str(corpus / "eval.jsonl")] if (corpus / "eval.jsonl").exists() else []
        subprocess.run(cmd, check=True)
    t0 = time.perf_counter()
    run = ["engrain", "run", "-c", str(project / "engrain.toml"), "--set", f"eval.limit={args.limit}"]
    subprocess.run(run, check=True)
    wall = time.perf_counter() - t0
    out = ROOT / "docs" / f"external-{args.corpus}.md"
    out.write_text(render(args.corpus, project, wall, args.limit, reused=args.keep), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def render(name: str, project: Path, wall_s: float, limit: int, reused: bool = False) -> str:
    sys.path.insert(0, str(ROOT))
    from engrain.io import read_json

    rep = read_json(project / "workspace" / "report" / "report.json")
    pipes, data, train = rep["pipelines"], rep["data"], rep["training"]
    cov = data.get("coverage") or {}
    lines = [
        f"# External corpus: {name}",
        "",
        "Measured by `python bench/bench_external.py --corpus "
        f"{name} --limit {limit}{' --keep' if reused else ''}` (engrain init + engrain run, default settings, "
        f"no teacher, CPU) in {wall_s / 60:.1f} min wall"
        f"{' for the stages this call ran (the others were reused from the same workspace)' if reused else ''}. "
        f"Eval: {rep['eval']['questions']} of "
        f"{rep['eval']['questions_total']} questions (seeded sample, up to {limit} per category).",
        "",
        "| pipeline | accuracy (95% CI) | token F1 | hallucination | abstention | latency mean ms |",
        "|---|---|---|---|---|---|",
    ]
    for p, m in pipes.items():
        lo, hi = m["accuracy_ci"]
        lines.append(
            f"| {p} | {m['accuracy']:.1%} ({lo:.1%}-{hi:.1%}) | {m['f1']:.3f} | "
            f"{m['hallucination_rate']:.1%} | {m['abstention_rate']:.1%} | {m['latency_ms']['mean']:,.0f} |"
        )
    cats = sorted({c for m in pipes.values() for c in m.get("by_category", {})})
    lines += [
        "",
        "Per category (accuracy / hallucination):",
        "",
        "| pipeline | " + " | ".join(cats) + " |",
        "|---|" + "---|" * len(cats),
    ]
    for p, m in pipes.items():
        cells = [
            f"{m['by_category'][c]['accuracy']:.1%} / {m['by_category'][c]['hallucination_rate']:.1%}"
            if c in m.get("by_category", {})
            else "-"
            for c in cats
        ]
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines += ["", "Significance (McNemar, paired; questions only the second / only the first got right):", ""]
    lines += [
        f"- {s['a']} vs {s['b']}: {s['b01']} / {s['b10']}, p = {s['p_value']:.3g}" for s in rep.get("significance", [])
    ]
    if cov:
        lines += [
            "",
            "Synthesis coverage: "
            f"{cov['sentences_with_span']} of {cov['sentences']} sentences have an answer span "
            f"({cov['sentences_with_span'] / cov['sentences']:.1%}); "
            f"{cov['entities_trained']} of {cov['entities']} named entities and "
            f"{cov['numbers_trained']} of {cov['numbers']} numbers appear in training examples.",
        ]
    kinds = ", ".join(f"{k} {v:,}" for k, v in data.get("by_kind", {}).items())
    lines += [
        "",
        f"Training: {train['examples']:,} examples ({kinds}); {train['steps']} steps in "
        f"{train['seconds']:.0f} s, {train['tokens_per_second']:.0f} tokens/s, peak RSS "
        f"{train['peak_rss_mb'] / 1024:.1f} GB, best dev step {train['best_step']}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
