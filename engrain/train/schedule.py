"""Which examples each epoch trains on, in which batches, and where a step falls.

Every example is trained once per epoch, except the kinds named in `train.once`: those are
split across the run's epochs, each seen once in all. A reading example (RAFT: three
retrieved passages and a question) teaches a skill rather than a fact and is ~8x longer than
a fact's question, so repeating it every epoch is most of the tokens for little of the
knowledge (docs/experiments.md, "RAFT records once per run").

Everything here is a function of the seed, the epoch and the example counts, so a resumed
run replays the same batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from engrain.train.data import length_grouped_batches, shuffled_batches


@dataclass
class Schedule:
    lengths: list[int]  # tokens per example
    groups: list[list[int]]  # the example indices of epochs 0, 1, ... (epoch e trains on groups[e % len])
    batch_size: int  # examples per global batch
    grad_accum: int
    seed: int
    total_steps: int
    order: str = "length"  # train.batch_order: "length" (similar lengths together) or "shuffled"
    _orders: dict[int, list[list[int]]] = field(default_factory=dict)

    def members(self, epoch: int) -> list[int]:
        """The example indices epoch `epoch` trains on."""
        return self.groups[epoch % len(self.groups)]

    def steps_in(self, epoch: int) -> int:
        return math.ceil(math.ceil(len(self.members(epoch)) / self.batch_size) / self.grad_accum)

    def locate(self, step: int) -> tuple[int, int]:
        """(epoch, optimizer step within it) of the run's `step` (0-based)."""
        epoch = 0
        while step >= (n := self.steps_in(epoch)):
            step, epoch = step - n, epoch + 1
        return epoch, step

    def epoch_of(self, step: int) -> float:
        """Epochs completed after `step` steps, fractional (for the loss curve)."""
        epoch, k = self.locate(step)
        return epoch + k / self.steps_in(epoch)

    def ends_epoch(self, step: int) -> bool:
        return step > 0 and self.locate(step)[1] == 0

    def batches(self, step: int) -> list[list[int]]:
        """The global batches (example indices, every process's share) of optimizer step `step`."""
        epoch, k = self.locate(step)
        if epoch not in self._orders:
            self._orders = {epoch: self.epoch_batches(epoch)}
        return self._orders[epoch][k * self.grad_accum : (k + 1) * self.grad_accum]

    def epoch_batches(self, epoch: int) -> list[list[int]]:
        """Every global batch of epoch `epoch`, in order (`grad_accum` of them make a step)."""
        members = self.members(epoch)
        if self.order == "shuffled":
            grouped = shuffled_batches(len(members), self.batch_size, self.seed + epoch)
        else:
            grouped = length_grouped_batches([self.lengths[i] for i in members], self.batch_size, self.seed + epoch)
        return [[members[j] for j in b] for b in grouped]


def build(
    lengths: list[int],
    kinds: list[str],
    once_kinds: list[str],
    epochs: float,
    batch_size: int,
    grad_accum: int,
    seed: int,
    max_steps: int = -1,
    batch_order: str = "length",
) -> Schedule:
    """`once_kinds` are split over ceil(epochs) epochs, in a seeded order; the rest is in every epoch."""
    cycle = max(1, math.ceil(epochs))
    once = [i for i, k in enumerate(kinds) if k in once_kinds]
    order = torch.randperm(len(once), generator=torch.Generator().manual_seed(seed)).tolist()
    share = [{once[j] for j in order[e::cycle]} for e in range(cycle)]
    spread = set(once)
    groups = [[i for i in range(len(lengths)) if i not in spread or i in share[e]] for e in range(cycle)]
    plan = Schedule(lengths, groups, batch_size, grad_accum, seed, max_steps, batch_order)
    if max_steps <= 0:
        whole = int(epochs)
        plan.total_steps = sum(plan.steps_in(e) for e in range(whole)) + math.ceil(
            (epochs - whole) * plan.steps_in(whole)
        )
    return plan
