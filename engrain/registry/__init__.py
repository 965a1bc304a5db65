"""Trained models as frozen, audited artifacts: a catalogue, aliases and a hash-chained audit log."""

from engrain.registry.store import Model, Registry

__all__ = ["Model", "Registry"]
