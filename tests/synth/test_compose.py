import random

from engrain.synth.compose import asked_already, bridges, comparisons, numeric
from engrain.synth.facts import Fact


def _f(ent: str, attr: str, val: str) -> Fact:
    return Fact(ent, attr, val, f"The {attr} of the {ent} is {val}.", "d.md")


FACTS = [
    _f("Kestrel DL-40", "weight", "3,435 g"),
    _f("Osprey GX-7", "weight", "2643 g"),
    _f("Heron MX-2", "weight", "12 kg"),  # another unit: never compared with grams
    _f("Osprey GX-7", "list price", "$6,125"),
    _f("Heron MX-2", "list price", "$900"),
    _f("Heron MX-2", "included device", "Kestrel DL-40"),
    _f("Kestrel DL-40", "ingress rating", "IP67"),
]


def test_numeric_reads_value_and_unit():
    assert numeric("3,435 g") == (3435.0, "g")
    assert numeric("$6,125") == (6125.0, "currency")
    assert numeric("2019") == (2019.0, "")
    assert numeric("IP67") is None and numeric("Hirose HR10A") is None


def test_comparisons_name_the_right_winner_first():
    out = comparisons(FACTS, 50, random.Random(0))
    assert {frozenset(f.entity for f in c.facts) for c in out} == {
        frozenset({"Kestrel DL-40", "Osprey GX-7"}),
        frozenset({"Osprey GX-7", "Heron MX-2"}),
    }
    for c in out:
        larger = any(w in c.question for w in ("higher", "heavier", "costs more", "newer", "greater"))
        by_value = sorted(c.facts, key=lambda f: numeric(f.value)[0])
        winner = by_value[-1] if larger else by_value[0]
        assert c.answer.startswith(f"The {winner.entity}."), (c.question, c.answer)
        assert all(f.value in c.answer for f in c.facts)


def _ingress_bridge():
    return next(b for b in bridges(FACTS, 5, random.Random(0)) if "ingress" in b.question)


def test_bridges_name_the_linked_entity_before_the_value():
    assert len(bridges(FACTS, 5, random.Random(0))) == 2  # the linked logger's weight and ingress rating
    b = _ingress_bridge()
    assert "Heron MX-2" in b.question and "ingress rating" in b.question and "Kestrel" not in b.question
    assert b.answer == "The included device is the Kestrel DL-40; its ingress rating is IP67."


def test_held_out_questions_are_not_composed_again():
    b = _ingress_bridge()
    eval_qs = [("What IP rating does the logger that ships with the Heron MX-2 carry?", ["IP67"])]
    assert asked_already(b, eval_qs)
    assert not asked_already(b, [("What is the weight of the Heron MX-2?", ["12 kg"])])  # same entity, other answer
    cmp = next(c for c in comparisons(FACTS, 50, random.Random(0)) if c.facts[0].attribute == "list price")
    assert asked_already(cmp, [("Which costs more at list, the GX-7 or the Heron MX-2?", ["Heron MX-2"])])
    assert not asked_already(cmp, [("Which costs more, the GX-7 or the Kestrel DL-40?", ["Osprey GX-7"])])
