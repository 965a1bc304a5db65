"""The bake-off recipe: ingest -> index -> synth -> train -> eval -> report.

The index comes before synth because RAFT records are built from what it retrieves.

Each stage reads the config and the workspace, skips itself when its inputs are unchanged
(see `workspace.py`), and writes its outputs atomically. `run_all` is the whole recipe;
the CLI exposes each stage on its own too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.io import read_jsonl, sha256_file, write_json, write_jsonl
from engrain.pipelines import PIPELINES
from engrain.records import Conversation, Document, EvalItem
from engrain.workspace import Workspace, artifact_in, read_corpus, read_split, stage_key

log = logging.getLogger(__name__)
Say = Callable[[str], None]


def _quiet(msg: str) -> None:
    log.info(msg)


# -- ingest -------------------------------------------------------------------------------
def ingest(cfg: EngrainConfig, say: Say = _quiet, force: bool = False) -> str:
    from engrain.ingest import load_documents, load_logs

    ws = Workspace(cfg)
    if not cfg.data.docs:
        raise EngrainError("no documents configured: set data.docs in the config (files or folders)")
    doc_paths = [cfg.path(p) for p in cfg.data.docs]
    log_paths = [cfg.path(p) for p in cfg.data.logs]
    key = _ingest_key(cfg, ws)
    if not force and ws.fresh("ingest", key):
        say("ingest: unchanged, reusing")
        return key
    names = cfg.data.scrub_names
    docs = load_documents(doc_paths, cfg.data.scrub_pii, cfg.data.max_file_mb, names=names == "all")
    logs = load_logs(log_paths, cfg.data.scrub_pii, cfg.data.max_file_mb, names=names in ("logs", "all"))
    ws.begin("ingest")
    write_jsonl(ws.path("ingest", "documents"), docs)
    write_jsonl(ws.path("ingest", "logs"), logs)
    words = sum(len(d.text.split()) for d in docs)
    ws.mark("ingest", key, documents=len(docs), words=words, conversations=len(logs),
            sources={d.id: d.sha256 for d in docs}, log_sources={c.id: c.sha256 for c in logs})
    say(f"ingest: {len(docs)} documents ({words:,} words), {len(logs)} conversations")
    return key


def _ingest_key(cfg: EngrainConfig, ws: Workspace) -> str:
    paths = [cfg.path(p) for p in cfg.data.docs + cfg.data.logs]
    return stage_key("ingest", _files_fingerprint(paths, cfg.root), cfg.data.model_dump())


def load_corpus(cfg: EngrainConfig) -> tuple[list[Document], list[Conversation]]:
    return read_corpus(Workspace(cfg))


def load_eval_file(path: Path) -> list[EvalItem]:
    """Held-out questions; every item states its answers (`[]`: the corpus does not answer it)."""
    items, seen = [], set()
    for i, r in enumerate(read_jsonl(path), 1):
        item = _eval_item(r, i, f"{path}: item {i}")
        if item.id in seen:  # duplicates would be counted twice in the paired tests
            raise EngrainError(f"{path}: item {i} repeats id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise EngrainError(f"{path}: eval file is empty")
    return items


def _eval_item(r: dict, i: int, where: str) -> EvalItem:
    question, answers, wrong = r.get("question"), r.get("answers"), r.get("wrong", [])
    if not isinstance(question, str) or not question.strip():
        raise EngrainError(f"{where}: 'question' must be a non-empty string")
    if not isinstance(answers, list) or not isinstance(wrong, list):
        raise EngrainError(f"{where}: needs a list 'answers' ([] = unanswerable; 'wrong', if given, a list too)")
    if any(not str(a).strip() for a in answers + wrong):
        raise EngrainError(f"{where}: an empty answer matches everything; remove it")
    kind = r.get("kind", "qa")
    if kind not in ("qa", "completion"):
        raise EngrainError(f"{where}: kind must be 'qa' or 'completion', got {kind!r}")
    return EvalItem(str(r.get("id", i)), question, [str(a) for a in answers], r.get("category", "lookup"), kind,
                    [str(a) for a in wrong])


# -- synth --------------------------------------------------------------------------------
def synth(cfg: EngrainConfig, say: Say = _quiet, force: bool = False, progress: bool = True) -> str:
    from engrain.rag.chunk import chunk_corpus
    from engrain.synth.build import synthesize

    ws = Workspace(cfg)
    eval_path = cfg.path(cfg.data.eval) if cfg.data.eval else None
    eval_items = load_eval_file(eval_path) if eval_path else None  # a bad eval file fails before any work
    raft = cfg.synth.raft_fraction > 0
    if raft and not ws.fresh("index", _index_key(cfg, ws)):
        index(cfg, say, progress=progress)  # RAFT records are built from real retrievals
    key = _synth_key(cfg, ws)
    if not force and ws.fresh("synth", key):
        say("synth: unchanged, reusing")
        return key
    docs, logs = load_corpus(cfg)
    chunks = chunk_corpus(docs, cfg.rag.chunk_words, cfg.rag.chunk_overlap)
    retrieve = None
    if raft:
        from engrain.model.loading import load_embedder
        from engrain.rag.index import Retriever

        retriever = Retriever(ws.path("index", "lancedb"), load_embedder(cfg.model.embedder))
        retrieve = lambda q, k: retriever.search(q, k)[0]  # noqa: E731
    teacher = _teacher(cfg, ws, say, progress)
    try:
        result = synthesize(docs, logs, chunks, cfg.synth, cfg.seed, eval_items, teacher=teacher,
                            retrieve=retrieve, top_k=cfg.rag.top_k)
    finally:
        if teacher is not None:
            teacher.close()
    ws.begin("synth")
    write_jsonl(ws.path("synth", "train"), result.train)
    write_jsonl(ws.path("synth", "dev"), result.dev)
    write_jsonl(ws.path("synth", "eval"), result.eval if result.eval is not None else eval_items)
    write_json(ws.path("synth", "stats"), result.stats)
    ws.mark("synth", key, **result.stats)
    by_kind = ", ".join(f"{k} {v}" for k, v in result.stats["by_kind"].items())
    say(f"synth: {result.stats['examples']} training examples ({by_kind}); {result.stats['facts_found']} facts found")
    if "teacher" in result.stats:
        say(f"synth: teacher {result.stats['teacher']}")
    return key


def _synth_key(cfg: EngrainConfig, ws: Workspace) -> str:
    raft = cfg.synth.raft_fraction > 0
    eval_path = cfg.path(cfg.data.eval) if cfg.data.eval else None
    return stage_key("synth", ws.key("ingest"), cfg.synth.model_dump(), ws.key("index") if raft else None,
                     cfg.rag.top_k if raft else None,  # RAFT records hold the served number of passages
                     cfg.rag.chunk_words, cfg.rag.chunk_overlap, cfg.seed,
                     sha256_file(eval_path) if eval_path and eval_path.exists() else None,
                     *([cfg.model.base] if cfg.synth.teacher.local == "base" else []))  # self-study reads the base model


def _teacher(cfg: EngrainConfig, ws: Workspace, say: Say, progress: bool):
    """The configured teacher (endpoint or local model), or None for the built-in generator alone."""
    tc = cfg.synth.teacher
    if not tc.base_url and not tc.local:
        return None
    from engrain.synth.teacher import Teacher

    local = None
    if tc.local:
        from engrain.synth.local_lm import local_teacher

        local = local_teacher(cfg.model.base if tc.local == "base" else tc.local, tc.max_new_tokens)
        say(f"synth: local teacher {local.name} ({local.engine})")
    else:
        say(f"synth: teacher {tc.model} at {tc.base_url}")
    return Teacher(tc, ws.path("cache", "teacher"), local=local, progress=progress)


def load_split(cfg: EngrainConfig, name: str) -> list:
    return read_split(Workspace(cfg), name)


# -- train --------------------------------------------------------------------------------
def train(cfg: EngrainConfig, say: Say = _quiet, force: bool = False, progress: bool = True) -> str:
    from engrain.train.distributed import world
    from engrain.train.trainer import train as run_training

    ws = Workspace(cfg)
    key = _train_key(cfg, ws)
    if not force and ws.fresh("train", key):
        say("train: unchanged, reusing")
        if cfg.train.discard_data:  # finishes a discard a kill interrupted; nothing left: a no-op
            _discard_training_data(ws, ws.manifest("train")["model_id"], say)
        return key
    examples, dev = load_split(cfg, "train"), load_split(cfg, "dev")
    say(f"train: {cfg.train.method} on {len(examples)} examples, {cfg.train.epochs:g} epochs")
    main = world().main
    if main:
        ws.begin("train")
    result = run_training(cfg, examples, dev, ws.dir("train"), ws.path("train", "model"), progress=progress)
    if not main:  # a data-parallel helper process: process 0 writes the model and the workspace
        return key
    trained = result.to_dict() | {"refusal": calibrate_refusal(cfg, ws.path("train", "model"), dev, say, progress)}
    write_json(ws.path("train", "result"), trained)
    model_id = register_model(cfg, ws, trained)
    ws.mark("train", key, model_id=model_id,
            **{k: v for k, v in trained.items() if k not in ("loss_curve", "dev_curve", "refusal")})
    say(f"train: registered as model {model_id} (alias candidate)")
    if cfg.train.discard_data:
        _discard_training_data(ws, model_id, say)
    say(f"train: {result.steps} steps in {result.seconds:.0f} s ({result.tokens_per_second:.0f} tokens/s), best dev step {result.best_step}")
    return key


def _train_key(cfg: EngrainConfig, ws: Workspace) -> str:
    # max_new_tokens: checkpoint selection generates dev answers; "refusal": models before calibration
    return stage_key("train", ws.key("synth"), cfg.train.shaping(), cfg.model.base,
                     cfg.model.system_prompt, cfg.model.max_new_tokens, cfg.seed, "refusal")


def calibrate_refusal(cfg: EngrainConfig, model_dir: Path, dev: list[EvalItem], say: Say = _quiet,
                      progress: bool = True) -> dict:
    """The tuned model's refusal threshold, chosen on the dev split and written into its folder
    before it is registered (`model.refuse_below = "auto"` reads it; engrain.model.calibrate)."""
    from engrain.answerers import AnswererFactory
    from engrain.model.answerer import ClosedBookAnswerer
    from engrain.model.calibrate import calibrate

    qa = [d for d in dev if d.kind == "qa"]
    answerer = ClosedBookAnswerer("ft", AnswererFactory(cfg, model_dir, None).tuned)
    with _progress(progress and bool(qa)) as bar:
        task = bar.add_task("refusal threshold", total=len(qa)) if bar else None
        rec = calibrate(answerer, qa, cfg.synth.refusal, model_dir, (lambda: bar.advance(task)) if bar else None)
    if qa:
        off, on = rec["off"], rec["chosen"]
        say(f"train: refusal threshold {rec['refuse_below']:.2f} on {len(qa)} dev questions (accuracy "
            f"{off['correct']:.1%} -> {on['correct']:.1%}, hallucination {off['hallucinated']:.1%} -> {on['hallucinated']:.1%})")
    return rec


def _discard_training_data(ws: Workspace, model_id: str, say: Say) -> None:
    """Only after a successful registration: the audit entry (names and hashes) first, then the deletion."""
    from engrain.registry import Registry
    from engrain.registry.audit import default_who

    targets = [("ingest", "documents"), ("ingest", "logs"), ("synth", "train"), ("synth", "dev"), ("cache", "teacher")]
    present = {f"{stage}/{ws.path(stage, a).name}": sha256_file(ws.path(stage, a))
               for stage, a in targets if ws.path(stage, a).is_file()}
    if not present:
        return
    with Registry(ws.dir("registry")) as reg:
        reg.record_discard(model_id, present, default_who(), "train.discard_data")
    ws.discard("ingest", ["documents", "logs"])
    ws.discard("synth", ["train", "dev"])
    ws.path("cache", "teacher").unlink(missing_ok=True)
    say(f"train: training data discarded ({len(present)} files; their hashes are in the audit log)")


def register_model(cfg: EngrainConfig, ws: Workspace, trained: dict, model_dir: Path | None = None,
                   extra: dict | None = None) -> str:
    """A trained model into the registry, with what made it and its frozen eval set; `candidate` points at it."""
    from engrain.registry import Registry
    from engrain.registry.audit import default_who

    ingest_m, synth_m = ws.manifest("ingest") or {}, ws.manifest("synth") or {}
    meta = {
        "base": cfg.model.base, "method": cfg.train.method, "config": cfg.model_dump(mode="json"),
        "lineage": {"documents": ingest_m.get("sources", {}), "conversations": ingest_m.get("log_sources", {}),
                    "synth": {name: {"sha256": _sha_or_none(ws.path("synth", name)),
                                     "examples": synth_m.get("examples") if name == "train" else None}
                              for name in ("train", "dev", "eval")}},
        "training": {k: v for k, v in trained.items() if k not in ("loss_curve", "dev_curve", "model_dir")},
        "pricebook": sha256_file(cfg.path(cfg.cost.pricebook)) if cfg.cost.pricebook else "defaults",
        **(extra or {}),
    }
    with Registry(ws.dir("registry")) as reg:
        meta["eval_set"] = reg.store_eval_set(ws.path("synth", "eval"))
        model_id = reg.register(model_dir or ws.path("train", "model"), meta, default_who(), "trained by engrain")
        if reg.alias("candidate") != model_id:
            reg.promote(model_id, "candidate", default_who(), "newest trained model")
        return model_id


def _sha_or_none(path: Path) -> str | None:
    return sha256_file(path) if path.is_file() else None


# -- index --------------------------------------------------------------------------------
def index(cfg: EngrainConfig, say: Say = _quiet, force: bool = False, progress: bool = True) -> str:
    from engrain.model.loading import load_embedder
    from engrain.rag.chunk import chunk_corpus
    from engrain.rag.index import build_index

    ws = Workspace(cfg)
    key = _index_key(cfg, ws)
    if not force and ws.fresh("index", key):
        say("index: unchanged, reusing")
        return key
    docs, _ = load_corpus(cfg)
    chunks = chunk_corpus(docs, cfg.rag.chunk_words, cfg.rag.chunk_overlap)
    t0 = time.perf_counter()
    ws.begin("index")
    n = build_index(chunks, load_embedder(cfg.model.embedder), ws.path("index", "lancedb"), cfg.rag.batch_size, progress)
    seconds = time.perf_counter() - t0
    corpus_tokens = sum(len(c.text.split()) for c in chunks) * 4 // 3  # ~tokens; for the cost model only
    ws.mark("index", key, chunks=n, seconds=round(seconds, 2), corpus_tokens_approx=corpus_tokens)
    say(f"index: {n} chunks embedded into LanceDB in {seconds:.1f} s")
    return key


def _index_key(cfg: EngrainConfig, ws: Workspace) -> str:
    # only what changes the vectors: the documents (not the chat logs, which are not indexed), chunking, embedder
    sources = (ws.manifest("ingest") or {}).get("sources")
    return stage_key("index", sources, cfg.data.scrub_pii, cfg.data.scrub_names, cfg.rag.chunk_words, cfg.rag.chunk_overlap, cfg.model.embedder)


# -- eval ---------------------------------------------------------------------------------
def evaluate(cfg: EngrainConfig, say: Say = _quiet, force: bool = False, progress: bool = True) -> str:
    from engrain.answerers import AnswererFactory
    from engrain.evaluate import runner

    ws = Workspace(cfg)
    key = _eval_key(cfg, ws)
    if not force and ws.fresh("eval", key):
        say("eval: unchanged, reusing")
        return key
    if cfg.eval.judge and not (cfg.synth.teacher.base_url or cfg.synth.teacher.local):
        raise EngrainError("eval.judge grades with the teacher: set synth.teacher.base_url or synth.teacher.local")
    items = runner.sample_items(load_split(cfg, "eval"), cfg.eval.limit, cfg.seed)
    factory = AnswererFactory.for_workspace(cfg, ws)
    rows: list[dict] = []
    with _progress(progress) as bar, factory.memoized():
        for name in cfg.eval.pipelines:
            answerer = factory.build(name)
            task = bar.add_task(f"eval {name}", total=len(items)) if bar else None
            rows += runner.run(answerer, items, cfg.eval.warmup, (lambda t=task: bar.advance(t)) if bar else None)
    if cfg.eval.judge:
        _judge(cfg, ws, rows, say, progress)
    summary = runner.summarise(rows)
    summary["throughput"] = _throughput(cfg, factory, items, say)
    summary["forgetting"] = _forgetting(cfg, factory, say)
    summary["questions"] = len(items)
    summary["refuse_below"] = factory.refuse_below  # ft's threshold as applied (auto: the one stored with the model)
    summary["questions_total"] = len(load_split(cfg, "eval"))
    ws.begin("eval")
    write_jsonl(ws.path("eval", "results"), rows)
    write_json(ws.path("eval", "metrics"), summary)
    ws.mark("eval", key, questions=len(items))
    say(f"eval: {len(items)} questions x {len(cfg.eval.pipelines)} pipelines")
    return key


def _eval_key(cfg: EngrainConfig, ws: Workspace) -> str:
    judge = cfg.synth.teacher.model_dump(exclude={"max_requests"}) if cfg.eval.judge else None
    return stage_key("eval", ws.key("train"), ws.key("index"), ws.key("synth"), cfg.eval.model_dump(),
                     cfg.model.model_dump(), cfg.rag.model_dump(), cfg.synth.refusal, cfg.seed, judge)


def _judge(cfg: EngrainConfig, ws: Workspace, rows: list[dict], say: Say, progress: bool) -> None:
    """Each row's `judged`: the teacher's verdict on an answer to an answerable question (None: no verdict);
    a refusal there is wrong and, on an unanswerable one, right, as containment scores it."""
    teacher = _teacher(cfg, ws, say, progress)
    ask = [r for r in rows if r["references"] and not r["abstained"]]
    verdicts = teacher.grade([(r["question"], r["references"], r["answer"]) for r in ask])
    teacher.close()
    for r in rows:
        r["judged"] = r["correct"] if not r["references"] else False
    for r, v in zip(ask, verdicts):
        r["judged"] = v
    say(f"eval: judge graded {sum(v is not None for v in verdicts)} of {len(ask)} answers "
        f"({teacher.stats['requests']} requests, {teacher.stats['cache_hits']} cached)")


def _throughput(cfg: EngrainConfig, factory, items: list[EvalItem], say: Say) -> list[dict]:
    from engrain.evaluate.runner import throughput

    if not cfg.eval.throughput_queries:
        return []
    out = []
    for name in [p for p in ("ft", "rag") if p in cfg.eval.pipelines]:
        say(f"throughput: {name} at concurrency {cfg.eval.throughput_concurrency}")
        out += throughput(factory.build(name), items, cfg.eval.throughput_concurrency, cfg.eval.throughput_queries)
    return out


def _forgetting(cfg: EngrainConfig, factory, say: Say) -> dict | None:
    """What specialisation cost: general-text perplexity, base vs fine-tuned."""
    if not cfg.eval.forgetting or {PIPELINES[p].tuned for p in cfg.eval.pipelines} != {True, False}:
        return None
    from engrain.evaluate.forgetting import forgetting_check

    result = forgetting_check(factory.base.model, factory.tuned.model, factory.base.tok)
    say(f"forgetting: general-text perplexity {result['base_ppl']:.2f} (base) -> {result['ft_ppl']:.2f} (fine-tuned)")
    return result


# -- report -------------------------------------------------------------------------------
def report(cfg: EngrainConfig, out_dir: Path | None = None, say: Say = _quiet) -> Path:
    from engrain.report.build import build_report, write_report

    ws = Workspace(cfg)
    for stage in ("synth", "train", "eval"):
        if ws.key(stage) is None:
            raise EngrainError(f"nothing to report yet: run `engrain {stage}` first")
    if stage := out_of_date(cfg):
        raise EngrainError(f"the {stage} stage is out of date (its inputs or settings changed since it ran): "
                           "run `engrain eval` (or `engrain run`) before `engrain report`")
    rep = build_report(cfg, ws)
    dest = out_dir or ws.dir("report")
    with ws.lock():
        ws.begin("report")
        write_report(rep, dest, ws.path("eval", "results"))
        ws.mark("report", stage_key("report", ws.key("eval"), ws.key("train")), out=str(dest))
    _record_evaluation(ws, rep)
    say(f"report: {artifact_in(dest, 'report', 'html')}")
    return dest


def _record_evaluation(ws: Workspace, rep: dict) -> None:
    """The bake-off's results travel with the registered model they measured."""
    from engrain.registry import Registry
    from engrain.registry.audit import default_who

    model_id = (ws.manifest("train") or {}).get("model_id")
    if model_id:
        with Registry(ws.dir("registry")) as reg:
            reg.add_evaluation(model_id, rep, default_who())


# stage -> the stages whose outputs it reads (synth builds the index itself when RAFT needs it)
UPSTREAM = {"ingest": (), "index": ("ingest",), "synth": ("ingest",), "train": ("ingest", "synth"),
            "eval": ("ingest", "index", "synth", "train")}


KEYS = {"ingest": _ingest_key, "index": _index_key, "synth": _synth_key, "train": _train_key, "eval": _eval_key}


def out_of_date(cfg: EngrainConfig) -> str | None:
    """The first stage whose inputs or settings changed since it ran (None: everything is current)."""
    ws = Workspace(cfg)
    return next((stage for stage in KEYS if not ws.fresh(stage, KEYS[stage](cfg, ws))), None)


def run_stage(cfg: EngrainConfig, stage: str, say: Say = _quiet, force: bool = False, progress: bool = True) -> str:
    """A stage command: every stage it reads is brought up to date first (reused when unchanged),
    so an edited document or setting upstream is never answered with a stale "unchanged"."""
    steps = {"ingest": lambda f: ingest(cfg, say, f), "index": lambda f: index(cfg, say, f, progress),
             "synth": lambda f: synth(cfg, say, f, progress), "train": lambda f: train(cfg, say, f, progress),
             "eval": lambda f: evaluate(cfg, say, f, progress)}
    from engrain.train.distributed import launched

    if stage == "train" and launched():
        return _train_data_parallel(cfg, say, force, progress)
    with Workspace(cfg).lock():
        for up in UPSTREAM[stage]:
            steps[up](False)
        return steps[stage](force)


def _train_data_parallel(cfg: EngrainConfig, say: Say, force: bool, progress: bool) -> str:
    """`engrain train` under `accelerate launch` / `torchrun`: every process trains its share; process 0
    holds the workspace lock and writes. The stages before it must be current (run them in one process)."""
    from engrain.train.distributed import world

    ws = Workspace(cfg)
    stale = [up for up in UPSTREAM["train"] if not ws.fresh(up, KEYS[up](cfg, ws))]
    if stale:
        raise EngrainError(f"{stale[0]} is not current: run `engrain synth` in one process before a multi-process "
                           "`engrain train`")
    if not world().main:
        return train(cfg, _quiet, force, progress=False)
    with ws.lock():
        return train(cfg, say, force, progress)


def run_all(cfg: EngrainConfig, say: Say = _quiet, report_dir: Path | None = None, progress: bool = True) -> Path:
    with Workspace(cfg).lock():
        ingest(cfg, say)
        index(cfg, say, progress=progress)
        synth(cfg, say, progress=progress)
        train(cfg, say, progress=progress)
        evaluate(cfg, say, progress=progress)
        return report(cfg, report_dir, say)


def _files_fingerprint(paths: list[Path], root: Path) -> list:
    """Content hashes of every input file (folders walked), so edits invalidate ingest.
    Paths are taken relative to the project root: a moved or copied project stays cached."""
    out = []
    for p in paths:
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        out += [(str(f.relative_to(root)) if f.is_relative_to(root) else str(f), sha256_file(f)) for f in files if f.exists()]
    return out


class _progress:
    """A rich progress bar, or nothing when progress is off (tests, CI logs)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
        self.bar.__enter__()
        return self.bar

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.bar.__exit__(*exc)
