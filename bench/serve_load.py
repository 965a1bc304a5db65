"""A bounded load test of `engrain serve` on loopback: ft, rag and auto under 1..64 concurrent clients.

Starts the server in this process on a free loopback port, then for each pipeline and each
concurrency level runs that many clients, each sending chat requests back to back for
`--seconds`, and prints requests/s, errors and latency p50/p95/p99, plus the rag/ft latency
ratio on the served path. It stops by itself and talks to nothing but 127.0.0.1.

    python bench/serve_load.py -c engrain-demo/engrain.toml [--seconds 60] [--levels 1,8,32,64] \
        [--set serve.max_batch=1]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import threading
import time

import httpx
import uvicorn

from engrain.config import load
from engrain.serve import create_app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", default="engrain-demo/engrain.toml")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--levels", default="1,8,32,64")
    ap.add_argument("--pipelines", default="ft,rag,auto")
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--set", action="append", default=[], help="config override, e.g. serve.max_batch=1")
    args = ap.parse_args()
    cfg = load(args.config, args.set)
    cfg.serve.rate_limit_per_minute, cfg.serve.api_keys_env = 0, "ENGRAIN_BENCH_NO_KEYS"
    base = _start(cfg)
    questions = _questions(cfg)
    levels = [int(x) for x in args.levels.split(",")]
    print(f"{'pipeline':8s} {'clients':>7s} {'req/s':>7s} {'errors':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}")
    p50: dict[tuple[str, int], float] = {}
    for name in args.pipelines.split(","):
        httpx.post(
            f"{base}/v1/chat/completions",
            timeout=600,
            json={  # load and warm it, untimed
                "model": name,
                "messages": [{"role": "user", "content": questions[0]}],
                "max_tokens": args.max_tokens,
            },
        )
        for n in levels:
            lat, errors, done, wall = asyncio.run(_level(base, name, n, args.seconds, questions, args.max_tokens))
            q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [lat[0] if lat else float("nan")] * 99
            p50[(name, n)] = q[49]
            print(f"{name:8s} {n:7d} {done / wall:7.2f} {errors:6d} {q[49]:8.0f} {q[94]:8.0f} {q[98]:8.0f}")
    for n in levels:
        if ("ft", n) in p50 and ("rag", n) in p50:
            print(f"rag/ft p50 latency at {n} client(s): {p50[('rag', n)] / p50[('ft', n)]:.2f}x")


def _start(cfg) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def _questions(cfg) -> list[str]:
    from engrain.workspace import Workspace, read_split

    items = read_split(Workspace(cfg), "eval")
    return [i.question for i in items if i.kind == "qa"][:200]


async def _level(base: str, name: str, clients: int, seconds: float, questions: list[str], max_tokens: int):
    latencies: list[float] = []
    errors = done = 0
    stop_at = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal errors, done
        async with httpx.AsyncClient(base_url=base, timeout=600) as http:
            k = i
            while time.perf_counter() < stop_at:
                body = {
                    "model": name,
                    "messages": [{"role": "user", "content": questions[k % len(questions)]}],
                    "max_tokens": max_tokens,
                }
                t0 = time.perf_counter()
                r = await http.post("/v1/chat/completions", json=body)
                if r.status_code == 200:
                    latencies.append((time.perf_counter() - t0) * 1e3)
                    done += 1
                else:
                    errors += 1
                k += clients

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, errors, done, time.perf_counter() - t0


if __name__ == "__main__":
    main()
