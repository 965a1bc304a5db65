import pytest

from engrain.scoring import contains, exact_match, f1, is_abstention, normalize, score


def test_normalize_squad_rules():
    assert normalize("  The Quick, brown FOX!  ") == "quick brown fox"
    assert normalize("an apple a day") == "apple day"


@pytest.mark.parametrize("s", ["85 °C", "85°C", "85 C", "85 c."])
def test_normalize_degrees(s):
    assert normalize(s) == "85 c"


def test_exact_match_and_f1():
    assert exact_match("The GX-7.", ["gx-7"]) == 1.0
    assert exact_match("GX-7 model", ["GX-7"]) == 0.0
    assert f1("GX-7 model", ["GX-7"]) == pytest.approx(2 / 3)
    assert f1("red", ["blue", "red"]) == 1.0
    assert f1("anything", []) == 0.0 and exact_match("anything", []) == 0.0


def test_contains_word_boundaries():
    assert contains("The limit is 85°C at most.", ["85 °C"])
    assert not contains("The limit is 185 °C.", ["85 °C"])
    assert not contains("category", ["cat"])
    assert not contains("anything", [""])


@pytest.mark.parametrize(
    "s",
    [
        "The documentation does not say.",
        "I don't know.",
        "I do not know the answer",
        "That is not mentioned in the manual.",
        "There is no information about that.",
        "I cannot find that in the docs.",
        "The voltage isn't specified.",
        "Not specified.",
        "The manual doesn’t mention it.",
        "The context does not contain that.",
        "I'm not sure.",
        "I am unable to find this.",
        "The text does not state a value.",
    ],
)
def test_abstention_positives(s):
    assert is_abstention(s)


@pytest.mark.parametrize(
    "s",
    [
        "85 °C",
        "It does not support Wi-Fi; use the GX-7.",
        "The kit does not include batteries.",
        "Batteries are not provided.",
        "No, it doesn't.",
        "Hold the button for 5 seconds.",
    ],
)
def test_abstention_negatives(s):
    assert not is_abstention(s)


def test_score_answerable():
    s = score("It runs up to 85°C.", ["85 °C"])
    assert s["correct"] and not s["hallucinated"] and not s["abstained"]
    s = score("It runs up to 90 °C.", ["85 °C"])
    assert not s["correct"] and s["hallucinated"]
    s = score("The documentation does not say.", ["85 °C"])
    assert not s["correct"] and s["abstained"] and not s["hallucinated"]


def test_score_unanswerable():
    s = score("The documentation does not say.", [])
    assert s["correct"] and s["abstained"] and s["exact_match"] == 1.0 and s["f1"] == 1.0
    s = score("It supports 12 V.", [])
    assert not s["correct"] and s["hallucinated"] and s["f1"] == 0.0


def test_a_comparison_is_judged_by_the_option_named_first():
    answers, wrong = ["Pochard KL-30", "KL-30"], ["Nightjar PX-17", "PX-17"]
    assert score("The Pochard KL-30 is cheaper than the Nightjar PX-17.", answers, wrong)["correct"]
    assert not score("The Nightjar PX-17 is cheaper than the Pochard KL-30.", answers, wrong)["correct"]
    assert score("The Nightjar PX-17 is cheaper, the Pochard KL-30 is cheaper.", answers, wrong)["hallucinated"]
    assert score("The Nightjar PX-17 is cheaper than the Pochard KL-30.", answers)[
        "correct"
    ]  # without `wrong`: containment
