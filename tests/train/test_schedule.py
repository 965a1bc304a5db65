"""The epoch plan: every example once per epoch, `train.once` kinds once per run, replayable by step."""

import collections

from engrain.train import schedule
from engrain.train.data import length_grouped_batches, shuffled_batches


def _plan(once_kinds, epochs=3.0, n=40, every=4, batch=4, accum=1, max_steps=-1):
    kinds = ["raft" if i % every == 0 else "qa" for i in range(n)]
    lengths = [10 + (i * 7) % 50 for i in range(n)]
    return schedule.build(lengths, kinds, once_kinds, epochs, batch, accum, seed=5, max_steps=max_steps), kinds


def _seen(plan) -> collections.Counter:
    return collections.Counter(i for s in range(plan.total_steps) for b in plan.batches(s) for i in b)


def test_without_once_kinds_every_epoch_is_the_length_grouped_order():
    plan, _ = _plan([])
    assert plan.total_steps == 30  # 10 steps x 3 epochs
    for epoch in range(3):
        expected = length_grouped_batches(plan.lengths, 4, 5 + epoch)
        assert [plan.batches(epoch * 10 + k)[0] for k in range(10)] == expected


def test_once_kinds_are_split_across_the_epochs():
    plan, kinds = _plan(["raft"])
    seen = _seen(plan)
    assert all(seen[i] == (1 if k == "raft" else 3) for i, k in enumerate(kinds))
    assert plan.total_steps == sum(plan.steps_in(e) for e in range(3)) < 30
    assert [plan.ends_epoch(s) for s in (plan.steps_in(0), plan.steps_in(0) + 1)] == [True, False]


def test_the_same_steps_give_the_same_batches_after_a_restart():
    plan, _ = _plan(["raft"])
    again, _ = _plan(["raft"])
    steps = range(plan.total_steps)
    assert [plan.batches(s) for s in reversed(steps)][::-1] == [again.batches(s) for s in steps]


def test_fractional_epochs_and_max_steps():
    plan, _ = _plan([], epochs=2.5)
    assert plan.total_steps == 25
    capped, _ = _plan(["raft"], max_steps=100)
    assert capped.total_steps == 100 and capped.batches(99)  # past the planned epochs: the cycle repeats
    assert capped.epoch_of(capped.steps_in(0)) == 1.0


def test_shuffled_order_draws_random_batches_per_epoch_and_keeps_once_kinds_once():
    kinds = ["raft" if i % 4 == 0 else "qa" for i in range(40)]
    plan = schedule.build(
        [10 + (i * 7) % 50 for i in range(40)], kinds, ["raft"], 3.0, 4, 1, seed=5, batch_order="shuffled"
    )
    members = plan.members(0)
    assert [plan.batches(k)[0] for k in range(plan.steps_in(0))] == [
        [members[j] for j in b] for b in shuffled_batches(len(members), 4, 5)
    ]
    seen = _seen(plan)
    assert all(seen[i] == (1 if k == "raft" else 3) for i, k in enumerate(kinds))
