"""The bundled sample domain: sizes, determinism, and that the eval set is honest.

Honest means: lookups are answered somewhere in the corpus, synthesis needs two different
documents, unanswerable questions really have no answer anywhere, and no eval question
leaks verbatim into the docs or support logs a model could be trained on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from engrain.demo.domain import build_domain
from engrain.demo.facts import ATTRS


def _doc_texts(root: Path) -> dict[str, str]:
    """Document id -> visible text (HTML stripped; each knowledge-base line its own document)."""
    texts: dict[str, str] = {}
    for path in sorted((root / "docs").iterdir()):
        raw = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            texts[path.name] = BeautifulSoup(raw, "html.parser").get_text(" ")
        elif path.suffix == ".jsonl":
            for line in raw.splitlines():
                row = json.loads(line)
                texts[f"{path.name}#{row['id']}"] = row["title"] + "\n" + row["text"]
        else:
            texts[path.name] = raw
    return texts


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _number(value: str) -> float:
    return float(re.search(r"\d[\d,]*(?:\.\d+)?", value).group().replace(",", ""))


def _occurs(value: str, text: str) -> bool:
    """`value` as a whole token: "11 seconds" is not found inside "111 seconds"."""
    return re.search(rf"(?<![\w.,]){re.escape(value)}(?![\w]|[.,]\d)", text) is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("demo")
    return root, build_domain(root, seed=0)


@pytest.fixture(scope="module")
def domain(built) -> dict:
    root, summary = built
    return {
        "root": root,
        "summary": summary,
        "docs": _doc_texts(root),
        "logs": _jsonl(root / "logs" / "support.jsonl"),
        "eval": _jsonl(root / "eval.jsonl"),
        "facts": json.loads((root / "facts.json").read_text(encoding="utf-8")),
    }


def _log_text(domain: dict) -> str:
    return "\n".join(m["content"] for c in domain["logs"] for m in c["messages"])


def test_counts_and_formats(domain: dict) -> None:
    files = list((domain["root"] / "docs").iterdir())
    assert len(files) >= 30
    assert {f.suffix for f in files} == {".md", ".txt", ".html", ".jsonl"}
    assert sum(f.suffix == ".md" for f in files) > len(files) / 2
    assert sum(len(t.split()) for t in domain["docs"].values()) >= 15_000
    assert len(domain["logs"]) >= 200
    qa = [e for e in domain["eval"] if e["kind"] == "qa"]
    by_cat = {c: sum(e["category"] == c for e in qa) for c in ("lookup", "synthesis", "unanswerable")}
    assert len(qa) >= 300 and by_cat["lookup"] >= 150 and by_cat["synthesis"] >= 75 and by_cat["unanswerable"] >= 75
    completions = [e for e in domain["eval"] if e["kind"] == "completion"]
    assert len(completions) >= 30 and {e["category"] for e in completions} == {"lookup"}
    s = domain["summary"]
    assert s.n_conversations == len(domain["logs"]) and s.n_eval == len(domain["eval"])
    assert s.n_docs == len(domain["docs"]) and s.n_words >= 15_000
    assert sum(s.by_category.values()) == s.n_eval
    assert 25 <= len(domain["facts"]["products"]) <= 35
    assert all(6 <= len(p["attributes"]) <= 9 for p in domain["facts"]["products"])


def test_html_is_real_html(domain: dict) -> None:
    for path in (domain["root"] / "docs").glob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert soup.html and soup.body and soup.h1 and soup.find("p"), path.name
    spec = next((domain["root"] / "docs").glob("spec-sheet-*.html"))
    assert BeautifulSoup(spec.read_text(encoding="utf-8"), "html.parser").find("table")


def test_same_seed_same_bytes_other_seed_differs(built, tmp_path: Path) -> None:
    root, _ = built
    build_domain(tmp_path / "again", seed=0)
    build_domain(tmp_path / "other", seed=1)

    def files(base: Path) -> dict[str, bytes]:
        return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}

    assert files(root) == files(tmp_path / "again")
    other = files(tmp_path / "other")
    assert other["eval.jsonl"] != files(root)["eval.jsonl"]
    assert other["facts.json"] != files(root)["facts.json"]


def test_every_fact_is_written_where_facts_json_says(domain: dict) -> None:
    docs = domain["docs"]
    facts = domain["facts"]["facts"]
    assert len(facts) >= 150
    for f in facts:
        assert f["docs"], f
        for doc_id in f["docs"]:
            assert f["value"] in docs[doc_id], (f["id"], doc_id)
    # facts are repeated across documents, but some live in exactly one
    spread = [len(f["docs"]) for f in facts]
    assert sum(n == 1 for n in spread) >= 10 and sum(n >= 2 for n in spread) >= len(facts) / 3


def test_lookup_answers_are_in_the_corpus(domain: dict) -> None:
    corpus = "\n".join(domain["docs"].values())
    by_id = {f["id"]: f for f in domain["facts"]["facts"]}
    for item in domain["eval"]:
        if item["category"] != "lookup":
            continue
        assert item["answers"] and item["answers"][0] in corpus, item
        (fact_id,) = domain["facts"]["eval"][item["id"]]["facts"]
        assert by_id[fact_id]["answers"] == item["answers"]


def test_synthesis_needs_two_documents(domain: dict) -> None:
    by_id = {f["id"]: f for f in domain["facts"]["facts"]}
    kinds = set()
    for item in domain["eval"]:
        if item["category"] != "synthesis":
            continue
        source = domain["facts"]["eval"][item["id"]]
        kinds.add(source["type"])
        first, second = (by_id[i] for i in source["facts"])
        assert first["docs"] and second["docs"]
        assert not set(first["docs"]) & set(second["docs"]), item  # no single doc holds both
        if source["type"] == "chain":
            assert first["attribute"] == "companion" and second["product"] == first["value"]
            assert item["answers"] == second["answers"]
        else:
            assert first["attribute"] == second["attribute"]
            template, rule = next(
                (t, r) for t, r in ATTRS[first["attribute"]].compare if item["question"].startswith(t.split("{")[0])
            )
            assert re.fullmatch(re.escape(template).replace(r"\{a\}", ".+").replace(r"\{b\}", ".+"), item["question"])
            pick = max if rule == "max" else min
            winner = pick((first, second), key=lambda f: _number(f["value"]))
            assert item["answers"][0] == winner["product"]
    assert kinds == {"chain", "compare"}


def test_unanswerable_values_and_products_appear_nowhere(domain: dict) -> None:
    texts = [*domain["docs"].values(), _log_text(domain)]
    stated = {(f["product"], f["attribute"]) for f in domain["facts"]["facts"]}
    seen = {"withheld": 0, "nonexistent": 0}
    for item in domain["eval"]:
        if item["category"] != "unanswerable":
            continue
        assert item["answers"] == []
        source = domain["facts"]["eval"][item["id"]]
        if "withheld" in source:
            w = source["withheld"]
            assert (w["product"], w["attribute"]) not in stated
            assert w["product"] in item["question"]
            assert not any(_occurs(w["value"], t) for t in texts), w
            seen["withheld"] += 1
        else:
            name = source["nonexistent"]
            assert name in item["question"]
            assert not any(name.lower() in t.lower() for t in texts), name
            seen["nonexistent"] += 1
    assert seen["withheld"] >= 50 and seen["nonexistent"] >= 5
    # every withheld value, asked about or not, is absent
    for w in domain["facts"]["withheld"]:
        assert not any(_occurs(w["value"], t) for t in texts), w


def test_no_eval_question_leaks_into_docs_or_logs(domain: dict) -> None:
    corpus = "\n".join([*domain["docs"].values(), _log_text(domain)]).lower()
    questions = [e["question"] for e in domain["eval"]]
    assert len(set(questions)) == len(questions)
    labels = {a.label for a in ATTRS.values()}
    for q in questions:
        assert q.lower() not in corpus, q
        # nor in the shapes engrain's own synthetic training questions and fact sentences take
        assert not any(q.lower().startswith(f"what is the {label} of the") for label in labels), q
        assert not re.match(r"^The .+ (of the .+ is|has an? .+ of|'s .+ is)", q), q


def test_docs_use_the_simple_declarative_shapes(domain: dict) -> None:
    corpus = "\n".join(domain["docs"].values())
    labels = "|".join(re.escape(a.label) for a in ATTRS.values())
    name = r"[A-Z]\w+ [A-Z]{2}-\d+\w?"
    shapes = [
        rf"The ({labels}) of the {name} is ",
        rf"The {name} has an? ({labels}) of ",
        rf"The {name}'s ({labels}) is ",
    ]
    counts = [len(re.findall(s, corpus)) for s in shapes]
    assert all(n >= 30 for n in counts), counts
    mentions = sum(len(f["docs"]) for f in domain["facts"]["facts"])
    assert 0.3 <= sum(counts) / mentions <= 0.8  # roughly half; the rest phrased freely


def test_conversations_are_chat_shaped_with_some_pii(domain: dict) -> None:
    for conv in domain["logs"]:
        roles = [m["role"] for m in conv["messages"]]
        assert roles[0] == "user" and roles[-1] == "assistant" and len(roles) % 2 == 0
        assert roles == ["user", "assistant"] * (len(roles) // 2)
        assert all(m["content"].strip() for m in conv["messages"])
    users = [m["content"] for c in domain["logs"] for m in c["messages"] if m["role"] == "user"]
    assert sum(bool(re.search(r"[\w.]+@example\.(com|org)", u)) for u in users) >= 20
    assert sum("555" in u for u in users) >= 10


def test_support_answers_match_the_fact_base(domain: dict) -> None:
    facts = domain["facts"]["facts"]
    names = sorted({f["product"] for f in facts}, key=len, reverse=True)
    checked = 0
    for conv in domain["logs"]:
        msgs = conv["messages"]
        for user, bot in zip(msgs[::2], msgs[1::2]):
            product = next((n for n in names if n in user["content"]), None)
            if product is None:
                continue
            values = [f["value"] for f in facts if f["product"] == product]
            assert any(v in bot["content"] for v in values), (user, bot)
            checked += 1
    assert checked >= 200


def test_the_same_seed_builds_the_same_domain_byte_for_byte(tmp_path: Path) -> None:
    build_domain(tmp_path / "a", seed=3)
    build_domain(tmp_path / "b", seed=3)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    assert sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()) == files
