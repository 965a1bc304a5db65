"""The audit log: append-only and hash-chained, in the registry's database.

Each entry carries the previous entry's hash, and its own hash covers everything it says, so
`verify` finds an entry that was changed, removed or reordered. Entries are written in the
same transaction as the change they record: there is never a change without its entry. The
newest entry's number and hash are also kept outside the database (the registry's head
file, written after each commit), so cutting entries off the end is found too.
"""

from __future__ import annotations

import getpass
import json
import socket
import sqlite3
import time

from engrain.io import sha256_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, at REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    subject TEXT NOT NULL, why TEXT NOT NULL, detail TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);
"""
GENESIS = "0" * 64


def default_who() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # no user database in some containers
        return f"uid-unknown@{socket.gethostname()}"


def _digest(entry: dict) -> str:
    return sha256_json({k: entry[k] for k in ("seq", "at", "who", "action", "subject", "why", "detail", "prev")})


def append(
    db: sqlite3.Connection, who: str, action: str, subject: str, why: str = "", detail: dict | None = None
) -> None:
    last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    entry = {
        "seq": (last[0] + 1) if last else 1,
        "at": round(time.time(), 3),
        "who": who,
        "action": action,
        "subject": subject,
        "why": why,
        "detail": json.dumps(detail or {}, sort_keys=True),
        "prev": last[1] if last else GENESIS,
    }
    entry["hash"] = _digest(entry)
    db.execute("INSERT INTO audit VALUES (:seq, :at, :who, :action, :subject, :why, :detail, :prev, :hash)", entry)


def entries(db: sqlite3.Connection) -> list[dict]:
    cols = ("seq", "at", "who", "action", "subject", "why", "detail", "prev", "hash")
    return [dict(zip(cols, row)) for row in db.execute("SELECT * FROM audit ORDER BY seq")]


def head(db: sqlite3.Connection) -> dict:
    last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return {"seq": last[0], "hash": last[1]} if last else {"seq": 0, "hash": GENESIS}


def verify(db: sqlite3.Connection, known_head: dict | None = None) -> list[str]:
    """Every break in the chain, as one line each; [] means the log is intact. `known_head`: the newest
    entry as last recorded outside the database (a kill may leave it one entry behind, never ahead)."""
    problems, prev, expected_seq = [], GENESIS, 1
    rows = entries(db)
    if known_head and known_head["seq"] > 0:
        match = next((e for e in rows if e["seq"] == known_head["seq"]), None)
        if match is None:
            problems.append(f"entries from {len(rows) + 1} to {known_head['seq']} were removed from the end")
        elif match["hash"] != known_head["hash"]:
            problems.append(f"entry {known_head['seq']} is not the one recorded as the newest")
    for e in rows:
        if e["seq"] != expected_seq:
            problems.append(f"entry {expected_seq} is missing (found {e['seq']} next)")
        if e["prev"] != prev:
            problems.append(f"entry {e['seq']} does not follow the entry before it (removed or reordered)")
        if _digest(e) != e["hash"]:
            problems.append(f"entry {e['seq']} was changed after it was written")
        prev, expected_seq = e["hash"], e["seq"] + 1
    return problems
