"""Data-parallel training across the processes `accelerate launch` or `torchrun` starts.

Every process holds the whole model and takes its share of each global batch (the batch of
`train.batch_size` x processes examples); gradients are summed across processes before each
optimizer step, and the loss is divided by the global count of target tokens, so N processes
take the same step one process takes on the whole global batch. Process 0 alone scores the
dev split and writes checkpoints, the model and the workspace; the others wait for it.

Launched without those launchers (WORLD_SIZE unset or 1) nothing here does anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def sum(self, value: float) -> float:
        """A number summed over every process."""
        if self.size == 1:
            return value
        t = torch.tensor([float(value)], dtype=torch.float64, device=_device())
        torch.distributed.all_reduce(t)
        return float(t.item())

    def any(self, flag: bool) -> bool:
        """True on every process when it is true on one (a stop request, early stopping)."""
        return self.sum(float(flag)) > 0

    def sum_gradients(self, params: list[torch.nn.Parameter]) -> None:
        """Each trainable gradient summed over every process (a process whose share was empty adds zeros)."""
        if self.size == 1:
            return
        for p in params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            torch.distributed.all_reduce(p.grad)

    def barrier(self) -> None:
        if self.size > 1:
            torch.distributed.barrier()


def launched() -> bool:
    """Started by a multi-process launcher (several processes), without joining any group."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def world() -> World:
    """This process's place among the launched ones; joins the process group on first use."""
    if not launched():
        return World()
    import torch.distributed as dist

    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return World(dist.get_rank(), dist.get_world_size())


def share(batch: list[int], w: World) -> list[int]:
    """This process's part of a global batch: every size-th example, so the parts' lengths stay alike."""
    return batch[w.rank :: w.size]


def _device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"
