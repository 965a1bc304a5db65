"""Concurrent generations coalesced into batches, behind the TextGenerator interface.

A server answers several requests at once on worker threads; each answerer calls
`generate` as usual, and the calls that arrive while a batch is running wait and then run
together as the next batch (one forward pass per step for all of them). At batch 1 on a CPU
the decode step is bound by reading the weights, so a batch of 8 costs little more than one
(bench/serve_load.py measures it). Prompts and retrieval still run on the callers' threads.
The evaluation answers its accuracy pass this way too (engrain.evaluate.runner).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager

from engrain.model.generate import Generation, Generator, Request
from engrain.records import Answer, Answerer


class BatchingGenerator:
    """A TextGenerator: `generate` from any thread; one thread runs the batches in arrival order.
    Prompts, the clock and the memo are the wrapped generator's."""

    def __init__(self, generator: Generator, max_batch: int, linger_s: float = 0.0) -> None:
        """`linger_s`: how long a batch that is not full waits for one more request (callers that
        submit together, as the evaluation does, then share a batch instead of trickling in one by one)."""
        self.inner = generator
        self.model, self.tok, self.system_prompt = generator.model, generator.tok, generator.system_prompt
        self.max_batch, self.linger_s = max_batch, linger_s
        self._queue: queue.Queue[tuple[Request, Future] | None] = queue.Queue()
        self.batches: list[int] = []  # sizes of the batches run (for tests and metrics)
        self._thread = threading.Thread(target=self._loop, name="engrain-batch", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the batching thread once the queued requests are answered (it holds the model)."""
        self._queue.put(None)
        self._thread.join()

    def __enter__(self) -> BatchingGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def clock(self) -> float:
        return self.inner.clock()

    def memoized(self, on: bool = True) -> AbstractContextManager[None]:
        return self.inner.memoized(on)

    def chat_ids(self, user: str) -> list[int]:
        return self.inner.chat_ids(user)

    def text_ids(self, text: str) -> list[int]:
        return self.inner.text_ids(text)

    def generate(
        self,
        input_ids: list[int],
        stop_at_newline: bool = False,
        max_new_tokens: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Generation:
        done: Future = Future()
        self._queue.put((Request(input_ids, stop_at_newline, max_new_tokens, on_text), done))
        return done.result()

    def _run(self, requests: list[Request]) -> list[Generation | Exception]:
        if len(requests) > 1:
            return self.inner.generate_batch(requests)
        r = requests[0]  # alone: the unpadded path
        try:
            return [self.inner.generate(r.input_ids, r.stop_at_newline, r.max_new_tokens, r.on_text)]
        except Exception as e:
            return [e]

    def _gather(self, first: tuple[Request, Future]) -> tuple[list[tuple[Request, Future]], bool]:
        """The next batch, from `first` and what arrives within the linger; True once closed."""
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get(timeout=self.linger_s) if self.linger_s else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _loop(self) -> None:
        closed = False
        while not closed:
            first = self._queue.get()
            if first is None:
                return
            batch, closed = self._gather(first)
            self.batches.append(len(batch))
            try:
                results = self._run([req for req, _ in batch])
            except Exception as e:  # a failed batch fails each of its requests, not the thread
                results = [e] * len(batch)
            for (_, done), res in zip(batch, results):
                if isinstance(res, Exception):
                    done.set_exception(res)
                else:
                    done.set_result(res)


def answer_all(
    answerer: Answerer, questions: list[tuple[str, str]], workers: int, advance: Callable[[], None] | None = None
) -> list[Answer]:
    """Each (question, kind) answered, in order, `workers` at a time: with the answerer's generator a
    BatchingGenerator their generations decode as batches (accuracy passes, not latency)."""
    out = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for ans in pool.map(lambda q: answerer.answer(*q), questions):
            out.append(ans)
            if advance:
                advance()
    return out
