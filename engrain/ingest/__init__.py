"""Ingest: turn a user's documents and chat logs into validated, PII-scrubbed records."""

from engrain.ingest.documents import load_documents
from engrain.ingest.logs import load_logs
from engrain.ingest.pii import scrub

__all__ = ["load_documents", "load_logs", "scrub"]
