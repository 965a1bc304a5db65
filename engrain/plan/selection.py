"""What to train on when the whole recipe costs more than `train.budget` lets the run spend.

A budget is kept by choosing examples, not by stopping at a random step. Examples are ranked
in tiers, and a budget keeps a prefix of the ranking:

1. `first`: one example of every fact group (its first question; a document's first view; each
   refusal and chat turn), so every fact is seen before any fact is seen twice;
2. `phrasings`: every group's further phrasings, probes and restatements, round-robin across
   the groups (every fact's second phrasing before any fact's third);
3. `reverse`: questions asked backwards (value -> entity);
4. `raft`: reading examples (question + retrieved passages), long and about a skill.

How epochs and tiers share a budget is `train.budget_repeat`:
- `first`: the configured epochs are kept while the first tier fits them (each kept example is
  repeated); a budget too small for that trains fewer epochs, and only below one epoch does it
  drop facts;
- `last`: every kept example is trained once, tier after tier, and epochs are added only once the
  whole recipe fits (a fact's further phrasings before its repetitions).
What was left out is counted per tier (coverage), for the plan and the report.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from engrain.records import Example

TIERS = ("first", "phrasings", "reverse", "raft")
_REVERSE = {"reverse", "wh_reverse"}
# which example of a fact group stands for it in the first tier: a question before a statement
_FIRST_CHOICE = (
    "qa",
    "wh",
    "faq",
    "teacher_qa",
    "abstain",
    "log",
    "composed",
    "view",
    "entity",
    "teacher_text",
    "echo",
    "carried",
    "restated",
    "probe",
    "cloze",
)


@dataclass
class Ranked:
    """Example indices in priority order, each with its tier."""

    order: list[int]
    tier: dict[int, str]
    groups: int  # fact groups (the first tier's size)


def rank(examples: Sequence[Example], seed: int) -> Ranked:
    """The tiers above; groups visited in a seeded order, so a budget keeps a spread of the corpus."""
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        groups.setdefault(e.fact or f"{e.kind}|{e.source}|{'' if e.kind == 'view' else i}", []).append(i)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    choice = {k: n for n, k in enumerate(_FIRST_CHOICE)}
    first: list[int] = []
    rest: list[list[int]] = []
    backwards: list[list[int]] = []
    raft: list[int] = []
    for key in keys:
        members = groups[key]
        forward = sorted(
            (i for i in members if examples[i].kind not in _REVERSE | {"raft"}),
            key=lambda i: choice.get(examples[i].kind, len(choice)),
        )
        if forward:
            first.append(forward[0])
            rest.append(forward[1:])
        backwards.append([i for i in members if examples[i].kind in _REVERSE])
        raft += [i for i in members if examples[i].kind == "raft"]
    if not first:  # only reverse questions and reading examples: they are the facts
        first, backwards, raft = _round_robin(backwards) + raft, [], []
    tiers = [("first", first), ("phrasings", _round_robin(rest)), ("reverse", _round_robin(backwards)), ("raft", raft)]
    return Ranked([i for _, ids in tiers for i in ids], {i: name for name, ids in tiers for i in ids}, len(first))


def _round_robin(lists: list[list[int]]) -> list[int]:
    return [lst[j] for j in range(max((len(x) for x in lists), default=0)) for lst in lists if j < len(lst)]


@dataclass
class Selection:
    """What a budget keeps: example indices (in the synthesized order), epochs, and coverage per tier."""

    keep: list[int]
    epochs: float
    tokens: int  # tokens trained, all epochs
    full_tokens: int  # what the whole recipe would train
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)  # tier -> {kept, of}
    budget: str = "none"

    @property
    def complete(self) -> bool:
        return self.tokens >= self.full_tokens

    def to_dict(self) -> dict:
        return {
            "budget": self.budget,
            "epochs": self.epochs,
            "tokens": self.tokens,
            "full_tokens": self.full_tokens,
            "examples": len(self.keep),
            "coverage": self.coverage,
        }


def select(
    examples: Sequence[Example],
    lengths: Sequence[int],
    epochs: float,
    once: Sequence[str],
    budget_tokens: int | None,
    seed: int,
    budget: str = "none",
    repeat: str = "last",
) -> Selection:
    """The ranked prefix whose training tokens (every epoch; `once` kinds a single time) fit `budget_tokens`."""
    ranked = rank(examples, seed)
    reps = [1.0 if e.kind in once else epochs for e in examples]
    full = round(sum(n * r for n, r in zip(lengths, reps)))
    if budget_tokens is None or full <= budget_tokens:
        return _selection(examples, range(len(examples)), ranked, epochs, full, full, budget)
    if repeat == "last":
        epochs = _epochs_that_fit(examples, lengths, once, epochs, budget_tokens)
    else:
        first_once = sum(lengths[i] for i in ranked.order[: ranked.groups])
        if first_once * epochs > budget_tokens:  # fewer epochs before fewer facts
            epochs = max(1.0, math.floor(budget_tokens / max(first_once, 1) * 10) / 10)
    reps = [1.0 if e.kind in once else epochs for e in examples]
    kept, spent, facts_left_out = [], 0.0, False
    for i in ranked.order:
        cost = lengths[i] * reps[i]
        if ranked.tier[i] != "first" and facts_left_out:
            break  # no fact twice while another is missing
        if spent + cost > budget_tokens:
            if ranked.tier[i] == "first":
                facts_left_out = True
                continue  # a shorter example of another fact may still fit
            break
        kept.append(i)
        spent += cost
    return _selection(examples, sorted(kept), ranked, epochs, round(spent), full, budget)


def _epochs_that_fit(
    examples: Sequence[Example], lengths: Sequence[int], once: Sequence[str], epochs: float, budget_tokens: int
) -> float:
    """`repeat = last`: 1 until every example fits once, then as many tenths of an epoch as fit (at most
    the configured epochs)."""
    single = sum(n for n, e in zip(lengths, examples) if e.kind in once)
    repeated = sum(n for n, e in zip(lengths, examples) if e.kind not in once)
    if single + repeated > budget_tokens or not repeated:
        return 1.0
    return min(epochs, max(1.0, math.floor((budget_tokens - single) / repeated * 10) / 10))


def _selection(
    examples: Sequence[Example], keep, ranked: Ranked, epochs: float, tokens: int, full: int, budget: str
) -> Selection:
    keep = list(keep)
    kept = set(keep)
    coverage = {t: {"kept": 0, "of": 0} for t in TIERS}
    for i, tier in ranked.tier.items():
        coverage[tier]["of"] += 1
        coverage[tier]["kept"] += i in kept
    return Selection(keep, epochs, tokens, full, coverage, budget)
