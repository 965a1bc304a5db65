"""Evaluation: every pipeline answers the eval split (runner), the statistics the report quotes
(stats), the eval file's format (evalfile), an optional LLM judge (judge) and what fine-tuning
cost the model on general text (forgetting). Scoring one answer lives in `engrain.scoring`."""
