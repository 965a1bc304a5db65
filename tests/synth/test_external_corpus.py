"""Generic synthesis on text nobody on this project wrote (skipped when the corpus is absent)."""

from pathlib import Path

import pytest

from engrain.config import SynthConfig
from engrain.ingest import load_documents
from engrain.rag.chunk import chunk_corpus
from engrain.synth.build import synthesize

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "wiki-newpages-bio"
pytestmark = pytest.mark.skipif(not (CORPUS / "docs").is_dir(), reason="external corpus absent")


def test_synthesis_covers_nine_in_ten_sentences():
    docs = load_documents([CORPUS / "docs"], scrub_pii=True, max_file_mb=50)
    res = synthesize(docs, [], chunk_corpus(docs, 80, 20), SynthConfig(), seed=0, eval_items=[])
    cov = res.stats["coverage"]
    assert cov["sentences_with_span"] >= 0.9 * cov["sentences"], cov
    assert res.stats["by_kind"]["wh"] > 1000 and res.stats["by_kind"]["abstain"] > 100
    assert len(res.dev) >= 48  # enough for checkpoint selection
