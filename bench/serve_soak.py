"""A soak test of `engrain serve`: many clients for many minutes; errors, latency drift and memory growth.

Starts the server in this process on a free loopback port (as bench/serve_load.py), warms the
pipeline, then runs `--clients` clients sending chat requests back to back for `--minutes`.
Per minute: requests, errors, p50/p99 latency and the process's resident memory. At the end:
total errors, p99 of the last minute against the first full one, and RSS growth after the
first minute (warm-up: model load, allocator pools). Talks to nothing but 127.0.0.1.

    python bench/serve_soak.py -c engrain-demo/engrain.toml [--clients 32] [--minutes 10] [--pipeline ft]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import _questions, _start

from engrain.config import load


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", default="engrain-demo/engrain.toml")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--pipeline", default="ft")
    ap.add_argument("--max-tokens", type=int, default=16)
    args = ap.parse_args()
    cfg = load(args.config)
    cfg.serve.rate_limit_per_minute, cfg.serve.api_keys_env = 0, "ENGRAIN_BENCH_NO_KEYS"
    base = _start(cfg)
    questions = _questions(cfg)
    body = {"model": args.pipeline, "messages": [{"role": "user", "content": questions[0]}], "max_tokens": 4}
    httpx.post(f"{base}/v1/chat/completions", timeout=600, json=body)  # load and warm, untimed
    minutes = asyncio.run(_soak(base, args, questions))
    print(f"{'minute':>6s} {'requests':>8s} {'errors':>6s} {'p50 ms':>8s} {'p99 ms':>8s} {'RSS MB':>8s}")
    for i, m in enumerate(minutes, 1):
        q = statistics.quantiles(m["lat"], n=100) if len(m["lat"]) >= 2 else [float("nan")] * 99
        m["p99"] = q[98]
        print(f"{i:6d} {len(m['lat']):8d} {m['errors']:6d} {q[49]:8.0f} {q[98]:8.0f} {m['rss']:8.0f}")
    errors = sum(m["errors"] for m in minutes)
    first, last = minutes[0], minutes[-1]
    print(
        f"{args.pipeline}, {args.clients} clients, {len(minutes)} min: {sum(len(m['lat']) for m in minutes)} requests, "
        f"{errors} errors; p99 last/first minute {last['p99'] / first['p99']:.2f}x; "
        f"RSS after minute 1 {first['rss']:.0f} MB -> {last['rss']:.0f} MB "
        f"({(last['rss'] / first['rss'] - 1) * 100:+.1f}%)"
    )


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _soak(base: str, args, questions: list[str]) -> list[dict]:
    n_minutes = max(1, round(args.minutes))
    minutes = [{"lat": [], "errors": 0, "rss": 0.0} for _ in range(n_minutes)]
    start = time.perf_counter()
    stop_at = start + n_minutes * 60

    async def client(i: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=600) as http:
            k = i
            while (t0 := time.perf_counter()) < stop_at:
                body = {
                    "model": args.pipeline,
                    "messages": [{"role": "user", "content": questions[k % len(questions)]}],
                    "max_tokens": args.max_tokens,
                }
                try:
                    r = await http.post("/v1/chat/completions", json=body)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                m = minutes[min(int((t0 - start) // 60), n_minutes - 1)]
                if ok:
                    m["lat"].append((time.perf_counter() - t0) * 1e3)
                else:
                    m["errors"] += 1
                k += args.clients

    async def sample_rss() -> None:
        for i in range(n_minutes):
            await asyncio.sleep(max(0.0, start + (i + 1) * 60 - time.perf_counter()))
            minutes[i]["rss"] = _rss_mb()

    await asyncio.gather(sample_rss(), *(client(i) for i in range(args.clients)))
    return minutes


if __name__ == "__main__":
    main()
