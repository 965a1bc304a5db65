"""PII scrubbing coverage: caught / leaked per type, as chat logs and as documents are scrubbed.

Plants every value of `engrain.ingest.pii_battery.BATTERY` in a support-chat sentence, scrubs
it twice (logs: person names on; documents: names off, the default), and prints a Markdown
table, plus the replacements made on corpora that hold no personal data (false positives):
the bundled demo documents and, when present, ../shared/corpora/wiki-newpages-{bio,multi}.

    python bench/pii_battery.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engrain.ingest.pii_battery import BATTERY, measure  # noqa: E402


def false_positives(folder: Path) -> tuple[int, int, list[str], float]:
    """Documents, placeholders the scrubber inserted, a few of them in context, seconds to scrub."""
    from engrain.ingest import load_documents

    raw = {d.id: d.text for d in load_documents([folder], scrub_pii=False)}
    t0 = time.perf_counter()
    docs = load_documents([folder], scrub_pii=True)
    secs = time.perf_counter() - t0
    found, examples = 0, []
    for d in docs:
        for m in re.finditer(r"\[[A-Z_]+\]", d.text):
            if m.group() not in raw.get(d.id, ""):
                found += 1
                examples.append(d.text[max(0, m.start() - 40) : m.end() + 20].replace("\n", " "))
    return len(docs), found, examples[:5], secs


def main() -> int:
    logs, docs = measure(names=True), measure(names=False)
    print("| type | values | caught in chat logs | caught in documents | leaked (logs) |\n|---|---|---|---|---|")
    for kind in BATTERY:
        lg, dc = logs[kind], docs[kind]
        total = lg["caught"] + lg["leaked"]
        print(f"| {kind} | {total} | {lg['caught']} | {dc['caught']} | {', '.join(lg['leaks']) or '-'} |")
    caught = sum(v["caught"] for v in logs.values())
    total = sum(v["caught"] + v["leaked"] for v in logs.values())
    print(f"\nall types, chat logs: {caught} of {total} caught")
    from engrain.demo.domain import build_domain  # the bundled demo corpus, written fresh

    with tempfile.TemporaryDirectory() as tmp:
        build_domain(Path(tmp))
        corpora = [("demo", Path(tmp) / "docs")]
        for name in ("wiki-newpages-bio", "wiki-newpages-multi"):
            wiki = ROOT.parent / "shared" / "corpora" / name / "docs"
            corpora += [(name, wiki)] if wiki.is_dir() else []
        for name, folder in corpora:
            n, found, examples, secs = false_positives(folder)
            print(f"false positives, {name} ({n} documents, no personal data): {found} replacements in {secs:.1f} s")
            for e in examples:
                print(f"  ... {e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
