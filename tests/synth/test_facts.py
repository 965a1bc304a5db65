"""Spec-shaped fact patterns: recognised, extracted, rendered back."""

import random

from samples import DOCS, TABLE_DOCS

from engrain.synth.facts import extract_facts, match_sentence, render


def test_fact_shapes_are_recognised_and_rendered_back():
    f = match_sentence("The Osprey GX-7 has a battery life of 12 hours.")
    assert (f.entity, f.attribute, f.value) == ("Osprey GX-7", "battery life", "12 hours")
    assert render(f, "attr_first") == "The battery life of the Osprey GX-7 is 12 hours."
    assert match_sentence("Mount it on a wall.") is None
    assert match_sentence("The Corvid team has a lot of fun.") is None


def test_extract_facts_finds_every_shape():
    facts = extract_facts(DOCS)
    assert {(f.entity, f.attribute) for f in facts} == {
        ("Kestrel DL-40", "maximum operating temperature"),
        ("Kestrel DL-40", "battery life"),
        ("Osprey GX-7", "default port"),
        ("Osprey GX-7", "battery life"),
    }


def test_tables_definitions_and_short_names_become_facts():
    facts = {(f.entity, f.attribute, f.value, f.relation) for f in extract_facts(TABLE_DOCS)}
    assert ("Osprey GX-7", "battery life", "12 hours", "attribute") in facts  # key-value table, title names the subject
    assert ("Osprey GX-7", "MTBF", "40000 h", "attribute") in facts  # acronyms keep their case
    assert ("Kestrel DL-40", "included device", "Osprey GX-7", "attribute") in facts  # one entity per row
    assert ("Kestrel DL-40", "weight", "3 kg", "attribute") in facts  # "A:" prefix dropped, short name resolved
    assert ("Osprey GX-7", "E291", "corrupted log index", "code") in facts
    assert ("Kestrel DL-40", "E158", "missing bus termination", "code") in facts
    assert not any(a in ("parameter", "kit") for _, a, _, _ in facts)  # header rows are not facts


def test_code_facts_are_asked_about_as_codes():
    from engrain.synth.questions import forward_questions, reverse_questions

    fact = next(f for f in extract_facts(TABLE_DOCS) if f.relation == "code" and f.attribute == "E291")
    assert render(fact, "has") == "On the Osprey GX-7, error E291 means corrupted log index."
    qs = forward_questions(fact, 8, random.Random(0)) + reverse_questions(fact, 3, random.Random(0))
    assert all("E291" in q or "corrupted log index" in q for q in qs)
    assert not any("the E291 of" in q for q in qs)
