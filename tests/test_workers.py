"""`data.workers`: how many processes the data stages' NLP runs in."""

import os

import pytest
from pydantic import ValidationError

from engrain.config import EngrainConfig
from engrain.workers import PARALLEL_FROM_WORDS, Parallel, Workers, processes


def test_on_ray_auto_is_the_whole_cluster_and_a_number_is_kept():
    assert Workers("auto", "ray").for_words(10) == Parallel(None, "ray")
    assert Workers(3, "ray").for_words(10**6) == Parallel(3, "ray")
    assert Workers("auto", "local").for_words(10) == Parallel(1, "local")


def test_auto_is_one_process_for_a_small_corpus_and_one_per_core_for_a_large_one():
    assert processes("auto", PARALLEL_FROM_WORDS - 1) == 1
    assert processes("auto", PARALLEL_FROM_WORDS) == (os.cpu_count() or 1)
    assert processes(3, 10) == 3  # a number as set, whatever the corpus


def test_a_worker_count_below_one_is_refused():
    with pytest.raises(ValidationError):
        EngrainConfig.model_validate({"data": {"workers": 0}})
    assert EngrainConfig.model_validate({"data": {"workers": 2}}).data.workers == 2


def test_ray_actors_scrub_and_parse_as_this_process_does(ray_local):
    from engrain.ingest.pii import scrub_many
    from engrain.synth.nlp import load_nlp, pipe
    from engrain.workers import Parallel

    ray = Parallel(2, "ray")
    texts = [f"Ticket {i}: Maren Holt wrote from maren{i}@example.com about the Oslo office." for i in range(30)]
    assert scrub_many(texts, names=True, par=ray) == scrub_many(texts, names=True)
    nlp = load_nlp()

    def shape(docs):
        return [[(t.text, t.tag_, t.dep_, t.head.i, t.ent_type_, t.whitespace_) for t in d] for d in docs]

    assert shape(pipe(nlp, texts, ray)) == shape(pipe(nlp, texts))
