"""The workspace owns every stage's file names, and says when a stage's outputs are fresh."""

import pytest

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.io import write_json, write_jsonl
from engrain.records import Example
from engrain.workspace import ARTIFACTS, Workspace, read_artifact, read_split, stage_key


@pytest.fixture
def ws(tmp_path) -> Workspace:
    cfg = EngrainConfig(workspace="ws")
    cfg.root = tmp_path
    return Workspace(cfg)


def test_paths_come_from_the_artifact_table(ws):
    assert ws.path("synth", "train") == ws.root / "synth" / "train.jsonl"
    assert ws.path("train", "model") == ws.root / "train" / "model"
    with pytest.raises(KeyError):
        ws.path("synth", "nope")


def test_a_stage_is_fresh_only_with_its_key_and_every_required_output(ws):
    key = stage_key("synth", 1)
    assert not ws.fresh("synth", key)
    for name in ("train", "dev", "eval"):
        write_jsonl(ws.path("synth", name), [])
    assert not ws.fresh("synth", key)  # outputs, but no manifest yet
    ws.mark("synth", key, examples=0)
    assert ws.fresh("synth", key) and not ws.fresh("synth", stage_key("synth", 2))
    ws.path("synth", "dev").unlink()
    assert not ws.fresh("synth", key)
    assert all(required for _, required in [ARTIFACTS["synth"]["train"]])


def test_readers_name_the_stage_to_run(ws):
    with pytest.raises(EngrainError, match="run `engrain synth` first"):
        read_split(ws, "train")
    write_jsonl(ws.path("synth", "train"), [Example("qa", messages=[{"role": "user", "content": "q"}])])
    assert read_split(ws, "train")[0].kind == "qa"
    with pytest.raises(EngrainError, match="run `engrain train` first"):
        read_artifact(ws, "train", "result")
    write_json(ws.path("train", "result"), {"steps": 3})
    assert read_artifact(ws, "train", "result") == {"steps": 3}


def test_an_unreadable_manifest_means_stale(ws):
    ws.dir("index").mkdir(parents=True)
    (ws.dir("index") / "manifest.json").write_text("{not json")
    assert ws.key("index") is None


def test_a_damaged_output_makes_the_stage_stale(ws):
    key = stage_key("train", 1)
    (ws.path("train", "model")).mkdir(parents=True)
    (ws.path("train", "model") / "adapter.safetensors").write_bytes(b"weights")
    write_json(ws.path("train", "result"), {"steps": 1})
    ws.mark("train", key)
    assert ws.fresh("train", key)
    (ws.path("train", "model") / "adapter.safetensors").unlink()  # deleted by hand
    assert not ws.fresh("train", key)


def test_a_stage_being_written_is_stale_until_marked(ws):
    key = stage_key("eval", 1)
    write_jsonl(ws.path("eval", "results"), [])
    write_json(ws.path("eval", "metrics"), {})
    ws.mark("eval", key)
    ws.begin("eval")  # a kill -9 from here on must not leave old manifest + new files
    assert not ws.fresh("eval", key)


def test_one_run_per_workspace(ws):
    import subprocess
    import sys

    ws.root.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl, os, sys, time\n"
                f"f = open({str(ws.root / '.lock')!r}, 'a+'); fcntl.flock(f, fcntl.LOCK_EX)\n"
                "f.write(str(os.getpid())); f.flush(); print('locked', flush=True); time.sleep(60)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(EngrainError, match=f"another engrain run \\(pid {holder.pid}\\)"), ws.lock():
            pass
    finally:
        holder.kill()
        holder.wait()
    with ws.lock(), ws.lock():  # free again once the holder died; re-entrant within a process
        assert (ws.root / ".lock").read_text() == str(__import__("os").getpid())
