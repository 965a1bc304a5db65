"""The data stages at scale: words per second per stage and peak memory, at 1 and 2 worker processes.

A corpus of --words words is built from text nobody here wrote (the external corpora's pages in
../shared/corpora/, copied with every capitalised word changed per copy, so names and the facts
about them stay distinct), then `ingest`, `index` and `synth` run on it (no training) in a fresh
process per engine and worker count: seconds and words/s per stage, the process's peak RSS,
and whether the outputs are byte-identical to the first run's. `--engines local ray` also runs
them on Ray Data (a local Ray instance; `pip install -e '.[ray]'`).

    python bench/scale.py --words 100000 --workers 1 2 [--engines local ray]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
STAGES = ("ingest", "index", "synth")
OUTPUTS = {"ingest": ("documents",), "synth": ("train", "dev", "eval")}  # compared across worker counts
SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "tu", "vel", "zor")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--engines", nargs="+", default=["local"], choices=["local", "ray"])
    ap.add_argument("--stage", help=argparse.SUPPRESS)  # the child: run the stages of --project
    ap.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.project:
        return _child(args.project)
    pages = sorted(CORPORA.glob("wiki-newpages-*/docs/*.md"))
    if not pages:
        print(f"skipped: no external corpora under {CORPORA}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        words = build_corpus(pages, docs, args.words)
        print(f"corpus: {words:,} words in {len(list(docs.iterdir()))} pages\n")
        runs = {(e, n): _measure(Path(tmp), docs, e, n) for e in args.engines for n in args.workers}
    print(_table(runs, words))
    return 0


def build_corpus(pages: list[Path], out: Path, words: int) -> int:
    """Copies of `pages` until `words`; copy k > 0 renames every capitalised word (a deterministic suffix)."""
    out.mkdir(parents=True)
    total, copy = 0, 0
    while total < words:
        for page in pages:
            text = page.read_text(encoding="utf-8")
            if copy:
                text = re.sub(r"\b([A-Z][a-z]{2,})\b", rf"\g<1>{_suffix(copy)}", text)
            (out / f"c{copy:03d}_{page.name}").write_text(text, encoding="utf-8")
            total += len(text.split())
            if total >= words:
                break
        copy += 1
    return total


def _suffix(copy: int) -> str:
    return "".join(SYLLABLES[int(d)] for d in oct(copy)[2:])


def _measure(tmp: Path, docs: Path, engine: str, workers: int) -> dict:
    """One project per engine and worker count, its stages run in a child process (its own peak RSS)."""
    project = tmp / f"{engine}-{workers}"
    project.mkdir()
    (project / "engrain.toml").write_text(
        f'workspace = "workspace"\n[data]\ndocs = ["{docs}"]\nworkers = {workers}\nengine = "{engine}"\n',
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, __file__, "--project", str(project)], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{engine}, workers={workers}: " + ", ".join(f"{s} {result['seconds'][s]:.1f} s" for s in STAGES), flush=True)
    return result


def _child(project: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from engrain import recipe
    from engrain.config import load
    from engrain.workspace import Workspace

    cfg = load(project / "engrain.toml")
    seconds = {}
    for stage in STAGES:
        t0 = time.perf_counter()
        recipe.run_stage(cfg, stage, lambda _: None, progress=False)
        seconds[stage] = time.perf_counter() - t0
    ws = Workspace(cfg)
    digests = {f"{s}/{a}": _sha(ws.path(s, a)) for s, arts in OUTPUTS.items() for a in arts}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # spaCy/Presidio workers
    print(json.dumps({"seconds": seconds, "digests": digests, "peak_mb": peak_mb, "worker_peak_mb": children_mb}))
    return 0


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _table(runs: dict[tuple[str, int], dict], words: int) -> str:
    """words/s per stage and in all, speed against the first run, peak RSS (this process; local worker
    processes apart), and whether the outputs match the first run's byte for byte."""
    first = next(iter(runs.values()))
    head = ["engine", "workers", *(f"{s} words/s" for s in STAGES), "all", "vs first", "peak MB", "workers' MB", "same"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (engine, n), r in runs.items():
        total = sum(r["seconds"].values())
        cells = [engine, n, *(f"{words / r['seconds'][s]:,.0f}" for s in STAGES), f"{words / total:,.0f}"]
        cells += [f"{sum(first['seconds'].values()) / total:.2f}x", f"{r['peak_mb']:,.0f}"]
        cells += [f"{r['worker_peak_mb']:,.0f}", "yes" if r["digests"] == first["digests"] else "NO"]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
