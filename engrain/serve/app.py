"""The OpenAI-compatible HTTP API: chat and text completions, models, health and metrics.

A request's `model` names a pipeline (base, rag, ft, ft+rag; anything else gets the configured
default, as a one-model server would). Decoding is greedy whatever `temperature` says: the
served answers are the ones the bake-off measured.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from engrain.config import EngrainConfig
from engrain.pipelines import PIPELINES
from engrain.records import Answer
from engrain.serve.engine import Cancelled, Engine
from engrain.serve.metrics import Metrics
from engrain.serve.schema import (
    ChatChoice,
    ChatRequest,
    ChatResponse,
    CompletionChoice,
    CompletionRequest,
    CompletionResponse,
    Extras,
    Usage,
    error_body,
)
from engrain.serve.security import Keys, RateLimit


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.body = status, error_body(message, type_, param, code)


@dataclass
class _State:
    """What every route needs, kept on `app.state.engrain`."""

    cfg: EngrainConfig
    engine: Engine
    keys: Keys
    limit: RateLimit
    metrics: Metrics


router = APIRouter()


def create_app(cfg: EngrainConfig, engine: Engine | None = None) -> FastAPI:
    engine = engine or Engine(cfg)
    s = cfg.serve
    state = _State(
        cfg,
        engine,
        Keys(s.api_keys_env, cfg.path(s.api_keys_file) if s.api_keys_file else None),
        RateLimit(s.rate_limit_per_minute),
        Metrics(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loading = asyncio.get_running_loop().run_in_executor(None, engine.load, s.pipeline)
        watching = asyncio.create_task(_follow_alias(engine, s.reload_seconds))
        yield
        loading.cancel()
        watching.cancel()
        engine.close()

    app = FastAPI(title="engrain", lifespan=lifespan)
    app.state.engrain = state
    app.include_router(router)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError) -> JSONResponse:
        state.metrics.errors.labels(str(e.status)).inc()
        return JSONResponse(e.body, status_code=e.status)

    @app.exception_handler(Exception)
    async def _crash(request: Request, e: Exception) -> JSONResponse:  # never a stack trace in a response
        state.metrics.errors.labels("500").inc()
        return JSONResponse(error_body("internal error", "server_error"), status_code=500)

    return app


def _authorised(request: Request) -> _State:
    st: _State = request.app.state.engrain
    who = st.keys.check(request.headers.get("authorization"))
    if who is None:
        raise ApiError(
            401,
            "invalid or missing API key (Authorization: Bearer ...)",
            "authentication_error",
            code="invalid_api_key",
        )
    if not st.limit.allow(who):
        raise ApiError(429, "rate limit reached for this key", "rate_limit_error", code="rate_limit_exceeded")
    return st


async def _admit(request: Request, model_cls) -> tuple[_State, object, str, int]:
    """Key, rate limit, size limit and body validation; the parsed request, its pipeline and token cap."""
    st = _authorised(request)
    s = st.cfg.serve
    body = await request.body()
    if len(body) > s.max_request_bytes:
        raise ApiError(413, f"request body over {s.max_request_bytes} bytes")
    try:
        req = model_cls.model_validate_json(body)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(map(str, err["loc"])) or "body"  # the body itself (not JSON, not an object) has no field
        raise ApiError(400, f"{loc}: {err['msg']}", param=loc.split(".")[0]) from None
    if (field := req.unsupported()) is not None:
        raise ApiError(400, f"'{field}' is not supported by this server", param=field, code="unsupported_parameter")
    max_tokens = req.max_completion_tokens or req.max_tokens or st.cfg.model.max_new_tokens
    if max_tokens > s.max_tokens:
        raise ApiError(
            400, f"max_tokens {max_tokens} is over this server's limit of {s.max_tokens}", param="max_tokens"
        )
    servable = st.engine.servable()
    name = req.model if req.model in servable else s.pipeline
    if name not in servable:
        raise ApiError(503, f"pipeline {name!r} is not available: train and index first", "server_error")
    return st, req, name, max_tokens


@router.post("/v1/chat/completions")
async def chat(request: Request):
    st, req, name, max_tokens = await _admit(request, ChatRequest)
    question = _last_user_text(req)
    if req.stream:
        return _stream(st, name, question, "qa", max_tokens, chat=True)
    answer, seconds = await _answer(st.engine, name, question, "qa", max_tokens)
    st.metrics.observe(name, answer, seconds)
    return ChatResponse(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=name,
        choices=[
            ChatChoice(message={"role": "assistant", "content": answer.text}, finish_reason=_finish(answer, max_tokens))
        ],
        usage=_usage(answer),
        engrain=_extras(name, answer),
    )


@router.post("/v1/completions")
async def completions(request: Request):
    st, req, name, max_tokens = await _admit(request, CompletionRequest)
    if req.stream:
        return _stream(st, name, req.prompt, "completion", max_tokens, chat=False)
    answer, seconds = await _answer(st.engine, name, req.prompt, "completion", max_tokens)
    st.metrics.observe(name, answer, seconds)
    return CompletionResponse(
        id=f"cmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=name,
        choices=[CompletionChoice(text=answer.text, finish_reason=_finish(answer, max_tokens))],
        usage=_usage(answer),
        engrain=_extras(name, answer),
    )


@router.get("/v1/models")
async def models(request: Request):
    st = _authorised(request)
    return {
        "object": "list",
        "data": [
            {
                "id": n,
                "object": "model",
                "created": st.engine.created,
                "owned_by": "engrain",
                "engrain": {"checkpoint": st.engine.checkpoint if PIPELINES[n].tuned else None},
            }
            for n in st.engine.servable()
        ],
    }


@router.get("/healthz")
async def healthz():
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request):
    st: _State = request.app.state.engrain
    if not st.engine.ready.is_set():
        return JSONResponse({"status": "loading"}, status_code=503)
    return {"status": "ready", "default": st.cfg.serve.pipeline}


@router.get("/metrics")
async def prometheus(request: Request):
    return Response(generate_latest(request.app.state.engrain.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _follow_alias(engine: Engine, every: float) -> None:
    """Hot swap: re-read the served alias every few seconds; a promotion takes effect without a restart."""
    while engine.model_ref is not None:
        await asyncio.sleep(every)
        try:
            await asyncio.get_running_loop().run_in_executor(None, engine.refresh)
        except Exception:  # a bad promotion must not take the server down: keep serving the current model
            continue


def _last_user_text(req: ChatRequest) -> str:
    """The question: the last user turn (the pipelines answer one question; earlier turns are not used)."""
    for m in reversed(req.messages):
        if m.role == "user":
            text = (
                m.content
                if isinstance(m.content, str)
                else " ".join(
                    p.get("text", "") for p in (m.content or []) if isinstance(p, dict) and p.get("type") == "text"
                )
            )
            if text.strip():
                return text
    raise ApiError(400, "messages need a user turn with text", param="messages")


async def _answer(engine: Engine, name: str, question: str, kind: str, max_tokens: int) -> tuple[Answer, float]:
    t0 = time.perf_counter()
    answer = await engine.answer(name, question, kind, max_tokens)
    return answer, time.perf_counter() - t0


def _stream(st: _State, name: str, question: str, kind: str, max_tokens: int, chat: bool) -> StreamingResponse:
    """Server-sent events in OpenAI's chunk format, ending with `data: [DONE]`."""
    engine, metrics = st.engine, st.metrics
    loop, queue, cancelled = asyncio.get_running_loop(), asyncio.Queue(), threading.Event()
    cid, created = f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex}", int(time.time())

    def chunk(text: str | None, finish: str | None = None, extra: dict | None = None, role: bool = False) -> str:
        if chat:
            delta = {"role": "assistant"} if role else ({"content": text} if text is not None else {})
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            body = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": name,
                "choices": [choice],
            }
        else:
            body = {
                "id": cid,
                "object": "text_completion",
                "created": created,
                "model": name,
                "choices": [{"index": 0, "text": text or "", "finish_reason": finish, "logprobs": None}],
            }
        return f"data: {json.dumps(body | (extra or {}))}\n\n"

    async def events():
        t0 = time.perf_counter()
        task = asyncio.ensure_future(
            engine.answer(
                name, question, kind, max_tokens, lambda t: loop.call_soon_threadsafe(queue.put_nowait, t), cancelled
            )
        )
        task.add_done_callback(lambda _: loop.call_soon_threadsafe(queue.put_nowait, None))
        try:
            if chat:
                yield chunk(None, role=True)
            while (text := await queue.get()) is not None:
                yield chunk(text)
            answer = await task
            metrics.observe(name, answer, time.perf_counter() - t0)
            yield chunk(
                None if chat else "",
                _finish(answer, max_tokens),
                {"usage": _usage(answer).model_dump(), "engrain": _extras(name, answer).model_dump()},
            )
            yield "data: [DONE]\n\n"
        except (asyncio.CancelledError, Cancelled):
            cancelled.set()  # the client went away: the worker stops at its next token
            raise
        finally:
            if not task.done():
                cancelled.set()

    return StreamingResponse(events(), media_type="text/event-stream")


def _finish(answer: Answer, max_tokens: int) -> str:
    return "length" if answer.completion_tokens >= max_tokens else "stop"


def _usage(answer: Answer) -> Usage:
    return Usage(
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        total_tokens=answer.prompt_tokens + answer.completion_tokens,
    )


def _extras(name: str, answer: Answer) -> Extras:
    return Extras(
        pipeline=name,
        route=answer.route or "direct",
        passages=[p.chunk_id for p in answer.passages],
        timings_ms={k: round(v, 2) for k, v in answer.timings_ms.items()},
    )
