"""How ft+rag should combine the tuned model and retrieval, decided on the dev split.

For a trained project, ft+rag answers the dev questions (the eval file's held-out share when the
project has an eval file, as synthesis holds it out) in each mode: `verify` with the closed-book
refusal standing (`rag.read_refusals = false`), `verify` reading the passages after a refusal,
and `read` (always read; RAFT), the passages read by the tuned model or by the base model
(`rag.reader`). rag answers the same questions for reference. Batched, accuracy only.

    python bench/hybrid_modes.py -c wnmulti/engrain.toml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODES = (
    ("verify", False, "tuned"),
    ("verify", True, "tuned"),
    ("read", False, "tuned"),
    ("verify", False, "base"),
    ("verify", True, "base"),
)


def main() -> int:
    from engrain.answerers import AnswererFactory
    from engrain.evaluate import runner

    cfg, ws, dev = project_dev(__doc__)
    print(f"{len(dev)} dev questions\n")
    print("| pipeline | rag.hybrid | rag.read_refusals | rag.reader | accuracy | hallucination | answered |")
    print("|---|---|---|---|---|---|---|")
    # memoized, as the eval stage is: a reading the base model did for rag is not computed again for ft+rag
    with AnswererFactory.for_workspace(cfg, ws, cfg.eval.batch) as factory, factory.memoized():
        rows = runner.run(factory.build("rag"), dev, 0, None, set(), cfg.eval.batch)
        print(_line(["rag", "", "", ""], rows), flush=True)
        for hybrid, read_refusals, reader in MODES:
            update = {"hybrid": hybrid, "read_refusals": read_refusals, "reader": reader}
            factory.cfg = cfg.model_copy(update={"rag": factory.cfg.rag.model_copy(update=update)})
            rows = runner.run(factory.build("ft+rag"), dev, 0, None, set(), cfg.eval.batch)
            print(_line(["ft+rag", hybrid, str(read_refusals).lower(), reader], rows), flush=True)
    return 0


def project_dev(doc: str | None) -> tuple:
    """The command line's project (-c), its workspace and its dev questions (shared by the dev benches)."""
    from engrain.config import load
    from engrain.workspace import Workspace

    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--config", type=Path, required=True)
    cfg = load(ap.parse_args().config)
    ws = Workspace(cfg)
    return cfg, ws, _dev(cfg, ws)


def _dev(cfg, ws) -> list:
    """The workspace's dev split when it came from the eval file, else the eval file's held-out share."""
    from engrain.evaluate.evalfile import load_eval_file
    from engrain.io import read_json
    from engrain.synth.build import hold_out_dev
    from engrain.workspace import read_split

    stats = read_json(ws.path("synth", "stats"))
    if stats.get("dev_source") == "eval file" or not cfg.data.eval:
        return [d for d in read_split(ws, "dev") if d.kind == "qa"]
    items = [it for it in load_eval_file(cfg.path(cfg.data.eval)) if it.kind == "qa"]
    return hold_out_dev(items, cfg.synth.dev_from_eval, cfg.synth.dev_max_facts, cfg.seed)[0]


def _line(cells: list[str], rows: list[dict]) -> str:
    n = len(rows)
    acc = sum(r["correct"] for r in rows) / n
    hal = sum(r["hallucinated"] for r in rows) / n
    ans = sum(not r["abstained"] for r in rows) / n
    return f"| {' | '.join(cells)} | {acc:.1%} | {hal:.1%} | {ans:.1%} |"


if __name__ == "__main__":
    sys.exit(main())
