"""Serve the bake-off's pipelines behind one OpenAI-compatible endpoint."""

from engrain.serve.app import create_app

__all__ = ["create_app"]
