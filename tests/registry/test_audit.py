"""The audit log's hash chain catches a changed, removed or reordered entry."""

import pytest

from engrain.registry import Registry, audit


@pytest.fixture
def reg(tmp_path):
    r = Registry(tmp_path / "registry")
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "w").write_bytes(b"1")
    mid = r.register(folder, {}, "alice", "first")
    r.promote(mid, "production", "alice", "ship it")
    r.promote(mid, "candidate", "bob", "also")
    yield r
    r.close()


def test_an_untouched_log_verifies(reg):
    assert audit.verify(reg.db) == []
    assert [e["action"] for e in audit.entries(reg.db)] == ["register", "promote", "promote"]
    assert audit.entries(reg.db)[1]["who"] == "alice" and audit.entries(reg.db)[1]["why"] == "ship it"


def test_a_changed_entry_is_found(reg):
    reg.db.execute("UPDATE audit SET who = 'mallory' WHERE seq = 2")
    assert audit.verify(reg.db) == ["entry 2 was changed after it was written"]


def test_a_removed_entry_is_found(reg):
    reg.db.execute("DELETE FROM audit WHERE seq = 2")
    assert any("entry 2 is missing" in p for p in audit.verify(reg.db))


def test_reordered_entries_are_found(reg):
    rows = reg.db.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    reg.db.execute("DELETE FROM audit")
    for seq, row in zip((1, 3, 2), rows):  # entries 2 and 3 swapped, seq numbers rewritten
        reg.db.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (seq, *row[1:]))
    assert audit.verify(reg.db)


def test_entries_cut_off_the_end_are_found(reg):
    assert reg.verify_audit() == []
    reg.db.execute("DELETE FROM audit WHERE seq = 3")  # the newest entry: the chain alone still looks whole
    assert audit.verify(reg.db) == []
    assert reg.verify_audit() == ["entries from 3 to 3 were removed from the end"]


def test_a_head_one_entry_behind_is_not_an_alarm(reg):
    """A kill between the commit and the head file leaves the head behind: still intact."""
    import json

    (reg.root / "audit-head.json").write_text(json.dumps({"seq": 2, "hash": audit.entries(reg.db)[1]["hash"]}))
    assert reg.verify_audit() == []
