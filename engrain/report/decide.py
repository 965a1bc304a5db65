"""Turn measured results into a recommendation: fine-tune, RAG, or hybrid.

Rules, checked in order (first match wins); every threshold is a `DecisionInputs` field:
  1. hybrid     if ft+rag was measured and is clearly best: accuracy at least
                `hybrid_margin` above both ft and rag, hallucination no more than
                `max_hallucination_gap` above the lower of the two.
  2. rag        if ft's quality is not within bounds of rag's: accuracy more than
                `max_accuracy_gap` below rag, or hallucination rate more than
                `max_hallucination_gap` above rag.
  3. rag        if fewer than `min_log_months` of logs: the real question mix is unknown,
                so keep RAG and collect logs before baking knowledge into weights.
  4. hybrid     if knowledge changes more often than every `min_change_months`: ft holds
                up on quality, but retraining cannot keep pace, so serve the fine-tuned
                model with retrieval over the fast-changing sources.
  5. rag        if costs were given and fine-tuning is not cheaper per month at the
                stated volume (steady state, retraining amortised).
  6. fine-tune  otherwise.
Accuracy gaps count only where the paired test (McNemar) finds them: ft+rag does not win outright
on a lead the test calls a tie, ft is not held outside the bounds by one, and when ft and rag
tie, latency and cost decide between them (a fine-tuned model neither faster nor cheaper loses to
the retrieval that is already built). Each tie names the number of questions that would settle a
gap of its size, so a user knows whether labelling more would change the answer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engrain.config import CHANGE_MONTHS
from engrain.errors import EngrainError
from engrain.evaluate.stats import questions_to_settle


class DecisionInputs(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    change_rate: Literal["monthly", "quarterly", "yearly"] = Field(
        "quarterly", description="How often the domain knowledge changes."
    )
    log_months: int = Field(0, ge=0, description="Months of real interaction logs available.")
    monthly_queries: int = Field(0, ge=0, description="Expected queries per month (for the cost rule).")
    min_change_months: int = Field(
        3, ge=1, description="Fine-tune alone only if knowledge changes at most this often (months)."
    )
    min_log_months: int = Field(6, ge=0, description="Fine-tune only with at least this many months of logs.")
    max_accuracy_gap: float = Field(
        0.02, ge=0, description="ft accuracy may be at most this far below rag (0.02 = 2 pts)."
    )
    max_hallucination_gap: float = Field(
        0.02, ge=0, description="ft hallucination rate may exceed rag's by at most this."
    )
    hybrid_margin: float = Field(
        0.02, ge=0, description="ft+rag must beat both ft and rag accuracy by this to win outright."
    )

    def thresholds(self) -> dict:
        return self.model_dump(exclude={"change_rate", "log_months", "monthly_queries"})


def _pts(a: float, b: float) -> str:
    return f"{(a - b) * 100:+.1f} pts"


def _cmp(metrics: dict, key: str, label: str, x: str, y: str) -> str:
    a, b = metrics[x][key], metrics[y][key]
    return f"{x} {label} {a:.2f} vs {y} {b:.2f} ({_pts(a, b)})"


PAIRS = (("ft", "rag"), ("ft+rag", "rag"), ("ft+rag", "ft"))  # the accuracy gaps the decision weighs


def _test(metrics: dict, x: str, y: str) -> dict | None:
    """The paired test between x and y as recorded (a bare bool from older reports becomes a dict)."""
    sig = (metrics.get(x, {}).get("significant_vs") or {}).get(y)
    return sig if isinstance(sig, dict) else None if sig is None else {"significant": bool(sig)}


def _tied(metrics: dict, x: str, y: str) -> bool:
    """A paired test was run and did not find the gap: as far as this eval can tell, x and y are level."""
    t = _test(metrics, x, y)
    if t is None:
        return False
    p = t.get("p_value")
    return not t.get("significant", p is not None and p < 0.05)


def _to_settle(t: dict) -> int | None:
    if not {"b01", "b10", "n"} <= t.keys():
        return None
    return questions_to_settle(t["b01"], t["b10"], t["n"])


def _significance(metrics: dict, x: str, y: str) -> str | None:
    t = _test(metrics, x, y)
    if t is None:
        return None
    p = t.get("p_value")
    pv = f" p={p:.3g}" if p is not None else ""
    if not _tied(metrics, x, y):
        return f"{x} vs {y}: McNemar{pv} (significant)"
    need = _to_settle(t)
    settle = (
        f"; about {need:,} questions (now {t['n']:,}) would settle a gap this size at 80% power"
        if need is not None
        else ""
    )
    return f"{x} vs {y}: McNemar{pv} (not significant: a tie{settle})"


def comparisons(metrics: dict) -> list[dict]:
    """The accuracy gaps the decision weighs, each with its test and, for a tie, the questions to settle it."""
    out = []
    for x, y in PAIRS:
        t = _test(metrics, x, y) if x in metrics and y in metrics else None
        if t is None:
            continue
        tied = _tied(metrics, x, y)
        out.append(
            {
                "a": x,
                "b": y,
                "gap_pts": round((metrics[x]["accuracy"] - metrics[y]["accuracy"]) * 100, 1),
                "p_value": t.get("p_value"),
                "significant": not tied,
                "n": t.get("n"),
                "questions_to_settle": _to_settle(t) if tied else None,
            }
        )
    return out


def _latency(metrics: dict, x: str, y: str) -> str | None:
    a, b = ((metrics[p].get("latency_ms") or {}).get("p95") for p in (x, y))
    return None if a is None or b is None else f"{x} p95 latency {a:.0f} ms vs {y} {b:.0f} ms"


def decide(metrics: dict, costs: dict | None, inputs: DecisionInputs) -> dict:
    """Recommend "fine-tune", "rag" or "hybrid" from per-pipeline metrics.

    `metrics[name]` = {"accuracy", "hallucination_rate", "latency_ms": {"mean", "p95"},
    "significant_vs": {other: bool | {"p_value", "significant"}}} (last two optional), for
    names among "base", "rag", "ft", "ft+rag"; "ft" and "rag" are required. `costs` is
    `BreakEven.to_dict()` (uses ft_monthly, rag_monthly, break_even_month,
    crossover_queries, ft_cheaper_when; optional "currency") or None to skip the cost rule.
    """
    missing = [p for p in ("ft", "rag") if p not in metrics]
    if missing:
        raise EngrainError(f"decision needs results for 'ft' and 'rag'; missing {', '.join(missing)}")
    t = inputs
    reasons = [
        _cmp(metrics, "accuracy", "accuracy", "ft", "rag"),
        _cmp(metrics, "hallucination_rate", "hallucination", "ft", "rag"),
    ]
    tests = [_significance(metrics, x, y) for x, y in PAIRS]
    reasons += [s for s in (*tests, _latency(metrics, "ft", "rag")) if s]
    if costs is not None:
        cur, be = costs.get("currency", "USD"), costs.get("break_even_month")
        reasons.append(
            f"at {t.monthly_queries:,} queries/month ft costs {costs['ft_monthly']:,.2f} {cur}/month vs rag "
            f"{costs['rag_monthly']:,.2f} {cur}/month; "
            + (f"break-even in month {be}" if be is not None else "no break-even within the horizon")
        )
    rec, lead, change = _ladder(metrics, costs, t)
    if rec == "fine-tune" and _tied(metrics, "ft", "rag"):
        rec, lead, change = _tie_break(metrics, costs, change)
    if costs is not None and rec != "hybrid":
        change += _volume_changes(costs, t)
    return {
        "recommendation": rec,
        "reasons": lead + reasons,
        "thresholds": t.thresholds(),
        "what_would_change": change,
        "comparisons": comparisons(metrics),
    }


def _tie_break(metrics: dict, costs: dict | None, change: list[str]) -> tuple[str, list[str], list[str]]:
    """ft and rag are level on accuracy: the faster or cheaper one wins; neither, and rag (already built) stays."""
    test = _test(metrics, "ft", "rag") or {}
    p = test.get("p_value")
    tie = f"ft and rag tie on accuracy (McNemar{f' p={p:.3g}' if p is not None else ''}): latency and cost decide"
    lat = {n: (metrics[n].get("latency_ms") or {}).get("p95") for n in ("ft", "rag")}
    faster = lat["ft"] is not None and lat["rag"] is not None and lat["ft"] < lat["rag"]
    cheaper = costs is not None and costs["ft_monthly"] < costs["rag_monthly"]
    if faster or cheaper:
        basis = " and ".join(w for w, ok in (("faster", faster), ("cheaper per month", cheaper)) if ok)
        return "fine-tune", [f"{tie}; ft is {basis}"], change
    need = _to_settle(test)
    more = f" (about {need:,} questions would settle the present gap)" if need is not None else ""
    return (
        "rag",
        [f"{tie}; ft is neither faster nor cheaper, so the retrieval pipeline stays"],
        [f"a significant ft lead over rag{more}, or ft faster or cheaper"],
    )


def _ladder(metrics: dict, costs: dict | None, t: DecisionInputs) -> tuple[str, list[str], list[str]]:
    """The first rule that applies, in order: hybrid wins outright, ft's quality, logs, change rate, cost.
    Returns the recommendation, the reasons that lead the list, and what would change it."""
    ft, rag, hyb = metrics["ft"], metrics["rag"], metrics.get("ft+rag")
    accurate_enough = ft["accuracy"] - rag["accuracy"] >= -t.max_accuracy_gap or _tied(metrics, "ft", "rag")
    quality_ok = accurate_enough and ft["hallucination_rate"] - rag["hallucination_rate"] <= t.max_hallucination_gap
    change_months = CHANGE_MONTHS[t.change_rate]
    better = "ft" if ft["accuracy"] >= rag["accuracy"] else "rag"
    if (
        hyb is not None
        and hyb["accuracy"] >= max(ft["accuracy"], rag["accuracy"]) + t.hybrid_margin
        and not _tied(metrics, "ft+rag", better)
        and hyb["hallucination_rate"]
        <= min(ft["hallucination_rate"], rag["hallucination_rate"]) + t.max_hallucination_gap
    ):
        return (
            "hybrid",
            [
                _cmp(metrics, "accuracy", "accuracy", "ft+rag", better),
                f"ft+rag beats both ft and rag by at least {t.hybrid_margin * 100:.1f} pts"
                + (" (significant)" if _test(metrics, "ft+rag", better) else ""),
            ],
            [
                f"if ft+rag's lead over the better single pipeline fell below {t.hybrid_margin * 100:.1f} pts, drop "
                "the extra component"
            ],
        )
    if not quality_ok:
        return (
            "rag",
            [
                f"ft is outside the quality bounds (accuracy at most {t.max_accuracy_gap * 100:.1f} pts below rag, "
                f"hallucination at most {t.max_hallucination_gap * 100:.1f} pts above)"
            ],
            [
                f"fine-tuning becomes a candidate once ft accuracy is within {t.max_accuracy_gap * 100:.1f} pts of rag "
                f"(now {_pts(ft['accuracy'], rag['accuracy'])}) and hallucination within "
                f"{t.max_hallucination_gap * 100:.1f} pts (now "
                f"{_pts(ft['hallucination_rate'], rag['hallucination_rate'])})"
            ],
        )
    if t.log_months < t.min_log_months:
        return (
            "rag",
            [f"only {t.log_months} months of logs (< {t.min_log_months}): the real question mix is not yet known"],
            [f"with at least {t.min_log_months} months of logs, fine-tuning would be reconsidered"],
        )
    if change_months < t.min_change_months:
        return (
            "hybrid",
            [
                f"knowledge changes {t.change_rate} (every {change_months} month(s) < {t.min_change_months}): "
                "retraining cannot keep pace, so keep retrieval for the fast-changing sources"
            ],
            [f"if knowledge changed at most every {t.min_change_months} months, fine-tune alone"],
        )
    if costs is not None and costs["ft_monthly"] > costs["rag_monthly"]:
        return "rag", ["fine-tuning is not cheaper per month at the stated volume"], []
    return (
        "fine-tune",
        [
            f"ft is within quality bounds, knowledge changes {t.change_rate}, {t.log_months} months of logs (>= "
            f"{t.min_log_months})"
        ],
        [
            f"if knowledge started changing more often than every {t.min_change_months} months, switch to hybrid",
            f"if ft accuracy fell more than {t.max_accuracy_gap * 100:.1f} pts below rag "
            f"(now {_pts(ft['accuracy'], rag['accuracy'])}), switch to rag",
        ],
    )


def _volume_changes(costs: dict, t: DecisionInputs) -> list[str]:
    """The monthly volume at which the cheaper pipeline changes, when there is one."""
    when, q = costs.get("ft_cheaper_when"), costs.get("crossover_queries")
    if when == "above" and q is not None:
        return [f"fine-tuning is cheaper per month above {q:,.0f} queries/month (now {t.monthly_queries:,})"]
    if when == "below" and q is not None:
        return [f"fine-tuning is cheaper per month only below {q:,.0f} queries/month (now {t.monthly_queries:,})"]
    return []
