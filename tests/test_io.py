"""Atomic writes and line-numbered reading."""

import pytest

from engrain.errors import EngrainError
from engrain.io import atomic_path, read_jsonl, read_toml, write_json, write_text


def test_a_failed_write_keeps_the_previous_version(tmp_path):
    dest = tmp_path / "a.json"
    write_json(dest, {"v": 1})
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert dest.read_text() == '{\n  "v": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temporary left behind


def test_a_directory_is_replaced_whole(tmp_path):
    dest = tmp_path / "model"
    with atomic_path(dest, is_dir=True) as tmp:
        (tmp / "w").write_text("1")
    with pytest.raises(RuntimeError), atomic_path(dest, is_dir=True) as tmp:
        (tmp / "w").write_text("2")
        raise RuntimeError
    assert (dest / "w").read_text() == "1"


def test_a_bad_jsonl_line_is_named(tmp_path):
    path = tmp_path / "x.jsonl"
    write_text(path, '{"a": 1}\n{oops\n')
    with pytest.raises(EngrainError, match="x.jsonl:2: malformed JSON"):
        list(read_jsonl(path))


def test_read_toml_errors_are_one_line(tmp_path):
    with pytest.raises(EngrainError, match="price book not found"):
        read_toml(tmp_path / "p.toml", "price book")
