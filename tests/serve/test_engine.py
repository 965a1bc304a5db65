"""The worker: one answer at a time, and a cancelled stream stops generating."""

import asyncio
import threading

import pytest

from engrain.config import EngrainConfig
from engrain.serve.engine import Cancelled, Engine


@pytest.fixture
def engine(tiny_model, tmp_path):
    cfg = EngrainConfig(workspace=str(tmp_path / "ws"))
    cfg.model.base, cfg.model.max_new_tokens = str(tiny_model), 12
    e = Engine(cfg)
    yield e
    e.close()


def test_only_untrained_pipelines_are_servable_without_a_model_or_index(engine):
    assert engine.servable() == ["base"]


class _Talker:
    """An answerer that streams ten pieces, as a long generation would."""

    name = "base"

    def __init__(self) -> None:
        self.sent = 0

    def answer(self, question, kind="qa", max_new_tokens=None, on_text=None):
        for _ in range(10):
            on_text("x")
            self.sent += 1


def test_a_disconnected_stream_stops_at_the_next_token(engine):
    talker, cancelled = _Talker(), threading.Event()
    engine._answerers["base"] = talker
    with pytest.raises(Cancelled):
        asyncio.run(engine.answer("base", "q", "qa", 12, lambda t: cancelled.set(), cancelled))
    assert talker.sent == 1  # the piece during which the client left; nothing after


def test_the_generator_reports_every_token_to_its_sink(engine):
    gen = engine._get("base").generator
    calls: list[str] = []
    g = gen.generate(gen.chat_ids("What port?"), max_new_tokens=12, on_text=calls.append)
    assert len(calls) == g.completion_tokens and "".join(calls).strip() == g.text


def test_a_request_cancelled_while_queued_never_starts(engine):
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(Cancelled):
        asyncio.run(engine.answer("base", "What port?", "qa", 12, lambda t: None, cancelled))
