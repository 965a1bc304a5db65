"""Build each declared pipeline (engrain.pipelines) behind the one `Answerer` interface.

`base` and `rag` share the untuned model, `ft`, `ft+rag` and `auto` the tuned one; models and
the embedder are loaded once and shared, so evaluating all five costs two model loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cached_property
from pathlib import Path

from engrain import pipelines
from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.model import calibrate
from engrain.model.answerer import ClosedBookAnswerer
from engrain.model.batching import BatchingGenerator
from engrain.model.generate import Generator, TextGenerator
from engrain.model.loading import load_causal_lm, load_embedder, set_threads
from engrain.rag import tune
from engrain.rag.answerer import RagAnswerer
from engrain.rag.auto import AutoAnswerer
from engrain.rag.index import Retriever
from engrain.rag.verify import VerifiedAnswerer
from engrain.records import Answerer
from engrain.workspace import Workspace


class AnswererFactory:
    def __init__(
        self,
        cfg: EngrainConfig,
        ft_model_dir: Path | None,
        index_dir: Path | None,
        changed: frozenset[str] = frozenset(),
        max_batch: int = 1,
        linger_s: float = 0.0,
    ) -> None:
        """`changed`: documents edited or added since the tuned model was trained (`auto` reads them).
        `max_batch` > 1: concurrent generations with one model run as batches (a server, the evaluation),
        a batch waiting up to `linger_s` for one more request."""
        self.cfg = cfg
        self.ft_model_dir = ft_model_dir
        self.index_dir = index_dir
        self.changed = changed
        self.max_batch, self.linger_s = max_batch, linger_s
        self._memo: ExitStack | None = None  # open while memoized: generators loaded then join it
        set_threads(cfg.model.threads)

    @classmethod
    def for_workspace(cls, cfg: EngrainConfig, ws: Workspace, max_batch: int = 1) -> AnswererFactory:
        """The tuned model and the index this workspace's train and index stages wrote (from one corpus), with
        rag's settings as chosen on the dev split (engrain.rag.tune)."""
        cfg, index = tune.applied(cfg, ws)
        return cls(cfg, ws.path("train", "model"), index, max_batch=max_batch, linger_s=0.05)

    def __enter__(self) -> AnswererFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the batching threads (each holds its model)."""
        for gen in (self.__dict__.get("base"), self.__dict__.get("tuned")):
            if isinstance(gen, BatchingGenerator):
                gen.close()

    def build(self, name: str) -> Answerer:
        p = pipelines.get(name)
        generator = self.tuned if p.tuned else self.base
        if p.answering == "closed-book":
            return ClosedBookAnswerer(name, generator, self.refuse_below if p.tuned else 0.0, self.cfg.model.refusal)
        if p.answering == "auto":
            return AutoAnswerer(
                name,
                generator,
                self.retriever,
                self.cfg.rag.top_k,
                self.cfg.model.refusal,
                self.cfg.rag.auto_confidence,
                self.cfg.rag.read_refusals,
                self.changed,
                self._reader(generator),
            )
        if p.answering == "hybrid" and self.cfg.rag.hybrid == "verify":
            return VerifiedAnswerer(
                name,
                generator,
                self.retriever,
                self.cfg.rag.top_k,
                self.cfg.model.refusal,
                self.cfg.rag.read_refusals,
                self._reader(generator),
                self.cfg.rag.recall_confidence,
            )
        return RagAnswerer(name, generator, self.retriever, self.cfg.rag.top_k, self.cfg.model.refusal)

    def _reader(self, tuned: TextGenerator) -> TextGenerator:
        """Who reads the passages after recall (rag.reader); the base model is loaded only if it is asked to."""
        return self.base if self.cfg.rag.reader == "base" else tuned

    @cached_property
    def refuse_below(self) -> float:
        """`ft`'s refusal threshold: the configured one, or (auto) the one chosen on the dev split and
        stored with the tuned model (engrain.model.calibrate)."""
        return calibrate.threshold(self.cfg.model.refuse_below, self.ft_model_dir)

    @contextmanager
    def memoized(self) -> Iterator[None]:
        """Within: each model computes an identical request once (the sequential evaluation; see
        engrain.model.generate), including models first loaded inside. Concurrent use (throughput,
        a server) must stay outside."""
        with ExitStack() as stack:
            for gen in (self.__dict__.get("base"), self.__dict__.get("tuned")):
                if gen is not None:
                    stack.enter_context(gen.memoized())
            self._memo = stack
            try:
                yield
            finally:
                self._memo = None

    def _generator(self, adapter: Path | None) -> TextGenerator:
        model, tok = load_causal_lm(self.cfg.model.base, self.cfg.model.dtype, adapter=adapter)
        gen = Generator(model, tok, self.cfg.model.system_prompt, self.cfg.model.max_new_tokens)
        if self._memo is not None:
            self._memo.enter_context(gen.memoized())
        return BatchingGenerator(gen, self.max_batch, self.linger_s) if self.max_batch > 1 else gen

    @cached_property
    def base(self) -> TextGenerator:
        return self._generator(None)

    @cached_property
    def tuned(self) -> TextGenerator:
        if self.ft_model_dir is None or not self.ft_model_dir.exists():
            raise EngrainError("no fine-tuned model yet: run `engrain train` first")
        return self._generator(self.ft_model_dir)

    @cached_property
    def retriever(self) -> Retriever:
        if self.index_dir is None:
            raise EngrainError("no index yet: run `engrain index` first")
        return Retriever(self.index_dir, load_embedder(self.cfg.model.embedder), self.cfg.rag.retriever)
