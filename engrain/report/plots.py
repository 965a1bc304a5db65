"""Report charts as base64 PNG data URIs, so report.html needs no side files and no network.

Figures are built with matplotlib's object API on the Agg canvas, never through pyplot:
no GUI backend is touched, no global figure registry fills up, and each figure is dropped
(closed) as soon as it is encoded. Every function returns None when there is nothing to draw.
"""

from __future__ import annotations

import base64
import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from engrain.pipelines import PIPELINES
from engrain.report.markdown import STAGES, pipelines

COLORS = {name: p.color for name, p in PIPELINES.items()}
_EXTRA = ("#9467bd", "#8c564b", "#e377c2", "#17becf")
NAN = float("nan")


def _color(name: str, i: int) -> str:
    return COLORS.get(name, _EXTRA[i % len(_EXTRA)])


def _uri(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _val_err(m: dict | None, key: str) -> tuple[float, float, float]:
    """(value, minus, plus) for an error bar from `key` and `key_ci`; NaN when missing."""
    v = (m or {}).get(key)
    if v is None:
        return NAN, 0.0, 0.0
    lo, hi = ((m or {}).get(f"{key}_ci") or [v, v])[:2]
    return v, max(0.0, v - lo), max(0.0, hi - v)


def _grouped(ax, groups: list[str], series: dict[str, list[tuple[float, float, float]]]) -> None:
    """Bars grouped by `groups`, one colour per series, with asymmetric CI error bars."""
    width = 0.8 / max(1, len(series))
    for i, (name, vals) in enumerate(series.items()):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        ax.bar(
            xs,
            [v for v, _, _ in vals],
            width,
            yerr=[[lo for _, lo, _ in vals], [hi for _, _, hi in vals]],
            capsize=3,
            label=name,
            color=_color(name, i),
        )
    ax.set_xticks(
        range(len(groups)), groups, rotation=30 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center"
    )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="y", alpha=0.3)


def accuracy_by_category(rep: dict) -> str | None:
    names = pipelines(rep)
    if not names:
        return None
    pipes = rep["pipelines"]
    cats = sorted({c for p in names for c in (pipes[p].get("by_category") or {})})
    fig = Figure(figsize=(max(6.0, 1.2 * (len(cats) + 1)), 3.8))
    ax = fig.add_subplot()
    series = {
        p: [_val_err(pipes[p], "accuracy")]
        + [_val_err((pipes[p].get("by_category") or {}).get(c), "accuracy") for c in cats]
        for p in names
    }
    _grouped(ax, ["overall", *cats], series)
    ax.set_title("Accuracy by pipeline and category (95% CI)")
    return _uri(fig)


def rates(rep: dict) -> str | None:
    names = pipelines(rep)
    if not names:
        return None
    pipes = rep["pipelines"]
    fig = Figure(figsize=(6.0, 3.4))
    ax = fig.add_subplot()
    _grouped(
        ax,
        ["hallucination", "abstention"],
        {p: [_val_err(pipes[p], "hallucination_rate"), _val_err(pipes[p], "abstention_rate")] for p in names},
    )
    ax.set_title("Hallucination and abstention rates (95% CI)")
    return _uri(fig)


def latency_percentiles(rep: dict) -> str | None:
    """Only percentiles are stored, so draw a box from p50 to p95, a whisker to p99 and the mean."""
    rows = [(p, rep["pipelines"][p].get("latency_ms")) for p in pipelines(rep)]
    rows = [(p, lat) for p, lat in rows if lat and lat.get("p50") is not None]
    if not rows:
        return None
    fig = Figure(figsize=(6.5, 0.7 * len(rows) + 1.2))
    ax = fig.add_subplot()
    for y, (name, lat) in enumerate(rows):
        p50, p95 = lat["p50"], lat.get("p95", lat["p50"])
        p99 = lat.get("p99", p95)
        c, first = _color(name, y), y == 0
        ax.plot([p95, p99], [y, y], color=c, lw=1.5)
        ax.barh(
            y, p95 - p50, left=p50, height=0.45, color=c, alpha=0.45, edgecolor=c, label="p50 to p95" if first else None
        )
        ax.plot([p50], [y], "|", color="black", ms=16, mew=2, label="p50" if first else None)
        ax.plot([p99], [y], "x", color="black", ms=7, label="p99" if first else None)
        if lat.get("mean") is not None:
            ax.plot([lat["mean"]], [y], "D", color="black", ms=6, label="mean" if first else None)
    ax.set_yticks(range(len(rows)), [p for p, _ in rows])
    ax.set_xlabel("latency per query (ms)")
    ax.set_xlim(left=0)
    ax.set_title("Latency: p50-p95 box, p99 whisker, mean")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="x", alpha=0.3)
    return _uri(fig)


def latency_stages(rep: dict) -> str | None:
    rows = [(p, rep["pipelines"][p].get("stage_ms_mean")) for p in pipelines(rep)]
    rows = [(p, st) for p, st in rows if st]
    if not rows:
        return None
    fig = Figure(figsize=(6.5, 0.6 * len(rows) + 1.2))
    ax = fig.add_subplot()
    left = [0.0] * len(rows)
    for i, stage in enumerate(STAGES):
        w = [st.get(stage) or 0.0 for _, st in rows]
        ax.barh(range(len(rows)), w, left=left, label=stage, color=f"C{i}")
        left = [a + b for a, b in zip(left, w)]
    ax.set_yticks(range(len(rows)), [p for p, _ in rows])
    ax.set_xlabel("mean ms per query")
    ax.set_title("Where the time goes (mean per stage)")
    ax.legend(fontsize=8, ncol=len(STAGES), loc="upper center", bbox_to_anchor=(0.5, -0.25))
    return _uri(fig)


def training_curves(rep: dict) -> str | None:
    t = rep.get("training") or {}
    loss, dev = t.get("loss_curve") or [], t.get("dev_curve") or []
    if not loss and not dev:
        return None
    fig = Figure(figsize=(6.5, 3.6))
    ax = fig.add_subplot()
    handles = []
    if loss:
        handles += ax.plot([r["step"] for r in loss], [r["loss"] for r in loss], color="C0", label="train loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if dev:
        ax2 = ax.twinx()
        handles += ax2.plot(
            [r["step"] for r in dev], [r.get("accuracy", NAN) for r in dev], "o-", color="C1", label="dev accuracy"
        )
        ax2.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax2.set_ylim(0, 1.05)
        ax2.set_ylabel("dev accuracy")
    best = t.get("best_step")
    if best is not None and not (isinstance(best, float) and math.isnan(best)):
        handles.append(ax.axvline(best, color="grey", ls="--", label=f"best step {best}"))
    ax.legend(handles=handles, fontsize=8, loc="center right")
    ax.set_title("Training loss and dev accuracy")
    return _uri(fig)


def cost_curves(rep: dict) -> str | None:
    be = (rep.get("cost") or {}).get("break_even") or {}
    ft, rag = be.get("ft_cumulative") or [], be.get("rag_cumulative") or []
    if not ft or not rag:
        return None
    cur = (rep.get("cost") or {}).get("currency", "USD")
    fig = Figure(figsize=(6.5, 3.6))
    ax = fig.add_subplot()
    ax.plot(range(len(ft)), ft, color=COLORS["ft"], label="fine-tuned (ft)")
    ax.plot(range(len(rag)), rag, color=COLORS["rag"], label="RAG")
    month = be.get("break_even_month")
    if month is not None and month < len(ft):
        ax.axvline(month, color="grey", ls="--")
        ax.annotate(
            f"break-even: month {month}", (month, ft[month]), xytext=(6, 10), textcoords="offset points", fontsize=8
        )
    ax.set_xlabel("month")
    ax.set_ylabel(f"cumulative cost ({cur})")
    q = be.get("monthly_queries")
    ax.set_title("Cumulative cost" + (f" at {q:,.0f} queries/month" if q is not None else ""))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _uri(fig)


def cost_by_volume(rep: dict) -> str | None:
    """Steady-state monthly cost against monthly query volume: where fine-tuning pays."""
    curve = (rep.get("cost") or {}).get("volume_curve") or []
    if not curve:
        return None
    cur = (rep.get("cost") or {}).get("currency", "USD")
    q = [p["monthly_queries"] for p in curve]
    fig = Figure(figsize=(6.5, 3.6))
    ax = fig.add_subplot()
    ax.plot(q, [p["ft"] for p in curve], color=COLORS["ft"], label="fine-tuned (ft)")
    ax.plot(q, [p["rag"] for p in curve], color=COLORS["rag"], label="RAG")
    cross = ((rep.get("cost") or {}).get("break_even") or {}).get("crossover_queries")
    if cross:
        ax.axvline(cross, color="grey", ls="--")
        ax.annotate(
            f"crossover: {cross:,.0f}/month",
            (cross, max(p["rag"] for p in curve) / 10),
            xytext=(6, 0),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("queries per month")
    ax.set_ylabel(f"monthly cost ({cur}), retraining amortised")
    ax.set_title("Monthly cost by query volume")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return _uri(fig)


def risk_coverage(rep: dict) -> str | None:
    """Accuracy against the share of questions answered, one line per pipeline (a dot where it has no confidence)."""
    lines = {n: (rep["pipelines"][n].get("coverage") or {}).get("line") or [] for n in pipelines(rep)}
    lines = {n: line for n, line in lines.items() if line}
    if not lines:
        return None
    fig = Figure(figsize=(6.0, 3.4))
    ax = fig.add_subplot()
    for i, (name, line) in enumerate(lines.items()):
        xs, ys = [p["coverage"] for p in line], [p["accuracy"] for p in line]
        ax.plot(xs, ys, marker="o", markersize=3 if len(xs) > 1 else 6, color=_color(name, i), label=name)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("questions answered (surest first)")
    ax.set_ylabel("accuracy on those")
    ax.set_title("Risk-coverage: accuracy at each answer rate")
    ax.legend(fontsize=8)
    return _uri(fig)
