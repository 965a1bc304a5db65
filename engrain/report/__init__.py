"""Reporting: turning evaluation results into a recommendation."""

from engrain.report.decide import DecisionInputs, decide

__all__ = ["DecisionInputs", "decide"]
