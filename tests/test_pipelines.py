"""The pipeline registry: each pipeline declared once, everything else reads its traits."""

import pytest

from engrain import pipelines
from engrain.answerers import AnswererFactory
from engrain.config import EngrainConfig, validate
from engrain.errors import EngrainError
from engrain.model.answerer import ClosedBookAnswerer
from engrain.rag.answerer import RagAnswerer
from engrain.rag.auto import AutoAnswerer
from engrain.rag.verify import VerifiedAnswerer


def test_every_pipeline_is_declared_once_with_its_traits():
    assert pipelines.NAMES == ("base", "rag", "ft", "ft+rag", "auto")
    assert [p.tuned for p in pipelines.PIPELINES.values()] == [False, False, True, True, True]
    assert [p.retrieves for p in pipelines.PIPELINES.values()] == [False, True, False, True, True]
    assert len({p.color for p in pipelines.PIPELINES.values()}) == 5


def test_unknown_pipelines_are_refused_in_one_line():
    with pytest.raises(EngrainError, match="unknown pipeline 'auto2'"):
        pipelines.get("auto2")
    raw = EngrainConfig().model_dump(mode="json")
    raw["eval"]["pipelines"] = ["ft", "gpt"]
    with pytest.raises(EngrainError, match="'gpt'"):
        validate(raw)


def test_ordered_puts_declared_pipelines_first():
    assert pipelines.ordered({"zeta", "ft", "rag"}) == ["rag", "ft", "zeta"]


class _Factory(AnswererFactory):
    """The real build logic over stand-ins for the models and the index."""

    base, tuned, retriever = "base-weights", "tuned-weights", "index"


@pytest.mark.parametrize("hybrid, expected", [("verify", VerifiedAnswerer), ("read", RagAnswerer)])
def test_the_factory_builds_each_pipeline_from_its_traits(hybrid, expected):
    cfg = EngrainConfig()
    cfg.rag.hybrid = hybrid
    f = _Factory(cfg, None, None)
    built = {name: f.build(name) for name in pipelines.NAMES}
    assert type(built["base"]) is ClosedBookAnswerer and built["base"].generator == "base-weights"
    assert type(built["ft"]) is ClosedBookAnswerer and built["ft"].generator == "tuned-weights"
    assert type(built["rag"]) is RagAnswerer and built["rag"].generator == "base-weights"
    assert type(built["ft+rag"]) is expected
    assert type(built["auto"]) is AutoAnswerer and built["auto"].generator == "tuned-weights"
    assert built["auto"].threshold == cfg.rag.auto_confidence
