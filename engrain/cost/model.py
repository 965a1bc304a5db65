"""Per-query, training and monthly cost, and when fine-tuning pays for itself.

The comparison is two cost streams over months:
  fine-tuned: training once (month 0), retraining whenever the knowledge changes
              (`cost.change_rate`), a fixed monthly
              fee, and per-query cost of short prompts;
  RAG:        indexing once (month 0), a fixed monthly vector store, and per-query cost of
              long prompts plus query embedding and a vector search.
Fine-tuning usually wins per query and loses on up-front cost; the break-even month and
the crossover volume say by how much.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Literal

from engrain.cost.pricebook import PriceBook

_EPS = 1e-12


def query_cost(
    prices: PriceBook, prompt_tokens: int, completion_tokens: int, retrieved: float = 0.0, embed_tokens: int = 0
) -> float:
    """Mean cost of one query. Retrieved passages are already inside `prompt_tokens`; a retrieving
    pipeline also pays for embedding the query and a vector search on the `retrieved` share of queries
    (1 for rag; the measured share for `auto`)."""
    if min(prompt_tokens, completion_tokens, embed_tokens) < 0:
        raise ValueError("token counts must be >= 0")
    cost = prompt_tokens / 1000 * prices.serving_input_per_1k + completion_tokens / 1000 * prices.serving_output_per_1k
    if not 0.0 <= retrieved <= 1.0:
        raise ValueError("retrieved is a share of queries, 0..1")
    cost += embed_tokens / 1000 * prices.embedding_per_1k + retrieved * prices.vector_query_per_1k / 1000
    return cost


def training_cost(prices: PriceBook, train_tokens: int, train_seconds: float) -> float:
    """One training run: token price x tokens + GPU-hour price x hours (a sum, not a max).

    Self-hosted runs set the token price to 0 and pay GPU time; hosted fine-tuning APIs set
    gpu_hour_price to 0 and pay per token. Setting both charges both, deliberately.
    """
    if train_tokens < 0 or train_seconds < 0:
        raise ValueError("train_tokens and train_seconds must be >= 0")
    return train_tokens / 1000 * prices.train_per_1k_tokens + train_seconds / 3600 * prices.gpu_hour_price


def index_cost(prices: PriceBook, corpus_tokens: int) -> float:
    """Embedding the whole corpus once: RAG's up-front cost."""
    return corpus_tokens / 1000 * prices.embedding_per_1k


@dataclass(frozen=True)
class PipelineCost:
    """One pipeline's cost stream. `recurring` is paid at the start of every
    `every_months`-th month after the first period (month every+1, 2*every+1, ...)."""

    per_query: float
    fixed_monthly: float = 0.0
    upfront: float = 0.0
    recurring: float = 0.0
    every_months: int = 0  # 0 = never

    def steady_monthly(self, monthly_queries: float) -> float:
        """Long-run cost per month, recurring cost amortised over its period."""
        amortised = self.recurring / self.every_months if self.every_months > 0 else 0.0
        return self.fixed_monthly + amortised + self.per_query * monthly_queries


def pipeline_costs(
    prices: PriceBook,
    ft_per_query: float,
    rag_per_query: float,
    train_cost: float,
    index: float = 0.0,
    retrain_every_months: int = 3,
) -> tuple[PipelineCost, PipelineCost]:
    """(fine-tuned, RAG) cost streams from a price book and measured per-query costs.

    The fine-tuned model is retrained as often as the knowledge changes (`cost.change_rate`):
    the same cadence the decision rule reasons with."""
    ft = PipelineCost(
        per_query=ft_per_query,
        fixed_monthly=prices.ft_fixed_monthly,
        upfront=train_cost,
        recurring=train_cost * prices.retrain_cost_factor,
        every_months=retrain_every_months,
    )
    rag = PipelineCost(
        per_query=rag_per_query, fixed_monthly=prices.vector_store_monthly + prices.rag_fixed_monthly, upfront=index
    )
    return ft, rag


def monthly_costs(p: PipelineCost, monthly_queries: float, months: int) -> list[float]:
    """Cumulative cost after 0..`months` months (index 0 = the up-front cost alone)."""
    out = [p.upfront]
    for m in range(1, months + 1):
        due = p.every_months > 0 and m > 1 and (m - 1) % p.every_months == 0
        out.append(out[-1] + p.fixed_monthly + p.per_query * monthly_queries + (p.recurring if due else 0.0))
    return out


@dataclass
class BreakEven:
    """Fine-tuned vs RAG over a horizon. `ft_cheaper_when` describes steady state by volume:
    "always", "never", "above" (crossover_queries) or "below" (crossover_queries)."""

    monthly_queries: float
    horizon_months: int
    ft_cumulative: list[float]
    rag_cumulative: list[float]
    break_even_month: int | None  # first month >= 1 with cumulative ft <= cumulative rag
    ft_monthly: float  # steady state at monthly_queries
    rag_monthly: float
    crossover_queries: float | None  # volume where steady-state monthly costs are equal
    ft_cheaper_when: Literal["always", "never", "above", "below"]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def break_even(ft: PipelineCost, rag: PipelineCost, monthly_queries: float, months: int = 36) -> BreakEven:
    """Compare cumulative costs at `monthly_queries` and find the steady-state crossover.

    Steady state: ft is cheaper per month when
        ft.fixed + ft.recurring/every + ft.per_query*Q <= rag.fixed + rag.per_query*Q,
    i.e. Q * (rag.per_query - ft.per_query) >= fixed gap. With equal per-query costs the
    answer does not depend on volume ("always" or "never"), so nothing divides by zero.
    """
    if months < 1 or monthly_queries < 0:
        raise ValueError("break_even needs months >= 1 and monthly_queries >= 0")
    ft_c, rag_c = monthly_costs(ft, monthly_queries, months), monthly_costs(rag, monthly_queries, months)
    month = next((m for m in range(1, months + 1) if ft_c[m] <= rag_c[m] + _EPS), None)

    fixed_gap = ft.steady_monthly(0) - rag.steady_monthly(0)  # extra fixed cost ft pays per month
    saving = rag.per_query - ft.per_query  # what ft saves per query
    crossover: float | None
    if math.isclose(saving, 0.0, abs_tol=_EPS):
        when, crossover = ("always" if fixed_gap <= _EPS else "never"), None
    elif saving > 0:
        crossover = max(0.0, fixed_gap / saving)
        when = "always" if crossover == 0.0 else "above"
    elif fixed_gap < -_EPS:  # ft costs more per query but less fixed: cheaper at low volume
        crossover, when = fixed_gap / saving, "below"
    else:
        crossover, when = None, "never"

    notes = []
    if month is None:
        notes.append(f"fine-tuning does not pay back within {months} months at {monthly_queries:g} queries/month")
    if when == "above":
        notes.append(f"fine-tuned is cheaper per month above {crossover:,.0f} queries/month")
    elif when == "below":
        notes.append(f"fine-tuned is cheaper per month only below {crossover:,.0f} queries/month")
    return BreakEven(
        monthly_queries=monthly_queries,
        horizon_months=months,
        ft_cumulative=ft_c,
        rag_cumulative=rag_c,
        break_even_month=month,
        ft_monthly=ft.steady_monthly(monthly_queries),
        rag_monthly=rag.steady_monthly(monthly_queries),
        crossover_queries=crossover,
        ft_cheaper_when=when,
        notes=notes,
    )
