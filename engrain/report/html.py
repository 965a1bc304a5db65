"""Render the report dict as one self-contained HTML file.

Same content as report.md (both come from `markdown.sections`), plus plots embedded as
data: URIs and inline CSS, so the file can be mailed or archived and opens offline with
no external request at all. All text goes through html.escape.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from engrain.report import plots
from engrain.report.markdown import (
    Block,
    Bullets,
    Table,
    ci,
    cost_per_1k,
    currency,
    eval_note,
    footer,
    headline,
    money,
    num,
    pct,
    pipelines,
    recommendation_line,
    sections,
)

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:1000px;
margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}
th{background:#f5f5f5}tr:nth-child(even) td{background:#fafafa}
.summary{background:#eef6ff;border:1px solid #9cc3ef;border-radius:8px;padding:1rem 1.2rem;margin:1rem 0}
.rec{font-size:1.15rem;font-weight:600;margin:0 0 .8rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{background:#fff;border:1px solid #cfe0f3;border-radius:6px;
padding:.5rem .8rem;min-width:180px}.card h3{margin:0 0 .3rem;font-size:1rem}.card dl{margin:0;display:grid;
grid-template-columns:auto auto;gap:0 .8rem;font-size:.9rem}.card dd{margin:0;text-align:right;font-weight:600}
div.t{overflow-x:auto}img{max-width:100%;height:auto;display:block;margin:1rem 0}.muted{color:#777;font-size:.85rem}
"""

# section key -> (alt text, plot function); a function returning None draws nothing
PLOTS: dict[str, tuple[tuple[str, Callable[[dict], str | None]], ...]] = {
    "headline": (("hallucination and abstention rates per pipeline", plots.rates),),
    "categories": (("accuracy by pipeline and category", plots.accuracy_by_category),),
    "diagnostics": (("risk-coverage: accuracy at each answer rate", plots.risk_coverage),),
    "latency": (
        ("latency percentiles per pipeline", plots.latency_percentiles),
        ("mean latency by stage per pipeline", plots.latency_stages),
    ),
    "training": (("training loss and dev accuracy", plots.training_curves),),
    "cost": (
        ("cumulative cost, fine-tuned vs RAG", plots.cost_curves),
        ("monthly cost by query volume", plots.cost_by_volume),
    ),
}


def _table(t: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in t.headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in t.rows)
    return f'<div class="t"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _block(b: Block) -> str:
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Bullets):
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in b.items) + "</ul>"
    return f"<p>{escape(b)}</p>"


def _plots(key: str, rep: dict) -> str:
    uris = [(alt, f(rep)) for alt, f in PLOTS.get(key, ())]
    return "".join(f'<img src="{u}" alt="{escape(alt)}">' for alt, u in uris if u)


def _cards(rep: dict) -> str:
    cur, out = currency(rep), []
    for name in pipelines(rep):
        m = rep["pipelines"][name]
        vals = [
            ("accuracy", f"{pct(m.get('accuracy'))}"),
            ("95% CI", ci(m.get("accuracy_ci"))),
            ("hallucination", pct(m.get("hallucination_rate"))),
            ("p95 latency", f"{num((m.get('latency_ms') or {}).get('p95'), 0)} ms"),
            (f"cost / 1k ({cur})", money(cost_per_1k(rep, name))),
        ]
        dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in vals)
        out.append(f'<div class="card"><h3>{escape(name)}</h3><dl>{dl}</dl></div>')
    return f'<div class="cards">{"".join(out)}</div>'


def render_html(rep: dict) -> str:
    title = f"engrain report: {rep.get('name', 'unnamed')}"
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<div class="summary"><p class="rec">{escape(recommendation_line(rep))}</p>{_cards(rep)}</div>',
        "<h2>Headline</h2>",
        _table(headline(rep)),
        f"<p>{escape(eval_note(rep))}</p>",
        _plots("headline", rep),
    ]
    for s in sections(rep):
        parts.append(f'<h2 id="{escape(s.key)}">{escape(s.title)}</h2>')
        parts += [_block(b) for b in s.blocks]
        parts.append(_plots(s.key, rep))
    parts.append(f'<p class="muted">{escape(footer(rep))}</p>')
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(p for p in parts if p)
        + "\n</body></html>\n"
    )
