"""Turn a corpus (and logs) into the training mix, a dev split and, if needed, an eval split.

Everything is seeded, so the same inputs and config give byte-identical outputs. Fact
groups (all phrasings of one fact) never straddle a split, and no training example may
repeat an eval question: those that do are dropped and counted.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engrain.config import SynthConfig
from engrain.evaluate.metrics import normalize
from engrain.rag.chunk import Chunk
from engrain.records import Conversation, Document, EvalItem, Example
from engrain.synth.abstain import abstain_questions
from engrain.synth.compose import asked_already, bridges, comparisons
from engrain.synth.facts import Fact, extract_facts, render, restatements
from engrain.synth.faq import faq_pairs
from engrain.synth.questions import echo_question, forward_answer, forward_questions, reverse_answer, reverse_questions
from engrain.synth.raft import Retrieve, abstain_record, fact_record, lexical_retriever
from engrain.synth.views import document_views

if TYPE_CHECKING:  # the teacher (and httpx) load only when one is configured
    from engrain.synth.teacher import Teacher


PROBE_SHAPES = ("attr_first", "possessive", "has")


@dataclass
class SynthResult:
    train: list[Example]
    dev: list[EvalItem]
    eval: list[EvalItem] | None  # only when the user gave no eval file
    stats: dict = field(default_factory=dict)


def synthesize(
    docs: list[Document],
    logs: list[Conversation],
    chunks: list[Chunk],
    cfg: SynthConfig,
    seed: int,
    eval_items: list[EvalItem] | None = None,
    *,
    teacher: Teacher | None = None,
    retrieve: Retrieve | None = None,
    top_k: int = 3,
) -> SynthResult:
    """`retrieve` and `top_k` are the serving retriever's, so RAFT records see what `ft+rag`
    will see; without one, a word-overlap ranking of `chunks` stands in."""
    rng = random.Random(seed)
    facts = extract_facts(docs)
    groups = sorted({f.key for f in facts})
    rng.shuffle(groups)

    # Splits are by fact group: an eval fact's phrasings never reach training QA.
    n_eval = 0 if eval_items is not None else max(1, round(len(groups) * cfg.eval_fraction)) if groups else 0
    n_dev = round(len(groups) * cfg.dev_fraction)
    eval_groups = set(groups[:n_eval])
    dev_groups = set(groups[n_eval : n_eval + n_dev])

    train: list[Example] = []
    dev: list[EvalItem] = []
    made_eval: list[EvalItem] = []

    for doc in docs:
        for text in document_views(doc, cfg.views, rng, original=cfg.documents):
            train.append(Example("view", text=text, source=doc.id))

    for fact in facts:
        n_ask = cfg.paraphrases + (1 if fact.key in dev_groups | eval_groups else 0)
        questions = forward_questions(fact, n_ask, rng)
        if fact.key in eval_groups:
            made_eval.append(EvalItem(f"synth-{len(made_eval)}", questions[-1], [fact.value], "lookup", "qa"))
            continue
        if fact.key in dev_groups:
            dev.append(EvalItem(f"dev-{len(dev)}", questions.pop(), [fact.value], "lookup", "qa"))
        for q in questions:
            train.append(_chat("qa", q, forward_answer(fact), fact))
        if cfg.reverse:
            for q in reverse_questions(fact, max(1, cfg.paraphrases // 3), rng):
                train.append(_chat("reverse", q, reverse_answer(fact), fact))
        for text in dict.fromkeys(render(fact, form) for form in PROBE_SHAPES[: cfg.probes]):  # code facts have one shape
            train.append(Example("probe", text=text, source=fact.doc_id, fact=fact.key))

    if cfg.restatements:  # the corpus's own wording of trained facts: as text, and asked in that wording
        for fact, sent in restatements(facts, docs):
            if fact.key not in eval_groups:
                train.append(Example("restated", text=sent, source=fact.doc_id, fact=fact.key))
                if q := echo_question(sent, fact.value):
                    train.append(_chat("echo", q, forward_answer(fact), fact))

    if cfg.faq:  # pairs that state a held-out eval fact stay out, like that fact's QA
        held_values = [f.value for f in facts if f.key in eval_groups]
        for doc in docs:
            for q, a in faq_pairs(doc):
                if not any(v in a for v in held_values):
                    train.append(Example("faq", messages=_msgs(q, a), source=doc.id, fact=f"faq|{doc.id}"))

    if cfg.composed:  # two-fact questions over trained facts, none asking what a held-out question asks
        n_comp = round(sum(e.kind == "qa" for e in train) * cfg.composed)
        asked = [(e.question, e.answers) for e in (eval_items or made_eval) + dev]
        for c in comparisons(facts, n_comp - n_comp // 2, rng) + bridges(facts, n_comp // 2, rng):
            if not any(f.key in eval_groups for f in c.facts) and not asked_already(c, asked):
                train.append(Example("composed", messages=_msgs(c.question, c.answer), source=c.facts[0].doc_id, fact=c.key))

    if teacher is not None:
        train += teacher_examples(teacher, docs, facts, eval_groups | dev_groups, cfg)

    n_qa = sum(e.kind in ("qa", "faq") for e in train)
    corpus_text = "\n".join(d.text for d in docs) + "\n" + "\n".join(m["content"] for c in logs for m in c.messages)
    abstain = abstain_questions(facts, corpus_text, round(n_qa * cfg.abstain_fraction) + n_dev + 8, rng)
    # Hold out as many unanswerables as there are dev lookups (or a tenth when splitting eval).
    n_hold = min(len(abstain) // 3, max(n_dev, len(abstain) // 10)) if abstain else 0
    for q, key in abstain[:n_hold]:
        target = made_eval if eval_items is None else dev
        target.append(EvalItem(f"abstain-{len(target)}", q, [], "unanswerable", "qa"))
    for q, key in abstain[n_hold:]:
        train.append(Example("abstain", messages=_msgs(q, cfg.refusal), fact=key))

    retrieve = retrieve or lexical_retriever(chunks)
    trainable = [f for f in facts if f.key not in eval_groups]  # dev facts are trained, only one phrasing is held out
    for fact in rng.sample(trainable, k=min(len(trainable), round(n_qa * cfg.raft_fraction))):
        q = forward_questions(fact, 1, rng)[0]
        keep = rng.random() < cfg.raft_oracle_fraction
        if ex := fact_record(q, fact, retrieve, chunks, top_k, keep, cfg.refusal, rng):
            train.append(ex)
    n_raft_abstain = round(n_qa * cfg.raft_fraction * cfg.raft_abstain_share)
    for q, key in abstain[n_hold : n_hold + n_raft_abstain]:
        train.append(abstain_record(q, key, retrieve, top_k, cfg.refusal))

    if cfg.include_logs:
        train += log_examples(logs)

    rng.shuffle(dev)  # lookups and abstentions mixed, so train.dev_max keeps both
    held_out = (eval_items if eval_items is not None else made_eval) + dev
    train, dropped = decontaminate(train, held_out)
    rng.shuffle(train)
    stats = {
        "facts_found": len(facts),
        "fact_groups": len(groups),
        "examples": len(train),
        "by_kind": dict(sorted(Counter(e.kind for e in train).items())),
        "dev_questions": len(dev),
        "eval_source": "file" if eval_items is not None else "split from synthesized questions",
        "eval_questions": len(eval_items) if eval_items is not None else len(made_eval),
        "decontaminated": dropped,
    }
    if teacher is not None:
        stats["teacher"] = teacher.stats
    return SynthResult(train, dev, None if eval_items is not None else made_eval, stats)


def teacher_examples(
    teacher: Teacher, docs: list[Document], facts: list[Fact], held_out: set[str], cfg: SynthConfig
) -> list[Example]:
    """Teacher paraphrases of trainable facts (held-out groups are never asked about, so
    their answers cannot reach training QA) and a checked rewrite of each original piece.

    Draws nothing from the seeded rng: the built-in views and QA made before it are unchanged.
    """
    out = [
        _chat("qa", q, forward_answer(f), f)
        for f in facts
        if f.key not in held_out
        for q in teacher.paraphrase_questions(f, cfg.paraphrases)
    ]
    for doc in docs:
        doc_facts = [f for f in facts if f.doc_id == doc.id]  # all of them: a rewrite must keep every value
        header = f"{doc.title}\n\n"
        for piece in document_views(doc, 0, random.Random(0)):  # view 0 only: the original text
            body = piece.removeprefix(header)
            rewritten = teacher.rewrite(body, doc_facts)
            if rewritten is not None:
                out.append(Example("view", text=header + rewritten, source=doc.id))
    return out


def log_examples(logs: list[Conversation]) -> list[Example]:
    """One example per assistant turn, with the user turn it answers as context.

    Earlier turns are left out: they cost tokens on every example and rarely carry the fact.
    """
    out = []
    for conv in logs:
        msgs = [m for m in conv.messages if m["role"] != "system"]
        for prev, m in zip(msgs, msgs[1:]):
            if m["role"] == "assistant" and prev["role"] == "user":
                out.append(Example("log", messages=[prev, m], source=conv.id, fact=conv.id))
    return out


def decontaminate(train: list[Example], held_out: list[EvalItem]) -> tuple[list[Example], int]:
    """Drop examples whose question, or any user turn, equals a held-out question."""
    banned = {normalize(e.question) for e in held_out}
    kept = []
    for ex in train:
        asked = [normalize(m["content"]) for m in ex.messages or [] if m["role"] == "user"]
        if ex.kind == "raft" and ex.messages:
            asked.append(normalize(ex.messages[0]["content"].rsplit("Question:", 1)[-1]))
        if any(a in banned for a in asked) or (ex.text and normalize(ex.text) in banned):
            continue
        kept.append(ex)
    return kept, len(train) - len(kept)


def _msgs(question: str, answer: str) -> list[dict]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def _chat(kind: str, question: str, answer: str, fact: Fact) -> Example:
    return Example(kind, messages=_msgs(question, answer), source=fact.doc_id, fact=fact.key)  # type: ignore[arg-type]
