"""Chat-log ingest: accepted shapes, strict validation with file:line, PII scrubbing."""

import json
from pathlib import Path

import pytest

from engrain.errors import EngrainError
from engrain.ingest import load_logs

USER = {"role": "user", "content": "Which port does the DL-40 use?"}
BOT = {"role": "assistant", "content": "Port 7418. Mail ops@example.com if it fails."}


def _write(path: Path, *rows: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_loads_both_shapes_and_scrubs(tmp_path: Path) -> None:
    sysmsg = {"role": "system", "content": "Be brief."}
    _write(tmp_path / "chats.jsonl", {"messages": [sysmsg, USER, BOT]}, "", [USER, BOT])
    convs = load_logs([tmp_path])
    assert [c.id for c in convs] == ["chats.jsonl:1", "chats.jsonl:3"]
    assert convs[0].messages[0] == sysmsg
    assert convs[0].messages[2]["content"] == "Port 7418. Mail [EMAIL] if it fails."
    assert convs[1].source == str(tmp_path / "chats.jsonl") and len(convs[1].sha256) == 64
    assert "ops@example.com" in load_logs([tmp_path], scrub_pii=False)[0].messages[2]["content"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ("{not json", "malformed JSON"),
        ({"messages": [USER]}, "at least one user and one assistant"),
        ({"messages": [{"role": "tool", "content": "x"}, USER, BOT]}, "role 'tool'"),
        ({"messages": [USER, {"role": "assistant", "content": None}]}, "content must be a string"),
        ({"msgs": [USER, BOT]}, "expected"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, bad: object, message: str) -> None:
    path = _write(tmp_path / "log.jsonl", [USER, BOT], bad)
    with pytest.raises(EngrainError, match=message) as e:
        load_logs([path])
    assert f"{path}:2:" in str(e.value)


def test_errors(tmp_path: Path) -> None:
    assert load_logs([]) == []
    with pytest.raises(EngrainError, match="no such file"):
        load_logs([tmp_path / "missing.jsonl"])
    with pytest.raises(EngrainError, match="no conversations found"):
        load_logs([tmp_path])
    (tmp_path / "bad.jsonl").write_bytes(b'{"messages": "\xff"}\n')
    with pytest.raises(EngrainError, match="not UTF-8"):
        load_logs([tmp_path])
