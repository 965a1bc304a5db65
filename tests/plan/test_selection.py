"""A budget keeps every fact once before any fact twice, then phrasings, reverse questions, RAFT."""

from engrain.plan.selection import rank, select
from engrain.records import Example


def _corpus(facts: int = 6) -> list[Example]:
    out = []
    for f in range(facts):
        key = f"fact{f}"
        out += [
            Example(
                "qa",
                messages=[{"role": "user", "content": f"q{f}-{k}"}, {"role": "assistant", "content": "a"}],
                fact=key,
            )
            for k in range(3)
        ]
        out.append(Example("probe", text=f"fact {f} stated", fact=key))
        out.append(
            Example(
                "reverse", messages=[{"role": "user", "content": "r"}, {"role": "assistant", "content": "a"}], fact=key
            )
        )
        out.append(
            Example(
                "raft", messages=[{"role": "user", "content": "p"}, {"role": "assistant", "content": "a"}], fact=key
            )
        )
    return out + [Example("view", text="doc", source="a.md"), Example("view", text="doc again", source="a.md")]


def test_every_fact_once_comes_first_then_phrasings_round_robin_then_reverse_then_raft():
    ex = _corpus()
    r = rank(ex, seed=0)
    tiers = [r.tier[i] for i in r.order]
    assert tiers == sorted(tiers, key=["first", "phrasings", "reverse", "raft"].index)
    first = [i for i in r.order if r.tier[i] == "first"]
    assert r.groups == len(first) == 7  # six facts and the document
    assert {ex[i].fact or ex[i].source for i in first} == {f"fact{f}" for f in range(6)} | {"a.md"}
    assert all(ex[i].kind in ("qa", "view") for i in first)  # a question stands for its fact
    phrasings = [ex[i].fact for i in r.order if r.tier[i] == "phrasings" and ex[i].fact]
    assert len(set(phrasings[:6])) == 6  # every fact's second phrasing before any fact's third
    assert sorted(len(ex) for ex in [r.order]) == [len(ex)] and sorted(r.order) == list(range(len(ex)))


def test_the_ranking_is_seeded():
    ex = _corpus()
    assert rank(ex, 1).order == rank(ex, 1).order != rank(ex, 2).order


def test_no_budget_keeps_everything_and_a_budget_keeps_a_prefix_that_fits():
    ex = _corpus()
    lengths = [10] * len(ex)
    whole = select(ex, lengths, 2.0, [], None, seed=0)
    assert whole.complete and len(whole.keep) == len(ex) and whole.tokens == 20 * len(ex)
    part = select(ex, lengths, 2.0, [], 300, seed=0, budget="300", repeat="first")
    assert part.tokens <= 300 and part.epochs == 2.0 and not part.complete
    assert part.coverage["first"] == {"kept": 7, "of": 7} and part.coverage["raft"]["kept"] == 0
    assert part.keep == sorted(part.keep)


def test_repeat_first_trains_fewer_epochs_before_fewer_facts():
    ex = _corpus()
    lengths = [10] * len(ex)
    tight = select(ex, lengths, 3.0, [], 100, seed=0, repeat="first")  # seven facts x 10 tokens: 1.4 epochs fit
    assert tight.epochs == 1.4 and tight.coverage["first"]["kept"] == 7
    tiny = select(ex, lengths, 3.0, [], 35, seed=0, repeat="first")  # not even one pass over the facts
    assert tiny.epochs == 1.0 and tiny.coverage["first"]["kept"] == 3
    assert tiny.coverage["phrasings"]["kept"] == 0  # no fact twice while another is missing


def test_once_kinds_cost_a_single_pass():
    ex = _corpus()
    lengths = [10] * len(ex)
    assert select(ex, lengths, 3.0, ["raft"], None, 0).tokens == 10 * (len(ex) - 6) * 3 + 10 * 6


def test_repeat_last_trains_each_kept_example_once_and_repeats_only_once_everything_fits():
    ex = _corpus()
    lengths = [10] * len(ex)
    once = select(ex, lengths, 3.0, [], 300, seed=0, repeat="last")  # 38 examples: 30 fit once
    assert once.epochs == 1.0 and once.tokens == 300 and len(once.keep) == 30
    assert once.coverage["first"]["kept"] == 7 and once.coverage["phrasings"] == {"kept": 19, "of": 19}
    assert once.coverage["reverse"]["kept"] == 4 and once.coverage["raft"]["kept"] == 0
    first = select(ex, lengths, 3.0, [], 300, seed=0, repeat="first")  # the epochs kept: fewer examples
    assert first.epochs == 3.0 and len(first.keep) == 10
    everything = select(ex, lengths, 3.0, ["raft"], 700, seed=0, repeat="last")
    assert len(everything.keep) == len(ex)  # raft once (60 tokens), the other 320 twice: 700
    assert everything.epochs == 2.0 and everything.tokens == 700
