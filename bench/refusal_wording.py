"""Does the tuned model refuse a lookup because it lacks the fact, or because of the question's wording?

For a demo project whose stages have run (`engrain demo --out DIR`, first cycle), this answers the
dev lookups (questions of `eval.jsonl` outside the eval sample, drawn as `bench/external_dev.py`
draws them) with `ft`, and asks every refused one again in two other wordings of the same fact:
one of the training questions' own phrasings, and a forward template the fact was not trained
with (the attribute's label as the training answers write it). A fact no training example states
is counted apart. Needs the demo's `domain/facts.json` (which fact each eval question asks).

    python bench/refusal_wording.py -c DIR/engrain.toml [--n 120]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--n", type=int, default=120, help="dev questions")
    ap.add_argument("--facts", type=Path, help="the demo's facts.json (default: DIR/domain/facts.json)")
    args = ap.parse_args()
    from external_dev import dev_questions

    from engrain.answerers import AnswererFactory
    from engrain.config import load
    from engrain.evaluate import runner
    from engrain.io import read_jsonl
    from engrain.scoring import score
    from engrain.workspace import Workspace

    cfg = load(args.config)
    facts_json = json.loads((args.facts or args.config.parent / "domain" / "facts.json").read_text())
    product_of = {f["id"]: f["product"] for f in facts_json["facts"]}
    products = {
        q: product_of[src["facts"][0]] for q, src in facts_json["eval"].items() if src.get("facts")
    }  # question -> product asked
    dev = dev_questions(cfg, args.n)
    lookups = [it for it in dev if it.category == "lookup" and it.kind == "qa"]
    ws = Workspace(cfg)
    ft = AnswererFactory.for_workspace(cfg, ws).build("ft")
    refused = [r for r in runner.run(ft, lookups, 1) if r["abstained"]]
    qa = [e for e in read_jsonl(ws.path("synth", "train")) if e["kind"] == "qa" and e.get("messages")]
    print(f"dev: {len(dev)} questions, {len(lookups)} lookups, ft refused {len(refused)}", flush=True)
    counts = {
        "no training example states it": 0,
        "asked again": 0,
        "trained phrasing right": 0,
        "untrained template right": 0,
    }
    rng = random.Random(cfg.seed)
    for r in refused:
        wordings = _rewordings(r, products[r["id"]], qa, rng)
        if wordings is None:
            counts["no training example states it"] += 1
            continue
        counts["asked again"] += 1
        for key, question in zip(("trained phrasing right", "untrained template right"), wordings):
            answer = ft.answer(question, "qa").text
            right = bool(score(answer, r["references"])["correct"])
            counts[key] += right
            print(f"{r['question']}\n  {question} -> {answer} [{'right' if right else 'wrong'}]", flush=True)
    print("| refused dev lookups | count |\n|---|---|")
    for k, v in counts.items():
        print(f"| {k} | {v} |")
    return 0


def _rewordings(row: dict, product: str, qa: list[dict], rng: random.Random) -> tuple[str, str] | None:
    """(a training question of the fact, an untrained forward template for it), or None when no
    training answer names the fact's product beside its value."""
    from engrain.synth.questions import FORWARD

    hits = [
        e for e in qa if product in (a := e["messages"][-1]["content"]) and any(ref in a for ref in row["references"])
    ]
    if not hits:
        return None
    answer = hits[0]["messages"][-1]["content"]
    asked = {e["messages"][-2]["content"] for e in qa if e["messages"][-1]["content"] == answer}
    trained = hits[0]["messages"][-2]["content"]
    if not (answer.startswith("The ") and " of the " in answer and " is " in answer):
        return trained, trained  # an error-code answer: no attribute label to put in a template
    attr, rest = answer[4:].split(" of the ", 1)
    unused = [q for t in FORWARD if (q := _cap(t.format(attr=attr, ent=rest.split(" is ")[0]))) not in asked]
    return trained, rng.choice(unused)


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


if __name__ == "__main__":
    sys.exit(main())
