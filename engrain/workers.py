"""Where the data stages' NLP runs (`data.workers`, `data.engine`): this process, worker processes
on this machine, or a Ray cluster.

spaCy's parser (synthesis), Presidio's NER (PII scrubbing) and the embedder (index) are the
data stages' slow parts. Locally, spaCy and Presidio fan batches out to `n_process` worker
processes and return results in input order; with `engine = "ray"`, a Ray Data pipeline maps
the same batches over actors (one pipeline load each) on a local Ray instance, or on the
cluster `RAY_ADDRESS` names, and the results are put back in input order. Either way the
outputs are the same whatever the count. A worker costs a process start and a pipeline
load (~1-2 s), more than it saves on a small corpus.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engrain.errors import EngrainError

PARALLEL_FROM_WORDS = 50_000  # auto: below this, one process (locally)


@dataclass(frozen=True)
class Parallel:
    """How a stage fans its NLP out: `processes` workers (None: every CPU Ray's cluster has)."""

    processes: int | None = 1
    engine: Literal["local", "ray"] = "local"


SERIAL = Parallel()


def processes(setting: int | str, words: int) -> int:
    """`data.workers` as applied locally to a corpus of `words`: a number as set, auto = one per core
    from PARALLEL_FROM_WORDS words."""
    if setting != "auto":
        return max(1, int(setting))
    return max(1, os.cpu_count() or 1) if words >= PARALLEL_FROM_WORDS else 1


@dataclass(frozen=True)
class Workers:
    """The data section's `workers` and `engine`, as every data stage receives them."""

    setting: int | str = 1
    engine: Literal["local", "ray"] = "local"

    def for_words(self, words: int) -> Parallel:
        """How a stage over `words` fans out: on Ray, auto = the whole cluster."""
        if self.engine == "ray":
            return Parallel(None if self.setting == "auto" else int(self.setting), "ray")
        return Parallel(processes(self.setting, words))


ONE_PROCESS = Workers()


def ray_map(
    fn: Callable[..., Callable[[list], list]], args: tuple, items: Sequence[Any], batch_size: int, par: Parallel
) -> list:
    """`fn(*args)` built once per Ray actor and applied to `items` in batches; results in input order."""
    ray, data = _ray()
    actors = par.processes or max(1, int(ray.cluster_resources().get("CPU", 1)))
    ds = data.from_items([{"i": i, "x": x} for i, x in enumerate(items)])
    out = ds.map_batches(
        _Apply, fn_constructor_args=(fn, args), batch_size=batch_size, concurrency=actors, batch_format="pandas"
    )
    rows = out.take_all()
    return [pickle.loads(r["y"]) for r in sorted(rows, key=lambda r: r["i"])]


class _Apply:
    """A Ray actor: builds the pipeline once, then maps its batches."""

    def __init__(self, fn: Callable[..., Callable[[list], list]], args: tuple) -> None:
        self.fn = fn(*args)

    def __call__(self, batch):
        """Results travel pickled: any Python value (a parse, findings, a vector) fits one column."""
        batch = batch.copy()
        batch["y"] = [pickle.dumps(y) for y in self.fn(list(batch["x"]))]
        return batch[["i", "y"]]


def _ray():
    """Ray, joined to the cluster RAY_ADDRESS names or started locally, once per process."""
    try:
        import ray
        import ray.data as data
    except ImportError:
        raise EngrainError("data.engine = 'ray' needs Ray Data: pip install 'engrain[ray]'") from None
    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS"), include_dashboard=False, log_to_driver=False)
        data.DataContext.get_current().enable_progress_bars = False
    return ray, data
