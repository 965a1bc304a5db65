"""The loaded pipelines and the worker threads that run them.

One model serves every client: requests start in arrival order (fair FIFO) on
`serve.max_batch` worker threads, and their generations run together as batches (one forward
pass per step for all of them, engrain.model.batching) while the event loop keeps accepting
connections. A streamed answer stops when its client goes away; the rest of its batch goes on.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from engrain import pipelines
from engrain.answerers import AnswererFactory
from engrain.config import EngrainConfig
from engrain.rag import tune
from engrain.records import Answer, Answerer
from engrain.registry import Registry
from engrain.registry.lineage import changed_sources
from engrain.workspace import Workspace


class Cancelled(Exception):
    """The client disconnected: stop generating."""


class Engine:
    """`model_ref` (a registry alias or id) serves that registered model and follows the alias:
    after a promotion the next requests get the new checkpoint, in-flight ones finish on the old."""

    def __init__(
        self, cfg: EngrainConfig, factory: AnswererFactory | None = None, model_ref: str | None = None
    ) -> None:
        self.cfg, self.ws, self.model_ref = cfg, Workspace(cfg), model_ref
        self.checkpoint: str | None = None  # the registered model id being served, when serving from the registry
        # the served model and its built pipelines, swapped together in one assignment
        self._current: tuple[AnswererFactory, dict[str, Answerer]] = (factory or self._factory(), {})
        self._building = threading.Lock()  # one build per pipeline, however many workers ask for it
        self._running: dict[int, int] = {}  # id(factory) -> requests answering on it now
        self._retired: dict[int, AnswererFactory] = {}  # swapped out, closed once its last request ends
        self._count = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=cfg.serve.max_batch, thread_name_prefix="engrain-answer")
        self.ready = threading.Event()
        self.created = int(time.time())

    @property
    def factory(self) -> AnswererFactory:
        return self._current[0]

    def _factory(self) -> AnswererFactory:
        batch = self.cfg.serve.max_batch
        cfg, index = tune.applied(self.cfg, self.ws)  # rag's settings as chosen on the dev split
        if self.model_ref is None:
            return AnswererFactory(cfg, self.ws.path("train", "model"), index, max_batch=batch)
        with Registry(self.ws.dir("registry")) as reg:
            self.checkpoint = reg.resolve(self.model_ref)
            model_dir = reg.path(self.checkpoint)  # verified against its hashes
            lineage = reg.show(self.checkpoint).get("lineage")
        changed = changed_sources(lineage, self.ws.manifest("ingest"), conversations=False)
        return AnswererFactory(cfg, model_dir, index, changed, max_batch=batch)

    def refresh(self) -> bool:
        """Swap to the model the alias names now, if it changed; the new one is loaded before the swap."""
        if self.model_ref is None:
            return False
        with Registry(self.ws.dir("registry")) as reg:
            now = reg.resolve(self.model_ref)
        if now == self.checkpoint:
            return False
        factory = self._factory()
        warm = {self.cfg.serve.pipeline: factory.build(self.cfg.serve.pipeline)}
        old, self._current = self._current[0], (factory, warm)  # requests see old or new, never a mix
        self._retire(old)
        return True

    def _retire(self, factory: AnswererFactory) -> None:
        """Close a model no request will start on: now if nothing runs on it, else when its last request ends."""
        with self._count:
            self._retired[id(factory)] = factory
        self._release(factory, started=False)

    def _hold(self) -> tuple[AnswererFactory, dict[str, Answerer]]:
        """The model a request answers with, counted so a hot swap closes it only after the request ends."""
        with self._count:
            current = self._current
            self._running[id(current[0])] = self._running.get(id(current[0]), 0) + 1
        return current

    def _release(self, factory: AnswererFactory, started: bool = True) -> None:
        with self._count:
            left = self._running.pop(id(factory), 0) - started
            if left:
                self._running[id(factory)] = left
            done = left == 0 and self._retired.pop(id(factory), None) is not None
        if done:
            factory.__exit__(None, None, None)  # its batching threads stop and free the old weights

    def servable(self) -> list[str]:
        """Pipelines whose inputs exist: tuned ones need a trained model, retrieving ones an index."""
        has_model = self.factory.ft_model_dir is not None and self.factory.ft_model_dir.exists()
        has_index = self.factory.index_dir is not None and self.factory.index_dir.exists()
        return [
            name
            for name, p in pipelines.PIPELINES.items()
            if (has_model or not p.tuned) and (has_index or not p.retrieves)
        ]

    def load(self, name: str) -> None:
        """Build (and warm) a pipeline on the worker thread; /readyz turns ready after the default one."""
        self._worker.submit(self._get, name).result()
        self.ready.set()

    def _get(self, name: str, current: tuple[AnswererFactory, dict[str, Answerer]] | None = None) -> Answerer:
        factory, answerers = current or self._current  # a hot swap replaces both: build into the pair read here
        if name not in answerers:
            with self._building:
                if name not in answerers:
                    answerers[name] = factory.build(name)
        return answerers[name]

    async def answer(
        self,
        name: str,
        question: str,
        kind: str,
        max_tokens: int,
        on_text: Callable[[str], None] | None = None,
        cancelled: threading.Event | None = None,
    ) -> Answer:
        def sink(text: str) -> None:
            if cancelled is not None and cancelled.is_set():
                raise Cancelled
            if on_text and text:
                on_text(text)

        def run() -> Answer:
            if cancelled is not None and cancelled.is_set():
                raise Cancelled  # gone while queued: never start
            current = self._hold()
            try:
                return self._get(name, current).answer(question, kind, max_tokens, sink)
            finally:
                self._release(current[0])

        return await asyncio.get_running_loop().run_in_executor(self._worker, run)

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
        self._retire(self.factory)
