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
    engine._current[1]["base"] = talker
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


def test_a_promotion_swaps_the_served_checkpoint_without_a_restart(tmp_path, tiny_model):
    import shutil

    from safetensors.torch import load_file, save_file
    from samples import make_project

    from engrain import recipe
    from engrain.model.batching import BatchingGenerator
    from engrain.registry import Registry
    from engrain.workspace import Workspace

    cfg = make_project(tmp_path, tiny_model)
    recipe.run_stage(cfg, "train", progress=False)
    ws = Workspace(cfg)
    first = ws.manifest("train")["model_id"]
    other = tmp_path / "other"
    shutil.copytree(ws.path("train", "model"), other)
    weights = next(other.glob("*.safetensors"))
    save_file({k: v + 0.01 for k, v in load_file(weights).items()}, weights)  # another checkpoint
    reg = Registry(ws.dir("registry"))
    second = reg.register(other, {"base": cfg.model.base}, "test")
    reg.promote(first, "production", "test")
    cfg.serve.max_batch = 4  # answers decode in batches: each model has a batching thread
    engine = Engine(cfg, model_ref="production")
    try:
        assert engine.checkpoint == first and not engine.refresh()
        asyncio.run(engine.answer("ft", "What port?", "qa", 4))
        old = engine.factory.tuned
        assert isinstance(old, BatchingGenerator) and old._thread.is_alive()
        reg.promote(second, "production", "test")
        assert engine.refresh() and engine.checkpoint == second
        assert not old._thread.is_alive()  # nothing ran on the old model: its thread and weights are let go
        assert asyncio.run(engine.answer("ft", "What port?", "qa", 4)).completion_tokens <= 4
    finally:
        engine.close()
        reg.close()


def test_a_swapped_out_model_closes_only_after_its_last_request(tmp_path, tiny_model):
    from samples import make_project

    cfg = make_project(tmp_path, tiny_model)
    engine = Engine(cfg)
    closed = []

    class _Factory:
        def __exit__(self, *exc):
            closed.append(self)

    old, new = _Factory(), _Factory()
    engine._current = (old, {})
    held = engine._hold()  # a request answering on the old model
    engine._current = (new, {})
    engine._retire(old)  # the swap: a request still runs on it
    assert closed == [] and held[0] is old
    engine._release(old)  # that request ends
    assert closed == [old]
    engine._worker.shutdown()
