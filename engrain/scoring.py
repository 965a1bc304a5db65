"""Answer scoring: SQuAD-style EM/F1, a containment check, and an abstention detector.

Small generative models pad answers ("The limit is 85 °C."), so the headline `correct`
is containment of a normalised reference, not exact match. Unanswerable items (no
references) are correct only when the model abstains; any other answer to them is a
hallucination.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


class _Unpunctuated(dict):
    """A `str.translate` table that deletes punctuation (ASCII, and Unicode category P), deciding once
    per character: normalising char by char in Python was most of decontamination's time."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        self[code] = None if ch in _PUNCT or unicodedata.category(ch).startswith("P") else ch
        return self[code]


_UNPUNCTUATED = _Unpunctuated()
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH = (
    r"(?P<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY, _YEAR = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?", r"(?P<y>\d{3,4})"
_DATES = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),  # February 16, 2002
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),  # 16 February 2002
]
_ISO_DATE = re.compile(r"\b(?P<y>\d{4})-(?P<mm>\d{2})-(?P<d>\d{2})\b")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}


def _canonical_dates(s: str) -> str:
    """'February 16, 2002', '16 Feb 2002' and '2002-02-16' all become '16 february 2002'."""

    def day_month_year(m: re.Match) -> str:
        month = next(x for x in _MONTHS if x.startswith(m["m"][:3]))
        return f"{int(m['d'])} {month} {m['y']}"

    for pattern in _DATES:
        s = pattern.sub(day_month_year, s)
    return _ISO_DATE.sub(
        lambda m: f"{int(m['d'])} {_MONTHS[int(m['mm']) - 1]} {m['y']}" if 1 <= int(m["mm"]) <= 12 else m[0], s
    )


def normalize(s: str) -> str:
    """Lowercase, drop punctuation and articles, collapse whitespace; one form per date and
    small number, since references and answers word them differently.

    "°" becomes a space first, so "85 °C", "85°C" and "85 C" all normalise to "85 c".
    Unicode punctuation (curly quotes, dashes) is dropped like ASCII punctuation. Dates
    ("February 16, 2002" = "16 February 2002") and number words up to twenty ("five" = "5")
    are written one way; thousands separators fall with the punctuation ("1,000" = "1000").
    """
    s = _canonical_dates(unicodedata.normalize("NFKC", s).replace("°", " ").lower())
    s = s.translate(_UNPUNCTUATED)
    s = _ARTICLES.sub(" ", s)
    return " ".join(_NUMBER_WORDS.get(w, w) for w in s.split())


def exact_match(pred: str, answers: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals any normalised reference (0.0 for no references)."""
    p = normalize(pred)
    return float(any(p == normalize(a) for a in answers))


def _f1_one(pred_toks: list[str], ref_toks: list[str]) -> float:
    common = Counter(pred_toks) & Counter(ref_toks)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_toks), same / len(ref_toks)
    return 2 * precision * recall / (precision + recall)


def f1(pred: str, answers: Sequence[str]) -> float:
    """Token-overlap F1, the best over references (0.0 for no references)."""
    p = normalize(pred).split()
    return max((_f1_one(p, normalize(a).split()) for a in answers), default=0.0)


def contains(pred: str, answers: Sequence[str]) -> bool:
    """True if some normalised reference occurs in the normalised prediction as whole words."""
    return first_mention(pred, answers) is not None


def first_mention(pred: str, answers: Sequence[str]) -> int | None:
    """Where the earliest normalised reference starts in the normalised prediction, if anywhere."""
    p = f" {normalize(pred)} "
    found = [p.find(f" {r} ") for a in answers if (r := normalize(a))]
    return min((i for i in found if i >= 0), default=None)


# Refusal phrasings. Bare "does not" is deliberately absent: "It does not support Wi-Fi"
# is an answer. Verbs about *information* (say/mention/state/specify) count after any
# subject; verbs that also describe products (contain/include/cover/provide) count only
# after a subject that is the documentation itself.
_ABSTAIN = re.compile(
    r"|".join(
        [
            r"\b(?:does|do|did)\s*(?:not|n't)\s+(?:say|mention|state|specify)\b",
            r"\b(?:documentation|documents?|docs|manuals?|context|text|passages?|sources?|corpus|guides?)\s+"
            r"(?:does|do|did)\s*(?:not|n't)\s+(?:contain|include|cover|provide|have|answer)\b",
            r"\bi\s+(?:do\s*not|don't|dont)\s+know\b",
            r"\bi\s+(?:do\s*not|don't)\s+have\s+(?:any\s+|enough\s+)?(?:information|details|data)\b",
            r"\b(?:i'?m|i\s+am)\s+not\s+(?:sure|certain)\b",
            r"\bnot\s+(?:mentioned|specified|stated|documented|covered)\s+in\b",
            r"\b(?:is|are|was|were)\s*(?:not|n't)\s+(?:mentioned|specified|stated|documented)\b",
            r"\bnot\s+specified\b",
            r"\bno\s+(?:information|mention|details)\b",
            r"\bnot\s+(?:enough|sufficient)\s+information\b",
            r"\b(?:cannot|can\s*not|can't|could\s*not|couldn't|unable\s+to)\s+(?:find|locate|determine|answer)\b",
        ]
    )
)


def is_abstention(pred: str) -> bool:
    """True if the prediction declines to answer ("The documentation does not say.")."""
    text = unicodedata.normalize("NFKC", pred).replace("\u2019", "'").lower()
    return _ABSTAIN.search(text) is not None


def score(pred: str, answers: Sequence[str], wrong: Sequence[str] = ()) -> dict:
    """Score one prediction.

    Answerable items: correct = `contains`, and a reference must come before any `wrong`
    answer ("A is lighter than B" picks A; naming both options does not score). Unanswerable
    items (`answers == []`): correct = abstained, and EM/F1 follow the SQuAD-v2 convention
    (1.0 for abstaining, else 0.0). hallucinated = neither correct nor an abstention.
    """
    abstained = is_abstention(pred)
    if answers:
        right, bad = first_mention(pred, answers), first_mention(pred, wrong)
        correct = right is not None and (bad is None or right < bad)
        em, f = exact_match(pred, answers), f1(pred, answers)
    else:
        correct, em, f = abstained, float(abstained), float(abstained)
    return {
        "correct": bool(correct),
        "exact_match": em,
        "f1": f,
        "abstained": abstained,
        "hallucinated": not correct and not abstained,
    }
