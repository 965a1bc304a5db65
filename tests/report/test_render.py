import copy
import re
from html.parser import HTMLParser

import pytest

from engrain.report.html import render_html
from engrain.report.markdown import headline_table, render_markdown

PNG = '<img src="data:image/png;base64,'


def _rates(acc: float, hal: float, n: int = 40) -> dict:
    out: dict = {"n": n}
    for key, v in (
        ("accuracy", acc),
        ("exact_match", acc - 0.1),
        ("f1", acc + 0.05),
        ("hallucination_rate", hal),
        ("abstention_rate", 0.04),
    ):
        out[key], out[f"{key}_ci"] = round(v, 4), [round(v - 0.06, 4), round(v + 0.06, 4)]
    return out


def _pipe(acc: float, hal: float, mean_ms: float) -> dict:
    return _rates(acc, hal, 120) | {
        "latency_ms": {"mean": mean_ms, "p50": mean_ms * 0.9, "p95": mean_ms * 1.6, "p99": mean_ms * 2.1},
        "ttft_ms": {"mean": mean_ms / 4, "p50": mean_ms / 5, "p95": mean_ms / 2, "p99": mean_ms / 1.5},
        "stage_ms_mean": {
            "embed": 4.0 if mean_ms > 300 else 0.0,
            "search": 1.5 if mean_ms > 300 else 0.0,
            "prompt": 0.4,
            "prefill": mean_ms / 5,
            "decode": mean_ms * 0.7,
        },
        "prompt_tokens_mean": 640.0 if mean_ms > 300 else 80.0,
        "completion_tokens_mean": 18.5,
        "decode_tokens_per_second": 52.3,
        "coverage": {
            "answered": 0.9,
            "accuracy_when_answered": round(acc / 0.9, 4),
            "line": [{"coverage": c / 10, "accuracy": round(min(1.0, acc + 0.3 - c / 40), 4)} for c in range(1, 10)],
        },
        **(
            {
                "context": {
                    "n": 110,
                    "hit_rate": 0.74,
                    "first_hit_rank": {"1": 50, "2": 21, "3": 10},
                    "accuracy_when_hit": 0.25,
                    "accuracy_when_missed": 0.05,
                }
            }
            if mean_ms > 300
            else {}
        ),
        "by_category": {
            "specs": _rates(acc + 0.05, hal),
            "procedures": _rates(acc - 0.05, hal),
            "specs (completion)": _rates(acc, hal),
        },
    }


def sample_report() -> dict:
    """A report as build_report writes it, every key filled in."""
    ft_c = [12.0 + 9.5 * m for m in range(37)]
    rag_c = [0.5 + 14.0 * m for m in range(37)]
    return {
        "name": "kestrel-manuals",
        "generated_at": "2025-01-01T00:00:00+00:00",
        "engrain_version": "0.1.0",
        "models": {
            "base": "HuggingFaceTB/SmolLM2-360M-Instruct",
            "embedder": "all-MiniLM-L6-v2",
            "method": "lora",
            "refuse_below": 0.9,
        },
        "corpus": {"documents": 42, "words": 51234, "conversations": 120, "chunks": 610},
        "data": {
            "facts_found": 380,
            "examples": 1450,
            "by_kind": {"completion": 450, "qa": 1000},
            "dev_questions": 40,
            "dev_source": "eval file",
            "eval_source": "split from synthesized questions",
            "eval_questions": 200,
            "decontaminated": 7,
        },
        "eval": {
            "questions": 120,
            "questions_total": 200,
            "source": "split from synthesized questions",
            "sampled_per_category": 20,
        },
        "pipelines": {
            "base": _pipe(0.21, 0.55, 180.0),
            "rag": _pipe(0.74, 0.06, 420.0),
            "ft": _pipe(0.713, 0.05, 190.0),
            "ft+rag": _pipe(0.78, 0.04, 440.0) | {"routes": {"read": 0.6, "recall": 0.4}},
        },
        "significance": [
            {
                "a": "ft",
                "b": "rag",
                "n": 120,
                "b01": 9,
                "b10": 6,
                "p_value": 0.607,
                "significant": False,
                "test": "exact",
                "statistic": 6.0,
            },
            {
                "a": "base",
                "b": "ft",
                "n": 120,
                "b01": 70,
                "b10": 10,
                "p_value": 1.2e-11,
                "significant": True,
                "test": "chi2",
                "statistic": 43.5,
            },
        ],
        "training": {
            "method": "lora",
            "examples": 1450,
            "tokens": 210_000,
            "seconds": 812.4,
            "tokens_per_second": 258.5,
            "peak_rss_mb": 5120.0,
            "bf16": True,
            "steps": 270,
            "best_step": 180,
            "truncated": 3,
            "seed": 3,
            "loss_curve": [{"step": s, "epoch": s / 90, "loss": 2.5 / (1 + s / 50)} for s in range(10, 271, 10)],
            "dev_curve": [{"step": s, "accuracy": min(0.8, s / 250), "abstained": 0.05} for s in (90, 180, 270)],
            "refusal": {
                "refuse_below": 0.9,
                "dev_questions": 40,
                "dev_source": "eval file",
                "off": {"threshold": 0.0, "correct": 0.6, "hallucinated": 0.3, "abstained": 0.1},
                "chosen": {"threshold": 0.9, "correct": 0.7, "hallucinated": 0.05, "abstained": 0.3},
            },
        },
        "latency": {
            "ft_over_rag": {"mean": 0.452, "p50": 0.452, "p95": 0.452},
            "rag_speedup_of_ft": {"mean": 2.21, "p95": 2.21},
        },
        "cost": {
            "currency": "USD",
            "per_query": {"base": 2.1e-5, "rag": 5.3e-5, "ft": 7.7e-6, "ft+rag": 5.4e-5},
            "training": 0.56,
            "prices": {"currency": "USD", "serving_input_per_1k": 5e-05, "gpu_hour_price": 2.5, "retrain_months": 3},
            "break_even": {
                "monthly_queries": 1_000_000,
                "horizon_months": 36,
                "ft_cumulative": ft_c,
                "rag_cumulative": rag_c,
                "break_even_month": 3,
                "ft_monthly": 9.5,
                "rag_monthly": 14.0,
                "crossover_queries": 0.0,
                "ft_cheaper_when": "always",
                "notes": [],
            },
        },
        "decision": {
            "recommendation": "fine-tune",
            "reasons": [
                "ft is within quality bounds, knowledge changes quarterly, 6 months of logs (>= 6)",
                "ft accuracy 0.71 vs rag 0.74 (-2.7 pts)",
            ],
            "thresholds": {"min_change_months": 3, "max_accuracy_gap": 0.02},
            "what_would_change": ["if knowledge started changing more often than every 3 months, switch to hybrid"],
            "inputs": {"change_rate": "quarterly", "log_months": 6, "monthly_queries": 1_000_000},
            "comparisons": [
                {
                    "a": "ft",
                    "b": "rag",
                    "gap_pts": -2.7,
                    "p_value": 0.52,
                    "significant": False,
                    "n": 120,
                    "questions_to_settle": 2140,
                },
                {
                    "a": "ft+rag",
                    "b": "rag",
                    "gap_pts": 4.0,
                    "p_value": 0.031,
                    "significant": True,
                    "n": 120,
                    "questions_to_settle": None,
                },
            ],
        },
        "forgetting": {"base_ppl": 12.3, "ft_ppl": 13.1, "ratio": 1.065},
        "throughput": [
            {"concurrency": 1, "qps": 5.2, "p95_ms": 250.0},
            {"concurrency": 8, "qps": 21.7, "p95_ms": 610.0},
        ],
    }


class _Strict(HTMLParser):
    """html.parser never raises on bad markup, so check that every tag is closed in order."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def check(self, text: str) -> None:
        self.feed(text)
        self.close()
        assert self.stack == [], f"unclosed tags: {self.stack}"


def test_markdown_headline_recommendation_and_provenance():
    md = render_markdown(sample_report())
    for name, acc in (("base", "21.0%"), ("rag", "74.0%"), ("ft", "71.3%"), ("ft+rag", "78.0%")):
        assert re.search(rf"^\| {re.escape(name)} \| {re.escape(acc)} \[", md, re.M), name
    assert re.search(
        r"^\| ft \| 71.3% \[65.3, 77.3\] \| 0.763 \| 5.0% \| 4.0% \| 190 \| 304 \| 0.0077 USD \|$", md, re.M
    )
    assert "Recommendation: fine-tune — ft is within quality bounds" in md
    assert "| ft vs rag | -2.7 pts | 0.520 | tie | 2,140 (now 120) |" in md
    diag = md.split("## Why pipelines fail")[1].split("## ")[0]
    assert re.search(
        r"^\| rag \| 90.0% \| 82.2% \| 74.0% \(n=110\) \| #1: 50, #2: 21, #3: 10 \| 25.0% \| 5.0% \|$", diag, re.M
    )
    assert re.search(r"^\| ft \| 90.0% \| 79.2% \| — \| — \| — \| — \|$", diag, re.M)
    assert re.search(r"^\| ft \| (\S+ \| ){9}— \|$", diag, re.M)  # declined a tenth: no point at 100%
    assert "| ft+rag vs rag | +4.0 pts | 0.031 | significant | — |" in md
    assert "split off from synthesized questions" in md
    assert "dev questions (a seeded share of the eval file's questions, held out: never in the eval sample)." in md
    assert "7 training examples dropped" in md and "up to 20 questions per category" in md
    assert "break-even month | 3" in md and "completion 450, qa 1,000" in md
    assert "ratio 1.065x" in md and "| 8 | 21.70 | 610.00 |" in md  # optional sections rendered
    assert "ft+rag answers by route: read 60.0%, recall 40.0%" in md
    assert "| seed | 3 |" in md  # which training draw the figures are
    assert "refusal:" not in md  # only the routes taken are explained
    assert headline_table(sample_report()) in md


def test_markdown_says_which_refusal_threshold_ft_used_and_what_it_did_on_dev():
    md = render_markdown(sample_report())
    assert (
        "| refusal threshold (dev) | 0.90 on 40 questions: accuracy 60.0% -> 70.0%, hallucination 30.0% -> 5.0% |" in md
    )
    assert "ft refuses below confidence 0.90" in md
    rep = sample_report()
    rep["models"]["refuse_below"] = 0.0
    del rep["training"]["refusal"]  # a model trained before the threshold was chosen
    md = render_markdown(rep)
    assert "ft answers every question (model.refuse_below off)" in md and "| refusal threshold (dev) | — |" in md


def test_markdown_file_eval_source_is_not_called_split():
    rep = sample_report()
    rep["eval"]["source"] = rep["data"]["eval_source"] = "file"
    assert "split off" not in render_markdown(rep)


def test_html_is_self_contained_and_parses():
    out = render_html(sample_report())
    _Strict().check(out)
    assert out.count(PNG) >= 4
    assert out.count(PNG) == 7  # rates, categories, risk-coverage, 2 latency, training, cost
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", out, re.I)
    assert "@import" not in out and "url(" not in out
    assert "fine-tune" in out and "71.3%" in out


def test_html_escapes_text():
    rep = sample_report()
    rep["name"] = "<script>alert(1)</script>"
    rep["decision"]["reasons"][0] = "a < b & c"
    out = render_html(rep)
    assert "<script>" not in out and "&lt;script&gt;" in out and "a &lt; b &amp; c" in out


@pytest.mark.parametrize("drop", ["ft", "ft+rag", "base"])
def test_missing_pipeline_does_not_crash(drop):
    rep = sample_report()
    del rep["pipelines"][drop]
    md, out = render_markdown(rep), render_html(rep)
    assert f"| {drop} |" not in headline_table(rep)
    assert out.count(PNG) >= 4 and "rag" in md


def test_sparse_report_does_not_crash():
    rep = sample_report()
    rep["pipelines"] = {k: rep["pipelines"][k] for k in ("base", "rag")}
    rep["significance"] = rep["significance"][:0]
    rep["training"]["loss_curve"] = rep["training"]["dev_curve"] = []
    rep["latency"] = {}
    del rep["cost"]["break_even"], rep["forgetting"], rep["throughput"]
    md, out = render_markdown(rep), render_html(rep)
    assert "No break-even analysis" in md and "| base | 21.0%" in md
    _Strict().check(out)
    assert out.count(PNG) == 5  # rates, categories, risk-coverage, 2 latency; no training or cost curve


def test_minimal_report_does_not_crash():
    rep = {k: copy.deepcopy(v) for k, v in sample_report().items() if k in ("name", "pipelines")}
    rep["pipelines"] = {}
    assert "Recommendation: none" in render_markdown(rep)
    _Strict().check(render_html(rep))


def test_html_renders_in_a_real_browser_without_network(tmp_path):
    """Headless Chromium (when installed) renders the report offline to a non-trivial PNG."""
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no headless browser installed")
    page = tmp_path / "report.html"
    page.write_text(render_html(sample_report()))
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--proxy-server=127.0.0.1:9",
            "--window-size=1000,1400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 20_000


def test_training_data_section_shows_coverage_strategies_and_drops():
    rep = sample_report()
    rep["data"] |= {
        "by_kind": {"wh": 2300, "cloze": 1600},
        "pattern_facts": 0,
        "answer_spans": 1766,
        "coverage": {
            "sentences": 346,
            "sentences_with_span": 320,
            "sentences_with_question": 318,
            "entities": 700,
            "entities_trained": 690,
            "numbers": 156,
            "numbers_trained": 150,
        },
        "dropped": {"decontaminated": 76},
    }
    md = render_markdown(rep)
    section = md[md.index("## Training data") :]
    assert "| sentences with an answer span | 320 of 346 (92.5%) |" in section
    assert "| wh | 2,300 | wh-questions for answer spans found in any sentence |" in section
    assert "1,766 answer spans in free prose" in section and "76 (decontaminated)" in section


def test_training_data_section_counts_facts_read_with_learnt_wordings():
    rep = sample_report()
    rep["data"] |= {"by_kind": {"carried": 397}, "pattern_facts": 208, "induced_facts": 21, "wordings": 37}
    section = render_markdown(rep)
    section = section[section.index("## Training data") :]
    assert "208 spec-shaped facts (21 of them read with 37 wordings learnt from the corpus)" in section
    assert "| carried | 397 | the corpus's wordings of an attribute asked about every entity that has it |" in section
    rep["data"]["induced_facts"] = 0
    assert "wordings learnt" not in render_markdown(rep)
