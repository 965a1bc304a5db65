"""Closed-book answering with `model.refuse_below`: an unsure answer becomes the refusal."""

import time

import pytest

from engrain.answerers import AnswererFactory
from engrain.config import EngrainConfig
from engrain.model.answerer import ClosedBookAnswerer
from engrain.model.generate import Generation, Generator
from engrain.model.loading import load_causal_lm

REFUSAL = "The documentation does not say."


class _Generator:
    """Replies with a fixed text and confidence; streams it token by token when asked."""

    def __init__(self, text: str, confidence: float) -> None:
        self.text, self.confidence, self.streamed = text, confidence, False

    def clock(self) -> float:
        return time.perf_counter()

    def chat_ids(self, user: str) -> list[int]:
        return [1] * 10

    def text_ids(self, text: str) -> list[int]:
        return [1] * 8

    def generate(self, ids, stop_at_newline=False, max_new_tokens=None, on_text=None) -> Generation:
        if on_text:
            self.streamed = True
            for i in range(1, len(self.text) + 1):
                on_text(self.text[:i])
        return Generation(self.text, len(ids), 4, 1.0, 2.0, self.confidence)


@pytest.mark.parametrize(
    "text, confidence, expected, route",
    [
        ("3435 g.", 0.99, "3435 g.", "closed-book"),
        ("2817 g.", 0.80, REFUSAL, "unsure"),
        ("The documentation does not say.", 0.50, REFUSAL, "refusal"),
    ],
)
def test_an_answer_below_the_threshold_becomes_the_refusal(text, confidence, expected, route):
    a = ClosedBookAnswerer("ft", _Generator(text, confidence), refuse_below=0.95, refusal=REFUSAL)
    ans = a.answer("What is the weight of the Lapwing RC-68e?")
    assert (ans.text, ans.route, ans.confidence) == (expected, route, confidence)
    assert ans.completion_tokens == 4  # the tokens generated are still paid for


def test_off_by_default_and_for_completions():
    unsure = _Generator("2817 g.", 0.10)
    assert ClosedBookAnswerer("ft", unsure).answer("Q?").text == "2817 g."
    a = ClosedBookAnswerer("ft", unsure, refuse_below=0.95, refusal=REFUSAL)
    ans = a.answer("The Lapwing RC-68e weighs", "completion")
    assert (ans.text, ans.route) == ("2817 g.", "")


def test_a_stream_receives_only_the_answer_that_stands():
    seen: list[str] = []
    gen = _Generator("2817 g.", 0.5)
    ClosedBookAnswerer("ft", gen, refuse_below=0.95, refusal=REFUSAL).answer("Q?", on_text=seen.append)
    assert seen == [REFUSAL] and not gen.streamed
    seen.clear()
    ClosedBookAnswerer("ft", _Generator("3435 g.", 0.99), refuse_below=0.95, refusal=REFUSAL).answer(
        "Q?", on_text=seen.append
    )
    assert seen == ["3435 g."]


def test_the_factory_gives_the_threshold_to_the_tuned_model_only():
    class Factory(AnswererFactory):
        base, tuned = "base-weights", "tuned-weights"

    cfg = EngrainConfig()
    cfg.model.refuse_below = 0.97
    f = Factory(cfg, None, None)
    assert (f.build("ft").refuse_below, f.build("ft").refusal) == (0.97, cfg.model.refusal)
    assert f.build("base").refuse_below == 0.0


def test_a_real_model_refuses_what_it_is_unsure_of(tiny_model):
    model, tok = load_causal_lm(str(tiny_model))
    gen = Generator(model, tok, "Be brief.", max_new_tokens=5)
    free = ClosedBookAnswerer("ft", gen).answer("What port?")
    assert free.confidence < 0.999  # random weights are unsure of every token
    strict = ClosedBookAnswerer("ft", gen, refuse_below=0.999, refusal=REFUSAL).answer("What port?")
    assert (strict.text, strict.route) == (REFUSAL, "unsure")
    lenient = ClosedBookAnswerer("ft", gen, refuse_below=free.confidence / 2, refusal=REFUSAL).answer("What port?")
    assert (lenient.text, lenient.route) == (free.text, "closed-book")
