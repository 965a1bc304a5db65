"""Stage `eval`: the tuned pipelines answer the eval split (the untuned ones' answers come from the
baseline stage); rows, rates, throughput, forgetting."""

from __future__ import annotations

from engrain import progress as ui
from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.io import write_json, write_jsonl
from engrain.progress import Say
from engrain.recipe import baseline
from engrain.workspace import Workspace, read_split


def run(cfg: EngrainConfig, ws: Workspace, key: str, say: Say, progress: bool) -> None:
    from engrain.answerers import AnswererFactory
    from engrain.evaluate import runner
    from engrain.recipe import extras

    if cfg.eval.judge and not (cfg.synth.teacher.base_url or cfg.synth.teacher.local):
        raise EngrainError("eval.judge grades with the teacher: set synth.teacher.base_url or synth.teacher.local")
    questions = read_split(ws, "eval")
    items = runner.sample_items(questions, cfg.eval.limit, cfg.seed)
    answered = baseline.rows(ws)  # base and rag answered before training (stage baseline)
    rows: list[dict] = []
    with AnswererFactory.for_workspace(cfg, ws, cfg.eval.batch) as factory:
        with ui.bar(progress) as b, factory.memoized():
            for name in cfg.eval.pipelines:
                if name in baseline.untuned(cfg):
                    rows += [r for r in answered if r["pipeline"] == name]
                    continue
                tick = ui.ticker(b, f"eval {name}", len(items))
                rows += runner.run_as_configured(factory.build(name), items, cfg.eval, tick)
        if cfg.eval.judge:
            _judge(cfg, ws, rows, say, progress)
        summary = runner.summarise(rows)
        summary["throughput"] = extras.throughput(cfg, factory, items, say)
        summary["forgetting"] = extras.forgetting(cfg, factory, say)
    summary["questions"] = len(items)
    summary["refuse_below"] = factory.refuse_below  # ft's threshold as applied (auto: the one stored with the model)
    summary["questions_total"] = len(questions)
    ws.begin("eval")
    write_jsonl(ws.path("eval", "results"), rows)
    write_json(ws.path("eval", "metrics"), summary)
    ws.mark("eval", key, questions=len(items))
    say(f"eval: {len(items)} questions x {len(cfg.eval.pipelines)} pipelines")


def _judge(cfg: EngrainConfig, ws: Workspace, rows: list[dict], say: Say, progress: bool) -> None:
    from engrain.evaluate.judge import judge_rows
    from engrain.recipe.synth import open_chat

    chat = open_chat(cfg, ws, say, progress)
    try:
        say(f"eval: {judge_rows(chat, rows)}")
    finally:
        chat.close()
