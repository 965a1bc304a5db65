"""The whole recipe on a tiny random model: every stage, caching, report fields."""

import pytest
from samples import PROJECT_DOC as DOC
from samples import make_project

from engrain import recipe
from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.evaluate.evalfile import load_eval_file
from engrain.io import read_json, read_jsonl
from engrain.rag import tune
from engrain.workspace import Workspace


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model):
    root = tmp_path_factory.mktemp("proj")
    cfg = make_project(root, tiny_model)
    recipe.run_all(cfg, progress=False)
    return cfg


def test_every_stage_writes_its_outputs(project):
    ws = project.workspace_dir
    docs = list(read_jsonl(ws / "ingest" / "documents.jsonl"))
    assert {d["id"] for d in docs} == {"manual.md", "notes.txt"}
    assert all(len(d["sha256"]) == 64 for d in docs)
    logs = list(read_jsonl(ws / "ingest" / "logs.jsonl"))
    assert "[EMAIL]" in logs[0]["messages"][0]["content"]
    assert (ws / "train" / "model" / "adapter_config.json").exists()
    calibration = read_json(ws / "train" / "model" / "refusal.json")  # registered with the weights
    assert calibration["dev_questions"] > 0 and 0.0 <= calibration["refuse_below"] <= 0.99
    assert (ws / "index" / "lancedb").is_dir()
    rows = list(read_jsonl(ws / "eval" / "results.jsonl"))
    assert len(rows) == 3 * 5 and {r["pipeline"] for r in rows} == {"base", "rag", "ft", "ft+rag", "auto"}
    assert all(r["passages"] for r in rows if r["pipeline"].endswith("rag"))
    before_training = list(read_jsonl(ws / "baseline" / "results.jsonl"))  # base and rag, answered first
    assert before_training == [r for r in rows if r["pipeline"] in ("base", "rag")]
    timed = [r for r in rows if r["timed"]]
    assert {r["id"] for r in timed if r["pipeline"] == "ft"} == {r["id"] for r in timed if r["pipeline"] == "rag"}


def test_rag_is_tuned_on_the_dev_split_and_answers_with_the_winner(project):
    ws = Workspace(project)
    rec = read_json(ws.path("tune_rag", "choice"))
    dev = [d for d in read_jsonl(ws.path("synth", "dev")) if d["kind"] == "qa"]
    assert rec["questions"] == len(dev) > 0
    assert len(rec["grid"]) == 8 and rec["chosen"] in rec["grid"]
    assert all(e["context_hit"] is not None for e in rec["grid"])  # every setting retrieved
    read = [e for e in rec["grid"] if "accuracy" in e]
    assert rec["grid"][0] in read and 1 < len(read) <= 3  # the given setting and the best per top-k
    assert (ws.path("tune_rag", "indexes") / "160w").is_dir()  # the alternative chunk size's own index
    chosen = rec["chosen"]["setting"]
    rag_rows = [r for r in read_jsonl(ws.path("eval", "results")) if r["pipeline"] == "rag"]
    assert rag_rows and max(len(r["passages"]) for r in rag_rows) <= chosen["top_k"]
    applied, index = tune.applied(project, ws)  # what every answerer of this workspace is built with
    assert (applied.rag.retriever, applied.rag.top_k) == (chosen["retriever"], chosen["top_k"])
    assert index == tune.index_dir(ws, chosen["chunk_words"], project)
    rep = read_json(ws.path("report", "json"))
    assert rep["rag_tuning"]["chosen"] == rec["chosen"]
    assert "Retrieval settings" in ws.path("report", "markdown").read_text()


def test_report_has_every_field_the_issue_names(project):
    rep = read_json(project.workspace_dir / "report" / "report.json")
    for name in ("base", "rag", "ft", "ft+rag"):
        p = rep["pipelines"][name]
        for key in (
            "n",
            "accuracy",
            "exact_match",
            "f1",
            "hallucination_rate",
            "abstention_rate",
            "prompt_tokens_mean",
            "completion_tokens_mean",
            "by_category",
        ):
            assert key in p, (name, key)
        assert set(p["latency_ms"]) >= {"mean", "p50", "p95"} and p["latency_ms"]["mean"] > 0
    # retrieval puts passages into the prompt
    assert rep["pipelines"]["rag"]["prompt_tokens_mean"] > rep["pipelines"]["base"]["prompt_tokens_mean"]
    t = rep["training"]
    for key in ("examples", "tokens", "seconds", "tokens_per_second", "peak_rss_mb", "loss_curve"):
        assert t[key], key
    assert t["seed"] == project.train_seed
    assert t["refusal"]["refuse_below"] == rep["models"]["refuse_below"]  # auto: ft used the dev split's choice
    assert rep["decision"]["recommendation"] in {"fine-tune", "rag", "hybrid"}
    assert (project.workspace_dir / "report" / "report.html").read_text().count("data:image/png;base64,") >= 3
    # why each pipeline fails: what retrieval found, what every pipeline answered
    rows = read_jsonl(Workspace(project).path("eval", "results"))
    rag_rows = [r for r in rows if r["pipeline"] == "rag" and r["references"]]
    ctx = rep["pipelines"]["rag"]["context"]
    assert ctx["n"] == len(rag_rows) and ctx["hit_rate"] == round(
        sum(r["context_rank"] > 0 for r in rag_rows) / len(rag_rows), 4
    )
    assert "context" not in rep["pipelines"]["base"] and "context" not in rep["pipelines"]["ft"]
    for name in ("base", "rag", "ft", "ft+rag"):
        cov = rep["pipelines"][name]["coverage"]
        assert cov["answered"] == round(1 - rep["pipelines"][name]["abstention_rate"], 4) or cov["line"] == []
        assert cov["line"] == [] or cov["line"][-1]["coverage"] == cov["answered"]
    md = (project.workspace_dir / "report" / "report.md").read_text()
    assert "## Why pipelines fail" in md and "| rag | " in md.split("## Why pipelines fail")[1]


def test_unchanged_stages_are_reused_and_changes_rerun_only_dependents(project):
    ws = project.workspace_dir
    model_mtime = (ws / "train" / "model").stat().st_mtime
    results_mtime = (ws / "eval" / "results.jsonl").stat().st_mtime
    recipe.run_all(project, progress=False)
    assert (ws / "train" / "model").stat().st_mtime == model_mtime
    assert (ws / "eval" / "results.jsonl").stat().st_mtime == results_mtime
    project.eval.warmup += 1  # eval depends on it; training does not
    recipe.run_all(project, progress=False)
    assert (ws / "train" / "model").stat().st_mtime == model_mtime
    assert (ws / "eval" / "results.jsonl").stat().st_mtime != results_mtime
    results_mtime = (ws / "eval" / "results.jsonl").stat().st_mtime
    project.rag.hybrid = "read" if project.rag.hybrid == "verify" else "verify"  # a serving choice
    recipe.run_all(project, progress=False)
    assert (ws / "train" / "model").stat().st_mtime == model_mtime
    assert (ws / "eval" / "results.jsonl").stat().st_mtime != results_mtime
    synth_key = Workspace(project).key("synth")
    project.rag.top_k = 2  # RAFT records are built with the served number of passages: synth reruns
    recipe.synth(project)
    assert Workspace(project).key("synth") != synth_key


def test_a_copied_project_reuses_its_ingest(tmp_path):
    import shutil

    a = tmp_path / "a"
    (a / "docs").mkdir(parents=True)
    (a / "docs" / "manual.md").write_text(DOC)
    cfg = EngrainConfig(workspace="ws", seed=0)
    cfg.root, cfg.data.docs = a, ["docs"]
    key = recipe.ingest(cfg)
    shutil.copytree(a, tmp_path / "b")
    said: list[str] = []
    cfg.root = tmp_path / "b"
    assert recipe.ingest(cfg, said.append) == key
    assert said == ["ingest: unchanged, reusing"]


def test_eval_file_reads_wrong_answers(tmp_path):
    path = tmp_path / "eval.jsonl"
    path.write_text(
        '{"question": "Which is lighter, A or B?", "answers": ["A"], "wrong": ["B"]}\n'
        '{"question": "q2", "answers": []}\n'
    )
    a, b = load_eval_file(path)
    assert (a.answers, a.wrong, b.wrong) == (["A"], ["B"], [])
    path.write_text('{"question": "q", "answers": ["A"], "wrong": "B"}\n')
    with pytest.raises(EngrainError, match="'wrong'"):
        load_eval_file(path)


def test_self_study_teacher_runs_the_base_model_and_resumes_from_its_cache(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    cfg.synth.raft_fraction = 0  # no index needed for this check
    cfg.synth.teacher.local, cfg.synth.teacher.max_new_tokens = "base", 16
    recipe.ingest(cfg)
    recipe.synth(cfg, progress=False)
    stats = read_json(cfg.workspace_dir / "synth" / "stats.json")["teacher"]
    assert stats["requests"] > 0 and stats["prompt_tokens"] > 0 and stats["completion_tokens"] > 0
    cache = cfg.workspace_dir / "cache" / "teacher.jsonl"
    n = len(cache.read_text().splitlines())
    recipe.synth(cfg, force=True, progress=False)  # a re-run answers every request from the cache
    again = read_json(cfg.workspace_dir / "synth" / "stats.json")["teacher"]
    assert again["requests"] == 0 and again["cache_hits"] == stats["requests"]
    assert len(cache.read_text().splitlines()) == n


def test_ctrl_c_during_training_exits_130_and_leaves_a_checkpoint(tmp_path, tiny_model):
    import signal
    import subprocess
    import sys
    import time

    from engrain.config import dump_toml

    cfg = make_project(tmp_path, tiny_model)
    cfg.train.max_steps, cfg.train.batch_size, cfg.train.save_every = 100_000, 1, 5
    (tmp_path / "engrain.toml").write_text(dump_toml(cfg))
    recipe.ingest(cfg)
    recipe.synth(cfg, progress=False)
    cmd = [sys.executable, "-m", "engrain", "train", "-c", str(tmp_path / "engrain.toml")]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    work = Workspace(cfg).dir("train")
    deadline = time.time() + 120
    while not list((work / "checkpoints").glob("step-*")) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)  # stepping: the first periodic checkpoint is written
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "training stopped at step" in err, err
    assert list((work / "checkpoints").glob("step-*"))
    assert not Workspace(cfg).fresh("train", Workspace(cfg).key("train") or "")  # nothing marked done


@pytest.mark.parametrize(
    "lines, needle",
    [
        ('{"question": "q"}', "list 'answers'"),  # no answers: not silently "unanswerable"
        ('{"question": null, "answers": []}', "non-empty string"),
        ('{"question": "  ", "answers": []}', "non-empty string"),
        ('{"question": "q", "answers": [""]}', "empty answer"),
        ('{"question": "q", "answers": ["a"], "kind": "essay"}', "kind must be"),
        (
            '{"id": "x", "question": "q", "answers": ["a"]}\n{"id": "x", "question": "r", "answers": []}',
            "repeats id 'x'",
        ),
    ],
)
def test_eval_items_that_would_be_misscored_are_refused(tmp_path, lines, needle):
    path = tmp_path / "eval.jsonl"
    path.write_text(lines + "\n")
    with pytest.raises(EngrainError, match=needle):
        load_eval_file(path)


def test_a_stage_command_sees_an_edited_document_upstream(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    ws = Workspace(cfg)
    recipe.run_stage(cfg, "synth", progress=False)
    keys = ws.key("ingest"), ws.key("synth")
    said: list[str] = []
    recipe.run_stage(cfg, "synth", said.append, progress=False)
    assert said == ["ingest: unchanged, reusing", "index: unchanged, reusing", "synth: unchanged, reusing"]
    with (tmp_path / "docs" / "notes.txt").open("a") as f:
        f.write("The Heron MX-2 has a battery life of 9 hours.\n")
    recipe.run_stage(cfg, "synth", progress=False)
    assert ws.key("ingest") != keys[0] and ws.key("synth") != keys[1]


def test_every_stage_function_returns_the_key_the_graph_declares(project):
    from engrain import graph

    for stage, run in [
        ("ingest", recipe.ingest),
        ("index", recipe.index),
        ("synth", recipe.synth),
        ("train", recipe.train),
        ("eval", recipe.evaluate),
    ]:
        assert run(project, progress=False) == graph.key(stage, project) == Workspace(project).key(stage)


def test_edited_chat_logs_do_not_re_embed_the_index(tmp_path, tiny_model):
    cfg = make_project(tmp_path, tiny_model)
    ws = Workspace(cfg)
    recipe.run_stage(cfg, "index", progress=False)
    index_key, ingest_key = ws.key("index"), ws.key("ingest")
    with (tmp_path / "logs.jsonl").open("a") as f:
        f.write('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n')
    said: list[str] = []
    recipe.run_stage(cfg, "index", said.append, progress=False)
    assert ws.key("ingest") != ingest_key and ws.key("index") == index_key
    assert "index: unchanged, reusing" in said


def test_report_refuses_results_older_than_their_inputs(project):
    recipe.run_all(project, progress=False)  # current again, whatever earlier tests changed
    assert recipe.out_of_date(project) is None
    recipe.report(project)  # current: reports
    changed = project.model_copy(deep=True)
    changed.train.learning_rate *= 2
    assert recipe.out_of_date(changed) == "train"
    with pytest.raises(EngrainError, match="the train stage is out of date"):
        recipe.report(changed)
    changed = project.model_copy(deep=True)
    changed.rag.auto_confidence = 0.5
    assert recipe.out_of_date(changed) == "eval"


def _workers(pid: int) -> list[int]:
    """Live worker processes `pid` spawned (Linux /proc; not multiprocessing's resource tracker)."""
    from pathlib import Path

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            spawned = b"spawn_main" in (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and spawned:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
def test_synthesis_in_worker_processes_stops_on_ctrl_c_within_two_seconds(tmp_path, tiny_model):
    """The workers ignore SIGINT (the command alone handles it) and are terminated as the stage stops."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from engrain.config import dump_toml

    cfg = make_project(tmp_path, tiny_model)
    for i in range(20):  # two batches of documents: a worker each
        text = f"# Maren Holt {i}\n\nMaren Holt {i} is a Norwegian engineer. She was born in Oslo in 19{50 + i}.\n"
        (tmp_path / "docs" / f"bio{i}.md").write_text(text)
    cfg.data.workers = 2
    (tmp_path / "engrain.toml").write_text(dump_toml(cfg))
    recipe.run_stage(cfg, "index", lambda _: None, progress=False)
    cmd = [sys.executable, "-m", "engrain", "synth", "-c", str(tmp_path / "engrain.toml")]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(workers := _workers(proc.pid)) < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)  # the workers start (each imports spaCy and loads the pipeline: seconds)
    assert len(workers) >= 2 and proc.poll() is None
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    for pid in workers:  # as a terminal's Ctrl-C reaches the whole process group
        os.kill(pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 2.0, err
    assert proc.returncode == 130 and "Traceback" not in err and "stopped during synth" in err, err
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)  # terminated and reaped
    assert not Workspace(cfg).fresh("synth", Workspace(cfg).key("synth") or "")
