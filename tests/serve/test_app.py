"""The server against the official `openai` client, live on loopback, over a tiny trained project."""

import json
import os
import socket
import threading
import time

import httpx
import openai
import pytest
import uvicorn
from hypothesis import given, settings
from hypothesis import strategies as st
from samples import make_project

from engrain import recipe
from engrain.serve import create_app

KEY = "sk-test-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_model):
    root = tmp_path_factory.mktemp("served")
    cfg = make_project(root, tiny_model)
    recipe.run_stage(cfg, "train", progress=False)
    recipe.run_stage(cfg, "index", progress=False)
    cfg.serve.api_keys_file = str(root / "keys.txt")
    (root / "keys.txt").write_text(f"# keys\n{KEY}\n")
    cfg.serve.max_tokens, cfg.serve.max_request_bytes = 8, 2048
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


def _client(base: str, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)


def test_models_lists_every_servable_pipeline(server):
    assert [m.id for m in _client(server).models.list()] == ["base", "rag", "ft", "ft+rag", "auto"]


def test_chat_answers_with_engrains_extras(server):
    r = _client(server).chat.completions.create(
        model="ft+rag", messages=[{"role": "user", "content": "What port?"}], max_tokens=4
    )
    assert r.object == "chat.completion" and r.model == "ft+rag"
    assert isinstance(r.choices[0].message.content, str) and r.choices[0].finish_reason in ("stop", "length")
    assert r.usage.completion_tokens <= 2 * 4  # verify mode may generate twice: recall, then read
    extras = r.model_extra["engrain"]
    assert extras["route"] in ("recall", "refusal", "read") and extras["passages"]
    assert {"embed", "search", "prefill", "decode"} <= set(extras["timings_ms"])


def test_streaming_gives_the_same_text_as_a_plain_answer(server):
    c = _client(server)
    msgs = [{"role": "user", "content": "How hot can the DL-40 run?"}]
    plain = c.chat.completions.create(model="ft", messages=msgs, max_tokens=6).choices[0].message.content
    chunks = list(c.chat.completions.create(model="ft", messages=msgs, max_tokens=6, stream=True))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text.strip() == plain
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")


def test_text_completions_respect_max_tokens(server):
    r = _client(server).completions.create(model="base", prompt="The battery life of the Osprey GX-7 is", max_tokens=4)
    assert r.object == "text_completion" and isinstance(r.choices[0].text, str)
    assert r.usage.completion_tokens <= 4


def test_a_bad_key_is_401_in_openais_error_shape(server):
    with pytest.raises(openai.AuthenticationError) as e:
        _client(server, "sk-wrong").chat.completions.create(model="ft", messages=[{"role": "user", "content": "hi"}])
    assert e.value.status_code == 401 and e.value.body["code"] == "invalid_api_key"
    assert httpx.post(f"{server}/v1/chat/completions", json={}).status_code == 401  # no key at all


@pytest.mark.parametrize(
    "body, status, needle",
    [
        ({"model": "ft", "messages": [{"role": "user", "content": "x" * 4096}]}, 413, "bytes"),
        ({"model": "ft", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 9}, 400, "limit of 8"),
        ({"model": "ft", "messages": [{"role": "user", "content": "hi"}], "n": 2}, 400, "'n' is not supported"),
        ({"model": "ft", "messages": []}, 400, "messages"),
        ({"model": "ft", "messages": [{"role": "system", "content": "hi"}]}, 400, "user turn"),
    ],
)
def test_bad_requests_get_openai_errors_and_no_trace(server, body, status, needle):
    r = httpx.post(
        f"{server}/v1/chat/completions",
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    assert r.status_code == status, r.text
    assert needle in r.json()["error"]["message"] and "Traceback" not in r.text


_BODY = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["ft", "rag", "auto", "nope", ""]) | st.integers() | st.none(),
        "messages": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "role": st.sampled_from(["user", "system", "assistant", "tool", "x"]) | st.integers(),
                    "content": st.text(max_size=40) | st.none() | st.lists(st.text(max_size=5), max_size=2),
                },
            ),
            max_size=3,
        )
        | st.text(max_size=10),
        "max_tokens": st.integers(-5, 20) | st.floats() | st.text(max_size=3),
        "temperature": st.floats(allow_nan=True) | st.text(max_size=3),
        "stream": st.booleans() | st.integers(),
        "n": st.integers(-1, 3),
    },
)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")), deadline=None, derandomize=True)
@given(body=_BODY | st.binary(max_size=64))
def test_fuzzed_request_bodies_get_an_answer_or_an_openai_error(server, body):
    """Random and malformed bodies: a 200 or a 4xx in OpenAI's error shape, never a 500 or a hang."""
    content = body if isinstance(body, bytes) else json.dumps(body)
    r = httpx.post(
        f"{server}/v1/chat/completions",
        content=content,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 200 or 400 <= r.status_code < 500, r.text
    if r.status_code != 200:
        assert r.json()["error"]["message"] and "Traceback" not in r.text


def test_health_readiness_and_metrics(server):
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server}/readyz").json()["status"] == "ready"
    _client(server).chat.completions.create(
        model="rag", messages=[{"role": "user", "content": "What port?"}], max_tokens=3
    )
    text = httpx.get(f"{server}/metrics").text
    assert 'engrain_stage_seconds_count{pipeline="rag",stage="embed"}' in text
    assert 'engrain_errors_total{status="401"}' in text


def test_auto_reports_its_route_and_metrics_count_it(server):
    r = _client(server).chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "What port?"}], max_tokens=3
    )
    route = r.model_extra["engrain"]["route"]
    assert route in ("closed-book", "refusal", "recall", "read-unsure", "read-refusal", "read-changed")
    assert f'engrain_routes_total{{pipeline="auto",route="{route}"}} 1.0' in httpx.get(f"{server}/metrics").text
