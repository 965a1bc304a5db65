"""Wordings learnt from restatements: facts read only in prose, and questions carried across entities."""

import random

from samples import PROSE_DOCS as DOCS

from engrain.config import SynthConfig
from engrain.rag.chunk import chunk_corpus
from engrain.records import Document, EvalItem
from engrain.synth.build import synthesize
from engrain.synth.facts import Fact, extract_facts, restatements
from engrain.synth.wordings import carried_questions, induce_facts, learn_wordings


def _wordings(docs):
    facts = extract_facts(docs)
    return facts, learn_wordings(restatements(facts, docs))


def test_wordings_read_facts_stated_only_in_prose():
    facts, wordings = _wordings(DOCS)
    assert {w.question for w in wordings} == {
        "Corvid introduced the \x00 in what year?",
        "On a fresh pack the \x00 runs for how long?",
    }
    induced = induce_facts(wordings, DOCS, facts)
    # The unit and the number's digits may differ; "the new app" is no known entity; the value
    # loses the sentence's full stop.
    assert sorted((f.entity, f.attribute, f.value) for f in induced) == [
        ("Heron WQ-5", "battery life", "1,250 hours"),
        ("Heron WQ-5", "release year", "2017"),
    ]
    assert all(f.sentence.startswith(("Corvid introduced the Heron", "On a fresh pack")) for f in induced)


def test_a_key_read_with_two_values_is_left_out_and_known_keys_are_not_read_again():
    docs = DOCS + [Document("d.md", "Errata", "Corvid introduced the Heron WQ-5 in 2016.", "d.md", "h4")]
    facts, wordings = _wordings(docs)
    assert [f.attribute for f in induce_facts(wordings, docs, facts)] == ["battery life"]
    known = facts + [Fact("Heron WQ-5", "battery life", "9 hours", "x", "b.md")]
    assert [f.attribute for f in induce_facts(wordings, docs, known)] == []


def test_short_context_wordings_are_not_learnt():
    docs = [Document("a.md", "DL-40", "The weight of the Kestrel DL-40 is 3 kg. Kestrel DL-40: 3 kg.", "a.md", "h")]
    _facts, wordings = _wordings(docs)
    assert wordings == []


def test_carried_questions_ask_other_entities_wordings_with_the_same_name_form():
    facts, wordings = _wordings(DOCS)
    heron = Fact("Heron WQ-5", "battery life", "1,250 hours", "x", "b.md")
    assert carried_questions(heron, wordings, 3, random.Random(0)) == ["On a fresh pack the WQ-5 runs for how long?"]
    kestrel = next(f for f in facts if f.attribute == "battery life")
    assert carried_questions(kestrel, wordings, 3, random.Random(0)) == []  # its own wording is its echo already
    assert carried_questions(heron, wordings, 0, random.Random(0)) == []


def test_synthesis_trains_induced_facts_and_carried_questions():
    chunks = chunk_corpus(DOCS, 40, 10)
    held = [EvalItem("e", "unrelated?", ["y"])]
    base = SynthConfig(raft_fraction=0, strategies=["patterns"], dev_fraction=0, induce=True, carried=3)
    on = synthesize(DOCS, [], chunks, base, seed=0, eval_items=held)
    # Three wordings: the induced release year's restatement ("The Heron WQ-5 shipped in 2017") is one.
    assert on.stats["induced_facts"] == 2 and on.stats["wordings"] == 3
    asked = {e.messages[0]["content"]: e.messages[1]["content"] for e in on.train if e.kind == "carried"}
    assert asked == {
        "On a fresh pack the WQ-5 runs for how long?": "The battery life of the Heron WQ-5 is 1,250 hours.",
        "Corvid introduced the Heron WQ-5 in what year?": "The release year of the Heron WQ-5 is 2017.",
        "The Kestrel DL-40 shipped in what year?": "The release year of the Kestrel DL-40 is 2019.",
    }
    qa = " ".join(e.messages[1]["content"] for e in on.train if e.kind == "qa")
    assert "The release year of the Heron WQ-5 is 2017." in qa
    off = synthesize(DOCS, [], chunks, base.model_copy(update={"induce": False, "carried": 0}), seed=0, eval_items=held)
    assert off.stats["induced_facts"] == 0 and "carried" not in off.stats["by_kind"]
    assert "WQ-5 is 2017" not in " ".join(e.messages[1]["content"] for e in off.train if e.messages)
