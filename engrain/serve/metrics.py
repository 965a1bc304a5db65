"""Prometheus metrics for the server, in a registry of its own (no process-wide state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from engrain.records import LATENCY_STAGES, Answer

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "engrain_request_seconds", "Whole request latency", ["pipeline"], buckets=BUCKETS, registry=self.registry
        )
        self.stage_seconds = Histogram(
            "engrain_stage_seconds",
            "Latency per answering stage",
            ["pipeline", "stage"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.tokens = Counter("engrain_tokens", "Tokens processed", ["pipeline", "kind"], registry=self.registry)
        self.routes = Counter(
            "engrain_routes", "Answers per route taken", ["pipeline", "route"], registry=self.registry
        )
        self.errors = Counter("engrain_errors", "Refused or failed requests", ["status"], registry=self.registry)

    def observe(self, pipeline: str, answer: Answer, seconds: float) -> None:
        self.request_seconds.labels(pipeline).observe(seconds)
        for stage in LATENCY_STAGES:
            if stage in answer.timings_ms:
                self.stage_seconds.labels(pipeline, stage).observe(answer.timings_ms[stage] / 1e3)
        self.tokens.labels(pipeline, "prompt").inc(answer.prompt_tokens)
        self.tokens.labels(pipeline, "completion").inc(answer.completion_tokens)
        self.routes.labels(pipeline, answer.route or "direct").inc()
