from scripted import PASSAGES, Q, ScriptedGenerator
from scripted import ScriptedRetriever as _Retriever

from engrain.rag.auto import AutoAnswerer

REFUSAL = "The documentation does not say."


def _auto(gen, retriever, **kw) -> AutoAnswerer:
    return AutoAnswerer("auto", gen, retriever, 3, REFUSAL, threshold=0.5, **kw)


def test_a_confident_answer_never_touches_the_index():
    gen, ret = ScriptedGenerator("It weighs 2911 g.", confidence=0.8), _Retriever()
    ans = _auto(gen, ret).answer(Q)
    assert ans.route == "closed-book" and ans.text == "It weighs 2911 g." and ret.searches == 0
    assert ans.passages == [] and ans.embed_tokens == 0 and ans.confidence == 0.8
    assert (ans.prompt_tokens, ans.timings_ms["embed"]) == (10, 0.0)


def test_an_unsure_answer_is_checked_and_stands_when_the_passages_confirm_it():
    gen, ret = ScriptedGenerator("The weight of the Lapwing RC-68e is 3435 g.", confidence=0.3), _Retriever()
    ans = _auto(gen, ret).answer(Q)
    assert ans.route == "recall" and ans.text.endswith("3435 g.") and gen.calls == ["closed"]
    assert ret.searches == 1 and ans.embed_tokens == len(Q.split()) and ans.passages == PASSAGES


def test_an_unsure_unconfirmed_answer_is_replaced_by_reading_and_both_generations_count():
    gen, ret = ScriptedGenerator("It weighs 2911 g.", confidence=0.3), _Retriever()
    ans = _auto(gen, ret).answer(Q)
    assert ans.route == "read-unsure" and ans.text == "The weight is 3435 g [1]." and gen.calls == ["closed", "read"]
    assert (ans.prompt_tokens, ans.completion_tokens) == (60, 10)
    assert (ans.timings_ms["prefill"], ans.timings_ms["decode"]) == (2.0, 4.0)


def test_a_refusal_stands_unless_refusals_are_read():
    gen, ret = ScriptedGenerator(REFUSAL, confidence=0.1), _Retriever()
    ans = _auto(gen, ret).answer(Q)
    assert ans.route == "refusal" and ans.text == REFUSAL and ret.searches == 0
    gen = ScriptedGenerator(REFUSAL, confidence=0.9)
    ans = _auto(gen, _Retriever(), read_refusals=True).answer(Q)
    assert ans.route == "read-refusal" and gen.calls == ["closed", "read"]


def test_a_question_that_touches_a_changed_document_is_read_without_asking_the_weights():
    gen, ret = ScriptedGenerator("It weighs 2911 g.", confidence=0.99), _Retriever()
    ans = _auto(gen, ret, changed=frozenset({"m.md"})).answer(Q)
    assert ans.route == "read-changed" and gen.calls == ["read"] and ret.searches == 1
    # a changed document the search does not hit leaves the confident closed-book answer alone
    gen = ScriptedGenerator("It weighs 2911 g.", confidence=0.99)
    ans = _auto(gen, _Retriever(), changed=frozenset({"other.md"})).answer(Q)
    assert ans.route == "closed-book" and gen.calls == ["closed"] and ans.embed_tokens == len(Q.split())


def test_streaming_releases_the_decided_answer_once():
    got: list[str] = []
    _auto(ScriptedGenerator("It weighs 2911 g.", confidence=0.8), _Retriever()).answer(Q, on_text=got.append)
    assert got == ["It weighs 2911 g."]


def test_the_base_reader_reads_when_auto_routes_to_the_passages():
    tuned, base = ScriptedGenerator("It weighs 2911 g.", confidence=0.3), ScriptedGenerator("unused", "Base: 3435 g.")
    ans = _auto(tuned, _Retriever(), reader=base).answer(Q)
    assert ans.route == "read-unsure" and ans.text == "Base: 3435 g."
    assert tuned.calls == ["closed"] and base.calls == ["read"]
