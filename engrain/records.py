"""The records that flow between stages, and the one `Answerer` interface.

Plain dataclasses: every stage reads and writes them as JSONL, so a user can open any
intermediate file and see exactly what the next stage will see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol, runtime_checkable

# the stages an answer's latency is broken into, in the order they happen
LATENCY_STAGES = ("embed", "search", "prompt", "prefill", "decode")

Category = str  # "lookup" | "synthesis" | "unanswerable" | anything a user's eval file names
ExampleKind = Literal[
    "view",
    "qa",
    "reverse",
    "probe",
    "restated",
    "echo",
    "carried",
    "faq",
    "composed",
    "abstain",
    "raft",
    "log",
    "wh",
    "wh_reverse",
    "cloze",
    "entity",
    "teacher_qa",
    "teacher_text",
]


@dataclass
class Document:
    """A normalised domain document; `sha256` is of the raw file bytes (provenance)."""

    id: str
    title: str
    text: str
    source: str
    sha256: str
    meta: dict = field(default_factory=dict)


@dataclass
class Conversation:
    """One logged interaction: OpenAI chat messages [{role, content}, ...]."""

    id: str
    messages: list[dict]
    source: str
    sha256: str


@dataclass
class EvalItem:
    """A held-out question. `answers` empty means the corpus does not answer it.

    `wrong` names answers that must not come first, e.g. the other option of "which is
    lighter, A or B?": a reply that names both options is judged by the one it names first.
    """

    id: str
    question: str
    answers: list[str]
    category: Category = "lookup"
    kind: Literal["qa", "completion"] = "qa"
    wrong: list[str] = field(default_factory=list)


@dataclass
class Example:
    """One training example.

    Chat examples (`messages`) train only on the last assistant turn; text examples
    (`text`, continued pre-training on document views) train on every token, unless a
    `prompt` precedes them (a cloze: raw text continued by the answer, which alone is learned).
    """

    kind: ExampleKind
    messages: list[dict] | None = None
    text: str | None = None
    source: str = ""  # document id or log id it came from
    fact: str = ""  # the fact-group key, so splits never separate paraphrases of one fact
    prompt: str | None = None  # raw-text context before `text`, not learned


@dataclass
class Passage:
    """A retrieved chunk."""

    doc_id: str
    chunk_id: str
    text: str
    score: float


@dataclass
class Answer:
    """What every pipeline returns, so evaluation and serving treat them alike."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    timings_ms: dict[str, float]  # stage -> ms: embed, search, prompt, prefill, decode; plus ttft, total
    passages: list[Passage] = field(default_factory=list)
    route: str = ""  # which path a multi-path pipeline took (ft+rag verify and auto: see report.markdown.ROUTES)
    embed_tokens: int = 0  # tokens the embedder read for retrieval (0: nothing retrieved)
    confidence: float | None = None  # closed-book answers: geometric mean probability of its tokens

    def to_dict(self) -> dict:
        return asdict(self)


@runtime_checkable
class Answerer(Protocol):
    """Base, fine-tuned, RAG and hybrid pipelines all answer through this."""

    name: str

    def answer(
        self,
        question: str,
        kind: Literal["qa", "completion"] = "qa",
        max_new_tokens: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """`max_new_tokens` caps this answer (None: the model's setting); `on_text` receives the
        answer's text as it is released (streaming)."""
        ...
