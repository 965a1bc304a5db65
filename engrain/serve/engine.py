"""The loaded pipelines and the one worker thread that runs them.

One model serves every client: answers run on a single worker thread in arrival order
(fair FIFO; on a CPU, parallel generations would only slow each other), while the event
loop keeps accepting connections. A streamed answer stops when its client goes away.
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
from engrain.records import Answer, Answerer
from engrain.workspace import Workspace


class Cancelled(Exception):
    """The client disconnected: stop generating."""


class Engine:
    def __init__(self, cfg: EngrainConfig, factory: AnswererFactory | None = None) -> None:
        self.cfg = cfg
        self.factory = factory or AnswererFactory.for_workspace(cfg, Workspace(cfg))
        self.ws = Workspace(cfg)
        self._answerers: dict[str, Answerer] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engrain-answer")
        self.ready = threading.Event()
        self.created = int(time.time())

    def servable(self) -> list[str]:
        """Pipelines whose inputs exist: tuned ones need a trained model, retrieving ones an index."""
        has_model = self.factory.ft_model_dir is not None and self.factory.ft_model_dir.exists()
        has_index = self.factory.index_dir is not None and self.factory.index_dir.exists()
        return [name for name, p in pipelines.PIPELINES.items()
                if (has_model or not p.tuned) and (has_index or not p.retrieves)]

    def load(self, name: str) -> None:
        """Build (and warm) a pipeline on the worker thread; /readyz turns ready after the default one."""
        self._worker.submit(self._get, name).result()
        self.ready.set()

    def _get(self, name: str) -> Answerer:
        if name not in self._answerers:
            self._answerers[name] = self.factory.build(name)
        return self._answerers[name]

    async def answer(self, name: str, question: str, kind: str, max_tokens: int,
                     on_text: Callable[[str], None] | None = None, cancelled: threading.Event | None = None) -> Answer:
        def sink(text: str) -> None:
            if cancelled is not None and cancelled.is_set():
                raise Cancelled
            if on_text and text:
                on_text(text)

        def run() -> Answer:
            if cancelled is not None and cancelled.is_set():
                raise Cancelled  # gone while queued: never start
            return self._get(name).answer(question, kind, max_tokens, sink)

        return await asyncio.get_running_loop().run_in_executor(self._worker, run)

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
