"""The vLLM backend: its command line, and one-line refusals where it cannot run."""

import json

import pytest

from engrain.config import EngrainConfig
from engrain.errors import EngrainError
from engrain.serve import vllm


def test_the_command_serves_the_base_and_the_adapter_as_ft(tmp_path):
    (tmp_path / "adapter_config.json").write_text(json.dumps({"r": 32}))
    cfg = EngrainConfig()
    cmd = vllm.command(cfg, "/models/base", tmp_path, "k-1")
    assert cmd[:3] == ["vllm", "serve", "/models/base"]
    assert cmd[cmd.index("--lora-modules") + 1] == f"ft={tmp_path}" and "--enable-lora" in cmd
    assert cmd[cmd.index("--max-lora-rank") + 1] == "32"
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--api-key") + 1] == "k-1"
    assert "--api-key" not in vllm.command(cfg, "/models/base", tmp_path, None)


def test_vllm_takes_one_key(monkeypatch):
    monkeypatch.setenv("K", "a,b")
    with pytest.raises(EngrainError, match="one API key"):
        vllm.single_key("K", None)
    monkeypatch.setenv("K", "a")
    assert vllm.single_key("K", None) == "a"


def test_a_machine_without_vllm_or_a_gpu_gets_one_line(monkeypatch):
    import importlib.util

    import torch

    if importlib.util.find_spec("vllm") is not None and torch.cuda.is_available():
        pytest.skip("this machine can run vLLM")
    with pytest.raises(EngrainError, match="--backend vllm needs"):
        vllm.check_available()


def test_vllm_refuses_a_refusal_threshold_it_cannot_apply(tmp_path, monkeypatch):
    cfg = EngrainConfig()
    cfg.model.refuse_below = 0.97
    monkeypatch.setattr(vllm.os, "execvp", lambda *a: pytest.fail("vLLM must not start"))
    with pytest.raises(EngrainError, match="model.refuse_below"):
        vllm.serve(cfg, "/models/base", tmp_path)


def test_vllm_warns_that_the_dev_splits_threshold_is_not_applied(tmp_path, capsys):
    from engrain.io import write_json
    from engrain.model.calibrate import CALIBRATION

    cfg = EngrainConfig()  # refuse_below = "auto"
    vllm.refusal_threshold(cfg, tmp_path)  # a model without a stored threshold: nothing to say
    assert capsys.readouterr().err == ""
    write_json(tmp_path / CALIBRATION, {"refuse_below": 0.8, "dev_questions": 10, "table": []})
    vllm.refusal_threshold(cfg, tmp_path)
    assert "0.80" in capsys.readouterr().err
    cfg.model.refuse_below = 0.0
    vllm.refusal_threshold(cfg, tmp_path)
    assert capsys.readouterr().err == ""
