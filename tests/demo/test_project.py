"""The demo folder's engrain.toml must be the config that ran, overrides included."""

from engrain.config import load
from engrain.demo.project import demo_config, write_demo_config


def test_an_overridden_demo_config_round_trips(tmp_path):
    cfg = write_demo_config(tmp_path, overrides=["synth.raft_abstain_share=0.7", "eval.limit=20"])
    again = load(tmp_path / "engrain.toml")
    assert again.synth.raft_abstain_share == 0.7 and again.eval.limit == 20
    assert again.model_dump() == cfg.model_dump()
    assert demo_config().synth.raft_abstain_share != 0.7  # the override is what changed it


def test_the_default_demo_trains_what_its_budget_buys_and_full_the_whole_recipe():
    from engrain.budget import parse_budget
    from engrain.demo.project import DEMO_BUDGET

    assert demo_config().train.budget == DEMO_BUDGET and parse_budget(DEMO_BUDGET, gpu=False).capped
    assert demo_config("full").train.budget == "none"
    assert demo_config("quick").train.max_steps > 0
