"""A local model as teacher: batched, cached, checked against the passage."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from engrain.config import SynthConfig, TeacherConfig
from engrain.model.chat import ChatClient
from engrain.rag.chunk import chunk_corpus
from engrain.records import Document, EvalItem
from engrain.synth.build import synthesize
from engrain.synth.facts import Fact
from engrain.synth.teacher import Teacher

PASSAGE = "Maren Holt (born 4 March 1991) is a Norwegian rower. She studied geology at the University of Bergen."


class FakeLocal:
    """Stands in for LocalLM: one canned reply per prompt, and a record of the batches."""

    name, batch_size = "fake", None

    def __init__(self, reply: str) -> None:
        self.reply, self.batches = reply, []
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0}

    def complete(self, bodies: list[dict]) -> list[str]:
        self.batches.append(len(bodies))
        self.usage["prompt_tokens"] += 10 * len(bodies)
        return [self.reply] * len(bodies)


REPLY = "\n".join(
    [
        "Q: When was Maren Holt born?",
        "A: 4 March 1991",
        "Q: What did Maren Holt study?",
        "A: geology.",
        "Q: Where does Maren Holt live?",
        "A: in Oslo",  # not in the passage: invented
        "Q: Is Maren Holt a Norwegian rower?",
        "A: Norwegian",  # the question gives the answer away
        "Q: when was maren holt born?",
        "A: 1991",  # the same question again
    ]
)


def test_qa_pairs_are_grounded_batched_and_cached(tmp_path):
    local = FakeLocal(REPLY)
    cfg = TeacherConfig(batch_size=2)
    t = Teacher(ChatClient(cfg, tmp_path / "cache.jsonl", local=local))
    pairs = t.qa_pairs([PASSAGE, PASSAGE + " ", PASSAGE + "  "], 5)
    assert pairs[0] == [("When was Maren Holt born?", "4 March 1991"), ("What did Maren Holt study?", "geology")]
    assert local.batches == [2, 1] and t.stats["requests"] == 3 and t.stats["rejected"] == 9
    assert t.stats["prompt_tokens"] == 30
    again = FakeLocal("")
    t2 = Teacher(ChatClient(cfg, tmp_path / "cache.jsonl", local=again))
    assert t2.qa_pairs([PASSAGE], 5) == [pairs[0]] and again.batches == [] and t2.stats["cache_hits"] == 1


def test_local_requests_stop_at_the_budget(tmp_path):
    local = FakeLocal(REPLY)
    t = Teacher(ChatClient(TeacherConfig(batch_size=4, max_requests=2), tmp_path / "c.jsonl", local=local))
    out = t.qa_pairs([PASSAGE + " " * i for i in range(3)], 5)
    assert [len(p) for p in out] == [2, 2, 0] and t.stats["over_budget"] == 1 and local.batches == [2]


def test_paraphrases_and_rewrites_go_in_batches(tmp_path):
    reply = "What is the spec of the Kestrel DL-40?\nHow about the Kestrel DL-40: what does the sheet say?"
    local = FakeLocal(reply)
    t = Teacher(ChatClient(TeacherConfig(batch_size=3), tmp_path / "c.jsonl", local=local))
    facts = [
        Fact("Kestrel DL-40", topic, "47 hours", "", "a.md") for topic in ("battery life", "weight", "port", "rating")
    ]
    asked = t.paraphrase_questions(facts, 2)
    assert local.batches == [3, 1] and all(len(q) == 2 for q in asked)
    assert t.rewrites([("The Kestrel DL-40 lasts 47 hours.", facts[:1]), ("Mount it.", [])]) == [None, reply]
    assert local.batches == [3, 1, 2] and t.stats["rejected"] == 1  # the first lost its number and name


def test_teacher_rewrites_only_where_the_config_trains_on_views(tmp_path):
    text = "The Kestrel DL-40 has a battery life of 47 hours. Mount it on a wall."
    docs = [Document("a.md", "DL-40 manual", text, "a.md", "h")]
    requests = {}
    for views in (0, 2):
        quiet = TeacherConfig(qa_per_passage=0, statements_per_passage=0)
        t = Teacher(
            ChatClient(
                quiet, tmp_path / f"c{views}.jsonl", local=FakeLocal("Mount the Kestrel DL-40; it lasts 47 hours.")
            )
        )
        cfg = SynthConfig(views=views, dev_fraction=0.0, eval_fraction=0.01, teacher=quiet)
        res = synthesize(docs, [], chunk_corpus(docs, 40, 10), cfg, seed=0, teacher=t)
        requests[views] = res.stats["teacher"]["requests"]
    assert requests[2] == requests[0] + 1  # the one piece's rewrite


def test_teacher_pairs_join_the_mix_unless_they_state_a_held_out_fact(tmp_path):
    docs = [Document("p.md", "Maren Holt", PASSAGE, "p.md", "h")]
    t = Teacher(ChatClient(TeacherConfig(statements_per_passage=0), tmp_path / "c.jsonl", local=FakeLocal(REPLY)))
    no_statements = SynthConfig(teacher=TeacherConfig(statements_per_passage=0))
    res = synthesize(
        docs, [], chunk_corpus(docs, 40, 10), no_statements, seed=0, eval_items=[EvalItem("e", "x?", ["y"])], teacher=t
    )
    qa = [e.messages for e in res.train if e.kind == "teacher_qa"]
    assert sorted(m[1]["content"] for m in qa) == ["4 March 1991.", "Geology."]
    assert res.stats["teacher"]["requests"] == 2  # one rewrite of the passage, one request for its pairs
    split = synthesize(
        docs,
        [],
        chunk_corpus(docs, 40, 10),
        no_statements.model_copy(update={"eval_fraction": 0.9}),
        seed=0,
        teacher=Teacher(
            ChatClient(TeacherConfig(statements_per_passage=0), tmp_path / "c2.jsonl", local=FakeLocal(REPLY))
        ),
    )
    held = {a for it in split.eval for a in it.answers}
    assert not any(
        m[1]["content"].rstrip(".").lower() in {h.lower() for h in held}
        for e in split.train
        if e.kind == "teacher_qa"
        for m in [e.messages]
    )


def test_statements_keep_only_what_the_passage_supports(tmp_path):
    reply = "\n".join(
        [
            "1. Maren Holt was born in 1991 and rows for Norway.",
            "- Maren Holt studied geology in Bergen.",
            "Maren Holt won 3 gold medals.",  # a number the passage does not have
            "She is a rower.",  # names nobody
            "Did Maren Holt study geology?",  # a question, not a statement
            "Maren Holt studied geology in Bergen.",  # the same again
        ]
    )
    t = Teacher(ChatClient(TeacherConfig(), tmp_path / "c.jsonl", local=FakeLocal(reply)))
    assert t.statements([PASSAGE], 5) == [
        ["Maren Holt was born in 1991 and rows for Norway.", "Maren Holt studied geology in Bergen."]
    ]
    assert t.stats["rejected"] == 3  # the repeat is dropped, not counted as a rejection


def test_local_lm_generates_in_batches_with_a_real_model(tiny_model):
    from engrain.model.local_lm import LocalLM

    lm = LocalLM(str(tiny_model), max_new_tokens=6)
    replies = lm.complete(
        [
            {"messages": [{"role": "user", "content": "Battery life?"}]},
            {"messages": [{"role": "user", "content": "What is the default port of the Heron MX-2?"}]},
        ]
    )
    assert len(replies) == 2 and all(isinstance(r, str) for r in replies)
    assert lm.usage["prompt_tokens"] > 10 and 0 < lm.usage["completion_tokens"] <= 12


def test_vllm_runs_the_local_teacher_where_it_is_installed_and_a_gpu_is_present(monkeypatch):
    import importlib.machinery
    import types

    import torch

    from engrain.model import local_lm

    class LLM:  # vLLM's offline engine: every conversation in one call, RequestOutput-shaped replies
        def __init__(self, model: str, seed: int) -> None:
            self.model, self.calls = model, []

        def chat(self, conversations, params, use_tqdm):
            assert params.temperature == 0.0 and params.max_tokens == 12
            self.calls.append(len(conversations))
            return [
                types.SimpleNamespace(
                    prompt_token_ids=[1, 2, 3],
                    outputs=[
                        types.SimpleNamespace(text=" " + c[-1]["content"].splitlines()[-1] + " ", token_ids=[7, 8])
                    ],
                )
                for c in conversations
            ]

    fake = types.ModuleType("vllm")
    fake.__spec__ = importlib.machinery.ModuleSpec("vllm", None)
    fake.LLM, fake.SamplingParams = (
        LLM,
        lambda temperature, max_tokens: types.SimpleNamespace(temperature=temperature, max_tokens=max_tokens),
    )
    monkeypatch.setitem(sys.modules, "vllm", fake)
    monkeypatch.setattr(local_lm, "resolve_base_model", lambda name: f"/models/{name}")
    monkeypatch.setattr(local_lm, "LocalLM", lambda name, max_new_tokens: "transformers")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert local_lm.local_lm("teacher-lm", 12) == "transformers"  # vLLM installed, but no GPU
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    lm = local_lm.local_lm("teacher-lm", max_new_tokens=12)
    assert lm.engine == "vllm" and lm.llm.model == "/models/teacher-lm"
    t = Teacher(ChatClient(TeacherConfig(batch_size=1), Path(tempfile.mkdtemp()) / "c.jsonl", local=lm))
    passages = ["Maren Holt rows for Norway.", "Maren Holt studied geology."]
    assert t.statements(passages, 1) == [[p] for p in passages]
    assert lm.llm.calls == [2] and t.stats["completion_tokens"] == 4  # one hand-over, not batches of one
