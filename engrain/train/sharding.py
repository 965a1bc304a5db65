"""Where the trainable state lives: whole in this process, or sharded across processes (FSDP2).

`train.sharding = "fsdp"` under a multi-process launcher makes every decoder layer a unit
whose weights, gradients and optimizer state are split across the processes and gathered
only for that layer's forward and backward; the rest of the model (embeddings, final norm,
output head: tied weights must share a unit) is the root, the `TrainingLoss` module.
Gradients are reduce-scattered as sums, since the loss is already divided by the global
count of target tokens. Saving gathers full tensors to process 0, so every process takes
part in it; `LocalState` is the same interface for a model each process holds whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

_ROOT = "model."  # TrainingLoss keeps the model as `.model`: its parameter names start so


class LocalState:
    """A model held whole: its trainable tensors and the optimizer's state, read and restored in place."""

    sharded = False

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        self.model, self.optimizer = model, optimizer

    def trainable(self) -> dict[str, torch.Tensor]:
        return {n: p.detach().clone() for n, p in self.model.named_parameters() if p.requires_grad}

    def optimizer_state(self) -> dict:
        return self.optimizer.state_dict()

    def full_model(self) -> dict[str, torch.Tensor] | None:
        """None: the model saves its own tensors."""
        return None

    def restore(self, weights: dict[str, torch.Tensor], optimizer_state: dict) -> None:
        params = dict(self.model.named_parameters())
        with torch.no_grad():
            for name, value in weights.items():
                params[name].copy_(value)
        self.optimizer.load_state_dict(optimizer_state)

    @contextlib.contextmanager
    def gathered(self) -> Iterator[None]:
        yield


class ShardedState:
    """An FSDP2-sharded model: full tensors gathered to process 0 (a collective: every process calls)."""

    sharded = True

    def __init__(self, root: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        self.root, self.optimizer = root, optimizer
        self.names = {n.removeprefix(_ROOT) for n, p in root.named_parameters() if p.requires_grad}

    def trainable(self) -> dict[str, torch.Tensor]:
        return {n: v for n, v in self._gather().items() if n in self.names}

    def optimizer_state(self) -> dict:
        from torch.distributed.checkpoint.state_dict import get_optimizer_state_dict

        return get_optimizer_state_dict(self.root, self.optimizer, options=_full())

    def full_model(self) -> dict[str, torch.Tensor]:
        return self._gather()

    def restore(self, weights: dict[str, torch.Tensor], optimizer_state: dict) -> None:
        from torch.distributed.checkpoint.state_dict import (
            StateDictOptions,
            set_model_state_dict,
            set_optimizer_state_dict,
        )

        set_model_state_dict(
            self.root,
            {_ROOT + n: v for n, v in weights.items()},
            options=StateDictOptions(full_state_dict=True, strict=False),
        )
        set_optimizer_state_dict(
            self.root, self.optimizer, optimizer_state, options=StateDictOptions(full_state_dict=True)
        )

    @contextlib.contextmanager
    def gathered(self) -> Iterator[None]:
        """The root's weights whole while the model is used outside the loss (generation); layers gather their own."""
        self.root.unshard()
        try:
            yield
        finally:
            self.root.reshard()

    def _gather(self) -> dict[str, torch.Tensor]:
        from torch.distributed.checkpoint.state_dict import get_model_state_dict

        state = get_model_state_dict(self.root, options=_full())  # empty on every process but 0
        return {n.removeprefix(_ROOT): v for n, v in state.items()}


def shard(loss: torch.nn.Module, reshard_after_forward: bool = True) -> torch.nn.Module:
    """FSDP2 over `TrainingLoss(model)`: one unit per decoder layer, the rest in the root; gradients summed.
    `reshard_after_forward=False` keeps each layer gathered until its backward pass: more memory, half the
    all-gathers (FSDP's SHARD_GRAD_OP, DeepSpeed ZeRO-2's trade)."""
    from torch.distributed.fsdp import FSDPModule, fully_shard

    from engrain.train.loss import decoder_and_head

    decoder = decoder_and_head(loss.model)[0]
    for layer in decoder.layers:
        fully_shard(layer, reshard_after_forward=reshard_after_forward)
    fully_shard(loss, reshard_after_forward=reshard_after_forward)
    for module in loss.modules():
        if isinstance(module, FSDPModule):
            module.set_gradient_divide_factor(1.0)
            module.set_force_sum_reduction_for_comms(True)  # a plain SUM: gloo has no pre-multiplied one
    return loss


def _full():
    from torch.distributed.checkpoint.state_dict import StateDictOptions

    return StateDictOptions(full_state_dict=True, cpu_offload=True)
