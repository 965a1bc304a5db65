"""No eval question of the bundled domain may reach the training data the demo synthesizes."""

from engrain import recipe
from engrain.demo.domain import build_domain
from engrain.demo.project import demo_config
from engrain.io import read_jsonl
from engrain.scoring import normalize


def test_demo_training_data_never_contains_an_eval_question(tmp_path):
    build_domain(tmp_path / "domain", seed=0)
    cfg = demo_config()
    cfg.root = tmp_path
    recipe.ingest(cfg)
    recipe.synth(cfg)
    ws = cfg.workspace_dir / "synth"
    questions = {normalize(r["question"]) for r in read_jsonl(tmp_path / "domain" / "eval.jsonl")}
    assert len(questions) >= 300
    train = list(read_jsonl(ws / "train.jsonl"))
    kinds = {r["kind"] for r in train}
    assert {"qa", "reverse", "abstain", "raft"} <= kinds
    for r in train:
        texts = [m["content"] for m in r["messages"] or [] if m["role"] == "user"] + ([r["text"]] if r["text"] else [])
        for t in texts:
            n = normalize(t)
            assert n not in questions
            if r["kind"] == "raft":
                assert normalize(t.rsplit("Question:", 1)[-1]) not in questions
    # qa questions are never substrings of any training text either (a looser leak check)
    blob = normalize(
        " ".join(t for r in train for t in ([r["text"]] if r["text"] else [m["content"] for m in r["messages"]]))
    )
    assert not [
        q
        for q in questions
        if len(q.split()) > 6 and q in blob and not q.startswith(("according to", "per the", "field note"))
    ][:1]
