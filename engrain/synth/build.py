"""Turn a corpus (and logs) into the training mix, a dev split and, if needed, an eval split.

The mix is made by strategies, each a small function adding one kind of example: document
views; pattern facts (spec sentences, tables, error codes) with their questions, probes,
restatements, FAQ pairs and compositions; generic answer spans from any prose (spaCy) with
wh-questions, clozes, reverse questions and entity texts; abstention; RAFT records; logs.

Everything is seeded, so the same inputs and config give byte-identical outputs. Fact
groups (all phrasings of one fact) never straddle a split, and no training example may
repeat an eval question: those that do are dropped and counted.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engrain.config import DEFAULT_REFUSAL, SynthConfig
from engrain.rag.chunk import Chunk
from engrain.records import Conversation, Document, EvalItem, Example
from engrain.scoring import normalize
from engrain.synth.abstain import abstain_questions, swapped_subject_questions
from engrain.synth.compose import asked_already, bridges, comparisons
from engrain.synth.coverage import coverage, entity_texts
from engrain.synth.facts import Fact, distinct_facts, find_facts, render, restatements
from engrain.synth.faq import faq_pairs
from engrain.synth.generic import ReverseQuestion, SpanFact, distinct_spans, reverse_questions, span_facts
from engrain.synth.nlp import ParsedDoc, load_nlp, parse_corpus
from engrain.synth.questions import echo_question, forward_answer, forward_questions, reverse_answer
from engrain.synth.questions import reverse_questions as reverse_questions_of
from engrain.synth.raft import (
    Grounded,
    Oracles,
    Prefetched,
    RetrieveMany,
    abstain_record,
    fact_record,
    lexical_retriever,
)
from engrain.synth.views import document_views
from engrain.synth.wordings import Wording, carried_questions, induce_facts, learn_wordings
from engrain.workers import SERIAL, Parallel

if TYPE_CHECKING:  # the teacher (and httpx) load only when one is configured
    from engrain.synth.teacher import Teacher


PROBE_SHAPES = ("attr_first", "possessive", "has")


@dataclass
class SynthResult:
    train: list[Example]
    dev: list[EvalItem]
    eval: list[EvalItem]  # the eval file less its dev share, or questions split off when there is none
    stats: dict = field(default_factory=dict)


@dataclass
class Corpus:
    """What the strategies read: pattern facts, and the parsed corpus with its answer spans."""

    docs: list[Document]
    facts: list[Fact]
    restated: list[tuple[Fact, str]] = field(default_factory=list)  # other sentences stating a fact
    copies: list[Fact] = field(default_factory=list)  # a fact matched again, in another sentence
    wordings: list[Wording] = field(default_factory=list)  # the corpus's wordings of each attribute
    induced: int = 0  # facts read with a learnt wording: the last `induced` of `facts`
    parsed: list[ParsedDoc] | None = None
    found: list[SpanFact] = field(default_factory=list)  # every answer span
    spans: list[SpanFact] = field(default_factory=list)  # those trained: see `distinct_spans`
    dropped: Counter = field(default_factory=Counter)
    reverses: list[ReverseQuestion] = field(default_factory=list)

    def statements(self) -> list[tuple[Fact, str]]:
        """(fact, sentence) for each sentence stating a pattern fact: its evidence or a restatement."""
        return [(f, f.sentence) for f in self.facts + self.copies] + self.restated


@dataclass
class Plan:
    """The split, by fact group: an eval fact's phrasings never reach training."""

    eval_groups: set[str]
    dev_groups: set[str]

    def held(self, key: str) -> bool:
        return key in self.eval_groups or key in self.dev_groups


@dataclass
class Mix:
    """The outputs the strategies add to."""

    train: list[Example] = field(default_factory=list)
    dev: list[EvalItem] = field(default_factory=list)
    made_eval: list[EvalItem] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)

    def n_qa(self) -> int:
        """Question-answer examples so far: abstention and RAFT counts scale with them."""
        return sum(e.kind in ("qa", "carried", "faq", "wh") for e in self.train)

    def hold_out(self, question: str, answer: str, key: str, plan: Plan) -> None:
        """One phrasing of a held-out fact: an eval question (eval groups) or a dev one."""
        if key in plan.eval_groups:
            self.made_eval.append(EvalItem(f"synth-{len(self.made_eval)}", question, [answer], "lookup", "qa"))
        else:
            self.dev.append(EvalItem(f"dev-{len(self.dev)}", question, [answer], "lookup", "qa"))


def synthesize(
    docs: list[Document],
    logs: list[Conversation],
    chunks: list[Chunk],
    cfg: SynthConfig,
    seed: int,
    eval_items: list[EvalItem] | None = None,
    *,
    teacher: Teacher | None = None,
    retrieve: RetrieveMany | None = None,
    top_k: int = 3,
    refusal: str = DEFAULT_REFUSAL,
    par: Parallel = SERIAL,
) -> SynthResult:
    """`retrieve` and `top_k` are the serving retriever's, so RAFT records see what `ft+rag`
    will see; without one, a word-overlap ranking of `chunks` stands in. `refusal` is the reply
    the model is taught for what the corpus does not answer (`model.refusal`, the one it serves).
    `par`: where spaCy parses (engrain.workers; the same examples whatever the count)."""
    rng = random.Random(seed)
    user_dev: list[EvalItem] = []
    if eval_items is not None:
        user_dev, eval_items = hold_out_dev(eval_items, cfg.dev_from_eval, cfg.dev_max_facts, seed)
    corpus = read_corpus(docs, cfg, par)
    plan = split_plan(corpus, cfg, rng, eval_given=eval_items is not None)
    mix = Mix(dropped=Counter(corpus.dropped))
    mix.train += view_examples(corpus, cfg, rng)
    pattern_examples(corpus, plan, cfg, rng, mix, eval_items)
    carried_examples(corpus, plan, cfg, random.Random(f"{seed}|carried"), mix)
    generic_examples(corpus, plan, cfg, mix, eval_items or [])
    if teacher is not None:
        mix.train += teacher_examples(teacher, docs, corpus.facts, plan.eval_groups | plan.dev_groups, cfg)
        mix.train += teacher_passage_examples(teacher, corpus, plan, cfg)
    corpus_text = "\n".join(d.text for d in docs) + "\n" + "\n".join(m["content"] for c in logs for m in c.messages)
    abstain = abstention_examples(corpus, corpus_text, plan, cfg, rng, mix, refusal, eval_given=eval_items is not None)
    raft_examples(corpus, chunks, plan, abstain, cfg, rng, mix, retrieve or lexical_retriever(chunks), top_k, refusal)
    if cfg.include_logs:
        mix.train += log_examples(logs)

    rng.shuffle(mix.dev)  # lookups and abstentions mixed, so train.dev_max_questions keeps both
    held_out = (eval_items if eval_items is not None else mix.made_eval) + mix.dev + user_dev
    train, mix.dropped["decontaminated"] = decontaminate(mix.train, held_out)
    rng.shuffle(train)
    if user_dev:  # tuned on questions people wrote: the synthesized phrasings stay out of training all the same
        mix.dev = user_dev
    stats = synth_stats(corpus, train, mix, eval_items) | {"dev_source": "eval file" if user_dev else "synthesized"}
    if teacher is not None:
        stats["teacher"] = teacher.stats
    return SynthResult(train, mix.dev, eval_items if eval_items is not None else mix.made_eval, stats)


def hold_out_dev(items: list[EvalItem], share: float, most: int, seed: int) -> tuple[list[EvalItem], list[EvalItem]]:
    """(dev, eval): a seeded `share` of each category of the user's questions (at most `most` in all) as the dev
    split; the rest stays the eval set, in its order. Categories keep their proportions, so the refusal
    threshold sees unanswerable questions as often as the eval does."""
    if share <= 0 or len(items) < 4:
        return [], items
    rng = random.Random(f"{seed}|dev-from-eval")
    want = min(most, round(share * len(items)))
    by_cat: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_cat.setdefault(it.category, []).append(i)
    picked: list[int] = []
    for cat in sorted(by_cat):
        ids = by_cat[cat]
        rng.shuffle(ids)
        picked += ids[: round(want * len(ids) / len(items))]
    rng.shuffle(picked)
    chosen = set(picked)
    return [items[i] for i in picked], [it for i, it in enumerate(items) if i not in chosen]


# -- reading and splitting ----------------------------------------------------------------


def read_corpus(docs: list[Document], cfg: SynthConfig, par: Parallel = SERIAL) -> Corpus:
    """Pattern facts with the patterns strategy; the spaCy parse and its answer spans with the
    generic one, less the spans pattern facts already state."""
    facts, copies = distinct_facts(find_facts(docs) if "patterns" in cfg.strategies else [])
    corpus = Corpus(docs, facts, restatements(facts, docs) if cfg.restatements else [], copies)
    corpus.wordings = learn_wordings(corpus.restated) if cfg.induce or cfg.carried else []
    if cfg.induce and (induced := induce_facts(corpus.wordings, docs, facts)):
        corpus.facts, corpus.induced = facts + induced, len(induced)
        corpus.restated = restatements(corpus.facts, docs)
        corpus.wordings = learn_wordings(corpus.restated)
    if "generic" in cfg.strategies:
        corpus.parsed = parse_corpus(docs, load_nlp(cfg.spacy_model), par)
        corpus.found = span_facts(corpus.parsed)
        stated = stated_sentences(corpus)
        unmatched = cfg.generic_sentences == "unmatched"
        corpus.spans, corpus.dropped = distinct_spans(corpus.found, stated, cfg.span_kinds, unmatched)
        reverses = reverse_questions(corpus.parsed) if cfg.reverse else []
        corpus.reverses = [r for r in reverses if not (unmatched and r.sentence in stated)]
    return corpus


def stated_sentences(corpus: Corpus) -> dict[str, list[tuple[str, str]]]:
    """Sentence -> (entity, value) of the pattern facts it states, as evidence or restatement."""
    out: dict[str, list[tuple[str, str]]] = {}
    for fact, sent in corpus.statements():
        out.setdefault(sent, []).append((fact.entity, fact.value))
    return out


def split_plan(corpus: Corpus, cfg: SynthConfig, rng: random.Random, eval_given: bool) -> Plan:
    groups = sorted({f.key for f in corpus.facts} | {s.key for s in corpus.spans})
    rng.shuffle(groups)
    n_eval = 0 if eval_given else max(1, round(len(groups) * cfg.eval_fraction)) if groups else 0
    n_dev = min(round(len(groups) * cfg.dev_fraction), cfg.dev_max_facts)
    return Plan(set(groups[:n_eval]), set(groups[n_eval : n_eval + n_dev]))


# -- strategies: each adds one kind of example --------------------------------------------


def view_examples(corpus: Corpus, cfg: SynthConfig, rng: random.Random) -> list[Example]:
    """The documents and their rewrites (shuffled sentences, facts restated, pronouns resolved)."""
    resolved = {s.original: s.text for p in corpus.parsed or [] for s in p.sentences}
    return [
        Example("view", text=text, source=doc.id)
        for doc in corpus.docs
        for text in document_views(doc, cfg.views, rng, cfg.documents, resolved)
    ]


def pattern_examples(
    corpus: Corpus, plan: Plan, cfg: SynthConfig, rng: random.Random, mix: Mix, eval_items: list[EvalItem] | None
) -> None:
    """Spec-shaped facts: templated questions both ways, probes, restatements, FAQ pairs, compositions."""
    for fact in corpus.facts:
        questions = forward_questions(fact, cfg.paraphrases + (1 if plan.held(fact.key) else 0), rng)
        if plan.held(fact.key):
            mix.hold_out(questions.pop(), fact.value, fact.key, plan)
            if fact.key in plan.eval_groups:
                continue
        mix.train += [_chat("qa", q, forward_answer(fact), fact) for q in questions]
        if cfg.reverse:
            for q in reverse_questions_of(fact, max(1, cfg.paraphrases // 3), rng):
                mix.train.append(_chat("reverse", q, reverse_answer(fact), fact))
        for text in dict.fromkeys(
            render(fact, form) for form in PROBE_SHAPES[: cfg.probes]
        ):  # code facts have one shape
            mix.train.append(Example("probe", text=text, source=fact.doc_id, fact=fact.key))
    if cfg.restatements:  # the corpus's own wording of trained facts: as text, and asked in that wording
        for fact, sent in corpus.restated:
            if fact.key not in plan.eval_groups:
                mix.train.append(Example("restated", text=sent, source=fact.doc_id, fact=fact.key))
                if q := echo_question(sent, fact.value):
                    mix.train.append(_chat("echo", q, forward_answer(fact), fact))
    if cfg.faq:  # pairs that state a held-out eval fact stay out, like that fact's QA
        held_values = [f.value for f in corpus.facts if f.key in plan.eval_groups]
        held_values += [f.answer for f in corpus.spans if f.key in plan.eval_groups]
        for doc in corpus.docs:
            for q, a in faq_pairs(doc):
                if not any(v in a for v in held_values):
                    mix.train.append(Example("faq", messages=_msgs(q, a), source=doc.id, fact=f"faq|{doc.id}"))
    if cfg.composed:  # two-fact questions over trained facts, none asking what a held-out question asks
        n_comp = round(sum(e.kind == "qa" for e in mix.train) * cfg.composed)
        asked = [(e.question, e.answers) for e in (eval_items or mix.made_eval) + mix.dev]
        facts = corpus.facts
        for c in comparisons(facts, n_comp - n_comp // 2, rng) + bridges(facts, n_comp // 2, rng):
            if not any(f.key in plan.eval_groups for f in c.facts) and not asked_already(c, asked):
                mix.train.append(
                    Example("composed", messages=_msgs(c.question, c.answer), source=c.facts[0].doc_id, fact=c.key)
                )


def carried_examples(corpus: Corpus, plan: Plan, cfg: SynthConfig, rng: random.Random, mix: Mix) -> None:
    """Each fact asked in the wordings the corpus uses for its attribute about other entities
    (a stream of its own, so the rest of the mix draws the same)."""
    if not cfg.carried:
        return
    for fact in corpus.facts:
        if fact.relation == "attribute" and fact.key not in plan.eval_groups:
            mix.train += [
                _chat("carried", q, forward_answer(fact), fact)
                for q in carried_questions(fact, corpus.wordings, cfg.carried, rng)
            ]


def generic_examples(corpus: Corpus, plan: Plan, cfg: SynthConfig, mix: Mix, eval_items: list[EvalItem]) -> None:
    """Any prose: wh-questions for every answer span, clozes, reverse questions, entity texts.
    A phrasing the eval set asks is never trained; the span's next phrasing takes its place,
    so a fact the eval asks about is trained in as many phrasings as any other."""
    banned = {normalize(e.question) for e in eval_items}
    for f in corpus.spans:
        allowed = [q for q in f.questions if normalize(q) not in banned]
        questions = allowed[: max(1, cfg.paraphrases) + (1 if plan.held(f.key) else 0)]
        if plan.held(f.key) and len(questions) > 1:
            mix.hold_out(questions.pop(), f.answer, f.key, plan)
        if f.key in plan.eval_groups:
            continue
        mix.train += [Example("wh", messages=_msgs(q, span_answer(f)), source=f.doc_id, fact=f.key) for q in questions]
        if cfg.cloze and f.cloze:
            mix.train.append(Example("cloze", prompt=f.cloze, text=" " + f.answer, source=f.doc_id, fact=f.key))
    for r in corpus.reverses:
        mix.train.append(Example("wh_reverse", messages=_msgs(r.question, r.answer + "."), source=r.doc_id, fact=r.key))
    if cfg.entity_texts and corpus.parsed:
        mix.train += [
            Example("entity", text=t, fact=f"entity|{name.lower()}") for name, t in entity_texts(corpus.parsed)
        ]


def abstention_examples(
    corpus: Corpus,
    corpus_text: str,
    plan: Plan,
    cfg: SynthConfig,
    rng: random.Random,
    mix: Mix,
    refusal: str,
    eval_given: bool,
) -> list[tuple[str, str]]:
    """Questions the corpus does not answer: some held out (dev, or eval when splitting), the rest trained."""
    n_qa = mix.n_qa()
    # The dev lookups really held out: a span asked in one phrasing only stays in training.
    n_dev = len(mix.dev) if eval_given else len(plan.dev_groups)
    n = round(n_qa * cfg.abstain_fraction) + n_dev + 8
    abstain = abstain_questions(
        corpus.facts,
        corpus_text,
        n,
        rng,
        corpus.wordings if cfg.carried else [],
        plausible_first=cfg.abstain_gaps == "plausible",
    )
    ranked = cfg.abstain_gaps == "plausible" and bool(abstain)  # the spec gaps only; prose questions stay as drawn
    if corpus.parsed and len(abstain) < n:
        abstain += swapped_subject_questions(corpus.spans, corpus.parsed, corpus_text, n - len(abstain), rng)
    # Hold out as many unanswerables as there are dev lookups (or a tenth when splitting eval).
    n_hold = min(len(abstain) // 3, max(n_dev, len(abstain) // 10)) if abstain else 0
    # Ranked gaps come first: held out at a stride across the list, so dev and training share the ranks.
    step = len(abstain) // n_hold if ranked and n_hold else 1
    held = set(range(0, step * n_hold, step))
    for i in sorted(held):
        target = mix.made_eval if not eval_given else mix.dev
        target.append(EvalItem(f"abstain-{len(target)}", abstain[i][0], [], "unanswerable", "qa"))
    trained = [item for i, item in enumerate(abstain) if i not in held]
    for q, key in trained:
        mix.train.append(Example("abstain", messages=_msgs(q, refusal), fact=key))
    return trained


def raft_examples(
    corpus: Corpus,
    chunks: list[Chunk],
    plan: Plan,
    abstain: list[tuple[str, str]],
    cfg: SynthConfig,
    rng: random.Random,
    mix: Mix,
    retrieve_many: RetrieveMany,
    top_k: int,
    refusal: str,
) -> None:
    """Questions with the passages retrieval really gives them (RAFT); some without the oracle.
    The questions known before any draw (answer spans', refusals') are searched in one batch."""
    n_qa = mix.n_qa()
    trainable = [f for f in [*corpus.facts, *corpus.spans] if f.key not in plan.eval_groups]
    picked = rng.sample(trainable, k=min(len(trainable), round(n_qa * cfg.raft_fraction)))
    n_raft_abstain = round(n_qa * cfg.raft_fraction * cfg.raft_abstain_share)
    retrieve = Prefetched(retrieve_many)
    retrieve.fetch([f.questions[0] for f in picked if isinstance(f, SpanFact)], top_k + 1)
    retrieve.fetch([q for q, _ in abstain[:n_raft_abstain]], top_k)
    oracles = Oracles(chunks)
    for fact in picked:
        if isinstance(fact, Fact):
            item = Grounded.of(forward_questions(fact, 1, rng)[0], fact)
        else:
            item = Grounded(fact.questions[0], span_answer(fact), fact.sentence, fact.key)
        keep = rng.random() < cfg.raft_oracle_fraction
        if ex := fact_record(item, retrieve, oracles, top_k, keep, refusal, rng):
            mix.train.append(ex)
        else:
            mix.dropped["raft_evidence_split_across_chunks"] += 1
    for q, key in abstain[:n_raft_abstain]:
        mix.train.append(abstain_record(q, key, retrieve, top_k, refusal))


def synth_stats(corpus: Corpus, train: list[Example], mix: Mix, eval_items: list[EvalItem] | None) -> dict:
    stats = {
        "facts_found": len(corpus.facts) + len(corpus.spans),
        "pattern_facts": len(corpus.facts),
        "induced_facts": corpus.induced,
        "wordings": len(corpus.wordings),
        "answer_spans": len(corpus.found),
        "fact_groups": len({f.key for f in corpus.facts} | {s.key for s in corpus.spans}),
        "examples": len(train),
        "by_kind": dict(sorted(Counter(e.kind for e in train).items())),
        "dev_questions": len(mix.dev),
        "eval_source": "file" if eval_items is not None else "split from synthesized questions",
        "eval_questions": len(eval_items) if eval_items is not None else len(mix.made_eval),
        "decontaminated": mix.dropped["decontaminated"],
        "dropped": dict(sorted((k, v) for k, v in mix.dropped.items() if v)),
    }
    if corpus.parsed is not None:
        trained = {e.fact for e in train}
        stated = {s for f, s in corpus.statements() if f.key in trained}
        stats["coverage"] = coverage(corpus.parsed, corpus.found, train, stated)
    return stats


def span_answer(f: SpanFact) -> str:
    """The closed-book answer to a span question: the span, as a short sentence."""
    return f.answer[:1].upper() + f.answer[1:].rstrip(".") + "."


def teacher_examples(
    teacher: Teacher, docs: list[Document], facts: list[Fact], held_out: set[str], cfg: SynthConfig
) -> list[Example]:
    """Teacher paraphrases of trainable facts (held-out groups are never asked about, so
    their answers cannot reach training QA) and, where the config trains on views, a checked
    rewrite of each original piece (a rewrite is a view: none when `synth.views` is 0).

    Draws nothing from the seeded rng: the built-in views and QA made before it are unchanged.
    """
    trainable = [f for f in facts if f.key not in held_out]
    asked = teacher.paraphrase_questions(trainable, cfg.paraphrases)
    out = [_chat("qa", q, forward_answer(f), f) for f, questions in zip(trainable, asked) for q in questions]
    if not cfg.views:
        return out
    by_doc: dict[str, list[Fact]] = {}  # every fact of a document: a rewrite must keep every value
    for f in facts:
        by_doc.setdefault(f.doc_id, []).append(f)
    # view 0 only (the original text), without its title header
    pieces = [
        (doc, p.removeprefix(f"{doc.title}\n\n")) for doc in docs for p in document_views(doc, 0, random.Random(0))
    ]
    rewritten = teacher.rewrites([(body, by_doc.get(doc.id, [])) for doc, body in pieces])
    return out + [
        Example("view", text=f"{doc.title}\n\n{text}", source=doc.id)
        for (doc, _), text in zip(pieces, rewritten)
        if text is not None
    ]


def teacher_passage_examples(teacher: Teacher, corpus: Corpus, plan: Plan, cfg: SynthConfig) -> list[Example]:
    """Teacher-written question-answer pairs and restating sentences for each passage of each
    document, checked against the passage; any that state a held-out eval fact stay out."""
    pieces = [(doc, piece) for doc in corpus.docs for piece in document_views(doc, 0, random.Random(0))]
    passages = [p for _, p in pieces]
    held = {normalize(f.answer) for f in corpus.spans if f.key in plan.eval_groups}
    held |= {normalize(f.value) for f in corpus.facts if f.key in plan.eval_groups}
    states_held = lambda text: any(h and f" {h} " in f" {normalize(text)} " for h in held)
    out = []
    if cfg.teacher.qa_per_passage:
        for (doc, _), pairs in zip(pieces, teacher.qa_pairs(passages, cfg.teacher.qa_per_passage)):
            out += [
                Example(
                    "teacher_qa",
                    messages=_msgs(q, a[:1].upper() + a[1:] + "."),
                    source=doc.id,
                    fact=f"teacher|{doc.id}|{normalize(a)}",
                )
                for q, a in pairs
                if not states_held(a)
            ]
    if cfg.teacher.statements_per_passage:
        for (doc, _), sents in zip(pieces, teacher.statements(passages, cfg.teacher.statements_per_passage)):
            out += [
                Example("teacher_text", text=t, source=doc.id, fact=f"teacher|{doc.id}")
                for t in sents
                if not states_held(t)
            ]
    return out


def log_examples(logs: list[Conversation]) -> list[Example]:
    """One example per assistant turn, with the user turn it answers as context.

    Earlier turns are left out: they cost tokens on every example and rarely carry the fact.
    """
    out = []
    for conv in logs:
        msgs = [m for m in conv.messages if m["role"] != "system"]
        for prev, m in itertools.pairwise(msgs):
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
