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


def test_abstain_questions_use_the_corpus_wordings_of_an_attribute_half_the_time():
    from engrain.synth.facts import restatements
    from engrain.synth.wordings import learn_wordings

    from test_wordings import DOCS as PROSE

    facts = extract_facts(PROSE)  # the DL-40 has a release year and a battery life; the WQ-5 a weight
    wordings = learn_wordings(restatements(facts, PROSE))
    text = " ".join(d.text for d in PROSE).replace("Corvid introduced the Heron WQ-5 in 2017.", "")
    qs = abstain_questions(facts, text, 40, random.Random(0), wordings)
    worded = [q for q, key in qs if q.startswith(("Corvid introduced the", "On a fresh pack the"))]
    assert 0 < len(worded) < len(qs)
    assert all("DL-40" not in q for q in worded)  # its release year and battery life are stated
    over_seeds = {q for seed in range(5) for q, _ in abstain_questions(facts, text, 40, random.Random(seed), wordings)}
    assert "Corvid introduced the Heron WQ-5 in what year?" in over_seeds  # a real gap, in the corpus's words
    plain = abstain_questions(facts, text, 40, random.Random(0))
    assert not any(q.startswith(("Corvid introduced", "On a fresh pack")) for q, _ in plain)
