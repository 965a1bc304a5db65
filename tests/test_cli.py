"""Bad input ends in one clear line and a non-zero exit, never a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest


def engrain(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engrain", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def assert_clean_error(res: subprocess.CompletedProcess, needle: str) -> None:
    assert res.returncode != 0
    assert "Traceback" not in res.stderr, res.stderr
    assert needle in res.stderr, res.stderr
    assert len([line for line in res.stderr.splitlines() if line.strip()]) <= 2, res.stderr


def write_config(root: Path, body: str) -> Path:
    (root / "engrain.toml").write_text(body)
    return root / "engrain.toml"


def test_missing_config(tmp_path):
    assert_clean_error(engrain("ingest", "-c", "nope.toml", cwd=tmp_path), "config file not found")


def test_invalid_config_value(tmp_path):
    write_config(tmp_path, '[train]\nmethod = "qlora"\n')
    assert_clean_error(engrain("ingest", cwd=tmp_path), "train.method")


def test_empty_corpus(tmp_path):
    (tmp_path / "docs").mkdir()
    write_config(tmp_path, '[data]\ndocs = ["docs"]\n')
    assert_clean_error(engrain("ingest", cwd=tmp_path), "no documents")


def test_non_utf8_document_names_the_file_and_keeps_previous_output(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "good.md").write_text("# Good\n\nThe Kestrel DL-40 has a weight of 2 kg.\n")
    write_config(tmp_path, '[data]\ndocs = ["docs"]\n')
    assert engrain("ingest", cwd=tmp_path).returncode == 0
    before = (tmp_path / "workspace" / "ingest" / "documents.jsonl").read_bytes()
    (tmp_path / "docs" / "bad.txt").write_bytes(b"caf\xe9 \xff\xfe")
    assert_clean_error(engrain("ingest", cwd=tmp_path), "bad.txt")
    assert (tmp_path / "workspace" / "ingest" / "documents.jsonl").read_bytes() == before


def test_malformed_eval_jsonl_names_the_line(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\nThe Kestrel DL-40 has a weight of 2 kg.\n")
    (tmp_path / "eval.jsonl").write_text('{"question": "q", "answers": ["a"]}\n{"question": oops}\n')
    write_config(tmp_path, '[data]\ndocs = ["docs"]\neval = "eval.jsonl"\n')
    assert engrain("ingest", cwd=tmp_path).returncode == 0
    assert_clean_error(engrain("synth", cwd=tmp_path), "eval.jsonl:2")


def test_missing_model(tmp_path):
    write_config(tmp_path, '[model]\nbase = "./no-such-model"\n')
    assert_clean_error(engrain("ask", "hi", "--pipeline", "base", cwd=tmp_path), "model not found")


def test_a_stage_command_runs_its_upstream_and_names_a_missing_input(tmp_path):
    write_config(tmp_path, '[data]\ndocs = ["docs"]\n')
    assert_clean_error(engrain("train", cwd=tmp_path), "docs: no such file or folder")


def test_init_scaffolds_a_loadable_config(tmp_path):
    (tmp_path / "docs").mkdir()
    res = engrain("init", "proj", "--docs", "docs", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    from engrain.config import load

    cfg = load(tmp_path / "proj" / "engrain.toml")
    assert cfg.data.docs == [str((tmp_path / "docs").resolve())] and cfg.data.eval is None
    assert_clean_error(engrain("init", "proj", "--docs", "docs", cwd=tmp_path), "already exists")


def test_an_unreachable_hub_id_fails_fast(tmp_path):
    import os

    write_config(tmp_path, '[model]\nbase = "no-such-org/no-such-model"\n')
    # a minute of download retries would run past the timeout and fail the test
    res = subprocess.run(
        [sys.executable, "-m", "engrain", "ask", "hi", "--pipeline", "base"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"HF_ENDPOINT": "https://hub.invalid", "HF_HOME": str(tmp_path / "hf")},
    )
    assert_clean_error(res, "no-such-org/no-such-model")


@pytest.mark.parametrize(
    "args, needle",
    [
        (["train", "--foo"], "No such option: --foo"),
        (["nosuch"], "No such command 'nosuch'"),
        (["eval", "-c"], "requires an argument"),
        (["serve", "--port", "abc"], "Invalid value for '--port'"),
        (["models", "promote"], "Missing argument 'ref'"),
    ],
)
def test_usage_errors_are_click_messages_not_tracebacks(tmp_path, args, needle):
    res = engrain(*args, cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr and needle in res.stderr, res.stderr
    assert len([line for line in res.stderr.splitlines() if line.strip()]) <= 3, res.stderr


def test_a_damaged_pdf_is_one_line(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "bad.pdf").write_bytes(b"\x8e\x00\x14\x83" + bytes(range(256)) * 2)
    write_config(tmp_path, 'name = "x"\n[data]\ndocs = ["docs"]\n')
    assert_clean_error(engrain("ingest", cwd=tmp_path), "bad.pdf: not a readable PDF")


def test_the_demo_takes_one_size(tmp_path):
    res = engrain("demo", "--quick", "--full", "--out", str(tmp_path / "d"), cwd=tmp_path)
    assert_clean_error(res, "--quick and --full")
    assert not (tmp_path / "d").exists()  # refused before anything is written


def _main(monkeypatch, *args: str) -> int:
    """`engrain ARGS` in this process (the signal handlers it installs restored after); its exit code."""
    import signal

    from engrain import cli

    monkeypatch.setattr(sys, "argv", ["engrain", *args])
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        cli.main()
    except SystemExit as e:
        return e.code
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    return 0


@pytest.mark.parametrize(("signum", "code"), [(2, 130), (15, 143)])
def test_a_signal_mid_stage_stops_it_within_two_seconds_with_one_line(tmp_path, monkeypatch, capsys, signum, code):
    import os
    import time

    from engrain.rag import index

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Pumps\n\nThe Heron MX-2 pump moves 40 litres per minute.\n")
    write_config(tmp_path, '[data]\ndocs = ["docs"]\n')
    sent: list[float] = []

    def slow_build(*args, **kwargs):  # a long embedding loop, signalled in its first batch
        sent.append(time.monotonic())
        os.kill(os.getpid(), signum)
        for _ in range(100):
            time.sleep(0.1)
        raise AssertionError("the signal did not stop the stage")

    monkeypatch.setattr(index, "build_index", slow_build)
    monkeypatch.chdir(tmp_path)
    code_ = _main(monkeypatch, "index")
    assert code_ == code and time.monotonic() - sent[0] < 2.0
    err = capsys.readouterr().err
    assert "stopped during index; the next run reuses ingest" in err and "Traceback" not in err
    assert (tmp_path / "workspace" / "ingest" / "manifest.json").exists()  # what the next run reuses
    assert not (tmp_path / "workspace" / "index" / "manifest.json").exists()


@pytest.mark.parametrize("stage", ["ingest", "index", "synth", "tune_rag", "baseline", "eval"])
def test_every_stage_command_stops_on_a_signal_and_names_what_the_next_run_reuses(tmp_path, monkeypatch, capsys, stage):
    """Each stage is stopped the same way (recipe._run_one); a stage patched to be signalled mid-run."""
    from engrain import graph, recipe

    for up in graph.before(stage):  # the stages before it finish at once, as if cached
        monkeypatch.setattr(recipe._RUNNERS[up], "run", lambda cfg, ws, key, *a, _s=up: ws.mark(_s, key))
    monkeypatch.setattr(recipe._RUNNERS[stage], "run", _signal_now)
    monkeypatch.setattr(recipe._RUNNERS["synth"], "check", lambda cfg: None, raising=False)
    write_config(tmp_path, '[data]\ndocs = ["docs"]\n')
    monkeypatch.chdir(tmp_path)
    assert _main(monkeypatch, stage.replace("_", "-")) == 130
    err = capsys.readouterr().err
    done = ", ".join(graph.before(stage)) or "nothing"
    assert f"stopped during {stage}; the next run reuses {done}" in err and "Traceback" not in err


def _project_toml(root: Path, tiny_model: Path) -> Path:
    """The tiny-model sample project written as the engrain.toml a command reads."""
    from samples import make_project

    from engrain.config import dump_toml

    return write_config(root, dump_toml(make_project(root, tiny_model)))


def _signal_now(*args, **kwargs):
    """A step patched to be signalled mid-way, as Ctrl-C would be."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGINT)
    raise AssertionError("the signal did not stop the step")


def test_retrain_stops_on_a_signal_and_the_next_run_finishes_the_cycle(tmp_path, tiny_model, monkeypatch, capsys):
    from engrain import recipe, retrain
    from engrain.config import load
    from engrain.registry import Registry
    from engrain.workspace import Workspace

    toml = _project_toml(tmp_path, tiny_model)
    cfg = load(toml)
    recipe.run_all(cfg, progress=False)
    with Registry(Workspace(cfg).dir("registry")) as reg:
        reg.promote(reg.alias("candidate"), "production", "test", "first release")
    (tmp_path / "docs" / "notes.txt").write_text("Notes\n\nThe Heron MX-2 has a weight of 3.1 kg.\n")
    train_candidate = retrain._train_candidate
    monkeypatch.setattr(retrain, "_train_candidate", _signal_now)
    assert _main(monkeypatch, "retrain", "-c", str(toml), "--set", "retrain.min_gain=-1") == 130
    err = capsys.readouterr().err
    assert "stopped during retrain (training the candidate); the next `engrain retrain` resumes" in err
    assert "Traceback" not in err
    monkeypatch.setattr(retrain, "_train_candidate", train_candidate)
    assert _main(monkeypatch, "retrain", "-c", str(toml), "--set", "retrain.min_gain=-1") == 0
    assert "retrain: production is now" in capsys.readouterr().err


def test_leakage_stops_on_a_signal_while_attacking_and_keeps_what_it_trained(tmp_path, tiny_model, monkeypatch, capsys):
    from engrain import leakage

    toml = _project_toml(tmp_path, tiny_model)
    monkeypatch.setattr(leakage, "_attack", _signal_now)
    assert _main(monkeypatch, "leakage", "-c", str(toml)) == 130
    err = capsys.readouterr().err
    assert "stopped during leakage (attacking the scrubbed models); the next run reuses what was trained" in err
    assert (tmp_path / "ws" / "leakage" / "scrubbed" / "train" / "manifest.json").exists()


@pytest.mark.parametrize(("signum", "code"), [(2, 130), (15, 143)])
def test_serve_stops_on_a_signal_within_two_seconds(tmp_path, tiny_model, monkeypatch, capsys, signum, code):
    import os
    import socket
    import threading
    import time
    import urllib.request

    toml = _project_toml(tmp_path, tiny_model)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sent: list[float] = []

    def signal_once_ready() -> None:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.1)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signum)

    threading.Thread(target=signal_once_ready, daemon=True).start()
    got = _main(monkeypatch, "serve", "-c", str(toml), "--pipeline", "base", "--port", str(port))
    assert got == code and sent and time.monotonic() - sent[0] < 2.0
    err = capsys.readouterr().err
    assert "stopped during serve; requests in flight were answered first" in err and "Traceback" not in err
