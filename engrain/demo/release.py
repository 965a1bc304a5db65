"""The demo domain's second release: some specs change, products are added, a new month of logs.

`build_release` edits the first release in place, as a documentation update would: the
documents that state a changed value are rewritten with the new one, manuals for the new
products are added beside them, `logs/support-2.jsonl` holds the new month of support chats
and `eval-2.jsonl` asks about what changed, what was added, what did not change and what the
corpus does not say. Only a few documents change, so a retraining cycle has little to learn:
the point is what a checkpoint trained on release 1 gets wrong about release 2.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engrain.demo.domain import RELEASE_2, _conversations, _manual, _question, _spec_sheet, _Writer
from engrain.demo.facts import ATTRS, CATEGORIES, ERROR_MEANINGS, FAMILIES, Fact, FactBase, Product, _Pools
from engrain.io import read_json, write_json, write_jsonl, write_text

# Numeric specs whose change is a plain edit of one value.
CHANGEABLE = (
    "max_temp",
    "battery_life",
    "weight",
    "default_port",
    "sampling_rate",
    "price",
    "detection_limit",
    "warmup",
    "calibration",
    "device_capacity",
    "cycle_time",
)
RELEASE_LOGS = "logs/support-2.jsonl"
RELEASE_EVAL = "eval-2.jsonl"


@dataclass
class ReleaseSummary:
    changed_facts: int
    changed_docs: int
    new_products: int
    new_docs: int
    n_conversations: int
    n_eval: int
    by_category: dict[str, int]


def build_release(
    domain_dir: str | Path, seed: int = 0, n_changed_products: int = 4, n_new_products: int = 2
) -> ReleaseSummary:
    """Turn the release-1 domain under `domain_dir` (from `build_domain`) into release 2, in place."""
    out = Path(domain_dir)
    if (out / RELEASE_2).exists():
        return ReleaseSummary(**read_json(out / RELEASE_2)["summary"])
    rng = random.Random(seed + 2)
    facts_json = read_json(out / "facts.json")
    fb = _load_fact_base(facts_json)
    pools = _pools(rng, facts_json)
    changes = _change_values(rng, fb, pools, n_changed_products)
    edited = _rewrite_documents(out / "docs", changes)
    new_products = _new_products(rng, fb, pools, facts_json, n_new_products)
    w = _Writer(rng, fb)
    new_docs = [_manual(w, p, "md") for p in new_products] + [_spec_sheet(w, new_products[0])]
    for doc in new_docs:
        write_text(out / "docs" / doc.id, doc.render())
    conversations = _conversations(w, 80)
    write_jsonl(out / RELEASE_LOGS, conversations)
    rows = _eval(rng, fb, changes, new_products)
    write_jsonl(out / RELEASE_EVAL, rows)
    summary = ReleaseSummary(
        len(changes),
        len(edited),
        len(new_products),
        len(new_docs),
        len(conversations),
        len(rows),
        dict(sorted(Counter(r["category"] for r in rows).items())),
    )
    write_json(
        out / RELEASE_2,
        {  # last: its presence means the release is complete
            "seed": seed,
            "summary": summary.__dict__,
            "changed": [
                {
                    "fact": f.id,
                    "product": f.product,
                    "attribute": f.attribute,
                    "old": old,
                    "new": f.value,
                    "docs": f.docs,
                }
                for f, old in changes
            ],
            "new_products": [
                {"name": p.name, "category": p.category, "attributes": {k: f.value for k, f in p.facts.items()}}
                for p in new_products
            ],
            "edited_docs": edited,
            "new_docs": [d.id for d in new_docs],
        },
    )
    return summary


def _load_fact_base(facts_json: dict) -> FactBase:
    """Products and facts as release 1 wrote them (facts.json records every document a fact is in)."""
    products = {
        p["name"]: Product(p["name"], p["family"], p["code"], p["category"], {}, {}, p["firmware_history"])
        for p in facts_json["products"]
    }
    for f in facts_json["facts"]:
        products[f["product"]].facts[f["attribute"]] = Fact(
            f["id"], f["product"], f["attribute"], f["value"], list(f["answers"]), None, f["code"], list(f["docs"])
        )
    for w in facts_json["withheld"]:
        products[w["product"]].withheld[w["attribute"]] = w["value"]
    return FactBase(list(products.values()), facts_json["nonexistent_products"])


def _pools(rng: random.Random, facts_json: dict) -> _Pools:
    """A value pool that never repeats a value release 1 used, stated or withheld."""
    pools = _Pools(rng)
    for f in facts_json["facts"]:
        pools.used.setdefault(f["attribute"], set()).add(f["value"])
    for w in facts_json["withheld"]:
        pools.used.setdefault(w["attribute"], set()).add(w["value"])
    return pools


def _change_values(rng: random.Random, fb: FactBase, pools: _Pools, n_products: int) -> list[tuple[Fact, str]]:
    """Two specs each of a few products, among those stated in one document only (a manual or a spec
    sheet): a release edits some pages, it does not rewrite the documentation."""

    def changeable(f: Fact) -> bool:
        return f.attribute in CHANGEABLE and len(f.docs) == 1 and f.docs[0].startswith(("manual-", "spec-sheet-"))

    candidates = [p for p in fb.products if sum(map(changeable, p.facts.values())) >= 2]
    changes = []
    for prod in rng.sample(candidates, n_products):
        for fact in rng.sample([f for f in prod.facts.values() if changeable(f)], 2):
            old = fact.value
            fact.value, fact.answers, fact.num = pools.draw(fact.attribute)
            changes.append((fact, old))
    return changes


def _rewrite_documents(docs_dir: Path, changes: list[tuple[Fact, str]]) -> list[str]:
    """Every mention of an old value, in the documents that state it, becomes the new value."""
    edited: dict[str, str] = {}
    for fact, old in changes:
        for doc_id in fact.docs:
            text = edited.get(doc_id) or (docs_dir / doc_id).read_text(encoding="utf-8")
            pattern = re.compile(rf"(?<![\w$.,]){re.escape(old)}(?![\w])")
            text, n = pattern.subn(fact.value, text)
            if n == 0:
                raise RuntimeError(f"release 2: {old!r} is not in {doc_id}")
            edited[doc_id] = text
    for doc_id, text in edited.items():
        write_text(docs_dir / doc_id, text)
    return sorted(edited)


def _new_products(rng: random.Random, fb: FactBase, pools: _Pools, facts_json: dict, n: int) -> list[Product]:
    """Products of categories without a companion, with facts dealt as release 1 dealt them."""
    names = [p.name for p in fb.products] + [x["name"] for x in fb.nonexistent]
    families = [f for f in FAMILIES if not any(name.split()[0] == f for name in names)]
    meanings = [m for m in ERROR_MEANINGS if m not in {f.value for f in fb.facts() if f.attribute == "error_code"}]
    codes = {int(f.code[1:]) for f in fb.facts() if f.code}
    n_fact = len(facts_json["facts"])
    out = []
    for i, cat in enumerate(rng.sample(["logger", "gas", "vibration"], n)):
        code = f"{rng.choice(CATEGORIES[cat].prefixes)}-{rng.randint(2, 96)}"
        while any(code == p.code for p in fb.products) or any(x.endswith(" " + code) for x in names):
            code = f"{rng.choice(CATEGORIES[cat].prefixes)}-{rng.randint(2, 96)}"
        prod = Product(f"{families[i]} {code}", families[i], code, cat, {}, {})
        attrs = CATEGORIES[cat].attrs
        withheld = rng.sample([a for a in attrs if ATTRS[a].unique and a != "error_code"], 2)
        stated = ["error_code"] + rng.sample([a for a in attrs if a not in withheld and a != "error_code"], 7)
        for key in attrs:
            if key in withheld:
                prod.withheld[key] = pools.draw(key)[0]
            elif key in stated:
                n_fact += 1
                if key == "error_code":
                    number = rng.choice(sorted(set(range(100, 990)) - codes))
                    codes.add(number)
                    meaning = meanings[i]
                    prod.facts[key] = Fact(f"F{n_fact:03d}", prod.name, key, meaning, [meaning], None, f"E{number}")
                else:
                    value, answers, num = pools.draw(key)
                    prod.facts[key] = Fact(f"F{n_fact:03d}", prod.name, key, value, answers, num)
        fb.products.append(prod)
        out.append(prod)
    return out


def _eval(rng: random.Random, fb: FactBase, changes: list[tuple[Fact, str]], new: list[Product]) -> list[dict]:
    """Questions on changed values, added products, unchanged facts and what the corpus does not say."""
    changed_ids = {f.id for f, _ in changes}
    new_names = {p.name for p in new}

    def ask(f: Fact) -> str:
        return _question(rng, f.attribute, f"the {f.product}", f)

    rows = [{"question": ask(f), "answers": f.answers, "category": "changed", "kind": "qa"} for f, _ in changes]
    added = [f for p in new for f in p.facts.values()]
    rows += [
        {"question": ask(f), "answers": f.answers, "category": "added", "kind": "qa"}
        for f in rng.sample(added, min(len(added), 12))
    ]
    unchanged = [
        f for f in fb.facts() if f.id not in changed_ids and f.product not in new_names and f.attribute != "companion"
    ]
    rows += [
        {"question": ask(f), "answers": f.answers, "category": "unchanged", "kind": "qa"}
        for f in rng.sample(unchanged, 12)
    ]
    withheld = [(p, k) for p in new for k in p.withheld] + rng.sample(
        [(p, k) for p in fb.products if p.name not in new_names for k in p.withheld], 8
    )
    rows += [
        {"question": _question(rng, k, f"the {p.name}"), "answers": [], "category": "unanswerable", "kind": "qa"}
        for p, k in withheld
    ]
    rng.shuffle(rows)
    return [{"id": f"r2q{i:04d}", **r} for i, r in enumerate(rows, 1)]
