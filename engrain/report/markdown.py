"""Render the report dict as Markdown.

The content is built once as neutral blocks (paragraphs, bullet lists, tables) by
`sections()`, so report.md and report.html say exactly the same thing; each renderer only
formats. Every key is read defensively: pipelines, curves and cost parts may be missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engrain.evaluate.diagnostics import COVERAGE_STEPS
from engrain.pipelines import ROUTES, ordered
from engrain.rag.tune import Setting
from engrain.records import LATENCY_STAGES

STAGES = LATENCY_STAGES
NA = "—"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Bullets:
    items: list[str]


Block = str | Table | Bullets  # a str is a paragraph


@dataclass
class Section:
    key: str  # lets the HTML renderer attach the matching plots
    title: str
    blocks: list[Block] = field(default_factory=list)


# ---- formatting ---------------------------------------------------------------------------


def pct(x: float | None) -> str:
    return NA if x is None else f"{x * 100:.1f}%"


def ci(pair: list | None) -> str:
    if not pair or len(pair) != 2 or None in pair:
        return NA
    return f"[{pair[0] * 100:.1f}, {pair[1] * 100:.1f}]"


def num(x: float | None, digits: int = 1) -> str:
    return NA if x is None else f"{x:,.{digits}f}"


def money(x: float | None, cur: str = "") -> str:
    """Costs span 1e-6 (per query) to 1e4 (per year): below 1, keep 3 significant digits,
    written out (0.000021, not 2.1e-05) so columns read as money."""
    if x is None:
        return NA
    if abs(x) >= 1 or x == 0:
        s = f"{x:,.2f}"
    else:
        s = f"{x:.{3 - math.floor(math.log10(abs(x)))}f}".rstrip("0")
    return f"{s} {cur}".strip()


def value(v: object) -> str:
    """A config or price value for key/value tables: 1,000,000 and 0.00005, not 1000000 and 5e-05."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    return f"{v:,}" if isinstance(v, int) else money(v)


def pipelines(rep: dict) -> list[str]:
    """Pipeline names present, in the canonical order, then any others alphabetically."""
    return ordered(set(rep.get("pipelines") or {}))


def currency(rep: dict) -> str:
    return (rep.get("cost") or {}).get("currency", "USD")


def cost_per_1k(rep: dict, name: str) -> float | None:
    q = ((rep.get("cost") or {}).get("per_query") or {}).get(name)
    return None if q is None else q * 1000


# ---- content ------------------------------------------------------------------------------


def recommendation_line(rep: dict) -> str:
    d = rep.get("decision") or {}
    reasons = d.get("reasons") or []
    rec = d.get("recommendation") or "none (no decision recorded)"
    return f"Recommendation: {rec}" + (f" — {reasons[0]}" if reasons else "")


def headline(rep: dict) -> Table:
    """Accuracy by containment with its CI, token F1 (free-text references), the LLM judge's accuracy when
    eval.judge ran, then the error rates, latency and cost."""
    cur = currency(rep)
    judged = any("judged_accuracy" in rep["pipelines"][n] for n in pipelines(rep))
    rows = []
    for name in pipelines(rep):
        m = rep["pipelines"][name]
        lat = m.get("latency_ms") or {}
        rows.append(
            [
                name,
                f"{pct(m.get('accuracy'))} {ci(m.get('accuracy_ci'))}",
                num(m.get("f1"), 3),
                *([pct(m.get("judged_accuracy"))] if judged else []),
                pct(m.get("hallucination_rate")),
                pct(m.get("abstention_rate")),
                num(lat.get("mean"), 0),
                num(lat.get("p95"), 0),
                money(cost_per_1k(rep, name), cur),
            ]
        )
    return Table(
        [
            "Pipeline",
            "Accuracy (95% CI)",
            "Token F1",
            *(["Judged accuracy"] if judged else []),
            "Hallucination",
            "Abstention",
            "Latency mean (ms)",
            "Latency p95 (ms)",
            f"Cost / 1k queries ({cur})",
        ],
        rows,
    )


def eval_note(rep: dict) -> str:
    ev = rep.get("eval") or {}
    n, total = ev.get("questions"), ev.get("questions_total")
    of = f" (of {total})" if total and total != n else ""
    asked = n if n is not None else NA
    return f"Every pipeline answered the same {asked} questions{of}; eval set: {ev.get('source') or 'unknown'}."


def _categories(rep: dict) -> Section:
    names = pipelines(rep)
    cats = sorted({c for p in names for c in (rep["pipelines"][p].get("by_category") or {})})
    rows = []
    for c in cats:
        cells = [(rep["pipelines"][p].get("by_category") or {}).get(c) for p in names]
        n = next((x.get("n") for x in cells if x), None)
        rows.append(
            [c, str(n) if n is not None else NA]
            + [f"{pct(x.get('accuracy'))} {ci(x.get('accuracy_ci'))}" if x else NA for x in cells]
        )
    blocks: list[Block] = [Table(["Category", "n", *names], rows)] if rows else ["No per-category results."]
    return Section("categories", "Accuracy by category", blocks)


def _significance(rep: dict) -> Section:
    rows = [
        [
            s.get("a", NA),
            s.get("b", NA),
            str(s.get("n", NA)),
            str(s.get("b01", NA)),
            str(s.get("b10", NA)),
            s.get("test", NA),
            f"{s['p_value']:.3g}" if s.get("p_value") is not None else NA,
            "yes" if s.get("significant") else "no",
        ]
        for s in rep.get("significance") or []
    ]
    if not rows:
        return Section("significance", "Significance", ["No paired tests (fewer than two pipelines)."])
    return Section(
        "significance",
        "Significance (McNemar, paired)",
        [
            "b01 = A wrong and B right, b10 = A right and B wrong; only these disagreements count. "
            "Not significant (p >= 0.05) means treat the pair as a tie.",
            Table(["A", "B", "n", "b01", "b10", "test", "p", "significant"], rows),
        ],
    )


def _diagnostics(rep: dict) -> Section:
    """Why each pipeline fails: retrieval (the answer was not in its passages) or reading (it was), and what
    it gets right on the questions it chose to answer."""
    names = [n for n in pipelines(rep) if rep["pipelines"][n].get("coverage")]
    if not names:
        return Section("diagnostics", "Why pipelines fail", ["No per-question diagnostics in these results."])
    rows = []
    for n in names:
        m = rep["pipelines"][n]
        cov, ctx = m["coverage"], m.get("context") or {}
        ranks = ctx.get("first_hit_rank") or {}
        rows.append(
            [
                n,
                pct(cov.get("answered")),
                pct(cov.get("accuracy_when_answered")),
                f"{pct(ctx['hit_rate'])} (n={ctx['n']})" if ctx else NA,
                ", ".join(f"#{k}: {v}" for k, v in ranks.items()) if ctx else NA,
                pct(ctx.get("accuracy_when_hit")) if ctx else NA,
                pct(ctx.get("accuracy_when_missed")) if ctx else NA,
            ]
        )
    steps = [k / COVERAGE_STEPS for k in range(1, COVERAGE_STEPS + 1)]  # the points the line was cut at
    line_rows = [[n, *(_at_coverage(rep["pipelines"][n]["coverage"]["line"], c) for c in steps)] for n in names]
    return Section(
        "diagnostics",
        "Why pipelines fail",
        [
            "Context hit: a reference answer is in the retrieved passages (questions with a reference that "
            "retrieved). Right when hit low: the reader fails; hit rate low: retrieval fails. Answered: not "
            "declined; a pipeline that wins by declining shows a low answer rate.",
            Table(
                [
                    "Pipeline",
                    "Answered",
                    "Right when answered",
                    "Context hit",
                    "First hit at rank",
                    "Right when hit",
                    "Right when missed",
                ],
                rows,
            ),
            "Risk-coverage: accuracy on the surest answers (ranked by the pipeline's confidence) at each share "
            "of the questions answered; — where the pipeline declined more.",
            Table(["Pipeline", *(f"{c:.0%}" for c in steps)], line_rows),
        ],
    )


def _retrieval(rep: dict) -> Section:
    """rag's grid on the dev split (engrain.rag.tune): what was tried, what each scored, what answers now."""
    rec = rep.get("rag_tuning") or {}
    title = "Retrieval settings"
    chosen = (rec.get("chosen") or {}).get("setting")
    if not chosen:
        return Section("retrieval", title, ["No retrieval tuning recorded."])
    picked = Setting(**chosen).label
    if not rec.get("grid"):
        return Section("retrieval", title, [f"rag, ft+rag and auto retrieve with the settings as given: {picked}."])
    rows = [
        [
            e["label"],
            "chosen" if e["setting"] == chosen else "",
            pct(e.get("context_hit")),
            pct(e.get("accuracy")),
            pct(e.get("hallucination_rate")),
            num(e.get("prompt_tokens"), 0),
        ]
        for e in rec["grid"]
    ]
    return Section(
        "retrieval",
        title,
        [
            f"Chosen on {rec['questions']} dev questions, as ft's checkpoint and refusal threshold are. Every "
            "setting retrieved (context hit: its passages held a reference answer); the first row (the settings "
            "as given) and, per top-k, the best-hit setting were read by the base model; the most accurate won "
            f"(ties: the first row, then fewer prompt tokens). rag, ft+rag and auto retrieve with: {picked}.",
            Table(["Setting", "", "Context hit", "Dev accuracy", "Hallucination", "Prompt tokens"], rows),
        ],
    )


def _at_coverage(line: list[dict], share: float) -> str:
    """Accuracy at the first point of the line that answers at least `share` of the questions."""
    point = next((p for p in line if p["coverage"] >= share - 1e-9), None)
    return NA if point is None else pct(point["accuracy"])


def _latency(rep: dict) -> Section:
    rows = []
    for name in pipelines(rep):
        m = rep["pipelines"][name]
        st, tt = m.get("stage_ms_mean") or {}, m.get("ttft_ms") or {}
        rows.append(
            [
                name,
                *(num(st.get(s)) for s in STAGES),
                num(tt.get("mean")),
                num(tt.get("p95")),
                num(m.get("decode_tokens_per_second")),
                num(m.get("prompt_tokens_mean")),
                num(m.get("completion_tokens_mean")),
            ]
        )
    blocks: list[Block] = [
        Table(
            [
                "Pipeline",
                *(f"{s} (ms)" for s in STAGES),
                "TTFT mean (ms)",
                "TTFT p95 (ms)",
                "decode tok/s",
                "prompt tokens",
                "completion tokens",
            ],
            rows,
        )
    ]
    for name in pipelines(rep):
        if routes := rep["pipelines"][name].get("routes"):
            said = "; ".join(f"{k}: {ROUTES[k]}" for k in routes if k in ROUTES)
            blocks.append(
                f"{name} answers by route: "
                + ", ".join(f"{k} {pct(v)}" for k, v in routes.items())
                + (f" ({said})." if said else ".")
            )
    lat = rep.get("latency") or {}
    ratio, speed = lat.get("ft_over_rag") or {}, lat.get("rag_speedup_of_ft") or {}
    if ratio:
        blocks.append("ft latency / rag latency: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratio.items()) + ".")
    if speed:
        blocks.append("ft is faster than rag by: " + ", ".join(f"{k} {v:.2f}x" for k, v in speed.items()) + ".")
    tp = rep.get("throughput") or []
    if tp:
        keys = list(dict.fromkeys(k for row in tp for k in row))
        cell = lambda v: num(v, 2) if isinstance(v, float) else NA if v is None else str(v)
        blocks += ["Throughput under concurrency:", Table(keys, [[cell(r.get(k)) for k in keys] for r in tp])]
    return Section("latency", "Latency", blocks)


def _refusal(rec: dict | None) -> str:
    """The threshold chosen on the dev split and what it did there (engrain.model.calibrate)."""
    if not rec or not rec.get("dev_questions"):
        return NA
    off, on = rec["off"], rec["chosen"]
    how = "kept (too few to choose) with" if rec.get("kept") else "on"
    return (
        f"{num(rec['refuse_below'], 2)} {how} {rec['dev_questions']} questions: accuracy {pct(off['correct'])} -> "
        f"{pct(on['correct'])}, hallucination {pct(off['hallucinated'])} -> {pct(on['hallucinated'])}"
    )


def _training(rep: dict) -> Section:
    t, data = rep.get("training") or {}, rep.get("data") or {}
    if not t:
        return Section("training", "Training", ["No training results."])
    loss = t.get("loss_curve") or []
    dev = t.get("dev_curve") or []
    kinds = ", ".join(f"{k} {v:,}" for k, v in (data.get("by_kind") or {}).items())
    rows = [
        ["method", str(t.get("method", NA)) + (" (bf16)" if t.get("bf16") else "")],
        ["seed", NA if t.get("seed") is None else str(t["seed"])],
        ["examples", num(t.get("examples"), 0) + (f" ({kinds})" if kinds else "")],
        ["tokens", num(t.get("tokens"), 0)],
        ["seconds", num(t.get("seconds"))],
        ["tokens / s", num(t.get("tokens_per_second"))],
        ["peak RSS (MB)", num(t.get("peak_rss_mb"), 0)],
        ["steps", num(t.get("steps"), 0)],
        ["best step", num(t.get("best_step"), 0)],
        ["final loss", num(loss[-1].get("loss"), 4) if loss else NA],
        ["best dev accuracy", pct(max(d.get("accuracy", 0) for d in dev)) if dev else NA],
        ["truncated examples", num(t.get("truncated"), 0)],
        ["refusal threshold (dev)", _refusal(t.get("refusal"))],
        *_plan_rows(t.get("plan"), t.get("seconds")),
    ]
    blocks: list[Block] = [Table(["", "value"], rows)]
    fg = rep.get("forgetting")
    if fg:
        blocks.append(
            f"Forgetting: perplexity on general text {num(fg.get('base_ppl'), 2)} (base) -> "
            f"{num(fg.get('ft_ppl'), 2)} (fine-tuned), ratio {num(fg.get('ratio'), 3)}x."
        )
    return Section("training", "Training", blocks)


def _plan_rows(plan: dict | None, seconds: float | None) -> list[list[str]]:
    """The budget and what it kept (coverage), and the plan's time against the time training took."""
    if not plan:
        return []
    from engrain.plan.estimate import clock, coverage

    sel = plan["selection"]
    planned = f"{clock(plan['train_s'])} planned, {clock(seconds or 0)} taken" if seconds else clock(plan["train_s"])
    return [
        ["budget (train.budget)", f"{sel['budget']}: {coverage(sel)}"],
        ["training time", f"{planned}; on an {plan['gpu']} ~{clock(plan['gpu_train_s'])} (estimate)"],
    ]


def _cost(rep: dict) -> Section:
    c = rep.get("cost") or {}
    if not c:
        return Section("cost", "Cost and break-even", ["No cost model."])
    cur = currency(rep)
    per_q = c.get("per_query") or {}
    blocks: list[Block] = [
        Table(
            ["Pipeline", f"per query ({cur})", f"per 1k queries ({cur})"],
            [[p, money(per_q[p]), money(per_q[p] * 1000)] for p in pipelines(rep) if p in per_q],
        ),
        f"One training run: {money(c.get('training'), cur)}.",
    ]
    be = c.get("break_even")
    if be:
        month, h, q = be.get("break_even_month"), be.get("horizon_months"), be.get("crossover_queries")
        when = be.get("ft_cheaper_when")
        cross = {
            "always": "at any volume",
            "never": "at no volume",
            "above": f"above {num(q, 0)} queries/month",
            "below": f"only below {num(q, 0)} queries/month",
        }
        blocks.append(
            Table(
                ["", "value"],
                [
                    ["monthly queries", num(be.get("monthly_queries"), 0)],
                    [f"ft per month ({cur})", money(be.get("ft_monthly"))],
                    [f"rag per month ({cur})", money(be.get("rag_monthly"))],
                    ["break-even month", str(month) if month is not None else f"none within {h} months"],
                    ["ft cheaper per month", cross.get(when, NA)],
                ],
            )
        )
        if be.get("notes"):
            blocks.append(Bullets(list(be["notes"])))
    else:
        blocks.append("No break-even analysis (needs both ft and rag).")
    if c.get("prices"):
        blocks += ["Price book:", Table(["price", "value"], [[k, value(v)] for k, v in c["prices"].items()])]
    return Section("cost", "Cost and break-even", blocks)


def _decision(rep: dict) -> Section:
    d = rep.get("decision") or {}
    if not d:
        return Section("decision", "Decision", ["No decision recorded."])
    blocks: list[Block] = [f"Recommendation: {d.get('recommendation', NA)}"]
    if d.get("reasons"):
        blocks += ["Reasons:", Bullets(list(d["reasons"]))]
    if d.get("what_would_change"):
        blocks += ["What would change it:", Bullets(list(d["what_would_change"]))]
    if d.get("comparisons"):
        blocks += ["Accuracy gaps and their paired tests (a tie names the questions that would settle it):"]
        blocks.append(
            Table(
                ["", "gap", "McNemar p", "verdict", "questions to settle"],
                [
                    [
                        f"{c['a']} vs {c['b']}",
                        f"{c['gap_pts']:+.1f} pts",
                        num(c.get("p_value"), 3),
                        "significant" if c["significant"] else "tie",
                        NA
                        if c.get("questions_to_settle") is None
                        else f"{c['questions_to_settle']:,} (now {c['n']:,})",
                    ]
                    for c in d["comparisons"]
                ],
            )
        )
    for label, key in (("Thresholds", "thresholds"), ("Inputs", "inputs")):
        if d.get(key):
            blocks += [f"{label}:", Table(["", "value"], [[k, value(v)] for k, v in d[key].items()])]
    return Section("decision", "Decision", blocks)


KIND_MEANING = {
    "view": "the documents and rewrites of them (shuffled sentences, pronouns resolved)",
    "qa": "templated questions about spec-shaped facts",
    "reverse": "spec facts asked backwards (value -> entity)",
    "probe": "spec facts stated in three sentence shapes",
    "restated": "corpus sentences restating a spec fact",
    "echo": "those sentences asked in their own wording",
    "carried": "the corpus's wordings of an attribute asked about every entity that has it",
    "faq": "question-answer pairs the corpus contains",
    "composed": "two-fact questions",
    "wh": "wh-questions for answer spans found in any sentence",
    "wh_reverse": "sentences about a document's subject asked for the subject",
    "cloze": "a sentence up to an answer span, continued by the span",
    "entity": "what the corpus says of an entity, gathered across documents",
    "teacher_qa": "teacher-written question-answer pairs, each answer found in its passage",
    "teacher_text": "teacher sentences restating a passage, its implications and entity relations",
    "abstain": "questions the corpus does not answer, with the refusal",
    "raft": "questions with retrieved passages (RAFT)",
    "log": "assistant turns of the interaction logs",
}


def _training_data(rep: dict) -> Section:
    """What synthesis made of the corpus: coverage first, so a user sees whether it was understood."""
    data = rep.get("data") or {}
    blocks: list[Block] = []
    cov = data.get("coverage")
    if cov:
        share = lambda a, b: (
            f"{num(cov.get(a), 0)} of {num(cov.get(b), 0)} ({pct(cov[a] / cov[b]) if cov.get(b) else NA})"
        )
        blocks += [
            "Coverage of the corpus (sentences of four words or more):",
            Table(
                ["", "covered"],
                [
                    ["sentences with an answer span", share("sentences_with_span", "sentences")],
                    ["sentences with a training question", share("sentences_with_question", "sentences")],
                    ["named entities in some training example", share("entities_trained", "entities")],
                    ["numbers in some training example", share("numbers_trained", "numbers")],
                ],
            ),
        ]
    kinds = data.get("by_kind") or {}
    if kinds:
        blocks += [
            "Examples per strategy:",
            Table(
                ["kind", "examples", "what it is"], [[k, num(v, 0), KIND_MEANING.get(k, "")] for k, v in kinds.items()]
            ),
        ]
    found = f"{num(data.get('pattern_facts', data.get('facts_found')), 0)} spec-shaped facts"
    if data.get("induced_facts"):
        induced, wordings = num(data["induced_facts"], 0), num(data.get("wordings"), 0)
        found += f" ({induced} of them read with {wordings} wordings learnt from the corpus)"
    if data.get("answer_spans") is not None:
        found += f", {num(data.get('answer_spans'), 0)} answer spans in free prose"
    blocks.append(f"Found: {found}.")
    tch = data.get("teacher")
    if tch:
        blocks.append(
            f"Teacher: {num(tch.get('requests'), 0)} calls ({num(tch.get('cache_hits'), 0)} answered from the "
            f"cache), {num(tch.get('prompt_tokens'), 0)} prompt and {num(tch.get('completion_tokens'), 0)} "
            f"completion tokens in {num(tch.get('seconds'))} s; {num(tch.get('rejected'), 0)} outputs "
            f"rejected by the checks, {num(tch.get('failures'), 0)} failed calls."
        )
    dropped = data.get("dropped") or {}
    if dropped:
        blocks.append("Dropped: " + ", ".join(f"{num(v, 0)} ({k.replace('_', ' ')})" for k, v in dropped.items()) + ".")
    return Section("training-data", "Training data", blocks)


DEV_SOURCE = {  # where the dev split that tuned ft (checkpoint, refusal threshold) came from
    "eval file": "(a seeded share of the eval file's questions, held out: never in the eval sample)",
    "synthesized": "(synthesized phrasings of the corpus's facts: dev accuracy measures those, not questions "
    "people write; supply an eval file to tune on real ones)",
}


def _provenance(rep: dict) -> Section:
    mo, co, data, ev = (rep.get(k) or {} for k in ("models", "corpus", "data", "eval"))
    src = str(ev.get("source") or data.get("eval_source") or "")
    n_eval = ev.get("questions_total") or data.get("eval_questions")
    dev_from = f" {DEV_SOURCE[data['dev_source']]}" if data.get("dev_source") in DEV_SOURCE else ""
    if "synth" in src or "split" in src:
        where = (
            f"The eval set ({num(n_eval, 0)} questions) was split off from synthesized questions, not supplied "
            "as a held-out file: it is written by the same generator from the same facts as the training "
            "data, so scores are likely optimistic. Supply real held-out questions for a stronger test."
        )
    elif src:
        where = f"The eval set ({num(n_eval, 0)} questions) came from: {src}."
    else:
        where = "The eval set's source was not recorded."
    blocks: list[Block] = [
        Bullets(
            [
                f"Models: base {mo.get('base', NA)}, embedder {mo.get('embedder', NA)}, method {mo.get('method', NA)}; "
                + (
                    f"ft refuses below confidence {num(mo['refuse_below'], 2)} (model.refuse_below)."
                    if mo.get("refuse_below")
                    else "ft answers every question (model.refuse_below off)."
                ),
                "Corpus: "
                + ", ".join(f"{num(co.get(k), 0)} {k}" for k in ("documents", "words", "conversations", "chunks"))
                + ".",
                f"Synthesized: {num(data.get('facts_found'), 0)} facts, {num(data.get('examples'), 0)} training "
                "examples, "
                f"{num(data.get('dev_questions'), 0)} dev questions{dev_from}.",
                where,
                f"Decontamination: {num(data.get('decontaminated'), 0)} training examples dropped for overlapping "
                "eval/dev questions.",
            ]
        )
    ]
    if ev.get("sampled_per_category"):
        blocks.append(
            f"Evaluated on a seeded stratified sample of up to {ev['sampled_per_category']} questions per "
            f"category: {ev.get('questions', NA)} of {ev.get('questions_total', NA)}."
        )
    return Section("provenance", "Data provenance", blocks)


def sections(rep: dict) -> list[Section]:
    """Everything after the executive summary, in report order."""
    return [
        f(rep)
        for f in (
            _categories,
            _significance,
            _diagnostics,
            _retrieval,
            _latency,
            _training,
            _training_data,
            _cost,
            _decision,
            _provenance,
        )
    ]


def footer(rep: dict) -> str:
    return f"Generated {rep.get('generated_at', NA)} by engrain {rep.get('engrain_version', NA)}."


# ---- Markdown ---------------------------------------------------------------------------


def _cell(s: object) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def md_table(t: Table) -> str:
    lines = ["| " + " | ".join(map(_cell, t.headers)) + " |", "|" + "---|" * len(t.headers)]
    return "\n".join(lines + ["| " + " | ".join(map(_cell, r)) + " |" for r in t.rows])


def _md_block(b: Block) -> str:
    if isinstance(b, Table):
        return md_table(b)
    if isinstance(b, Bullets):
        return "\n".join(f"- {i}" for i in b.items)
    return b


def headline_table(rep: dict) -> str:
    """Just the headline table (the CLI prints it after a run)."""
    return md_table(headline(rep))


def render_markdown(rep: dict) -> str:
    parts = [
        f"# engrain report: {rep.get('name', 'unnamed')}",
        "## Executive summary",
        f"**{recommendation_line(rep)}**",
        headline_table(rep),
        eval_note(rep),
    ]
    for s in sections(rep):
        parts.append(f"## {s.title}")
        parts += [_md_block(b) for b in s.blocks]
    parts.append(f"_{footer(rep)}_")
    return "\n\n".join(parts) + "\n"
