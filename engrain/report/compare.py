"""Two runs side by side: metric deltas, per-question flips, and which regressions are real.

A run is a folder holding `report.json` and `results.jsonl` (every report folder does).
A regression is flagged only when McNemar's test on the shared questions says the drop is
significant; smaller drops are shown but called noise.
"""

from __future__ import annotations

from pathlib import Path

from engrain.errors import EngrainError
from engrain.evaluate.stats import mcnemar
from engrain.io import read_json, read_jsonl
from engrain.workspace import artifact_in

METRICS = ("accuracy", "hallucination_rate", "abstention_rate", "f1")
DIAGNOSTICS = {  # why a pipeline fails (engrain.evaluate.diagnostics); None where a run has no such figure
    "answered": lambda m: (m.get("coverage") or {}).get("answered"),
    "right_when_answered": lambda m: (m.get("coverage") or {}).get("accuracy_when_answered"),
    "context_hit": lambda m: (m.get("context") or {}).get("hit_rate"),
    "right_when_hit": lambda m: (m.get("context") or {}).get("accuracy_when_hit"),
}


def load_run(path: str | Path) -> tuple[dict, list[dict]]:
    path = Path(path)
    folder = path.parent if path.is_file() else path
    nested = folder / "workspace" / "report"  # a project folder: its workspace's report
    if not artifact_in(folder, "report", "json").exists() and artifact_in(nested, "report", "json").exists():
        folder = nested
    report, results = artifact_in(folder, "report", "json"), artifact_in(folder, "report", "results")
    if not report.exists():
        raise EngrainError(f"no {report.name} in {folder}: pass a report folder (e.g. engrain-demo)")
    rows = list(read_jsonl(results)) if results.exists() else []
    return read_json(report), rows


def compare_runs(a: str | Path, b: str | Path) -> dict:
    rep_a, rows_a = load_run(a)
    rep_b, rows_b = load_run(b)
    out: dict = {"a": str(a), "b": str(b), "pipelines": {}, "regressions": []}
    for name in [p for p in rep_a["pipelines"] if p in rep_b["pipelines"]]:
        ma, mb = rep_a["pipelines"][name], rep_b["pipelines"][name]
        entry: dict = {m: {"a": ma.get(m), "b": mb.get(m), "delta": _delta(ma.get(m), mb.get(m))} for m in METRICS}
        for q in ("mean", "p95"):
            entry[f"latency_{q}_ms"] = {
                "a": ma["latency_ms"][q],
                "b": mb["latency_ms"][q],
                "delta": _delta(ma["latency_ms"][q], mb["latency_ms"][q]),
            }
        entry["diagnostics"] = {
            k: {"a": f(ma), "b": f(mb), "delta": _delta(f(ma), f(mb))} for k, f in DIAGNOSTICS.items()
        }
        qa = {r["id"]: r for r in rows_a if r["pipeline"] == name}
        qb = {r["id"]: r for r in rows_b if r["pipeline"] == name}
        shared = [i for i in qa if i in qb]
        entry["flips"] = {
            "fixed": [_flip(qa[i], qb[i]) for i in shared if not qa[i]["correct"] and qb[i]["correct"]],
            "broken": [_flip(qa[i], qb[i]) for i in shared if qa[i]["correct"] and not qb[i]["correct"]],
        }
        if shared:
            test = mcnemar([qa[i]["correct"] for i in shared], [qb[i]["correct"] for i in shared])
            entry["mcnemar"] = test | {"n": len(shared)}
            if test["significant"] and len(entry["flips"]["broken"]) > len(entry["flips"]["fixed"]):
                out["regressions"].append(
                    {"pipeline": name, "p_value": test["p_value"], "accuracy_delta": entry["accuracy"]["delta"]}
                )
        out["pipelines"][name] = entry
    return out


def render_comparison(cmp: dict, max_flips: int = 5) -> str:
    lines = [
        f"# engrain compare\n\nA: `{cmp['a']}`  \nB: `{cmp['b']}`\n",
        "| pipeline | accuracy A -> B | hallucination A -> B | latency mean A -> B (ms) | p95 A -> B (ms) | McNemar "
        "p | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    regressed = {r["pipeline"] for r in cmp["regressions"]}
    for name, e in cmp["pipelines"].items():
        p = e.get("mcnemar", {}).get("p_value")
        verdict = (
            "REGRESSION"
            if name in regressed
            else ("significant" if e.get("mcnemar", {}).get("significant") else "no significant change")
        )
        lines.append(
            f"| {name} | {_pct(e['accuracy']['a'])} -> {_pct(e['accuracy']['b'])} | "
            f"{_pct(e['hallucination_rate']['a'])} -> {_pct(e['hallucination_rate']['b'])} | "
            f"{e['latency_mean_ms']['a']:,.0f} -> {e['latency_mean_ms']['b']:,.0f} | "
            f"{e['latency_p95_ms']['a']:,.0f} -> {e['latency_p95_ms']['b']:,.0f} | "
            f"{'n/a' if p is None else f'{p:.3g}'} | {verdict} |"
        )
    lines += [
        "\nWhy pipelines fail, A -> B (answered: not declined; context hit: the answer was in the passages):\n",
        "| pipeline | " + " | ".join(k.replace("_", " ") for k in DIAGNOSTICS) + " |",
        "|---|" + "---|" * len(DIAGNOSTICS),
    ]
    for name, e in cmp["pipelines"].items():
        d = e.get("diagnostics") or {}
        cells = [f"{_pct(d[k]['a'])} -> {_pct(d[k]['b'])}" if k in d else "n/a" for k in DIAGNOSTICS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name, e in cmp["pipelines"].items():
        for kind in ("broken", "fixed"):
            flips = e["flips"][kind]
            if flips:
                lines.append(f"\n**{name}: {len(flips)} {kind}**")
                lines += [f"- `{f['id']}` {f['question']} — A: {f['a']!r} / B: {f['b']!r}" for f in flips[:max_flips]]
    lines.append(
        "\n"
        + (f"Significant regressions: {', '.join(sorted(regressed))}." if regressed else "No significant regressions.")
    )
    return "\n".join(lines) + "\n"


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 4)


def _flip(ra: dict, rb: dict) -> dict:
    return {"id": ra["id"], "question": ra["question"], "a": ra["answer"], "b": rb["answer"]}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"
