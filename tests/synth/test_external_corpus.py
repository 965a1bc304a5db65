"""Generic synthesis on text nobody on this project wrote (skipped when the corpus is absent)."""

from pathlib import Path

import pytest

from engrain.config import SynthConfig
from engrain.ingest import load_documents
from engrain.rag.chunk import chunk_corpus
from engrain.synth.build import synthesize
from engrain.workers import Parallel, Workers

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "wiki-newpages-bio"
pytestmark = pytest.mark.skipif(not (CORPUS / "docs").is_dir(), reason="external corpus absent")


@pytest.fixture(scope="module")
def docs():
    return load_documents([CORPUS / "docs"], scrub_pii=True, max_file_mb=50)


@pytest.fixture(scope="module")
def synthesized(docs):
    return synthesize(docs, [], chunk_corpus(docs, 80, 20), SynthConfig(), seed=0, eval_items=[])


def test_synthesis_covers_nine_in_ten_sentences(synthesized):
    res = synthesized
    cov = res.stats["coverage"]
    assert cov["sentences_with_span"] >= 0.9 * cov["sentences"], cov
    assert res.stats["by_kind"]["wh"] > 1000 and res.stats["by_kind"]["abstain"] > 100
    assert len(res.dev) >= 48  # enough for checkpoint selection


def test_ray_data_gives_the_examples_the_default_engine_gives(docs, synthesized, ray_local):
    # data.engine = "ray": PII scrubbing and spaCy's parse on Ray actors (a local instance), two of them
    par = Parallel(2, "ray")
    on_ray = load_documents([CORPUS / "docs"], scrub_pii=True, max_file_mb=50, workers=Workers(2, "ray"))
    assert [(d.id, d.text, d.meta) for d in on_ray] == [(d.id, d.text, d.meta) for d in docs]
    res = synthesize(on_ray, [], chunk_corpus(on_ray, 80, 20), SynthConfig(), seed=0, eval_items=[], par=par)
    assert res.train == synthesized.train and res.dev == synthesized.dev and res.eval == synthesized.eval
