"""Abstention questions pair a known subject with an attribute the corpus never states for it."""

import random

from samples import DOCS

from engrain.records import Document
from engrain.synth.abstain import abstain_questions
from engrain.synth.facts import Fact, extract_facts


def test_abstain_questions_avoid_stated_pairs():
    facts = extract_facts(DOCS)
    qs = abstain_questions(facts, " ".join(d.text for d in DOCS), 10, random.Random(0))
    assert qs
    for q, key in qs:
        # GX-7 has no temperature and DL-40 no port in the corpus; stated pairs never appear
        assert not ("DL-40" in q and "battery" in q)
        assert not ("GX-7" in q and "port" in q and "GX-7" in key)


def test_abstain_questions_use_the_corpus_wordings_of_an_attribute_half_the_time():
    from samples import PROSE_DOCS as PROSE

    from engrain.synth.facts import restatements
    from engrain.synth.wordings import learn_wordings

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


SPEC = [  # three gas detectors and two gateways; the GS-3 lacks a calibration interval
    Document(
        "g1.md",
        "GS-1",
        "The warm-up time of the Jacana GS-1 is 60 seconds. The calibration interval of the "
        "Jacana GS-1 is 180 days. The weight of the Jacana GS-1 is 900 g.",
        "g1.md",
        "h1",
    ),
    Document(
        "g2.md",
        "GS-2",
        "The warm-up time of the Jacana GS-2 is 90 seconds. The calibration interval of the "
        "Jacana GS-2 is 365 days. The weight of the Jacana GS-2 is 950 g.",
        "g2.md",
        "h2",
    ),
    Document(
        "g3.md",
        "GS-3",
        "The warm-up time of the Jacana GS-3 is 75 seconds. The weight of the Jacana GS-3 is 990 g.",
        "g3.md",
        "h3",
    ),
    Document(
        "n1.md",
        "NX-1",
        "The default port of the Shrike NX-1 is 8080. The weight of the Shrike NX-1 is 2 kg.",
        "n1.md",
        "h4",
    ),
    Document(
        "n2.md",
        "NX-2",
        "The default port of the Shrike NX-2 is 9090. The weight of the Shrike NX-2 is 3 kg. Signal and power enter "
        "the NX-2 through a "
        "LEMO connector.",
        "n2.md",
        "h5",
    ),
]


def test_plausible_gaps_come_first_and_any_word_of_the_attribute_counts_as_stated():
    from engrain.synth.abstain import _mentioned_together

    facts = extract_facts(SPEC) + [Fact("Shrike NX-1", "connector type", "M12", "", "n1.md")]
    text = " ".join(d.text for d in SPEC)
    sents = [text.lower()]
    assert not _mentioned_together("Shrike NX-2", "connector type", sents)  # no "type" near the NX-2
    assert _mentioned_together("Shrike NX-2", "connector type", sents, every_word=True)  # "connector" is
    ranked = abstain_questions(facts, text, 1, random.Random(0), plausible_first=True)
    assert "calibration interval" in ranked[0][0] and "GS-3" in ranked[0][0]  # what its siblings all have
    pairs = {
        key
        for seed in range(10)
        for _, key in abstain_questions(facts, text, 40, random.Random(seed), plausible_first=True)
    }
    assert "abstain|shrike nx-2|connector type" not in pairs  # the corpus names its connector
    assert "abstain|shrike nx-2|connector type" in {
        key for _, key in abstain_questions(facts, text, 40, random.Random(0))
    }
    firsts = {abstain_questions(facts, text, 1, random.Random(seed))[0][1] for seed in range(10)}
    assert len(firsts) > 1  # drawn at random without the ranking
