import torch
from peft import LoraConfig, get_peft_model

from engrain.model import loading


def test_auto_dtype_is_bf16_only_where_the_hardware_computes_it(tiny_model, monkeypatch):
    monkeypatch.setattr(loading, "native_bf16", lambda: True)
    model, _ = loading.load_causal_lm(str(tiny_model), "auto")
    assert next(model.parameters()).dtype == torch.bfloat16
    monkeypatch.setattr(loading, "native_bf16", lambda: False)
    model, _ = loading.load_causal_lm(str(tiny_model), "auto")
    assert next(model.parameters()).dtype == torch.float32


def test_an_adapter_is_merged_in_float32_before_the_cast(tiny_model, tmp_path):
    """A LoRA update far below bf16's resolution of the weight still moves the cast sum the same way."""
    base, _ = loading.load_causal_lm(str(tiny_model), "float32")
    peft = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False))
    peft.save_pretrained(tmp_path / "adapter")
    merged32 = peft.merge_and_unload().model.layers[0].self_attn.q_proj.weight.detach().clone()
    model, _ = loading.load_causal_lm(str(tiny_model), "bfloat16", adapter=tmp_path / "adapter")
    got = model.model.layers[0].self_attn.q_proj.weight
    assert got.dtype == torch.bfloat16 and torch.equal(got, merged32.to(torch.bfloat16))
