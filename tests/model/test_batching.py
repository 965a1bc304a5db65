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


def test_a_batch_decoded_generation_is_replayed_into_batches_but_timed_alone(gen):
    """A memo entry decoded in a batch carries the batch's time: a timed single request computes it again."""
    prompts = [gen.chat_ids(q) for q in QUESTIONS]
    with gen.memoized():
        batched = gen.generate_batch([Request(p) for p in prompts])
        assert all(b.batched for b in batched)
        again = gen.generate_batch([Request(prompts[0]), Request(prompts[2])])
        assert [a.text for a in again] == [batched[0].text, batched[2].text] and all(a.batched for a in again)
        alone = gen.generate(prompts[0])
        assert not alone.batched and alone.text == batched[0].text
        assert gen.generate(prompts[0]) == alone  # now the single-request timing is what is replayed


def test_answer_all_coalesces_an_evaluations_questions_and_keeps_their_order(gen):
    from engrain.model.answerer import ClosedBookAnswerer
    from engrain.model.batching import answer_all

    questions = [(f"{q} ({i})", "qa") for i in range(4) for q in QUESTIONS]
    alone = [ClosedBookAnswerer("ft", gen).answer(q) for q, _ in questions]
    with BatchingGenerator(gen, max_batch=8, linger_s=0.05) as batching:
        ticks = []
        out = answer_all(ClosedBookAnswerer("ft", batching), questions, 8, lambda: ticks.append(1))
        assert [a.text for a in out] == [a.text for a in alone] and len(ticks) == len(questions)
        assert max(batching.batches) > 1 and sum(batching.batches) == len(questions)
    assert not batching._thread.is_alive()  # closed: the model is no longer held by a thread
