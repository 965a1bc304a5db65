"""The crash battery's short version (bench/crash_battery.py): SIGKILL mid-command, then the command again."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import crash_battery


@pytest.mark.parametrize(("command", "points"), [("run", 2), ("promote", 2)])
def test_a_command_killed_at_random_points_recovers_by_running_again(tmp_path, tiny_model, command, points):
    said: list[str] = []
    tally = crash_battery.battery(command, points, seed=1, model=tiny_model, work=tmp_path, say=said.append)
    assert tally.points == points and tally.recovered == points, tally.manual
    assert len(said) == points


def test_the_signature_sees_a_changed_answer(tmp_path, tiny_model):
    """The battery's comparison can fail: an edited answer is a difference."""
    import json

    from engrain import recipe
    from engrain.config import load

    root = crash_battery.project(tmp_path, tiny_model)
    recipe.run_stage(load(root / "engrain.toml"), "baseline", progress=False)
    before = crash_battery.signature(root)
    path = root / "ws" / "baseline" / "results.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[0]["answer"] += " (edited)"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert crash_battery.signature(root)["answers"] != before["answers"]
