"""What one answer spent, summed over its steps.

A multi-step pipeline (ft+rag verify, auto) may answer closed-book, search, and then read the
passages; its latency breakdown and token counts are the sum of those steps, and its time to
first token is when the answer it releases starts. Every answerer keeps its account here, so
the merge is written once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from engrain.model.generate import Generation
from engrain.records import Answer


def joint_clock(*clocks: Callable[[], float]) -> Callable[[], float]:
    """One clock for an answer that two generators work on (a tuned model recalls, the base model reads):
    wall time plus what each one replayed from its memo."""
    if len(set(clocks)) == 1:
        return clocks[0]

    def clock() -> float:
        now = time.perf_counter()
        return now + sum(c() - now for c in clocks)

    return clock


@dataclass
class Spent:
    clock: Callable[[], float]  # the generator's clock (memo replays included)
    t0: float = 0.0
    ms: dict[str, float] = field(default_factory=lambda: {"prompt": 0.0, "prefill": 0.0, "decode": 0.0})
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft: float | None = None

    def __post_init__(self) -> None:
        self.t0 = self.clock()

    def since_start(self, at: float | None = None) -> float:
        return ((self.clock() if at is None else at) - self.t0) * 1e3

    def generated(self, g: Generation, prompt_ms: float, started: float) -> None:
        """A generation whose prompt began at clock reading `started`: its answer's first token is then."""
        self._add(prompt_ms, g.prefill_ms, g.decode_ms, g.prompt_tokens, g.completion_tokens)
        self.ttft = self.since_start(started) + prompt_ms + g.prefill_ms

    def attempted(self, answer: Answer) -> None:
        """An earlier step's answer (a closed-book attempt): its time and tokens count, its release does not."""
        t = answer.timings_ms
        self._add(t["prompt"], t["prefill"], t["decode"], answer.prompt_tokens, answer.completion_tokens)

    def released(self) -> None:
        """The answer goes out now (after a check), whatever was generated before."""
        self.ttft = self.since_start()

    def timings(self, retrieval: dict[str, float] | None = None) -> dict[str, float]:
        """Stage -> ms (embed and search from `retrieval`), plus ttft and total."""
        total = self.since_start()
        return {**(retrieval or {}), **self.ms, "ttft": total if self.ttft is None else self.ttft, "total": total}

    def _add(self, prompt: float, prefill: float, decode: float, prompt_tokens: int, completion_tokens: int) -> None:
        self.ms["prompt"] += prompt
        self.ms["prefill"] += prefill
        self.ms["decode"] += decode
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
