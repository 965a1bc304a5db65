import pytest

from engrain.ablate import parse_vary, render_table
from engrain.config import EngrainConfig, set_dotted, validate
from engrain.errors import EngrainError


def test_parse_vary_reads_typed_values():
    assert parse_vary(["synth.paraphrases=0,2,5", "train.method=lora,full"]) == {
        "synth.paraphrases": [0, 2, 5],
        "train.method": ["lora", "full"],
    }
    with pytest.raises(EngrainError):
        parse_vary(["synth.paraphrases"])
    raw = EngrainConfig().model_dump(mode="json")
    set_dotted(raw, "synth.nope", 2, "--vary")
    with pytest.raises(EngrainError, match="synth.nope"):  # an unknown setting is named, in one line
        validate(raw, "--vary")


def test_render_table_lists_every_point():
    rows = [
        {
            "setting": {"synth.paraphrases": p},
            "examples": 10 * p,
            "train_seconds": 1.0,
            "pipelines": {"ft": {"accuracy": p / 10, "hallucination_rate": 0.5}},
        }
        for p in (0, 2)
    ]
    table = render_table({"rows": rows})
    assert "paraphrases=0" in table and "20.0%" in table and table.count("\n") == 4
