"""Prices the cost model uses, loadable from a TOML file.

Defaults are illustrative, not quotes: a self-hosted small (<1B) model on a rented GPU,
expressed as per-1k-token prices (your GPU's $/hour divided by measured tokens/hour is the
number to put here). Both pipelines run the same base model, so what separates them is
prompt length (retrieved context), retrieval costs, fixed infrastructure and training.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from engrain.errors import EngrainError
from engrain.io import read_toml, validated


class PriceBook(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    currency: str = Field("USD", description="Currency every price below is in (labels only; no conversion).")
    serving_input_per_1k: float = Field(
        0.00005, ge=0, description="Prompt tokens, per 1k (self-hosted small model: GPU $/h / prompt tokens/h x 1000)."
    )
    serving_output_per_1k: float = Field(
        0.0002, ge=0, description="Generated tokens, per 1k (decode is slower than prefill)."
    )
    embedding_per_1k: float = Field(0.00002, ge=0, description="Embedding tokens (query or corpus), per 1k.")
    vector_query_per_1k: float = Field(0.02, ge=0, description="Vector-store searches, per 1k queries.")
    vector_store_monthly: float = Field(
        25.0, ge=0, description="Vector store fixed cost per month (index hosting, storage)."
    )
    rag_fixed_monthly: float = Field(
        0.0, ge=0, description="Other fixed RAG infra per month (embedding service, ingestion jobs)."
    )
    ft_fixed_monthly: float = Field(
        0.0,
        ge=0,
        description="Extra fixed cost per month to serve the fine-tuned weights (0 = adapter on the shared "
        "deployment).",
    )
    gpu_hour_price: float = Field(2.5, ge=0, description="Training GPU, per hour (time-based part of training cost).")
    train_per_1k_tokens: float = Field(
        0.0, ge=0, description="Training tokens, per 1k (hosted fine-tuning APIs; set gpu_hour_price = 0 then)."
    )
    retrain_cost_factor: float = Field(
        1.0, ge=0, description="Cost of each retraining as a multiple of the first training run."
    )


def load_pricebook(path: str | Path | None = None) -> PriceBook:
    """Read a price book TOML (flat keys as in `write_default_pricebook`); None = defaults."""
    if path is None:
        return PriceBook()
    raw = read_toml(path, "price book")
    if "retrain_months" in raw:
        raise EngrainError(
            f"{path}: retrain_months is no longer a price; retraining follows cost.change_rate in the config"
        )
    return validated(PriceBook, raw, str(path))


def write_default_pricebook(path: str | Path) -> Path:
    """Write the defaults as a commented TOML for the user to edit; returns the path."""
    path = Path(path)
    lines = ["# engrain price book. Every field is optional; illustrative defaults shown.", ""]
    for name, field in PriceBook.model_fields.items():
        value = getattr(PriceBook(), name)
        lines.append(f"# {field.description}")
        lines.append(f"{name} = {json.dumps(value) if isinstance(value, str) else repr(value)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
