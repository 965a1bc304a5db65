"""Evaluation: scoring answers and the statistics the report quotes."""

from engrain.evaluate.metrics import contains, exact_match, f1, is_abstention, normalize, score
from engrain.evaluate.stats import bootstrap_ci, mcnemar, percentiles

__all__ = [
    "bootstrap_ci", "contains", "exact_match", "f1", "is_abstention", "mcnemar", "normalize", "percentiles", "score",
]
