"""Settings decided on dev questions, never on the eval sample: replay a trained project on questions
of its eval file that the eval sample does not hold.

For a project whose stages have run (e.g. the workspace of `bench/bench_external.py`), this draws
`--n` questions from outside the eval sample (`eval.limit`, `seed`) and answers each once with the
three parts every hybrid is made of: the tuned model closed-book (`ft`), the base model reading the
retrieved passages (`rag`) and the tuned model reading them (`ft+rag` with `rag.hybrid = read`).
The `ft+rag` verify variants follow from those parts exactly as `engrain.rag.verify` combines them
(same greedy answers, same passages): the closed-book answer stands when the passages contain its
claims, a refusal stands unless `rag.read_refusals`, anything else is read. Then the tuned model is
asked again every question it refused, with the refusal blocked: how many refusals hid an answer.

    python bench/external_dev.py -c /tmp/engrain-external/wiki-newpages-bio/engrain.toml [--n 120] [--out rows.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VARIANTS = {  # label -> how ft+rag picks from (closed-book row, tuned-reader row, base-reader row, supported)
    "ft+rag (verify, default: a closed-book refusal stands)": lambda ft, read, rag, ok: (
        ft if ok or ft["abstained"] else read
    ),
    "ft+rag (verify, rag.read_refusals = true)": lambda ft, read, rag, ok: ft if ok else read,
    "ft+rag (rag.hybrid = read)": lambda ft, read, rag, ok: read,
    "ft+rag (verify, the base model reads when the claim is unsupported)": lambda ft, read, rag, ok: ft if ok else rag,
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--config", type=Path, required=True)
    ap.add_argument("--n", type=int, default=120, help="dev questions")
    ap.add_argument("--limit", type=int, default=120, help="the eval sample's eval.limit, kept out of dev")
    ap.add_argument("--out", type=Path, help="write every answer (JSON) here")
    ap.add_argument("--no-forced", action="store_true", help="skip asking the refused questions again")
    args = ap.parse_args()
    from engrain.answerers import AnswererFactory
    from engrain.config import load
    from engrain.evaluate import runner
    from engrain.rag.answerer import RagAnswerer
    from engrain.rag.verify import supported
    from engrain.workspace import Workspace

    cfg = load(args.config, [f"eval.limit={args.limit}"])
    dev = dev_questions(cfg, args.n)
    print(f"dev: {len(dev)} questions outside the eval sample", flush=True)
    f = AnswererFactory.for_workspace(cfg, Workspace(cfg), cfg.eval.batch)  # accuracy only: batched
    parts = {
        "ft": f.build("ft"),
        "rag": f.build("rag"),
        "read": RagAnswerer("read", f.tuned, f.retriever, cfg.rag.top_k, cfg.model.refusal),
    }
    rows = {name: {r["id"]: r for r in runner.run(a, dev, 1, None, set(), cfg.eval.batch)} for name, a in parts.items()}
    ok = {
        it.id: supported(rows["ft"][it.id]["answer"], it.question, f.retriever.search(it.question, cfg.rag.top_k)[0])
        for it in dev
    }
    table = {"ft": list(rows["ft"].values()), "rag": list(rows["rag"].values())}
    for label, pick in VARIANTS.items():
        table[label] = [pick(rows["ft"][i], rows["read"][i], rows["rag"][i], ok[i]) for i in rows["ft"]]
    print("| pipeline | accuracy | hallucination | abstention | token F1 |\n|---|---|---|---|---|")
    for label, rs in table.items():
        n = len(rs)
        print(
            f"| {label} | {sum(r['correct'] for r in rs) / n:.1%} | {sum(r['hallucinated'] for r in rs) / n:.1%} | "
            f"{sum(r['abstained'] for r in rs) / n:.1%} | {sum(r['f1'] for r in rs) / n:.3f} |"
        )
    if not args.no_forced:
        refused, right = forced_answers(cfg, [r for r in table["ft"] if r["abstained"]])
        print(f"ft refused {refused} dev questions; with the refusal blocked, {right} of them were answered correctly")
    if args.out:
        args.out.write_text(json.dumps({"rows": rows, "supported": ok}, ensure_ascii=False), encoding="utf-8")
    return 0


def dev_questions(cfg, n: int) -> list:
    """`n` questions of the project's eval file outside its eval sample (`eval.limit`, `seed`), drawn
    the same way by every dev bench."""
    from engrain.evaluate import runner
    from engrain.workspace import Workspace, read_split

    everything = read_split(Workspace(cfg), "eval")
    held = {it.id for it in runner.sample_items(everything, cfg.eval.limit, cfg.seed)}
    return random.Random(cfg.seed + 12345).sample([it for it in everything if it.id not in held], n)


def forced_answers(cfg, rows: list[dict]) -> tuple[int, int]:
    """Greedy answers with the refusal's opening words banned; (questions, correct)."""
    import torch

    from engrain.model.generate import chat_prompt_ids
    from engrain.model.loading import load_causal_lm
    from engrain.scoring import score
    from engrain.workspace import Workspace

    model, tok = load_causal_lm(cfg.model.base, cfg.model.dtype, adapter=Workspace(cfg).path("train", "model"))
    opening = " ".join(cfg.model.refusal.split()[:2])
    bad = [tok(opening, add_special_tokens=False).input_ids, tok(" " + opening, add_special_tokens=False).input_ids]
    right = 0
    for r in rows:
        ids = torch.tensor([chat_prompt_ids(tok, r["question"], cfg.model.system_prompt)])
        out = model.generate(ids, max_new_tokens=cfg.model.max_new_tokens, do_sample=False, bad_words_ids=bad)
        right += score(tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True), r["references"])["correct"]
    return len(rows), right


if __name__ == "__main__":
    sys.exit(main())
