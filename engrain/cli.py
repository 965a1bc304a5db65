"""The `engrain` command: a thin layer over `engrain.recipe` and friends.

User mistakes (`EngrainError`) print one line and exit 1; Ctrl-C exits 130. Outputs are
written atomically, so an interrupted command never leaves a half-written artifact.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from engrain import pipelines
from engrain.errors import EngrainError, Interrupted, Terminated, stopping
from engrain.workspace import artifact_in

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Fine-tune vs RAG, measured on your own corpus.")
console = Console(stderr=True, soft_wrap=True)
CONFIG = Annotated[Path, typer.Option("--config", "-c", help="Project config (engrain.toml).")]
SET = Annotated[list[str] | None, typer.Option("--set", help="Override a setting: section.key=value (repeatable).")]
FORCE = Annotated[bool, typer.Option("--force", help="Re-run even if inputs are unchanged.")]


STOPPED = "interrupted; finished outputs are kept and the next run resumes"


def main() -> None:
    _quiet_libraries()
    _stop_on_signals()
    try:
        code = app(standalone_mode=False)
    except Interrupted as e:
        console.print(f"interrupted: {e}", highlight=False)
        sys.exit(128 + e.signum)
    except EngrainError as e:
        console.print(f"[red]error:[/red] {e}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt as e:
        console.print(STOPPED, highlight=False)
        sys.exit(128 + getattr(e, "signum", 2))
    except Exception as e:  # click's usage errors and friends (typer vendors its own click: matched by shape)
        kind = type(e).__name__
        if hasattr(e, "show") and isinstance(getattr(e, "exit_code", None), int):  # UsageError, BadParameter, ...
            e.show()
            sys.exit(e.exit_code)
        if kind == "Exit":
            sys.exit(getattr(e, "exit_code", 0))
        if kind == "Abort":  # click turns Ctrl-C into Abort
            if isinstance(e.__context__, KeyboardInterrupt):
                console.print(STOPPED, highlight=False)
                sys.exit(128 + getattr(e.__context__, "signum", 2))
            sys.exit(1)
        raise
    if isinstance(code, int) and code:  # typer returns an exit code here; Ctrl-C outside a stage is 130
        if code == 130:
            console.print(STOPPED, highlight=False)
        sys.exit(code)


def _stop_on_signals() -> None:
    """Ctrl-C raises KeyboardInterrupt even where the shell started engrain with SIGINT ignored (a background
    job of a script), and SIGTERM stops a stage the same way (Terminated), not by killing the process mid-write."""

    def terminate(signum, frame) -> None:
        raise Terminated

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, terminate)


def _say(msg: str) -> None:
    console.print(f"[bold cyan]>[/bold cyan] {msg}", highlight=False)


def _load(config: Path, overrides: list[str] | None):
    from engrain.config import load

    return load(config, overrides)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the sample domain, workspace and report.")] = Path(
        "engrain-demo"
    ),
    quick: Annotated[
        bool, typer.Option(help="A much smaller run (about 10 minutes on 2 cores, both cycles): a smoke test.")
    ] = False,
    full: Annotated[
        bool, typer.Option(help="Train the whole recipe instead of what the demo's budget buys (about 40 minutes).")
    ] = False,
    second_cycle: Annotated[
        bool, typer.Option(help="Then apply the domain's release 2 and run a retraining cycle.")
    ] = True,
    overrides: SET = None,
) -> None:
    """Run the whole bake-off on a bundled fictional domain and write report.{json,md,html}; then release 2
    of the domain arrives and a retraining cycle (engrain retrain) meets it."""
    from engrain.demo.domain import build_domain
    from engrain.demo.project import write_demo_config
    from engrain.recipe import run_all

    if quick and full:
        raise EngrainError("--quick and --full are two sizes of the demo: choose one")
    t0 = time.perf_counter()
    summary = build_domain(out / "domain", seed=0)
    _say(
        f"sample domain: {summary.n_docs} documents, {summary.n_words:,} words, {summary.n_conversations} "
        f"conversations, {summary.n_eval} eval questions"
    )
    cfg = write_demo_config(out, "quick" if quick else "full" if full else "default", overrides)
    report_dir = run_all(cfg, _say, report_dir=out)
    _print_headline(report_dir)
    t1 = time.perf_counter()
    _say(f"first cycle finished in {t1 - t0:.0f} s; report: {artifact_in(report_dir, 'report', 'html')}")
    if second_cycle:
        from engrain.demo.second_cycle import headline, run_second_cycle

        cycle = run_second_cycle(out, cfg, _say)
        for line in headline(cycle):
            console.print(line, highlight=False)
        _say(f"second cycle finished in {time.perf_counter() - t1:.0f} s; report: {cycle.report}")
    _say(f"demo finished in {time.perf_counter() - t0:.0f} s")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Project folder to create.")],
    docs: Annotated[list[Path], typer.Option("--docs", help="Documents: files or folders (repeatable).")],
    eval_file: Annotated[Path | None, typer.Option("--eval", help="Held-out eval set (JSONL).")] = None,
    logs: Annotated[list[Path] | None, typer.Option("--logs", help="Chat-messages JSONL logs (repeatable).")] = None,
    base_model: Annotated[str | None, typer.Option("--base-model", help="Local folder or hub id.")] = None,
) -> None:
    """Scaffold engrain.toml for your own corpus."""
    from engrain.config import EngrainConfig, dump_toml

    target = folder / "engrain.toml"
    if target.exists():
        raise EngrainError(f"{target} already exists; edit it or choose another folder")
    for p in [*docs, *(logs or []), *([eval_file] if eval_file else [])]:
        if not p.exists():
            raise EngrainError(f"not found: {p}")
    cfg = EngrainConfig(name=folder.resolve().name)
    cfg.data.docs = [str(p.resolve()) for p in docs]
    cfg.data.logs = [str(p.resolve()) for p in logs or []]
    cfg.data.eval = str(eval_file.resolve()) if eval_file else None
    if base_model:
        cfg.model.base = base_model
    from engrain.io import write_text

    write_text(target, dump_toml(cfg))
    _say(
        f"wrote {target}"
        + ("" if eval_file else " (no eval file: a held-out set will be split off synthesized questions)")
    )
    _say(f"next: engrain run -c {target}")


@app.command()
def run(config: CONFIG = Path("engrain.toml"), overrides: SET = None) -> None:
    """Run every stage (unchanged stages are reused) and write the report."""
    from engrain.recipe import run_all

    report_dir = run_all(_load(config, overrides), _say)
    _print_headline(report_dir)


@app.command()
def ingest(config: CONFIG = Path("engrain.toml"), overrides: SET = None, force: FORCE = False) -> None:
    """Read documents and logs into the workspace (provenance hashes, PII scrubbed)."""
    from engrain import recipe

    recipe.run_stage(_load(config, overrides), "ingest", _say, force)


@app.command()
def synth(config: CONFIG = Path("engrain.toml"), overrides: SET = None, force: FORCE = False) -> None:
    """Synthesize training data (QA, views, abstention, RAFT) and the dev/eval splits."""
    from engrain import recipe

    recipe.run_stage(_load(config, overrides), "synth", _say, force)


@app.command("tune-rag")
def tune_rag(config: CONFIG = Path("engrain.toml"), overrides: SET = None, force: FORCE = False) -> None:
    """Choose rag's retriever, top_k and chunk size on the dev split (the grid in rag.tune_*), as ft's checkpoint
    and refusal threshold are chosen there; rag, ft+rag and auto then retrieve with the winner."""
    from engrain import recipe

    recipe.run_stage(_load(config, overrides), "tune_rag", _say, force)


@app.command()
def baseline(config: CONFIG = Path("engrain.toml"), overrides: SET = None, force: FORCE = False) -> None:
    """The untuned pipelines (base, rag) answer the eval split: rag's figures before any training (the eval
    stage reuses them)."""
    from engrain import recipe

    recipe.run_stage(_load(config, overrides), "baseline", _say, force)


@app.command()
def train(config: CONFIG = Path("engrain.toml"), overrides: SET = None, force: FORCE = False) -> None:
    """Fine-tune the base model (LoRA or full); resumes from the last checkpoint. Earlier stages are brought up
    to date first."""
    from engrain import recipe

    recipe.run_stage(_load(config, overrides), "train", _say, force)


@app.command()
def plan(config: CONFIG = Path("engrain.toml"), overrides: SET = None) -> None:
    """What training would train on and how long training and evaluation would take here (and on a GPU);
    trains nothing. Measures this machine once per model and settings (cached)."""
    from engrain import recipe

    recipe.plan(_load(config, overrides), _say)


@app.command()
def index(config: CONFIG = Path("engrain.toml"), overrides: SET = None, force: FORCE = False) -> None:
    """Chunk and embed the corpus into the LanceDB index for RAG."""
    from engrain import recipe

    recipe.run_stage(_load(config, overrides), "index", _say, force)


@app.command("eval")
def eval_(config: CONFIG = Path("engrain.toml"), overrides: SET = None, force: FORCE = False) -> None:
    """Ask every pipeline the held-out questions; score accuracy, hallucination, latency."""
    from engrain import recipe

    recipe.run_stage(_load(config, overrides), "eval", _say, force)


@app.command()
def report(
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
    out: Annotated[Path | None, typer.Option(help="Folder for report.{json,md,html}.")] = None,
) -> None:
    """Write report.json, report.md and report.html from the measured results."""
    from engrain import recipe

    _print_headline(recipe.report(_load(config, overrides), out, _say))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    pipeline: Annotated[str, typer.Option(help=pipelines.choices())] = "ft",
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
    completion: Annotated[bool, typer.Option(help="Continue QUESTION as raw text instead of chatting.")] = False,
) -> None:
    """Answer one question and show the passages and per-stage timings."""
    from engrain.answerers import AnswererFactory
    from engrain.workspace import Workspace

    cfg = _load(config, overrides)
    ws = Workspace(cfg)
    answerer = AnswererFactory.for_workspace(cfg, ws).build(pipeline)
    ans = answerer.answer(question, "completion" if completion else "qa")
    out = Console(soft_wrap=True)
    out.print(f"[bold]{pipeline}[/bold]: {ans.text}", highlight=False)
    for i, p in enumerate(ans.passages, 1):
        out.print(
            f"  [{i}] ({p.chunk_id}, score {p.score:.3f}) {p.text[:200]}{'...' if len(p.text) > 200 else ''}",
            highlight=False,
        )
    timings = ", ".join(f"{k} {v:.1f} ms" for k, v in ans.timings_ms.items())
    out.print(f"  tokens: {ans.prompt_tokens} prompt, {ans.completion_tokens} completion; {timings}", highlight=False)


@app.command()
def decide(
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
    change_rate: Annotated[str | None, typer.Option(help="monthly | quarterly | yearly")] = None,
    log_months: Annotated[int | None, typer.Option(help="Months of interaction logs available.")] = None,
    monthly_queries: Annotated[int | None, typer.Option(help="Expected queries per month.")] = None,
) -> None:
    """Recommend fine-tune, RAG or hybrid from the measurements and your situation."""
    from engrain.report.build import build_report
    from engrain.workspace import Workspace

    cfg = _load(config, overrides)
    if change_rate is not None:
        if change_rate not in ("monthly", "quarterly", "yearly"):
            raise EngrainError(f"--change-rate must be monthly, quarterly or yearly, got {change_rate!r}")
        cfg.cost.change_rate = change_rate  # type: ignore[assignment]
    if log_months is not None:
        cfg.cost.log_months = log_months
    if monthly_queries is not None:
        cfg.cost.monthly_queries = monthly_queries
    ws = Workspace(cfg)
    if ws.key("eval") is None:
        raise EngrainError("no measurements yet: run `engrain run` (or `engrain eval`) first")
    dec = build_report(cfg, ws)["decision"]
    out = Console(soft_wrap=True)
    out.print(f"[bold]Recommendation: {dec['recommendation']}[/bold]", highlight=False)
    for r in dec["reasons"]:
        out.print(f"  - {r}", highlight=False)
    out.print("Thresholds: " + ", ".join(f"{k}={v}" for k, v in dec["thresholds"].items()), highlight=False)
    for w in dec["what_would_change"]:
        out.print(f"  would change: {w}", highlight=False)


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="First run: a report folder (with report.json).")],
    run_b: Annotated[Path, typer.Argument(help="Second run.")],
    out: Annotated[Path | None, typer.Option(help="Also write the comparison as Markdown here.")] = None,
) -> None:
    """Two runs side by side, per-question flips, significant regressions flagged (exit 2 if any)."""
    from engrain.io import write_text
    from engrain.report.compare import compare_runs, render_comparison

    cmp = compare_runs(run_a, run_b)
    text = render_comparison(cmp)
    Console(soft_wrap=True).print(text, highlight=False, markup=False)
    if out:
        write_text(out, text)
    if cmp["regressions"]:
        raise typer.Exit(2)


@app.command()
def ablate(
    config: CONFIG = Path("engrain.toml"),
    vary: Annotated[list[str], typer.Option("--vary", help="section.key=v1,v2,... (repeatable: a grid).")] = [],  # noqa: B006 (typer reads the default; it is never mutated)
    overrides: SET = None,
) -> None:
    """Run the bake-off over a grid of settings; table and plot of accuracy and hallucination."""
    from engrain.ablate import ablate as run_ablation
    from engrain.ablate import parse_vary

    if not vary:
        raise EngrainError("give at least one --vary section.key=v1,v2,...")
    out_dir = run_ablation(_load(config, overrides), parse_vary(vary), _say)
    table, plot = artifact_in(out_dir, "ablate", "markdown"), artifact_in(out_dir, "ablate", "plot")
    Console(soft_wrap=True).print(table.read_text(), highlight=False, markup=False)
    _say(f"ablation: {table}, plot {plot}")


@app.command()
def serve(
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
    pipeline: Annotated[str | None, typer.Option(help="Default pipeline: " + pipelines.choices())] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default serve.host, loopback).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default serve.port).")] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="A registry alias or id (e.g. production); followed live. "
            "Default: the workspace's latest trained model."
        ),
    ] = None,
    backend: Annotated[
        str, typer.Option(help="engrain (every pipeline, CPU or GPU) or vllm (base and ft through vLLM on a GPU)")
    ] = "engrain",
) -> None:
    """Serve the pipelines behind an OpenAI-compatible API (/v1/chat/completions, /v1/models, /metrics)."""
    import uvicorn

    from engrain.serve import create_app
    from engrain.serve.security import Keys

    given = {"pipeline": pipeline, "host": host, "port": port}
    cfg = _load(config, (overrides or []) + [f"serve.{k}={v}" for k, v in given.items() if v is not None])
    if (
        cfg.serve.host not in ("127.0.0.1", "localhost", "::1")
        and not Keys(
            cfg.serve.api_keys_env, cfg.path(cfg.serve.api_keys_file) if cfg.serve.api_keys_file else None
        ).required
    ):
        raise EngrainError(
            f"refusing to serve on {cfg.serve.host} without API keys: set {cfg.serve.api_keys_env} or "
            "serve.api_keys_file"
        )
    if backend not in ("engrain", "vllm"):
        raise EngrainError(f"unknown backend {backend!r}: choose engrain or vllm")
    if backend == "vllm":
        return _serve_vllm(cfg, model)
    _say(
        f"serving {cfg.serve.pipeline} (and every other trained pipeline) on http://{cfg.serve.host}:{cfg.serve.port}/v1"
    )
    from engrain.serve.engine import Engine

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(cfg, Engine(cfg, model_ref=model)), host=cfg.serve.host, port=cfg.serve.port, log_level="warning"
        )
    )
    # the server shuts down gracefully on a signal, then raises it again (uvicorn.run would swallow it)
    with stopping("serve", "requests in flight were answered first"):
        server.run()


def _serve_vllm(cfg, model: str | None) -> None:
    from engrain.model.loading import resolve_base_model
    from engrain.registry import Registry
    from engrain.serve import vllm
    from engrain.workspace import Workspace

    vllm.check_available()
    ws = Workspace(cfg)
    if model is None:
        adapter = ws.path("train", "model")
    else:
        with Registry(ws.dir("registry")) as reg:
            adapter = reg.path(model)  # verified against its hashes
    _say(f"serving base and ft through vLLM on http://{cfg.serve.host}:{cfg.serve.port}/v1")
    vllm.serve(cfg, resolve_base_model(cfg.model.base), adapter)


@app.command()
def retrain(
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
    logs: Annotated[list[str] | None, typer.Option("--logs", help="New chat-log JSONL (repeatable).")] = None,
    docs: Annotated[list[str] | None, typer.Option("--docs", help="Changed or new documents (repeatable).")] = None,
) -> None:
    """A retraining cycle: a candidate from production on fresh data, promoted only through the regression gate."""
    from engrain.retrain import retrain as run_cycle

    cycle = run_cycle(_load(config, overrides), logs or [], docs or [], _say)
    if cycle is None:
        return
    for reason in cycle.reasons:
        _say(f"retrain: {reason}")
    _say(f"retrain: report {cycle.report}")
    if not cycle.promoted:
        raise EngrainError(f"promotion refused: production stays {cycle.production}; candidate {cycle.candidate}")
    _say(f"retrain: production is now {cycle.candidate} (was {cycle.production})")


@app.command()
def leakage(config: CONFIG = Path("engrain.toml"), overrides: SET = None) -> None:
    """Plant canary secrets in a copy of the corpus, build rag and train ft on it (scrubbing on and off), attack
    both."""
    from engrain.leakage import leakage as run_leakage

    report = run_leakage(_load(config, overrides), _say)
    Console(soft_wrap=True).print(report.read_text(), highlight=False, markup=False)
    _say(f"leakage: {report}")


models_app = typer.Typer(no_args_is_help=True, help="The model registry: list, show, promote, rollback, diff, audit.")
app.add_typer(models_app, name="models")
WHY = Annotated[str, typer.Option("--why", help="Reason, kept in the audit log.")]


def _registry(config: Path, overrides: list[str] | None):
    from engrain.registry import Registry
    from engrain.workspace import Workspace

    cfg = _load(config, overrides)
    folder = Workspace(cfg).dir("registry")
    if not folder.exists():
        raise EngrainError(f"no registry yet in {folder}: `engrain train` registers every model it trains")
    return Registry(folder)


@models_app.command("list")
def models_list(config: CONFIG = Path("engrain.toml"), overrides: SET = None) -> None:
    """Every registered model, oldest first, with its aliases."""
    import datetime as dt

    reg = _registry(config, overrides)
    out = Console(soft_wrap=True)
    for m in reg.models():
        when = dt.datetime.fromtimestamp(m.created).isoformat(timespec="seconds")
        steps = m.meta.get("training", {}).get("steps")
        out.print(f"{m.id}  {when}  {m.base} {m.method} {steps} steps  {', '.join(m.aliases)}", highlight=False)


@models_app.command("show")
def models_show(
    ref: Annotated[str, typer.Argument(help="Model id, id prefix or alias.")],
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
) -> None:
    """A model's record: base, config, data lineage, training, evaluations."""
    import json

    Console(soft_wrap=True).print(
        json.dumps(_registry(config, overrides).show(ref), indent=2), highlight=False, markup=False
    )


@models_app.command("promote")
def models_promote(
    ref: Annotated[str, typer.Argument(help="Model id, id prefix or alias.")],
    alias: Annotated[str, typer.Option("--alias", help="Alias to point at it.")] = "production",
    why: WHY = "",
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
) -> None:
    """Point an alias (production by default) at a model, after verifying its files."""
    from engrain.registry.audit import default_who

    reg = _registry(config, overrides)
    model_id = reg.resolve(ref)
    previous = reg.promote(model_id, alias, default_who(), why)
    _say(f"{alias}: {previous or 'none'} -> {model_id}")


@models_app.command("rollback")
def models_rollback(
    alias: Annotated[str, typer.Option("--alias")] = "production",
    why: WHY = "",
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
) -> None:
    """Point an alias back at the model it named before."""
    from engrain.registry.audit import default_who

    _say(f"{alias} -> {_registry(config, overrides).rollback(alias, default_who(), why)}")


@models_app.command("diff")
def models_diff(a: str, b: str, config: CONFIG = Path("engrain.toml"), overrides: SET = None) -> None:
    """Settings, data lineage and results that differ between two models."""
    from engrain.registry.diff import diff_models

    reg = _registry(config, overrides)
    for line in diff_models(reg.show(a), reg.show(b)):
        Console(soft_wrap=True).print(line, highlight=False, markup=False)


@models_app.command("audit")
def models_audit(
    verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain and every artifact.")] = False,
    config: CONFIG = Path("engrain.toml"),
    overrides: SET = None,
) -> None:
    """The audit log; with --verify, exit 1 on any changed, removed or reordered entry or corrupted model."""
    import datetime as dt

    from engrain.registry import audit

    reg = _registry(config, overrides)
    out = Console(soft_wrap=True)
    for e in audit.entries(reg.db):
        when = dt.datetime.fromtimestamp(e["at"]).isoformat(timespec="seconds")
        out.print(
            f"{e['seq']:4d} {when} {e['who']} {e['action']} {e['subject']} {e['detail']} {e['why']}",
            highlight=False,
            markup=False,
        )
    if verify:
        problems = reg.verify_audit()
        for m in reg.models():
            try:
                reg.verify(m.id)
            except EngrainError as err:
                problems.append(str(err))
        if problems:
            raise EngrainError("audit failed: " + "; ".join(problems))
        _say("audit: chain intact, every artifact matches its hashes")


@app.command()
def pricebook(
    path: Annotated[Path, typer.Argument(help="Where to write the price book TOML.")] = Path("prices.toml"),
) -> None:
    """Write the default price book (every price documented) for you to edit; set cost.pricebook to use it."""
    from engrain.cost.pricebook import write_default_pricebook

    if path.exists():
        raise EngrainError(f"{path} already exists")
    write_default_pricebook(path)
    _say(f"wrote {path}; point cost.pricebook at it in engrain.toml")


def _print_headline(report_dir: Path) -> None:
    from engrain.io import read_json
    from engrain.report.markdown import headline_table

    rep = read_json(artifact_in(report_dir, "report", "json"))
    Console(soft_wrap=True).print(headline_table(rep), highlight=False)
    dec = rep.get("decision", {})
    if dec:
        Console(soft_wrap=True).print(
            f"\nRecommendation: {dec['recommendation']} - {dec['reasons'][0] if dec.get('reasons') else ''}",
            highlight=False,
        )
    Console(soft_wrap=True).print(f"Report: {artifact_in(report_dir, 'report', 'html')}", highlight=False)


def _quiet_libraries() -> None:
    """Library chatter (weight-loading bars, hub warnings) drowns engrain's own progress."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("LANCEDB_LOG", "error")  # before lancedb loads: its "creating dataset" WARN is noise
    import logging
    import warnings

    # the CLI owns its process; the library (engrain's Python API) leaves filters to its caller
    for module in ("transformers", "peft", "torch", "accelerate", "sentence_transformers", "lancedb", "spacy"):
        warnings.filterwarnings("ignore", category=FutureWarning, module=module)
        warnings.filterwarnings("ignore", category=UserWarning, module=module)
    for name in ("lancedb", "pypdf", "presidio-analyzer"):  # a damaged PDF's repair notes; recognizer loading
        logging.getLogger(name).setLevel(logging.ERROR)
    for module in ("presidio_analyzer", "spacy"):
        warnings.filterwarnings("ignore", module=module)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass
