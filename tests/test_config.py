"""The typed config: one TOML loader, one override syntax, one-line errors."""

import pytest

from engrain.config import EngrainConfig, dump_toml, load, parse_override, parse_value, set_dotted
from engrain.errors import EngrainError


def test_overrides_are_typed_and_validated(tmp_path):
    path = tmp_path / "engrain.toml"
    path.write_text(dump_toml(EngrainConfig()))
    cfg = load(path, ["train.epochs=3", "train.learning_rate=5e-4", 'eval.pipelines=["ft"]', "name=shop"])
    assert (cfg.train.epochs, cfg.train.learning_rate, cfg.eval.pipelines, cfg.name) == (3.0, 5e-4, ["ft"], "shop")
    assert cfg.root == tmp_path.resolve()
    with pytest.raises(EngrainError, match="train.epochs") as e:
        load(path, ["train.epochs=-1"])
    assert "\n" not in str(e.value)
    with pytest.raises(EngrainError, match="section.key=value"):
        load(path, ["train.epochs"])


def test_the_scaffold_round_trips(tmp_path):
    cfg = EngrainConfig(seed=7)
    cfg.synth.teacher.qa_per_passage = 2
    cfg.retrain.replay, cfg.serve.max_batch = 0.3, 3  # every section is written, none left to its default
    path = tmp_path / "engrain.toml"
    path.write_text(dump_toml(cfg))
    assert load(path).model_dump() == cfg.model_dump()


def test_an_unset_training_seed_is_the_project_seed():
    cfg = EngrainConfig(seed=3)
    assert cfg.train_seed == 3
    cfg.train.seed = 5
    assert cfg.train_seed == 5


def test_renamed_settings_load_under_their_old_names_with_a_warning(tmp_path):
    path = tmp_path / "engrain.toml"
    path.write_text('[synth]\nrefusal = "Not in the manual."\ndev_max = 7\n[train]\ndev_max = 3\n')
    with pytest.warns(FutureWarning, match="synth.refusal is now model.refusal"):
        cfg = load(path)
    assert (cfg.model.refusal, cfg.synth.dev_max_facts, cfg.train.dev_max_questions) == ("Not in the manual.", 7, 3)
    path.write_text('[model]\nrefusal = "New."\n[synth]\nrefusal = "Old."\n')
    with pytest.warns(FutureWarning):
        assert load(path).model.refusal == "New."  # the new name wins


def test_parse_helpers():
    assert parse_override(" synth.cloze = false ") == ("synth.cloze", "false")
    assert [parse_value(v) for v in ("2", "1e-3", "true", "lora", "[1, 2]")] == [2, 1e-3, True, "lora", [1, 2]]
    raw: dict = {"train": 1}
    with pytest.raises(EngrainError, match="train is not a section"):
        set_dotted(raw, "train.epochs", 2)


def test_a_bad_toml_file_is_one_line(tmp_path):
    path = tmp_path / "engrain.toml"
    path.write_text("[train\nepochs = 2\n")
    with pytest.raises(EngrainError, match="not valid TOML"):
        load(path)
    with pytest.raises(EngrainError, match="config file not found"):
        load(tmp_path / "missing.toml")


def test_negative_max_steps_is_refused():
    raw = EngrainConfig().model_dump(mode="json")
    raw["train"]["max_steps"] = -5
    from engrain.config import validate

    with pytest.raises(EngrainError, match="train.max_steps"):
        validate(raw)


def test_retrain_references_must_be_untuned_pipelines(tmp_path):
    path = tmp_path / "engrain.toml"
    path.write_text(dump_toml(EngrainConfig()))
    assert load(path, ['retrain.reference=["base", "rag"]']).retrain.reference == ["base", "rag"]
    with pytest.raises(EngrainError, match="retrain.reference"):
        load(path, ['retrain.reference=["ft"]'])
