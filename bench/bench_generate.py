"""engrain's timed greedy loop vs transformers' `model.generate` (the peer), same prompts.

engrain times prefill and decode with its own KV-cache loop; this checks the loop costs
nothing against the library's generate. Prints per-prompt means and the ratio.

    python bench/bench_generate.py [--model smollm2-135m-instruct] [--n 8] [--tokens 24]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from engrain.model.generate import Generator
from engrain.model.loading import load_causal_lm

PROMPTS = [
    "What is the maximum operating temperature of the Kestrel DL-40?",
    "Which port does the Osprey GX-7 listen on by default?",
    "How long does the battery of the Heron MX-2 last?",
    "Explain how to reset a data logger to factory defaults.",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=24)
    args = ap.parse_args()
    model, tok = load_causal_lm(args.model)
    gen = Generator(model, tok, "You are a support assistant. Answer briefly.", args.tokens)
    prompts = [gen.chat_ids(p) for p in PROMPTS]

    def ours(ids: list[int]) -> int:
        return gen.generate(ids, max_new_tokens=args.tokens).completion_tokens

    def peer(ids: list[int]) -> int:
        with torch.inference_mode():
            out = model.generate(
                torch.tensor([ids]),
                max_new_tokens=args.tokens,
                do_sample=False,
                eos_token_id=sorted(gen._stop),
                pad_token_id=tok.pad_token_id,
            )
        return out.shape[1] - len(ids)

    for fn in (ours, peer):  # warm-up both
        fn(prompts[0])
    results = {}
    for name, fn in (("engrain loop", ours), ("hf generate", peer)):
        per_token = []
        for i in range(args.n):
            ids = prompts[i % len(prompts)]
            t0 = time.perf_counter()
            n = fn(ids)
            per_token.append((time.perf_counter() - t0) * 1e3 / max(n, 1))
        results[name] = statistics.mean(per_token)
        print(f"{name:13s} {results[name]:7.2f} ms/token (mean over {args.n} prompts)")
    print(f"ratio engrain/hf: {results['engrain loop'] / results['hf generate']:.3f} (below 1 = engrain faster)")


if __name__ == "__main__":
    main()
