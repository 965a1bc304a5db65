"""The teacher client against a fake OpenAI-compatible endpoint (httpx.MockTransport, no network)."""

from __future__ import annotations

import json
import sys

import httpx
import pytest
from fakes import FakeEndpoint, make

from engrain.config import SynthConfig
from engrain.errors import EngrainError
from engrain.rag.chunk import chunk_corpus
from engrain.records import Document
from engrain.synth.build import synthesize
from engrain.synth.facts import Fact

FACT = Fact("Kestrel DL-40", "battery life", "47 hours", "The Kestrel DL-40 has a battery life of 47 hours.", "a.md")
PASSAGE = "The Kestrel DL-40 has a battery life of 47 hours. Mount it on a wall."


def test_paraphrases_are_parsed_and_filtered(tmp_path, monkeypatch):
    monkeypatch.delenv("ENGRAIN_TEST_KEY", raising=False)
    reply = "\n".join(
        [
            "Sure, here are some questions:",
            "1. How long does the Kestrel DL-40 battery last?",
            '- "What battery life does the DL-40 have?"',
            "how long does the kestrel dl-40 battery last?",  # duplicate, other case
            "Is the DL-40 battery life 47 hours?",  # leaks the answer
            "Does the battery last 47 hours on the Kestrel DL-40?",  # leaks the number
            "What is the battery life of the Osprey GX-7?",  # another entity
            "Tell me the DL-40's runtime on one charge.",
        ]
    )
    endpoint = FakeEndpoint(reply)
    t = make(tmp_path, endpoint)
    qs = t.paraphrase_questions([FACT], 5)[0]
    assert qs == [
        "How long does the Kestrel DL-40 battery last?",
        "What battery life does the DL-40 have?",
        "Tell me the DL-40's runtime on one charge.",
    ]
    req = endpoint.requests[0]
    assert str(req.url) == "http://teacher.test/v1/chat/completions"
    body = json.loads(req.content)
    assert body["temperature"] == 0.7 and body["seed"] == 0 and body["model"] == "gpt-4o-mini"
    assert "battery life" in body["messages"][-1]["content"] and "Kestrel DL-40" in body["messages"][-1]["content"]


def test_cache_hit_on_repeat_and_across_instances(tmp_path):
    endpoint = FakeEndpoint("What is the battery life of the Kestrel DL-40?")
    t = make(tmp_path, endpoint)
    first = t.paraphrase_questions([FACT], 3)[0]
    assert t.paraphrase_questions([FACT], 3)[0] == first
    assert len(endpoint.requests) == 1
    assert t.stats["requests"] == 1 and t.stats["cache_hits"] == 1
    # a corrupt line (a crash mid-write) is skipped, the good entry still loads
    with (tmp_path / "cache.jsonl").open("a") as f:
        f.write('{"key": "trunc')
    t2 = make(tmp_path, endpoint)
    assert t2.paraphrase_questions([FACT], 3)[0] == first and len(endpoint.requests) == 1
    t2.rewrites([(PASSAGE, [FACT])])[0]  # appended after the half line, on a line of its own
    assert make(tmp_path, endpoint).rewrites([(PASSAGE, [FACT])])[0] == t2.rewrites([(PASSAGE, [FACT])])[0]
    assert len(endpoint.requests) == 2


def test_rewrite_keeps_facts_or_is_rejected(tmp_path):
    good = "Mount the Kestrel DL-40 on a wall; its battery life is 47 hours."
    assert make(tmp_path, FakeEndpoint(good)).rewrites([(PASSAGE, [FACT])])[0] == good
    t = make(tmp_path / "b", FakeEndpoint("Mount the Kestrel DL-40 on a wall; its battery lasts 48 hours."))
    assert t.rewrites([(PASSAGE, [FACT])])[0] is None
    assert t.stats["rejected"] == 1
    # a number outside any extracted fact must survive too
    t = make(tmp_path / "c", FakeEndpoint("Hold the reset button of the Kestrel DL-40 for ten seconds."))
    assert t.rewrites([("Hold the reset button of the Kestrel DL-40 for 12 seconds.", [FACT])])[0] is None


def test_auth_errors_are_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGRAIN_TEST_KEY", "sk-bad")
    t = make(tmp_path, FakeEndpoint(status=401))
    with pytest.raises(EngrainError) as e:
        t.paraphrase_questions([FACT], 3)[0]
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("teacher at http://teacher.test/v1/chat/completions: HTTP 401")
    assert "ENGRAIN_TEST_KEY" in msg


def test_connection_refused_is_an_engrain_error(tmp_path):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(EngrainError, match="cannot connect"):
        make(tmp_path, refuse).rewrites([(PASSAGE, [FACT])])[0]  # type: ignore[arg-type]


def test_server_errors_are_retried_then_skipped(tmp_path):
    endpoint = FakeEndpoint(status=503)
    t = make(tmp_path, endpoint)
    assert t.paraphrase_questions([FACT], 3)[0] == []
    assert len(endpoint.requests) == 3 and t.stats["failures"] == 1


def test_max_requests_is_respected(tmp_path):
    endpoint = FakeEndpoint("What is the battery life of the Kestrel DL-40?")
    t = make(tmp_path, endpoint, max_requests=2)
    for n in range(1, 5):  # four distinct requests
        t.paraphrase_questions([FACT], n)[0]
    assert len(endpoint.requests) == 2
    assert t.stats["requests"] == 2 and t.stats["over_budget"] == 2
    assert t.paraphrase_questions([FACT], 9)[0] == []


def test_auth_header_only_when_key_is_set(tmp_path, monkeypatch):
    endpoint = FakeEndpoint("What is the battery life of the Kestrel DL-40?")
    monkeypatch.delenv("ENGRAIN_TEST_KEY", raising=False)
    make(tmp_path, endpoint).paraphrase_questions([FACT], 1)[0]
    monkeypatch.setenv("ENGRAIN_TEST_KEY", "sk-test")
    make(tmp_path / "b", endpoint).paraphrase_questions([FACT], 1)[0]
    assert "authorization" not in endpoint.requests[0].headers
    assert endpoint.requests[1].headers["authorization"] == "Bearer sk-test"


def test_synthesize_adds_teacher_examples(tmp_path):
    gx7 = "The Osprey GX-7's default port is port 7418. Clean the lens."
    docs = [Document("a.md", "DL-40 manual", PASSAGE, "a.md", "h1"), Document("b.md", "GX-7 sheet", gx7, "b.md", "h2")]

    def answer(request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content)["messages"][-1]["content"]
        if "Kestrel" in prompt and prompt.startswith("Write"):
            reply = "How long does the Kestrel DL-40 run on battery?"
        elif "Osprey" in prompt and prompt.startswith("Write"):
            reply = "Which port does the Osprey GX-7 listen on by default?"
        else:
            reply = prompt.rsplit("\n\n", 1)[-1] + " It is sold worldwide."
        return httpx.Response(200, json={"choices": [{"message": {"content": reply}}]})

    chunks = chunk_corpus(docs, 40, 10)
    cfg = SynthConfig(dev_fraction=0.0, eval_fraction=0.01)
    plain = synthesize(docs, [], chunks, cfg, seed=1)
    taught = synthesize(docs, [], chunks, cfg, seed=1, teacher=make(tmp_path, answer))  # type: ignore[arg-type]
    assert "teacher" not in plain.stats and taught.stats["teacher"]["requests"] > 0
    asked = [e.messages[0]["content"] for e in taught.train if e.kind == "qa"]
    held_out = {it.answers[0] for it in taught.eval if it.answers}
    # only trainable facts are paraphrased: exactly one of the two facts is held out
    assert ("How long does the Kestrel DL-40 run on battery?" in asked) == ("47 hours" not in held_out)
    rewrites = [e.text for e in taught.train if e.kind == "view" and "sold worldwide" in (e.text or "")]
    assert any(t.startswith("DL-40 manual\n\n") for t in rewrites)
    assert taught.stats["by_kind"]["view"] == plain.stats["by_kind"]["view"] + 2


def test_default_path_does_not_import_the_teacher():
    import subprocess

    code = (
        "import sys; from engrain.synth.build import synthesize; "
        "assert 'engrain.synth.teacher' not in sys.modules and 'httpx' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
