"""Shared fixtures: a tiny random-weight chat model built on the fly (under a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

CHATML = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

CORPUS = """The Kestrel DL-40 is a data logger. The maximum operating temperature of the Kestrel DL-40 is 85 °C.
The Osprey GX-7 has a battery life of 47 hours. The Heron MX-2's default port is port 7418.
Reset the logger by holding the button for 12 seconds. Firmware 3.2.9 fixed the clock drift.
"""


def build_tiny_model(folder: Path, text: str = CORPUS, hidden: int = 64, layers: int = 2) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    torch.manual_seed(0)
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    raw.train_from_iterator([text] * 5 + ["system user assistant Question passages"], trainer)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=raw, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None
    )
    tok.chat_template = CHATML
    cfg = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session", autouse=True)
def _speed_cache(tmp_path_factory):
    """Measured speeds of the tests' tiny models stay out of the user's cache."""
    import os

    os.environ["ENGRAIN_SPEED_CACHE"] = str(tmp_path_factory.mktemp("speed") / "speed.json")


@pytest.fixture(scope="session")
def ray_local():
    """Ray Data on a local instance (skipped without the `ray` extra), shut down after the session."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    yield
    if ray.is_initialized():
        ray.shutdown()
