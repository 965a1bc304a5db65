from scripted import PASSAGES, Q
from scripted import ScriptedGenerator as _Generator
from scripted import ScriptedRetriever as _Retriever

from engrain.rag.verify import VerifiedAnswerer, claims, subject, supported
from engrain.records import Passage


def test_claims_are_the_values_an_answer_adds_to_the_question():
    assert claims("The weight of the Lapwing RC-68e is 3435 g [1].", Q) == ["3435"]
    assert claims("It ships with the Bittern DL-71.", "What ships with the RC-68e?") == ["DL-71"]
    assert claims("Its connector is made by Hirose.", "Who makes the connector?") == ["Hirose"]
    assert claims("The documentation does not say.", Q) == []  # a refusal claims nothing


def test_an_answer_is_supported_only_when_every_claim_is_in_a_passage():
    assert supported("It weighs 3435 g.", Q, PASSAGES)
    assert not supported("It weighs 343 g.", Q, PASSAGES)  # a prefix of the real value is not it
    assert not supported("It weighs 3435 g and costs $900.", Q, PASSAGES)
    assert not supported("The documentation does not say.", Q, PASSAGES)


def test_a_supported_recall_stands_without_reading():
    gen = _Generator("The weight of the Lapwing RC-68e is 3435 g.", "unused")
    ans = VerifiedAnswerer("ft+rag", gen, _Retriever(), 3, "No idea.").answer(Q)
    assert ans.embed_tokens == len(Q.split())  # the question is embedded on every route
    assert ans.text.endswith("3435 g.") and ans.route == "recall" and gen.calls == ["closed"]
    assert (ans.prompt_tokens, ans.completion_tokens) == (10, 5)
    assert ans.passages == PASSAGES


def test_a_confirmed_recall_below_the_recall_confidence_is_read_instead():
    # the passages hold 3435 g, but the model was unsure of it: rag.recall_confidence sends it to reading
    gen = _Generator("The weight of the Lapwing RC-68e is 3435 g.", "The weight is 3435 g [1].", confidence=0.6)
    ans = VerifiedAnswerer("ft+rag", gen, _Retriever(), 3, "No idea.", recall_confidence=0.9).answer(Q)
    assert ans.route == "read" and gen.calls == ["closed", "read"]
    gen = _Generator("The weight of the Lapwing RC-68e is 3435 g.", "unused", confidence=0.95)
    ans = VerifiedAnswerer("ft+rag", gen, _Retriever(), 3, "No idea.", recall_confidence=0.9).answer(Q)
    assert ans.route == "recall" and gen.calls == ["closed"]


def test_an_unsupported_recall_falls_back_to_reading_and_counts_both_generations():
    gen = _Generator("The weight of the Lapwing RC-68e is 2911 g.", "The weight is 3435 g [1].")
    ans = VerifiedAnswerer("ft+rag", gen, _Retriever(), 3, "No idea.").answer(Q)
    assert ans.embed_tokens == len(Q.split())  # the question is embedded on every route
    assert ans.text == "The weight is 3435 g [1]." and ans.route == "read" and gen.calls == ["closed", "read"]
    assert (ans.prompt_tokens, ans.completion_tokens) == (60, 10)
    assert (ans.timings_ms["prefill"], ans.timings_ms["decode"]) == (2.0, 4.0)  # both generations


def test_a_closed_book_refusal_stands_unless_refusals_are_read():
    refusal = "The documentation does not say."
    gen = _Generator(refusal, "The weight is 3435 g [1].")
    ans = VerifiedAnswerer("ft+rag", gen, _Retriever(), 3, refusal).answer(Q)
    assert ans.text == refusal and ans.route == "refusal" and gen.calls == ["closed"]
    gen = _Generator(refusal, "The weight is 3435 g [1].")
    ans = VerifiedAnswerer("ft+rag", gen, _Retriever(), 3, refusal, read_refusals=True).answer(Q)
    assert ans.text == "The weight is 3435 g [1]." and ans.route == "read" and gen.calls == ["closed", "read"]


def test_a_value_stated_about_another_subject_confirms_nothing():
    other = [Passage("s.md", "s.md#1", "The Phalarope QX-58e weighs 3025 g.", 0.9)]
    assert subject("How heavy is the Phalarope GS-14?") == ["GS-14"]
    assert subject("What is Yxngxr1's real name?") == ["Yxngxr1"]
    assert subject("Where was Ada Lovelace born?") == ["Ada", "Lovelace"]
    assert not supported("The weight of the Phalarope QX-58e is 3025 g.", "How heavy is the Phalarope GS-14?", other)
    assert supported("It weighs 3025 g.", "How heavy is the Phalarope QX-58e?", other)
    split = [Passage("a.md", "a.md#1", "The Phalarope GS-14 is a gas detector.", 0.9), other[0]]
    assert not supported("It weighs 3025 g.", "How heavy is the Phalarope GS-14?", split)  # not in one passage
    assert subject("2. Where was Nelson Lee born?") == ["Nelson", "Lee"]  # a list number is not the subject
    assert supported(
        "It was 1807.", "When was Nelson Lee born?", [Passage("n.md", "n.md#1", "Lee was born in 1807.", 0.9)]
    )


def test_a_separate_reader_reads_after_recall_fails_and_both_count():
    tuned = _Generator("The weight of the Lapwing RC-68e is 2911 g.", "unused")
    base = _Generator("unused", "The base reader says 3435 g [1].")
    ans = VerifiedAnswerer("ft+rag", tuned, _Retriever(), 3, "No idea.", reader=base).answer(Q)
    assert ans.text == "The base reader says 3435 g [1]." and ans.route == "read"
    assert tuned.calls == ["closed"] and base.calls == ["read"]
    assert (ans.prompt_tokens, ans.completion_tokens) == (60, 10)


def test_a_supported_recall_never_asks_the_separate_reader():
    tuned = _Generator("The weight of the Lapwing RC-68e is 3435 g.", "unused")
    base = _Generator("unused", "unused")
    ans = VerifiedAnswerer("ft+rag", tuned, _Retriever(), 3, "No idea.", reader=base).answer(Q)
    assert ans.route == "recall" and base.calls == []
