"""What a registered model was trained on, against the corpus as ingested now.

A model's registry entry keeps the content hash of every document and conversation it was
trained from (`lineage`); ingest's manifest keeps those of the corpus today. Retraining trains
on the sources that differ; `auto` reads the documents that differ instead of trusting weights
that predate them.
"""

from __future__ import annotations


def changed_sources(lineage: dict | None, ingested: dict | None, conversations: bool = True) -> frozenset[str]:
    """Ids of the documents (and, with `conversations`, chat logs) added or edited since the model
    with this `lineage` was trained; none when the model has no lineage (nothing to compare)."""
    if lineage is None:
        return frozenset()
    ingested = ingested or {}
    trained_on = dict(lineage.get("documents") or {})
    now = dict(ingested.get("sources") or {})
    if conversations:
        trained_on |= lineage.get("conversations") or {}
        now |= ingested.get("log_sources") or {}
    return frozenset(src for src, sha in now.items() if trained_on.get(src) != sha)
