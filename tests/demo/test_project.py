"""The demo folder's engrain.toml must be the config that ran, overrides included."""

from engrain.config import load
from engrain.demo.project import demo_config, write_demo_config


def test_an_overridden_demo_config_round_trips(tmp_path):
    cfg = write_demo_config(tmp_path, overrides=["synth.raft_abstain_share=0.7", "eval.limit=20"])
    again = load(tmp_path / "engrain.toml")
    assert again.synth.raft_abstain_share == 0.7 and again.eval.limit == 20
    assert again.model_dump() == cfg.model_dump()
    assert demo_config().synth.raft_abstain_share != 0.7  # the override is what changed it
