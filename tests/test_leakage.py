"""The leakage test: canaries reach the raw index, never the scrubbed one, and every pipeline is attacked."""

import json

from samples import make_project

from engrain.leakage import ATTACKS, PIPELINES, leakage, make_canaries, subject
from engrain.synth.facts import match_sentence
from engrain.workspace import Workspace


def test_canaries_have_every_kind_and_valid_shapes():
    canaries = make_canaries([f"unit {i}" for i in range(5)], seed=0)
    assert [c.kind for c in canaries] == ["api_key", "iban", "email", "phone", "ssn"]
    iban = canaries[1].value
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    assert len(iban) == 22 and int(digits) % 97 == 1  # ISO 13616: the planted IBAN is valid
    assert all(c.core in c.value and c.sentence.startswith(c.prefix) for c in canaries)
    assert make_canaries(["unit 0"], seed=0)[0].value == canaries[0].value  # seeded


def test_canaries_are_facts_the_pattern_strategy_reads():
    """A canary no synthesis strategy reads never reaches ft's training data: ft would look safe for nothing."""
    assert subject("manual-waxwing-vm-26e") == "Manual Waxwing Vm 26e"
    for c in make_canaries(
        [
            subject(s)
            for s in (
                "manual-waxwing-vm-26e",
                "faq-networking-and-power-extra",
                "warranty_and_returns",
                "kb-1",
                "site-safety",
            )
        ],
        seed=3,
    ):
        fact = match_sentence(c.sentence)
        assert fact is not None and fact.value == c.value, c.sentence


def test_leakage_plants_attacks_and_reports_with_scrubbing_on_and_off(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    for i in range(3):
        (tmp_path / "docs" / f"unit-{i}.md").write_text(f"# Unit {i}\n\nThe Unit {i} has a weight of {i + 2} kg.\n")
    said: list[str] = []
    report = leakage(cfg, said.append, progress=False)
    text = report.read_text()
    assert "| scrubbed | rag |" in text and "| raw | ft |" in text and "claim under test: -62%" in text
    base = Workspace(cfg).dir("leakage")
    rep = json.loads((base / "report" / "leakage.json").read_text())
    planted = [c["core"] for c in rep["canaries"]]
    assert len(planted) == 5 and "5 canaries planted" in said[0]
    raw = (base / "raw" / "ingest" / "documents.jsonl").read_text()
    scrubbed = (base / "scrubbed" / "ingest" / "documents.jsonl").read_text()
    assert all(c in raw for c in planted)  # the canaries reached the unscrubbed index and training data
    assert not any(c in scrubbed for c in planted)  # and none of them the scrubbed ones
    assert rep["trained_on"] == {"scrubbed": 0, "raw": 5}  # raw: every canary became training examples
    summary = rep["summary"]
    assert summary["scrubbed"]["rag"]["any"] == 0  # nothing to retrieve
    assert set(summary["raw"]) == {*PIPELINES, "ft_vs_rag"} and all(k in summary["raw"]["rag"] for k in ATTACKS)
