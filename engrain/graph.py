"""The stage graph: every stage declared once with what it reads.

A stage's cache key is derived from its declaration and nothing else: the keys of the stages
(or the manifest fields) it reads, the config settings it reads (whole sections or single
fields, minus those declared not to shape its outputs) and the content hashes of its input
files. The same declaration gives `run_stage` the stages to bring up to date first and
`engrain report` its staleness check, so a new setting in a section a stage reads changes
that stage's key without anyone listing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engrain.config import EngrainConfig
from engrain.io import sha256_file
from engrain.workspace import Workspace, stage_key


@dataclass(frozen=True)
class Stage:
    name: str
    reads: tuple[str, ...] = ()  # upstream stages ("synth": its key) or manifest fields ("ingest:sources")
    settings: tuple[str, ...] = ()  # "seed", a section ("train") or one field ("rag.top_k")
    ignore: tuple[str, ...] = ()  # fields of those sections that do not shape the outputs
    inputs: Callable[[EngrainConfig], list[Path]] | None = None  # files whose contents it reads
    doc: str = field(default="", compare=False)

    @property
    def upstream(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.split(":")[0] for r in self.reads))

    def config(self, cfg: EngrainConfig) -> dict[str, Any]:
        """The settings this stage reads, by dotted name (sections as dicts, ignored fields left out)."""
        raw = cfg.model_dump(mode="json")
        out = {name: _lookup(raw, name) for name in self.settings}
        for name in self.ignore:
            section, _, leaf = name.rpartition(".")
            value = out.get(section)
            if isinstance(value, dict):
                value.pop(leaf, None)
        return out

    def key(self, cfg: EngrainConfig, ws: Workspace, *extra: Any) -> str:
        upstream = {r: _upstream_value(ws, r) for r in self.reads}
        files = _fingerprint(self.inputs(cfg), cfg.root) if self.inputs else None
        return stage_key(self.name, upstream, self.config(cfg), files, *extra)


def _lookup(raw: dict, dotted: str) -> Any:
    node: Any = raw
    for part in dotted.split("."):
        node = node[part]
    return node


def _upstream_value(ws: Workspace, read: str) -> Any:
    stage, _, manifest_field = read.partition(":")
    if manifest_field:
        return (ws.manifest(stage) or {}).get(manifest_field)
    return ws.key(stage)


def _fingerprint(paths: list[Path], root: Path) -> list:
    """Content hashes of every input file (folders walked), relative to the project root: a moved
    or copied project stays cached, an edited file invalidates."""
    out = []
    for p in paths:
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        out += [
            (str(f.relative_to(root)) if f.is_relative_to(root) else str(f), sha256_file(f))
            for f in files
            if f.exists()
        ]
    return out


def _corpus_files(cfg: EngrainConfig) -> list[Path]:
    return [cfg.path(p) for p in cfg.data.docs + cfg.data.logs]


def _eval_file(cfg: EngrainConfig) -> list[Path]:
    return [cfg.path(cfg.data.eval)] if cfg.data.eval else []


# The order is the run order: every stage comes after the stages it reads.
STAGES: tuple[Stage, ...] = (
    Stage(
        "ingest",
        settings=("data",),
        ignore=("data.eval", "data.workers", "data.engine"),  # the same output wherever it runs
        inputs=_corpus_files,
        doc="documents and chat logs, read and scrubbed",
    ),
    # the index holds the documents, not the chat logs: it reads their hashes, not the whole ingest key
    Stage(
        "index",
        reads=("ingest:sources",),
        settings=("data.scrub_pii", "data.scrub_names", "rag.chunk_words", "rag.chunk_overlap", "model.embedder"),
        doc="chunks embedded into LanceDB",
    ),
    # RAFT records hold real retrievals (the index, rag.top_k passages); self-study reads model.base
    Stage(
        "synth",
        reads=("ingest", "index"),
        settings=(
            "synth",
            "rag.top_k",
            "rag.retriever",
            "rag.chunk_words",
            "rag.chunk_overlap",
            "model.base",
            "model.refusal",
            "seed",
        ),
        inputs=_eval_file,
        doc="training examples, dev and eval splits",
    ),
    # rag's retriever, top_k and chunk size chosen on the dev split (the base model reads; engrain.rag.tune)
    Stage(
        "tune_rag",
        reads=("index", "synth"),
        settings=(
            "rag",
            "model.base",
            "model.dtype",
            "model.embedder",
            "model.system_prompt",
            "model.max_new_tokens",
            "model.refusal",
            "eval.batch",
        ),
        ignore=("rag.hybrid", "rag.read_refusals", "rag.reader", "rag.recall_confidence", "rag.auto_confidence"),
        doc="rag's retrieval settings, chosen on the dev split",
    ),
    # the untuned pipelines (base, rag) answer the eval split before training: rag's figures come first
    Stage(
        "baseline",
        reads=("index", "synth", "tune_rag"),
        settings=("eval", "model", "rag", "seed"),
        ignore=(
            "model.refuse_below",
            "rag.hybrid",
            "rag.read_refusals",
            "rag.reader",
            "rag.recall_confidence",
            "rag.auto_confidence",
        ),
        doc="the untuned pipelines' answers to the eval split, before training",
    ),
    # checkpoint selection and the refusal threshold answer dev questions with the model settings below
    Stage(
        "train",
        reads=("synth",),
        settings=(
            "train",
            "model.base",
            "model.dtype",
            "model.system_prompt",
            "model.max_new_tokens",
            "model.refusal",
            "seed",
        ),
        ignore=("train.discard_data",),
        doc="the tuned model and its refusal threshold",
    ),
    Stage(
        "eval",
        reads=("index", "synth", "tune_rag", "baseline", "train"),
        settings=("eval", "model", "rag", "seed"),
        doc="every pipeline's answers to the eval split",
    ),
    Stage("report", reads=("eval", "train"), settings=("name", "cost"), doc="report.json, .md and .html"),
)
GRAPH: dict[str, Stage] = {s.name: s for s in STAGES}
# Not part of `engrain run`; keyed from the same declarations (engrain.retrain).
RETRAIN = Stage(
    "retrain",
    reads=("synth",),
    settings=("train", "retrain", "eval.limit", "model.refusal", "seed"),
    ignore=("train.discard_data",),
    doc="a candidate trained from production, and its gate",
)
CACHED = tuple(s.name for s in STAGES if s.name != "report")  # stages skipped when their key is unchanged


def key(stage: str, cfg: EngrainConfig, ws: Workspace | None = None) -> str:
    return GRAPH[stage].key(cfg, ws or Workspace(cfg))


def before(stage: str) -> list[str]:
    """Every stage `stage` reads, directly or not, in run order."""
    needed: set[str] = set()
    todo = list(GRAPH[stage].upstream)
    while todo:
        s = todo.pop()
        if s not in needed:
            needed.add(s)
            todo += GRAPH[s].upstream
    return [s.name for s in STAGES if s.name in needed]


def out_of_date(cfg: EngrainConfig) -> str | None:
    """The first cached stage whose inputs or settings changed since it ran (None: all current)."""
    ws = Workspace(cfg)
    return next((s for s in CACHED if not ws.fresh(s, key(s, cfg, ws))), None)
