"""Which inference engines this machine can run: the one test the local teacher and
`engrain serve --backend vllm` both make before choosing vLLM."""

from __future__ import annotations

import importlib.util


def vllm_missing() -> str | None:
    """Why vLLM cannot run here, in a few words (None: it can: installed, and a CUDA GPU present)."""
    if importlib.util.find_spec("vllm") is None:
        return "vLLM is not installed (pip install vllm, on a GPU machine)"
    import torch

    if not torch.cuda.is_available():
        return "this machine has no CUDA GPU"
    return None
