import pytest

from engrain.budget import CPU_DEFAULT_MINUTES, parse_budget
from engrain.config import EngrainConfig
from engrain.errors import EngrainError


@pytest.mark.parametrize(
    ("text", "seconds", "tokens"),
    [
        ("30m", 1800, None),
        ("1h30m", 5400, None),
        ("90s", 90, None),
        ("1.5h", 5400, None),
        ("45 min", 2700, None),
        ("800k", None, 800_000),
        ("2M", None, 2_000_000),
        ("2M tokens", None, 2_000_000),
        ("120000", None, 120_000),
        ("none", None, None),
    ],
)
def test_a_budget_is_a_time_or_tokens(text, seconds, tokens):
    b = parse_budget(text)
    assert (b.seconds, b.tokens) == (seconds, tokens)
    assert b.capped == (seconds is not None or tokens is not None)


def test_m_is_minutes_and_capital_m_is_millions():
    assert parse_budget("2m").seconds == 120 and parse_budget("2M").tokens == 2_000_000


def test_auto_caps_a_cpu_and_leaves_a_gpu_the_whole_recipe():
    assert parse_budget("auto").seconds == CPU_DEFAULT_MINUTES * 60
    assert not parse_budget("auto", gpu=True).capped


def test_a_bad_budget_is_one_line_at_load_time():
    with pytest.raises(EngrainError, match="train.budget 'soon'"):
        parse_budget("soon")
    with pytest.raises(ValueError, match="a time"):
        EngrainConfig(train={"budget": "soon"})
