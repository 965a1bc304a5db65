"""Generic synthesis on prose in no particular shape: spans, questions, abstention, coverage."""

import random

from engrain.config import SynthConfig
from engrain.rag.chunk import chunk_corpus
from engrain.records import Document, EvalItem
from engrain.synth.abstain import swapped_subject_questions
from engrain.synth.build import synthesize
from engrain.synth.coverage import coverage, entity_texts
from engrain.synth.generic import distinct_spans, reverse_questions, span_facts
from engrain.synth.nlp import load_nlp, parse_corpus, subject_of
from engrain.workers import Parallel

BIOS = [
    Document(
        "p1.md",
        "Maren Holt (rower, born 1991)",
        "Maren Holt (born 4 March 1991) is a Norwegian rower. She won a silver medal at the 2016 Summer Olympics. "
        "Her coach was Ivar Lund. She studied geology at the University of Bergen.",
        "p1.md",
        "h1",
    ),
    Document(
        "p2.md",
        "Tomas Ferrant",
        "Tomas Ferrant (born 12 June 1984) is a French chef. He opened his first restaurant in Lyon in 2010. "
        "Ferrant trained under Ivar Lund in Oslo.",
        "p2.md",
        "h2",
    ),
    Document(
        "p3.md",
        "Ivar Lund",
        "Ivar Lund is a Norwegian coach and cook. He founded the Oslo Rowing Club in 1979.",
        "p3.md",
        "h3",
    ),
]


def _parsed():
    return parse_corpus(BIOS, load_nlp())


def test_pronouns_resolve_to_the_subject_and_titles_lose_their_qualifier():
    assert subject_of("Maren Holt (rower, born 1991)") == "Maren Holt"
    texts = [s.text for s in _parsed()[0].sentences]
    assert "Maren Holt won a silver medal at the 2016 Summer Olympics." in texts
    assert "Maren Holt's coach was Ivar Lund." in texts


def test_spans_become_fronted_and_in_place_questions():
    facts = span_facts(_parsed())
    asked = {q: f.answer for f in facts for q in f.questions}
    assert asked.get("When was Maren Holt born?") == "4 March 1991"
    assert asked.get("When was Maren Holt (rower, born 1991) born?") == "4 March 1991"  # the full title too
    assert asked.get("What did Maren Holt study?") == "geology"
    assert (
        asked.get("Maren Holt studied geology at what?") == "the University of Bergen"
    )  # in place: 'at' hangs off 'geology'
    assert asked.get("When did Ivar Lund found the Oslo Rowing Club?") == "1979"
    assert asked.get("What nationality is Tomas Ferrant?") == "French"
    assert asked.get("Tomas Ferrant opened his first restaurant in Lyon in when?") == "2010"  # named once
    clozes = {f.answer: f.cloze for f in facts}
    assert clozes["1979"] == "Ivar Lund founded the Oslo Rowing Club in"


def test_reverse_questions_ask_for_the_subject():
    rev = {r.question: r.answer for r in reverse_questions(_parsed())}
    assert rev.get("Who won a silver medal at the 2016 Summer Olympics?") == "Maren Holt"


def test_swapped_subject_questions_are_not_answered_by_the_corpus():
    parsed = _parsed()
    text = " ".join(d.text for d in BIOS)
    qs = swapped_subject_questions(span_facts(parsed), parsed, text, 20, random.Random(0))
    assert qs
    asked = [q for q, _ in qs]
    assert any(q.endswith("was Ivar Lund born?") for q in asked)  # the corpus never gives his birth date
    for q in asked:  # a pair the corpus states never comes back as unanswerable
        assert not q.endswith(("was Maren Holt born?", "was Tomas Ferrant born?")) and "Ivar Lund found" not in q
        assert not ("Tomas Ferrant" in q and "restaurant" in q)


def test_entity_texts_gather_an_entity_across_documents():
    texts = dict(entity_texts(_parsed()))
    assert "Ivar Lund" in texts
    assert (
        "Maren Holt's coach was Ivar Lund." in texts["Ivar Lund"]
        and "Ferrant trained under Ivar Lund" in texts["Ivar Lund"]
    )


def test_synthesize_on_prose_gives_a_real_mix_with_dev_and_abstention():
    chunks = chunk_corpus(BIOS, 40, 10)
    evals = [EvalItem("e", "Where is the Oslo Rowing Club?", ["Oslo"])]
    res = synthesize(BIOS, [], chunks, SynthConfig(dev_fraction=0.3), seed=0, eval_items=evals)
    kinds = res.stats["by_kind"]
    for kind in ("wh", "cloze", "wh_reverse", "view", "abstain", "raft"):
        assert kinds.get(kind, 0) > 0, kind
    # as many dev unanswerables as dev lookups really held out, so checkpoint selection weighs both alike
    lookups = sum(d.category == "lookup" for d in res.dev)
    assert lookups > 0 and sum(d.category == "unanswerable" for d in res.dev) == lookups
    cov = res.stats["coverage"]
    assert cov["sentences_with_span"] == cov["sentences"] == 9
    assert cov["entities_trained"] == cov["entities"] and cov["numbers_trained"] == cov["numbers"]
    # a dev question is held out: its exact wording never reaches training
    dev_q = {d.question for d in res.dev}
    assert not any(m["content"] in dev_q for e in res.train for m in e.messages or [] if m["role"] == "user")
    again = synthesize(BIOS, [], chunks, SynthConfig(dev_fraction=0.3), seed=0, eval_items=evals)
    assert [e.__dict__ for e in again.train] == [e.__dict__ for e in res.train]
    # ranking spec-shaped refusal gaps leaves a prose corpus's refusals as they were drawn
    ranked = synthesize(
        BIOS, [], chunks, SynthConfig(dev_fraction=0.3, abstain_gaps="plausible"), seed=0, eval_items=evals
    )
    assert [e.__dict__ for e in ranked.train] == [e.__dict__ for e in res.train]
    assert [d.question for d in ranked.dev] == [d.question for d in res.dev]


def test_a_phrasing_the_eval_asks_gives_its_place_to_the_next_one():
    chunks = chunk_corpus(LIVES, 40, 10)
    cfg = SynthConfig(paraphrases=2, dev_fraction=0.0)

    def asked(evals):
        res = synthesize(LIVES, [], chunks, cfg, seed=0, eval_items=evals)
        return {m["content"] for e in res.train if e.kind == "wh" for m in e.messages if m["role"] == "user"}

    free = asked([EvalItem("x", "unrelated?", ["y"])])
    assert "When was Patrick Shannon born?" in free and "What is Patrick Shannon's date of birth?" not in free
    held = asked([EvalItem("e", "When was Patrick Shannon born?", ["11 March 1902"])])
    assert "When was Patrick Shannon born?" not in held  # never trained ...
    assert "What is Patrick Shannon's date of birth?" in held  # ... and the fact keeps two phrasings


def test_patterns_only_mix_has_no_generic_examples():
    res = synthesize(
        BIOS,
        [],
        chunk_corpus(BIOS, 40, 10),
        SynthConfig(strategies=["patterns"]),
        seed=0,
        eval_items=[EvalItem("e", "x?", ["y"])],
    )
    assert not {"wh", "cloze", "wh_reverse", "entity"} & set(res.stats["by_kind"]) and "coverage" not in res.stats


def test_coverage_counts_what_training_states():
    parsed = _parsed()
    facts = span_facts(parsed)
    empty = coverage(parsed, facts, [])
    assert empty["sentences_with_question"] == 0 and empty["entities_trained"] == 0 and empty["sentences"] == 9


MANUALS = [
    Document(
        f"m{i}.md",
        f"Manual {i}",
        f"The Heron PX-{i} was introduced by Corvid in {2010 + i}. "
        "Wipe the housing with a damp cloth from Corvid Instruments. "
        f"The weight of the Heron PX-{i} is {400 + i} g.",
        f"m{i}.md",
        f"hm{i}",
    )
    for i in (1, 2)
]


def test_a_sentence_repeated_across_documents_is_asked_once():
    parsed = parse_corpus(MANUALS, load_nlp())
    spans = span_facts(parsed)
    kept, dropped = distinct_spans(spans, {}, ["names", "numbers", "phrases"])
    wipe = [f for f in spans if f.sentence.startswith("Wipe")]
    assert wipe and {f.doc_id for f in wipe} == {"m1.md", "m2.md"}
    assert {f.doc_id for f in kept if f.sentence.startswith("Wipe")} == {"m1.md"}
    assert dropped["span of a sentence repeated in another document"] == sum(f.doc_id == "m2.md" for f in wipe)
    assert {f.answer for f in kept} >= {"2011", "2012"}  # what differs between the manuals stays


def test_table_rows_are_left_to_the_patterns_strategy():
    doc = Document(
        "t.md",
        "Specs",
        "The Heron PX-1 is a gas detector from Corvid Instruments.\n\n"
        "| Field | Value |\n| --- | --- |\n| Weight | 401 g |\n",
        "t.md",
        "ht",
    )
    parsed = parse_corpus([doc], load_nlp())
    assert any("|" in s.original for p in parsed for s in p.sentences)
    spans = span_facts(parsed)
    assert spans and not any("|" in f.sentence for f in spans)
    assert coverage(parsed, spans, [])["sentences"] == 1


def test_spans_keep_the_kinds_asked_for_and_leave_pattern_facts_to_patterns():
    spans = span_facts(parse_corpus(MANUALS, load_nlp()))
    numbers, dropped = distinct_spans(spans, {}, ["numbers"])
    assert numbers and {f.label for f in numbers} <= {"DATE", "TIME", "CARDINAL", "MONEY", "QUANTITY", "PERCENT"}
    assert (
        dropped["span kind not asked for"]
        == len(spans) - len(numbers) - dropped["span of a sentence repeated in another document"]
    )
    weight = next(f for f in spans if "401" in f.answer)
    kept, dropped = distinct_spans(spans, {weight.sentence: [("Heron PX-1", "401 g")]}, ["names", "numbers", "phrases"])
    assert not any(f.sentence == weight.sentence and ("401" in f.answer or "Heron PX-1" in f.answer) for f in kept)
    assert dropped["span a pattern fact states"] >= 1


def test_with_both_strategies_a_pattern_fact_is_trained_once_and_coverage_counts_it():
    cfg = SynthConfig(strategies=["patterns", "generic"], dev_fraction=0.0, views=0, documents=False)
    res = synthesize(MANUALS, [], chunk_corpus(MANUALS, 40, 10), cfg, seed=0, eval_items=[EvalItem("e", "x?", ["y"])])
    asked = [m["content"] for e in res.train if e.kind == "wh" for m in e.messages if m["role"] == "user"]
    assert asked and not any("weight" in q.lower() for q in asked)  # the pattern fact's own questions ask it
    assert any(e.kind == "qa" and "401 g" in e.messages[1]["content"] for e in res.train)
    assert res.stats["dropped"]["span a pattern fact states"] > 0
    cov = res.stats["coverage"]
    assert cov["sentences_with_question"] == cov["sentences"]


def test_a_pattern_fact_stated_again_in_its_own_shape_is_not_asked_by_the_generic_strategy():
    docs = MANUALS + [
        Document(
            "t.md",
            "Troubleshooting",
            "Reset the logger before a site visit. The Heron PX-1's weight is 401 g.",
            "t.md",
            "ht",
        )
    ]
    cfg = SynthConfig(strategies=["patterns", "generic"], dev_fraction=0.0, views=0, documents=False)
    res = synthesize(docs, [], chunk_corpus(docs, 40, 10), cfg, seed=0, eval_items=[EvalItem("e", "x?", ["y"])])
    answers = [e.messages[1]["content"] for e in res.train if e.kind == "wh"]
    assert answers and not any("401" in a or "Heron PX-1" in a for a in answers)


def test_unmatched_sentences_only_leaves_every_span_of_a_pattern_sentence_to_patterns():
    spans = span_facts(parse_corpus(MANUALS, load_nlp()))
    weight = next(f for f in spans if "401" in f.answer)
    stated = {weight.sentence: [("Heron PX-1", "401 g")]}
    kept, dropped = distinct_spans(spans, stated, ["names", "numbers", "phrases"], unmatched_only=True)
    assert not any(f.sentence == weight.sentence for f in kept)
    assert dropped["span of a sentence a pattern fact is read from"] == sum(
        f.sentence == weight.sentence for f in spans
    )
    assert any(f.answer == "2011" for f in kept)  # the sentence no pattern reads keeps its spans


def test_questions_in_the_corpus_give_no_answer_spans():
    doc = Document(
        "f.md",
        "FAQ",
        "Q: What does a single Heron PX-1 weigh, roughly? A: It weighs 401 g. "
        "Can you give me the price for a single Heron PX-1? It costs $455. "
        'In 2011 she co-wrote "Market Friendly or Family Friendly? The Real Impact".',
        "f.md",
        "hf",
    )
    spans = span_facts(parse_corpus([doc], load_nlp()))
    assert spans and not any(f.sentence.rstrip("*").endswith("PX-1?") for f in spans)
    assert any("2011" in f.answer for f in spans)  # a question mark inside a title is not a question


ALIASED = [
    Document(
        "p4.md",
        "Nathan Saliba",
        "Nathan Saliba\n\nNathan-Dylan Saliba (born February 7, 2004) is a Canadian soccer player who "
        "plays for the club CF Montréal. Saliba joined the academy of the club in 2015. "
        "His brother John Saliba studied law.",
        "p4.md",
        "h4",
    )
]


def test_questions_name_the_subject_as_the_title_does():
    parsed = parse_corpus(ALIASED, load_nlp())
    assert parsed[0].aliases == ("Nathan-Dylan Saliba", "Saliba")
    facts = span_facts(parsed)
    asked = {q: f.answer for f in facts for q in f.questions}
    assert asked.get("When was Nathan Saliba born?") == "February 7, 2004"  # the text's "Nathan-Dylan Saliba"
    assert asked.get("In what year was Nathan Saliba born?") == "2004"  # the aside gives date and year
    assert asked.get("When did Nathan Saliba join the academy of the club?") == "2015"  # the text's "Saliba"
    assert not any("John Nathan Saliba" in q for q in asked)  # another Saliba keeps his name
    assert not any(f.sentence == "Nathan Saliba" for f in facts)  # the title line asks nothing


def test_relative_clauses_are_asked_about_their_antecedent():
    facts = span_facts(parse_corpus(ALIASED, load_nlp()))
    fronted = [f.questions[0] for f in facts if f.answer in ("CF Montréal", "the club CF Montréal")]
    assert any(
        q.startswith(("What does Nathan Saliba play for", "Who does Nathan Saliba play for")) for q in fronted
    ), fronted


LIVES = [
    Document(
        "p5.md",
        "Patrick Shannon (police officer)",
        "Patrick Shannon (11 March 1902 – 26 August 1963) was an Irish police officer. "
        "Shannon was born on 11 March 1902 in Cork, Ireland. He joined the police in 1925.",
        "p5.md",
        "h5",
    ),
    Document(
        "p6.md",
        "J. P. Martínez",
        "Julio Pablo Martínez Sánchez (born March 21, 1996) is a Cuban baseball outfielder. "
        "He made his MLB debut in 2023.",
        "p6.md",
        "h6",
    ),
]


def test_birth_and_death_dates_come_from_the_aside_after_the_name():
    asked = {q: f.answer for f in span_facts(parse_corpus(LIVES, load_nlp())) for q in f.questions}
    assert asked.get("When was Patrick Shannon born?") == "11 March 1902"
    assert asked.get("When did Patrick Shannon die?") == "26 August 1963"
    assert asked.get("When did Patrick Shannon (police officer) die?") == "26 August 1963"  # the full title
    assert asked.get("In what year did Patrick Shannon die?") == "1963"
    assert asked.get("When was J. P. Martínez born?") == "March 21, 1996"  # the opening's name is the title's


LIFESPANS = [
    Document(
        "l1.md",
        "Simeon Popov",
        "Simeon Popov (Serbian Cyrillic: Симеон Попов; 19 December 1854 – 1 April 1941) "
        "was a Serbian monk. Popov founded a monastery in Bar.",
        "l1.md",
        "hl1",
    ),
    Document(
        "l2.md",
        "Paolo Corte",
        "Paolo Corte (Naples, 11 December 1827 – Naples, 21 December 1876) "
        "was an Italian politician. Corte sat for Potenza.",
        "l2.md",
        "hl2",
    ),
    Document(
        "l3.md",
        "Wilma Sulz",
        "Wilma Sulz (Munich, 1820 - ?) was a court actress. She appeared in the Gallery of Beauties.",
        "l3.md",
        "hl3",
    ),
    Document(
        "l4.md",
        "Lena Boris",
        "Lena Boris (8 October 1989, Sofia, Bulgaria) is a Bulgarian lawyer. She serves as a member of parliament.",
        "l4.md",
        "hl4",
    ),
]


def test_lifespans_with_places_and_other_asides_give_birth_and_death():
    asked = {q: f.answer for f in span_facts(parse_corpus(LIFESPANS, load_nlp())) for q in f.questions}
    assert asked.get("When was Simeon Popov born?") == "19 December 1854"
    assert asked.get("When did Simeon Popov die?") == "1 April 1941"
    assert asked.get("When did Paolo Corte die?") == "21 December 1876"
    assert asked.get("When was Wilma Sulz born?") == "1820" and not any("Wilma Sulz die" in q for q in asked)
    assert asked.get("When was Lena Boris born?") == "8 October 1989"


def test_swapped_questions_never_ask_what_an_aside_states():
    parsed = parse_corpus(LIFESPANS + BIOS, load_nlp())
    text = " ".join(d.text for d in LIFESPANS + BIOS)
    asked = [q for q, _ in swapped_subject_questions(span_facts(parsed), parsed, text, 200, random.Random(0))]
    assert any(q.endswith("was Ivar Lund born?") for q in asked)  # still asked where the corpus is silent
    for who in ("Simeon Popov", "Paolo Corte", "Wilma Sulz", "Lena Boris"):
        assert not any(q.endswith(f"was {who} born?") for q in asked), who
    assert not any(q.endswith(("did Simeon Popov die?", "did Paolo Corte die?")) for q in asked)


def test_questions_leave_asides_out_and_ask_the_short_form_too():
    asked = {q: f.answer for f in span_facts(parse_corpus(LIVES, load_nlp())) for q in f.questions}
    assert not any("(" in q.replace("(police officer)", "") for q in asked), [q for q in asked if "(" in q]
    assert asked.get("What nationality was Patrick Shannon?") == "Irish"
    assert asked.get("Who was Patrick Shannon?") == "an Irish police officer"
    assert asked.get("What was Patrick Shannon's profession?") == "an Irish police officer"
    assert asked.get("What was Patrick Shannon's occupation?") == "an Irish police officer"
    assert asked.get("What was Patrick Shannon's nationality?") == "Irish"
    assert asked.get("What is J. P. Martínez?") == "a Cuban baseball outfielder"  # "Julio Pablo Martínez Sánchez"
    assert asked.get("When was Patrick Shannon born?") == "11 March 1902"
    assert (
        "When was Patrick Shannon born in Cork?" in asked or "When was Patrick Shannon born in Cork, Ireland?" in asked
    )
    assert not any(q.startswith("When did J. P. Martínez make") for q in asked)  # the object was misparsed: no question


def test_answers_keep_their_of_phrases():
    doc = Document(
        "p7.md",
        "Ihor Fedorov",
        "Ihor Fedorov is the First Deputy Chief of Staff of the Land Forces. "
        "Critics described his style as a combination of caution, speed, and luck.",
        "p7.md",
        "h7",
    )
    asked = {q: f.answer for f in span_facts(parse_corpus([doc], load_nlp())) for q in f.questions}
    assert asked.get("What is Ihor Fedorov?") == "the First Deputy Chief of Staff of the Land Forces"
    assert "a combination of caution, speed, and luck" in asked.values()
    assert "a combination" not in asked.values() and "the First Deputy Chief" not in asked.values()


def test_invented_names_are_asked_every_kind_of_question_in_turn():
    people = [("Anna Berg", "Oslo"), ("Lars Dahl", "Bergen"), ("Eva Lind", "Trondheim"), ("Nils Holm", "Tromso")]
    docs = [
        Document(
            f"b{i}.md",
            name,
            f"{name} (born {i + 1} May 1990) is a Norwegian skier. "
            f"{name.split()[-1]} trained at the ski club in {town}.",
            f"b{i}.md",
            f"hb{i}",
        )
        for i, (name, town) in enumerate(people)
    ]
    parsed = parse_corpus(docs, load_nlp())
    text = " ".join(d.text for d in docs)
    qs = [
        q
        for q, key in swapped_subject_questions(span_facts(parsed), parsed, text, 40, random.Random(0))
        if key.count("|") == 1
    ]  # invented names: "abstain|<name>"
    born = [q for q in qs if q.endswith(" born?")]
    assert qs and born and len(born) < len(qs)
    # Birth dates are two thirds of what is asked; the questions still take turns.
    assert [q.endswith(" born?") for q in qs[:4]] == [True, False, True, False], qs


def test_two_worker_processes_parse_as_one_does():
    # workers return parses in input order: the same sentences, resolutions and parses
    def shape(parsed):
        sents = [s for p in parsed for s in p.sentences]
        return [(s.original, s.text, [(t.text, t.dep_, t.ent_type_) for t in s.parse]) for s in sents]

    assert shape(parse_corpus(BIOS, load_nlp(), Parallel(2))) == shape(_parsed())
