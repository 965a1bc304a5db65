"""The synthesis plan: seeded splits, every kind, decontamination, RAFT, probes, echoes, composed questions."""

import random

from samples import DOCS, TABLE_DOCS

from engrain.config import SynthConfig
from engrain.rag.chunk import chunk_corpus
from engrain.records import Conversation, Document, EvalItem
from engrain.scoring import normalize
from engrain.synth.build import decontaminate, synthesize
from engrain.synth.facts import extract_facts


def test_synthesize_is_seeded_and_has_every_kind():
    chunks = chunk_corpus(DOCS, 40, 10)
    logs = [
        Conversation("l:1", [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}], "l", "h")
    ]
    cfg = SynthConfig(dev_fraction=0.0, raft_fraction=1.0, abstain_fraction=1.0)
    a = synthesize(DOCS, logs, chunks, cfg, seed=3)
    b = synthesize(DOCS, logs, chunks, cfg, seed=3)
    assert [e.__dict__ for e in a.train] == [e.__dict__ for e in b.train]
    kinds = a.stats["by_kind"]
    for kind in ("view", "qa", "reverse", "probe", "abstain", "raft", "log"):
        assert kinds.get(kind, 0) > 0, kind
    assert a.eval and a.stats["eval_source"].startswith("split")
    # eval facts never reach training QA
    eval_values = {v for it in a.eval if it.category == "lookup" for v in it.answers}
    qa_answers = " ".join(e.messages[-1]["content"] for e in a.train if e.kind == "qa")
    assert all(v not in qa_answers for v in eval_values)


def test_decontamination_drops_eval_questions():
    chunks = chunk_corpus(DOCS, 40, 10)
    base = synthesize(DOCS, [], chunks, SynthConfig(), seed=0, eval_items=[EvalItem("x", "unrelated?", ["y"])])
    asked = [e.messages[0]["content"] for e in base.train if e.kind == "qa"]
    banned = [EvalItem("e1", asked[0].upper(), ["z"])]
    kept, dropped = decontaminate(base.train, banned)
    assert dropped >= 1
    assert all(
        normalize(m["content"]) != normalize(asked[0]) for e in kept for m in e.messages or [] if m["role"] == "user"
    )


def test_faq_pairs_join_the_mix_unless_they_state_a_held_out_fact():
    faq = Document(
        "faq.md",
        "FAQ",
        "### How long does the Kestrel DL-40 run on a charge?\n\nThe Kestrel DL-40 has a battery life of 47 hours.\n\n"
        "### Which port does the Osprey GX-7 answer on?\n\nThe Osprey GX-7's default port is port 7418.",
        "faq.md",
        "h5",
    )
    docs = DOCS + [faq]
    chunks = chunk_corpus(docs, 40, 10)
    kept = synthesize(docs, [], chunks, SynthConfig(), seed=0, eval_items=[EvalItem("x", "unrelated?", ["y"])])
    assert kept.stats["by_kind"]["faq"] == 2
    assert (
        synthesize(docs, [], chunks, SynthConfig(faq=False), seed=0, eval_items=[]).stats["by_kind"].get("faq", 0) == 0
    )
    # with an eval split made from the facts, a pair stating an eval fact must stay out of training
    split = synthesize(docs, [], chunks, SynthConfig(eval_fraction=0.5), seed=0)
    held = {v for it in split.eval if it.category == "lookup" for v in it.answers}
    faq_answers = [e.messages[-1]["content"] for e in split.train if e.kind == "faq"]
    assert held and not any(v in a for v in held for a in faq_answers)


def test_restatements_are_other_sentences_naming_entity_and_value():
    from engrain.synth.facts import restatements

    docs = DOCS + [
        Document(
            "c.md",
            "Care",
            "On a fresh pack the DL-40 runs for 47 hours before it needs charging. "
            "Some loggers run for 47 hours too. The Kestrel DL-40 has a battery life of 47 hours.",
            "c.md",
            "h6",
        )
    ]
    found = restatements(extract_facts(docs), docs)
    assert [(f.key, s) for f, s in found] == [
        ("kestrel dl-40|battery life", "On a fresh pack the DL-40 runs for 47 hours before it needs charging.")
    ]  # no entity -> not a restatement; the same shape again -> already a fact's evidence


def test_raft_records_use_the_retrieved_passages_and_cite_the_evidence():
    from engrain.records import Passage
    from engrain.synth.raft import Grounded, Oracles, abstain_record, fact_record

    chunks = chunk_corpus(DOCS, 12, 0)  # one sentence-ish per chunk: the manual's other chunks are the distractors
    fact = next(f for f in extract_facts(DOCS) if f.attribute == "battery life" and "DL-40" in f.entity)
    asked: list[tuple[str, int]] = []

    def retrieve(q: str, k: int) -> list[Passage]:  # the same manual first, like a real retriever
        asked.append((q, k))
        ranked = sorted(chunks, key=lambda c: (c.doc_id != "a.md", fact.sentence not in c.text))
        return [Passage(c.doc_id, c.chunk_id, c.text, 0.0) for c in ranked[:k]]

    kept = fact_record(
        Grounded.of("Battery of the DL-40?", fact), retrieve, Oracles(chunks), 3, True, "No idea.", random.Random(0)
    )
    prompt, target = kept.messages[0]["content"], kept.messages[1]["content"]
    assert asked == [("Battery of the DL-40?", 4)] and prompt.count("\n[") == 3
    assert prompt.index(fact.sentence) > prompt.index("[1]") and target.endswith("47 hours [1].")  # real rank kept
    assert "maximum operating temperature" in prompt  # a hard distractor from the same manual

    memory = fact_record(
        Grounded.of("Battery of the DL-40?", fact), retrieve, Oracles(chunks), 3, False, "No idea.", random.Random(0)
    )
    assert fact.sentence not in memory.messages[0]["content"]
    assert memory.messages[1]["content"] == "The battery life of the Kestrel DL-40 is 47 hours."  # answered from memory

    refusal = abstain_record("Port of the DL-40?", "k", retrieve, 3, "No idea.")
    assert refusal.messages[1]["content"] == "No idea." and refusal.messages[0]["content"].count("\n[") == 3


def test_the_chunk_holding_a_sentence_is_the_first_in_corpus_order():
    from engrain.rag.chunk import Chunk
    from engrain.synth.raft import Oracles

    chunks = [
        Chunk("a#0", "a", "Pumps: The Heron MX-2 pump moves 40 litres per minute."),
        Chunk("b#0", "b", "Loggers: Xthe Kestrel DL-40 logger records every minuteX and more."),
        Chunk("b#1", "b", "Loggers: the Kestrel DL-40 logger records every minute."),
    ]
    oracles = Oracles(chunks)
    assert oracles.find("the Kestrel DL-40 logger records every minute").chunk_id == "b#0"  # cut words at the ends
    assert oracles.find("The Heron MX-2 pump moves 40 litres per minute.").chunk_id == "a#0"
    assert oracles.find("Heron pump") is None and oracles.find("Pumps:").chunk_id == "a#0"  # no inner word: a scan
    assert oracles.find("the Kestrel DL-40 sensor records") is None


def test_raft_questions_known_ahead_are_searched_in_one_batch():
    from engrain.records import Passage
    from engrain.synth.raft import Prefetched

    calls: list[list[str]] = []

    def many(questions: list[str], k: int) -> list[list[Passage]]:
        calls.append(questions)
        return [[Passage("d", f"{q}#{i}", q, 0.0) for i in range(k)] for q in questions]

    found = Prefetched(many)
    found.fetch(["a?", "b?", "a?"], 4)
    assert found("b?", 4)[0].chunk_id == "b?#0" and calls == [["a?", "b?"]]  # fetched once, answered from memory
    assert len(found("c?", 2)) == 2 and calls[-1] == ["c?"]  # one not fetched ahead is searched alone


def test_probes_state_each_fact_in_several_shapes():
    chunks = chunk_corpus(DOCS, 40, 10)
    probes = lambda n: [
        e.text
        for e in synthesize(
            DOCS,
            [],
            chunks,
            SynthConfig(probes=n, raft_fraction=0),
            seed=0,
            eval_items=[EvalItem("x", "unrelated?", ["y"])],
        ).train
        if e.kind == "probe"
    ]
    three = probes(3)
    assert "The Osprey GX-7's default port is port 7418." in three
    assert "The Osprey GX-7 has a default port of port 7418." in three
    assert "The default port of the Osprey GX-7 is port 7418." in three
    assert len(three) == 3 * len(probes(1)) and not probes(0)


def test_echo_questions_keep_the_corpus_wording():
    from engrain.synth.questions import echo_question

    assert (
        echo_question("A factory reset on the HB-10 needs the reset button held for 5 seconds.", "5 seconds")
        == "A factory reset on the HB-10 needs the reset button held for how long?"
    )
    assert (
        echo_question("Corvid introduced the Curlew HB-10 in 2012.", "2012")
        == "Corvid introduced the Curlew HB-10 in what year?"
    )
    assert (
        echo_question("Each VB-64e costs $4,495 at list; tax is extra.", "$4,495")
        == "Each VB-64e costs how much at list?"
    )
    assert (
        echo_question("Update the PX-51 to firmware 6.0.7, the latest build.", "6.0.7")
        == "Update the PX-51 to firmware what, the latest build?"
    )
    assert echo_question("It is 5 or 5.", "5") is None  # ambiguous: which one is asked?

    docs = [
        Document(
            "c.md",
            "GX-7",
            "The Osprey GX-7 has a battery life of 12 hours. On a full charge the GX-7 runs for 12 hours.",
            "c.md",
            "h",
        )
    ]
    res = synthesize(
        docs,
        [],
        chunk_corpus(docs, 40, 10),
        SynthConfig(raft_fraction=0, strategies=["patterns"]),
        seed=0,
        eval_items=[EvalItem("x", "unrelated?", ["y"])],
    )
    echo = [e.messages for e in res.train if e.kind == "echo"]
    assert echo == [
        [
            {"role": "user", "content": "On a full charge the GX-7 runs for how long?"},
            {"role": "assistant", "content": "The battery life of the Osprey GX-7 is 12 hours."},
        ]
    ]


def test_composed_questions_join_the_mix_but_never_ask_a_held_out_one():
    docs = TABLE_DOCS + [DOCS[1]]
    chunks = chunk_corpus(docs, 40, 10)
    held = [EvalItem("e1", "Which runs longer on a charge, the Kestrel DL-40 or the Osprey GX-7?", ["Kestrel DL-40"])]
    off = synthesize(docs, [], chunks, SynthConfig(), seed=0, eval_items=held)
    on = synthesize(docs, [], chunks, SynthConfig(composed=1.0), seed=0, eval_items=held)
    assert "composed" not in off.stats["by_kind"]
    composed = [e.messages for e in on.train if e.kind == "composed"]
    assert composed, on.stats["by_kind"]
    bridge = [m for m in composed if "included device" in m[0]["content"]]
    assert bridge and all(m[1]["content"].startswith("The included device is the Osprey GX-7;") for m in bridge)
    # the held-out comparison names both loggers: no composed question pairs them
    assert not any(
        "Kestrel DL-40" in m[0]["content"] and "Osprey GX-7" in m[0]["content"] for m in composed if m not in bridge
    )


def test_an_eval_file_gives_the_dev_split_a_seeded_share_of_its_questions_by_category():
    from engrain.synth.build import hold_out_dev

    items = [EvalItem(f"q{i}", f"question {i}?", [f"a{i}"], "lookup" if i % 4 else "unanswerable") for i in range(40)]
    dev, rest = hold_out_dev(items, 0.25, 100, seed=7)
    assert len(dev) == 10 and sorted(d.id for d in dev + rest) == sorted(i.id for i in items)
    assert not {d.id for d in dev} & {r.id for r in rest}
    assert sum(d.category == "unanswerable" for d in dev) == round(10 * 10 / 40)  # categories keep their share
    assert [i.id for i in rest] == [i.id for i in items if i not in dev]  # the eval keeps its order
    assert hold_out_dev(items, 0.25, 100, seed=7) == (dev, rest) and hold_out_dev(items, 0.25, 100, seed=8) != (
        dev,
        rest,
    )
    assert len(hold_out_dev(items, 0.5, 6, seed=7)[0]) == 6 and hold_out_dev(items, 0.0, 100, seed=7) == ([], items)


def test_synthesis_with_an_eval_file_tunes_on_the_users_questions():
    chunks = chunk_corpus(DOCS, 40, 10)
    facts = extract_facts(DOCS)
    evals = [EvalItem(f"e{i}", f"What is the {f.attribute} of the {f.entity}?", [f.value]) for i, f in enumerate(facts)]
    res = synthesize(DOCS, [], chunks, SynthConfig(), seed=0, eval_items=evals)
    assert res.stats["dev_source"] == "eval file" and res.dev and {d.id for d in res.dev} <= {e.id for e in evals}
    assert len(res.dev) + len(res.eval) == len(evals) and not {d.id for d in res.dev} & {e.id for e in res.eval}
    asked = {normalize(d.question) for d in res.dev}
    assert not any(normalize(e.messages[0]["content"]) in asked for e in res.train if e.messages)  # decontaminated
    synthetic = synthesize(DOCS, [], chunks, SynthConfig(dev_from_eval=0.0), seed=0, eval_items=evals)
    assert synthetic.stats["dev_source"] == "synthesized" and len(synthetic.eval) == len(evals)
