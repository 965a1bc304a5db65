"""Where the data stages' NLP runs (`data.workers`, `data.engine`): this process, worker processes
on this machine, or a Ray cluster.

spaCy's parser (synthesis), Presidio's NER (PII scrubbing) and the embedder (index) are the
data stages' slow parts. Locally, synthesis maps batches of documents over spawned worker
processes (`par_map`) and Presidio fans out through spaCy's `n_process`; results come back in
input order. With `engine = "ray"`, a Ray Data pipeline maps the same batches over actors (one
pipeline load each) on a local Ray instance, or on the cluster `RAY_ADDRESS` names, and the
results are put back in input order. Either way the outputs are the same whatever the count. A
worker costs a process start and a pipeline load (~4 s), more than it saves on a small corpus.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import threading
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


def par_map(
    fn: Callable[..., Callable[[list], list]], args: tuple, items: Sequence[Any], batch_size: int, par: Parallel
) -> list:
    """`fn(*args)` built once per worker and applied to `items` in batches; results in input order. Local
    workers are spawned processes (a fork would copy the parent's LanceDB and torch threads mid-state)."""
    if par.engine == "ray":
        return ray_map(fn, args, items, batch_size, par)
    batches = [list(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]
    workers = min(par.processes or 1, len(batches)) if _can_spawn() else 1
    if workers <= 1:
        apply = fn(*args)
        return [y for b in batches for y in apply(b)]
    with _sigint_ignored():  # the workers inherit it: Ctrl-C is the parent's to handle, not theirs to print
        pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_build, initargs=(fn, args))
    with pool:  # leaving it terminates the workers: an interrupted stage stops now, not when they finish
        return [y for ys in pool.imap(_apply, batches) for y in ys]


@contextlib.contextmanager
def _sigint_ignored():
    """SIGINT ignored while worker processes start (an ignored signal stays ignored in a spawned
    Python); outside the main thread, where handlers cannot be set, as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def _can_spawn() -> bool:
    """A spawned worker re-imports the parent's main script; one read from stdin (`python -`) has no
    file to import, and the worker would die before starting."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path is None or os.path.isfile(path)


_BUILT: Callable[[list], list] | None = None  # a local worker's `fn(*args)`


def _build(fn: Callable[..., Callable[[list], list]], args: tuple) -> None:
    global _BUILT
    _BUILT = fn(*args)


def _apply(batch: list) -> list:
    assert _BUILT is not None
    return _BUILT(batch)


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
