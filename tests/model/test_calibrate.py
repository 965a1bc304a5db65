"""`model.refuse_below = "auto"`: the threshold chosen on the dev split, stored with the model."""

import time

import pytest

from engrain.answerers import AnswererFactory
from engrain.config import EngrainConfig
from engrain.io import read_json
from engrain.model import calibrate
from engrain.model.answerer import ClosedBookAnswerer
from engrain.model.generate import Generation
from engrain.records import EvalItem

REFUSAL = "The documentation does not say."


class _Scripted:
    """Replies per question with a fixed text and confidence."""

    def __init__(self, replies: dict[str, tuple[str, float]]) -> None:
        self.replies, self.question = replies, ""

    def clock(self) -> float:
        return time.perf_counter()

    def chat_ids(self, user: str) -> list[int]:
        self.question = user
        return [1] * 4

    def generate(self, ids, stop_at_newline=False, max_new_tokens=None, on_text=None) -> Generation:
        text, confidence = self.replies[self.question]
        return Generation(text, len(ids), 3, 1.0, 1.0, confidence)


# A model that is sure of the fact it learnt and unsure of what it makes up.
DEV = [
    EvalItem("1", "Port of GX-7?", ["7418"]),
    EvalItem("2", "Weight of MX-2?", ["2.4 kg"]),
    EvalItem("3", "Warranty of GX-7?", [], "unanswerable"),
    EvalItem("4", "Colour of DL-40?", [], "unanswerable"),
    EvalItem("5", "The battery of the GX-7 lasts", ["12 hours"], kind="completion"),  # not a qa question: skipped
]
REPLIES = {
    "Port of GX-7?": ("Port 7418.", 0.99),
    "Weight of MX-2?": ("3.1 kg.", 0.85),
    "Warranty of GX-7?": ("Two years.", 0.70),
    "Colour of DL-40?": (REFUSAL, 0.95),
}


def test_the_threshold_with_the_best_dev_accuracy_is_chosen_lowest_of_equals():
    rows = calibrate.measure(ClosedBookAnswerer("ft", _Scripted(REPLIES)), DEV, REFUSAL)
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    threshold, table = calibrate.choose(rows)
    by = {t["threshold"]: t for t in table}
    assert (by[0.0]["correct"], by[0.0]["hallucinated"]) == (0.5, 0.5)  # 7418 and the refusal right
    # from 0.8 the made-up warranty is refused (right); from 0.9 the wrong weight too (no longer a
    # hallucination, still not right); 0.99 keeps 7418; 0.8 is the lowest of the best
    assert (by[0.8]["correct"], by[0.8]["hallucinated"]) == (0.75, 0.25)
    assert (by[0.9]["correct"], by[0.9]["hallucinated"], by[0.9]["abstained"]) == (0.75, 0.0, 0.75)
    assert by[0.99]["correct"] == 0.75
    assert threshold == 0.8


def test_no_dev_questions_leave_it_off(tmp_path):
    assert calibrate.choose([])[0] == 0.0
    record = calibrate.calibrate(ClosedBookAnswerer("ft", _Scripted({})), [], REFUSAL, tmp_path)
    assert record["refuse_below"] == 0.0 and calibrate.chosen(tmp_path) == 0.0


def test_too_few_dev_questions_keep_the_fallback_and_say_so(tmp_path):
    # 4 questions would choose 0.8 (above); below min_questions the parent's 0.95 stands, and the
    # table still shows what each threshold scored, the fallback among them
    answerer = ClosedBookAnswerer("ft", _Scripted(REPLIES))
    record = calibrate.calibrate(answerer, DEV, REFUSAL, tmp_path, fallback=0.95, min_questions=5)
    assert (record["refuse_below"], record["kept"], record["dev_questions"]) == (0.95, True, 4)
    assert record["chosen"]["threshold"] == 0.95 and calibrate.chosen(tmp_path) == 0.95
    record = calibrate.calibrate(answerer, DEV, REFUSAL, tmp_path, fallback=0.95, min_questions=4)
    assert (record["refuse_below"], record["kept"]) == (0.8, False)
    assert calibrate.MIN_QUESTIONS >= 30


def test_the_choice_is_written_beside_the_weights_and_read_back(tmp_path):
    record = calibrate.calibrate(ClosedBookAnswerer("ft", _Scripted(REPLIES)), DEV, REFUSAL, tmp_path, min_questions=4)
    assert read_json(tmp_path / calibrate.CALIBRATION) == record
    assert calibrate.chosen(tmp_path) == 0.8
    assert calibrate.chosen(tmp_path / "trained-before-calibration") == 0.0
    assert calibrate.chosen(None) == 0.0


@pytest.mark.parametrize("setting, expected", [("auto", 0.8), (0.5, 0.5), (0.0, 0.0)])
def test_the_factory_applies_auto_from_the_model_folder_and_a_number_as_set(tmp_path, setting, expected):
    class Factory(AnswererFactory):
        base, tuned = "base-weights", "tuned-weights"

    calibrate.calibrate(ClosedBookAnswerer("ft", _Scripted(REPLIES)), DEV, REFUSAL, tmp_path, min_questions=4)
    cfg = EngrainConfig()
    cfg.model.refuse_below = setting
    f = Factory(cfg, tmp_path, None)
    assert f.build("ft").refuse_below == expected
    assert f.build("base").refuse_below == 0.0
