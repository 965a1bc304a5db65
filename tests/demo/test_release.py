"""Release 2 of the sample domain: changed values replace old ones where they were written, new
products get documents, the new eval set asks about each kind of change, and re-running the
demo resets the domain to release 1 before release 2 is applied again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engrain.demo.domain import build_domain
from engrain.demo.release import RELEASE_EVAL, RELEASE_LOGS, build_release


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("domain")
    build_domain(root, seed=0)
    before = {p.name: p.read_bytes() for p in (root / "docs").iterdir()}
    build_release(root, seed=0)
    return root, before


def test_changed_values_replace_the_old_ones_only_where_they_were_written(release) -> None:
    root, before = release
    record = json.loads((root / "release-2.json").read_text())
    assert len(record["changed"]) == 8
    for change in record["changed"]:
        for doc in change["docs"]:
            text = (root / "docs" / doc).read_text(encoding="utf-8")
            assert change["new"] in text and change["old"] not in text, (doc, change)
    after = {p.name: p.read_bytes() for p in (root / "docs").iterdir()}
    edited = sorted(n for n in before if before[n] != after[n])
    assert edited == record["edited_docs"] and 0 < len(edited) <= 8  # a few pages, not the whole documentation
    assert sorted(set(after) - set(before)) == sorted(record["new_docs"])


def test_new_products_are_documented_and_asked_about(release) -> None:
    root, _ = release
    record = json.loads((root / "release-2.json").read_text())
    docs = "\n".join(p.read_text(encoding="utf-8") for p in (root / "docs").iterdir())
    old_names = {p["name"] for p in json.loads((root / "facts.json").read_text())["products"]}
    for prod in record["new_products"]:
        assert prod["name"] not in old_names
        for value in prod["attributes"].values():
            assert value in docs
    rows = _jsonl(root / RELEASE_EVAL)
    by_cat = {c: [r for r in rows if r["category"] == c] for c in ("changed", "added", "unchanged", "unanswerable")}
    assert all(by_cat.values()) and len(rows) == sum(map(len, by_cat.values()))
    new_values = {c["new"] for c in record["changed"]}
    assert all(r["answers"][0] in new_values for r in by_cat["changed"])
    assert all(not r["answers"] for r in by_cat["unanswerable"])
    assert len(_jsonl(root / RELEASE_LOGS)) == 80


def test_release_is_applied_once_and_reset_by_a_new_demo(tmp_path: Path) -> None:
    build_domain(tmp_path, seed=0)
    first = build_release(tmp_path, seed=0)
    snapshot = {p.name: p.read_bytes() for p in (tmp_path / "docs").iterdir()}
    assert build_release(tmp_path, seed=0) == first  # applied already: nothing is edited twice
    build_domain(tmp_path, seed=0)  # a new demo run writes release 1 again
    assert not (tmp_path / "release-2.json").exists()
    assert build_release(tmp_path, seed=0) == first
    assert {p.name: p.read_bytes() for p in (tmp_path / "docs").iterdir()} == snapshot
