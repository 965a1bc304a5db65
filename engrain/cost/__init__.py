"""Cost model: prices, per-query and training cost, break-even of fine-tuning vs RAG."""

from engrain.cost.model import (
    BreakEven,
    PipelineCost,
    break_even,
    index_cost,
    monthly_costs,
    pipeline_costs,
    query_cost,
    training_cost,
)
from engrain.cost.pricebook import PriceBook, load_pricebook, write_default_pricebook

__all__ = [
    "BreakEven",
    "PipelineCost",
    "PriceBook",
    "break_even",
    "index_cost",
    "load_pricebook",
    "monthly_costs",
    "pipeline_costs",
    "query_cost",
    "training_cost",
    "write_default_pricebook",
]
