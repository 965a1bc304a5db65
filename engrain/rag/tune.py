"""rag's retrieval settings, chosen on the dev split as ft's checkpoint and threshold are.

The grid is every combination of retriever, top_k and chunk size (each the configured value and
the `rag.tune_*` alternatives). Two rounds on the same dev questions (engrain.recipe.tune_rag):
1. Retrieval, every setting (seconds): the context hit, the share of questions whose passages hold
   a reference answer. A reader cannot use an answer it was not given.
2. Reading, the finalists (the setting as given, and per top_k the retriever and chunk size with
   the best hit): the base model answers from the passages. Longer passages find more but are
   harder for a small reader, so the reader decides.
The most accurate finalist wins, a tie going to the configured setting, then to the fewest prompt
tokens (the cheaper query). rag, ft+rag and auto then answer with the winner (`applied`), so the
bake-off compares two sides tuned on the same dev questions, neither having seen the eval split.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from pathlib import Path

from engrain import graph
from engrain.config import EngrainConfig, RagConfig
from engrain.io import read_json
from engrain.workspace import Workspace

STAGE = "tune_rag"


@dataclass(frozen=True)
class Setting:
    retriever: str
    top_k: int
    chunk_words: int
    chunk_overlap: int

    @property
    def label(self) -> str:
        return f"{self.retriever} top-{self.top_k}, {self.chunk_words}-word chunks"

    def to_dict(self) -> dict:
        return asdict(self)


def configured(rag: RagConfig) -> Setting:
    return Setting(rag.retriever, rag.top_k, rag.chunk_words, rag.chunk_overlap)


def grid(rag: RagConfig) -> list[Setting]:
    """The configured setting first, then every other combination (overlap scales with chunk size)."""
    first = configured(rag)
    retrievers = dict.fromkeys([rag.retriever, *rag.tune_retrievers])
    top_ks = dict.fromkeys([rag.top_k, *rag.tune_top_k])
    sizes = dict.fromkeys([rag.chunk_words, *rag.tune_chunk_words])
    out = [first]
    for r, k, n in itertools.product(retrievers, top_ks, sizes):
        s = Setting(r, k, n, round(rag.chunk_overlap * n / rag.chunk_words))
        if s != first:
            out.append(s)
    return out


def finalists(settings: list[Setting], hits: list[float | None]) -> list[Setting]:
    """The setting as given (first), then per top_k the retriever and chunk size whose passages held a reference
    most often (ties: the one listed first, i.e. nearer the setting as given; None: no reference to find)."""
    best: dict[int, tuple[float, Setting]] = {}
    for s, hit in zip(settings, [-1.0 if h is None else h for h in hits]):
        if s.top_k not in best or hit > best[s.top_k][0]:
            best[s.top_k] = (hit, s)
    return list(dict.fromkeys([settings[0], *(s for _, s in best.values())]))


def choose(scored: list[dict]) -> dict:
    """The most accurate entry that was read; ties go to the configured setting (listed first), then to fewer
    prompt tokens. Each entry: {"setting": Setting.to_dict(), "correct": n, "prompt_tokens": mean, ...}."""
    read = [e for e in scored if "correct" in e]
    return max(read, key=lambda e: (e["correct"], e is scored[0], -e["prompt_tokens"]))


def index_dir(ws: Workspace, chunk_words: int, cfg: EngrainConfig) -> Path:
    """The index a chunk size is searched in: the index stage's for the configured size, else the
    one the tuning stage built beside it."""
    if chunk_words == cfg.rag.chunk_words:
        return ws.path("index", "lancedb")
    return ws.path(STAGE, "indexes") / f"{chunk_words}w"


def applied(cfg: EngrainConfig, ws: Workspace) -> tuple[EngrainConfig, Path]:
    """The config with rag's tuned settings, and the index they search. The configured settings when
    tuning is off or has not run on the current index, dev split and settings (a stale choice is
    never served)."""
    rec = chosen(ws) if cfg.rag.tune else None
    if rec is None or not ws.fresh(STAGE, graph.key(STAGE, cfg, ws)):
        return cfg, ws.path("index", "lancedb")
    setting = Setting(**rec["chosen"]["setting"])
    rag = cfg.rag.model_copy(update=setting.to_dict())
    return cfg.model_copy(update={"rag": rag}), index_dir(ws, setting.chunk_words, cfg)


def chosen(ws: Workspace) -> dict | None:
    """The stage's record (the grid and the winner) for the report; None when it has not run."""
    path = ws.path(STAGE, "choice")
    return read_json(path) if path.is_file() else None
