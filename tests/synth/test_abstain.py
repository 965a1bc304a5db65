"""Abstention questions pair a known subject with an attribute the corpus never states for it."""

import random

from engrain.synth.abstain import abstain_questions
from engrain.synth.facts import extract_facts

from test_build import DOCS


def test_abstain_questions_avoid_stated_pairs():
    facts = extract_facts(DOCS)
    qs = abstain_questions(facts, " ".join(d.text for d in DOCS), 10, random.Random(0))
    assert qs
    for q, key in qs:
        # GX-7 has no temperature and DL-40 no port in the corpus; stated pairs never appear
        assert not ("DL-40" in q and "battery" in q)
        assert not ("GX-7" in q and "port" in q and "GX-7" in key)
