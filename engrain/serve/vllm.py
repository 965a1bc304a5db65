"""`engrain serve --backend vllm`: the base model and the tuned LoRA adapter through vLLM.

For users who outgrow one CPU: vLLM's own OpenAI-compatible server (continuous batching,
paged attention) serves the base model as `base` and the adapter as `ft`, resolved the same
way as the built-in server (packaged default, local folder or hub id; a registry alias or
id, or the workspace's latest model). Only the closed-book pipelines run there: `rag`,
`ft+rag` and `auto` need engrain's retrieval and stay on the built-in backend. vLLM applies
the tokenizer's chat template; engrain's system prompt is sent by the client, not injected.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.model import calibrate
from engrain.model.engines import vllm_missing
from engrain.serve.security import configured_keys


def command(cfg: EngrainConfig, base_dir: str, adapter_dir: Path, api_key: str | None) -> list[str]:
    """The `vllm serve` command line: base model, the adapter as `ft`, bind address, key."""
    rank = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8")).get("r", 16)
    cmd = [
        "vllm",
        "serve",
        base_dir,
        "--served-model-name",
        "base",
        "--enable-lora",
        "--lora-modules",
        f"ft={adapter_dir}",
        "--max-lora-rank",
        str(max(8, rank)),
        "--host",
        cfg.serve.host,
        "--port",
        str(cfg.serve.port),
    ]
    return cmd + (["--api-key", api_key] if api_key else [])


def check_available() -> None:
    """One line, not a traceback, when this machine cannot run vLLM."""
    if reason := vllm_missing():
        raise EngrainError(f"--backend vllm needs vLLM on a CUDA GPU: {reason} (or use --backend engrain)")


def single_key(env_var: str, file: Path | None) -> str | None:
    """vLLM takes one API key: the only one configured, or none."""
    keys = configured_keys(env_var, file)
    if len(keys) > 1:
        raise EngrainError(
            f"--backend vllm takes one API key; {len(keys)} are configured ({env_var} / serve.api_keys_file)"
        )
    return keys[0] if keys else None


def refusal_threshold(cfg: EngrainConfig, adapter_dir: Path) -> None:
    """vLLM answers every question: a threshold set by hand is an error, the one chosen on the dev
    split (auto) a warning that this backend does not apply it."""
    setting = cfg.model.refuse_below
    if setting != "auto" and setting > 0:
        raise EngrainError(
            "--backend vllm answers every question: it cannot apply model.refuse_below "
            f"({setting}); set it to 0 or use --backend engrain"
        )
    chosen = calibrate.threshold(setting, adapter_dir)
    if chosen > 0:
        print(
            f"warning: --backend vllm answers every question; ft's refusal threshold {chosen:.2f} (chosen on "
            "the dev split) applies only with --backend engrain",
            file=sys.stderr,
        )


def serve(cfg: EngrainConfig, base_dir: str, adapter_dir: Path) -> None:
    """Replace this process with vLLM's server (its logs and signals are its own)."""
    refusal_threshold(cfg, adapter_dir)
    check_available()
    if not (adapter_dir / "adapter_config.json").exists():
        raise EngrainError(
            f"--backend vllm serves a LoRA adapter; {adapter_dir} holds none (full fine-tunes: "
            "serve that folder with `vllm serve` directly)"
        )
    key = single_key(cfg.serve.api_keys_env, cfg.path(cfg.serve.api_keys_file) if cfg.serve.api_keys_file else None)
    cmd = command(cfg, base_dir, adapter_dir, key)
    os.execvp(cmd[0], cmd)
