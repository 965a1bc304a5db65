"""Fuzzed input: every reader of a user's file ends in a result or one EngrainError, never a traceback or a hang.

Hypothesis generates random and mutated inputs (valid samples with bytes changed, dropped or
inserted, and structured JSON/TOML of the wrong shapes). CI runs a few dozen examples per reader
(`FUZZ_EXAMPLES`); `FUZZ_EXAMPLES=500 pytest tests/test_fuzz.py` is the long battery.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import pdf_bytes

from engrain.config import load
from engrain.cost.pricebook import load_pricebook
from engrain.errors import EngrainError
from engrain.evaluate.evalfile import load_eval_file
from engrain.ingest import load_documents, load_logs

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=5000, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

SAMPLES = {
    ".md": b"# Pumps\n\nThe Heron MX-2 pump moves 40 litres per minute.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    ".txt": b"Pumps\n\nThe Heron MX-2 pump moves 40 litres per minute.\n",
    ".html": b"<html><head><title>Pumps</title></head><body><p>The MX-2 moves <b>40</b> l/min.</p>"
    b"<table><tr><td>a</td></tr></table></body></html>",
    ".jsonl": b'{"id": "a", "title": "Pumps", "text": "The MX-2 moves 40 l/min."}\n',
    ".pdf": pdf_bytes(["Pumps", "The Heron MX-2 pump moves 40 litres per minute."]),
}
LOG = b'{"messages": [{"role": "user", "content": "port?"}, {"role": "assistant", "content": "7418"}]}\n'
EVAL = b'{"id": "1", "question": "Port?", "answers": ["7418"], "category": "lookup", "kind": "qa"}\n'
CONFIG = b'name = "p"\n[data]\ndocs = ["docs"]\n[train]\nepochs = 2.0\nbudget = "30m"\n[rag]\ntop_k = 3\n'
PRICES = b'currency = "EUR"\nserving_input_per_1k = 0.0002\nembedding_per_1k = 0.00002\n'

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def mutated(sample: bytes) -> st.SearchStrategy[bytes]:
    """The sample with a few bytes replaced, dropped or inserted; or random bytes; or JSON lines of any shape."""
    edit = st.tuples(st.integers(0, max(0, len(sample) - 1)), st.integers(0, 8), st.binary(max_size=8))

    def apply(edits: list[tuple[int, int, bytes]]) -> bytes:
        out = sample
        for at, drop, insert in edits:
            out = out[:at] + insert + out[at + drop :]
        return out

    lines = st.lists(json_values, min_size=1, max_size=4).map(lambda vs: "\n".join(map(json.dumps, vs)).encode())
    return st.one_of(st.lists(edit, min_size=1, max_size=4).map(apply), st.binary(max_size=300), lines)


def _ends_cleanly(read, data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            read(path)
        except EngrainError as e:
            assert "\n" not in str(e).strip(), str(e)  # one line


@pytest.mark.parametrize("suffix", sorted(SAMPLES))
def test_documents(suffix):
    @FUZZ
    @given(mutated(SAMPLES[suffix]))
    def check(data):
        _ends_cleanly(lambda p: load_documents([p.parent], scrub_pii=False), data, f"doc{suffix}")

    check()


@FUZZ
@given(mutated(LOG))
def test_chat_logs(data):
    _ends_cleanly(lambda p: load_logs([p], scrub_pii=False), data, "logs.jsonl")


@FUZZ
@given(mutated(EVAL))
def test_eval_files(data):
    _ends_cleanly(load_eval_file, data, "eval.jsonl")


@FUZZ
@given(mutated(CONFIG))
def test_configs(data):
    _ends_cleanly(load, data, "engrain.toml")


@FUZZ
@given(mutated(PRICES))
def test_price_books(data):
    _ends_cleanly(load_pricebook, data, "prices.toml")
