"""Batched generation gives each request what it would get alone; a server's calls coalesce."""

import threading
import time

import pytest

from engrain.model.batching import BatchingGenerator
from engrain.model.generate import Generator, Request
from engrain.model.loading import load_causal_lm

QUESTIONS = ["What port?", "Which firmware version fixes the reboot loop on the unit?", "Weight?"]


@pytest.fixture(scope="module")
def gen(tiny_model) -> Generator:
    model, tok = load_causal_lm(str(tiny_model))
    return Generator(model, tok, "Be brief.", max_new_tokens=6)


def test_a_batch_gives_each_request_its_own_greedy_answer(gen):
    prompts = [gen.chat_ids(q) for q in QUESTIONS]
    alone = [gen.generate(p) for p in prompts]
    assert all(a.completion_tokens > 1 for a in alone) and len({len(p) for p in prompts}) == 3  # real, ragged work
    batched = gen.generate_batch([Request(p) for p in prompts])
    assert [b.text for b in batched] == [a.text for a in alone]
    assert [b.completion_tokens for b in batched] == [a.completion_tokens for a in alone]
    assert [b.prompt_tokens for b in batched] == [len(p) for p in prompts]
    for a, b in zip(alone, batched):
        assert b.confidence == pytest.approx(a.confidence, rel=1e-3)


def test_a_stopped_stream_ends_only_its_own_request(gen):
    class Gone(Exception):
        pass

    def gone(_text: str) -> None:
        raise Gone

    prompts = [gen.chat_ids(q) for q in QUESTIONS]
    out = gen.generate_batch(
        [Request(prompts[0]), Request(prompts[1], on_text=gone), Request(prompts[2], max_new_tokens=2)]
    )
    assert isinstance(out[1], Gone)
    assert out[0].text == gen.generate(prompts[0]).text
    assert out[2].completion_tokens <= 2 and out[2].text == gen.generate(prompts[2], max_new_tokens=2).text


def test_concurrent_calls_run_as_one_batch_with_the_same_answers(gen):
    batching = BatchingGenerator(gen, max_batch=8)
    release = threading.Event()

    def hold(_text: str) -> None:
        release.wait(10)  # keeps the batch thread busy while the others queue

    first = threading.Thread(target=batching.generate, args=(gen.chat_ids("hold"),), kwargs={"on_text": hold})
    first.start()
    time.sleep(0.2)
    results: dict[int, str] = {}

    def ask(i: int) -> None:
        results[i] = batching.generate(gen.chat_ids(QUESTIONS[i])).text

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(QUESTIONS))]
    for t in threads:
        t.start()
    time.sleep(0.5)
    release.set()
    for t in [first, *threads]:
        t.join(30)
    assert batching.batches[-1] == len(QUESTIONS)  # the three waiting requests ran together
    assert [results[i] for i in range(len(QUESTIONS))] == [gen.generate(gen.chat_ids(q)).text for q in QUESTIONS]
    assert batching.chat_ids("x") == gen.chat_ids("x")  # the rest of the interface is the generator's
