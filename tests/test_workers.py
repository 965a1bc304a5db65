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


def _shape(parsed) -> list:
    """What synthesis reads of a parsed corpus: sentences, their resolution, and every token's parse."""
    sents = [s for p in parsed for s in p.sentences]
    return [
        (s.original, s.text, [(t.text, t.tag_, t.dep_, t.head.i, t.ent_type_, t.whitespace_) for t in s.parse])
        for s in sents
    ]


def _tickets(n: int) -> list:
    from engrain.records import Document

    text = "Maren Holt wrote from maren{i}@example.com about the Oslo office. She asked for ticket {i}."
    return [Document(f"t{i}", "Maren Holt", text.format(i=i), f"t{i}", "h") for i in range(n)]


def test_worker_processes_map_batches_in_input_order():
    from engrain.workers import par_map

    assert par_map(_Offset, (100,), list(range(10)), 3, Parallel(2)) == list(range(100, 110))
    assert par_map(_Offset, (100,), list(range(10)), 3, Parallel(1)) == list(range(100, 110))


class _Offset:
    """A worker that adds `by`: importable, so a spawned process can build it."""

    def __init__(self, by: int) -> None:
        self.by = by

    def __call__(self, batch: list[int]) -> list[int]:
        return [x + self.by for x in batch]


def test_two_local_worker_processes_parse_as_this_process_does():
    from engrain.synth.nlp import DOCS_PER_BATCH, load_nlp, parse_corpus

    docs = _tickets(DOCS_PER_BATCH + 3)  # two batches: one per worker
    assert _shape(parse_corpus(docs, load_nlp(), Parallel(2))) == _shape(parse_corpus(docs, load_nlp()))


def test_ray_actors_scrub_and_parse_as_this_process_does(ray_local):
    from engrain.ingest.pii import scrub_many
    from engrain.synth.nlp import load_nlp, parse_corpus

    ray = Parallel(2, "ray")
    texts = [f"Ticket {i}: Maren Holt wrote from maren{i}@example.com about the Oslo office." for i in range(30)]
    assert scrub_many(texts, names=True, par=ray) == scrub_many(texts, names=True)
    docs = _tickets(30)
    assert _shape(parse_corpus(docs, load_nlp(), ray)) == _shape(parse_corpus(docs, load_nlp()))
