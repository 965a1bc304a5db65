"""Small corpora, examples and configs shared by tests of several modules."""

from __future__ import annotations

from pathlib import Path

from engrain.config import EngrainConfig
from engrain.records import Document, Example
from engrain.train.data import encode

DOCS = [
    Document(
        "a.md",
        "DL-40 manual",
        "The maximum operating temperature of the Kestrel DL-40 is 85 °C. "
        "The Kestrel DL-40 has a battery life of 47 hours.\n\nMount it on a wall. Keep it dry.",
        "a.md",
        "h1",
    ),
    Document(
        "b.md",
        "GX-7 sheet",
        "The Osprey GX-7's default port is port 7418. "
        "The Osprey GX-7 has a battery life of 12 hours. Clean the lens monthly.",
        "b.md",
        "h2",
    ),
]


TABLE_DOCS = [
    Document(
        "s.html",
        "Osprey GX-7 Specification Sheet",
        "# Osprey GX-7 Specification Sheet\n\n| Parameter | Value |\n| --- | --- |\n"
        "| Battery life | 12 hours |\n| MTBF | 40000 h |\n\nCode E291 from the GX-7 points to corrupted log index.",
        "s.html",
        "h3",
    ),
    Document(
        "k.md",
        "Kits",
        "| Kit | Included device |\n| --- | --- |\n| Kestrel DL-40 | Osprey GX-7 |\n\n"
        "A: The DL-40's weight is 3 kg.\n\nIf the DL-40 shows E158, the cause is missing bus termination.",
        "k.md",
        "h4",
    ),
    DOCS[0],
]


MIXED = [
    Example(
        "qa",
        messages=[
            {"role": "user", "content": f"What port does unit {i} use?"},
            {"role": "assistant", "content": f"port {7400 + i}"},
        ],
    )
    for i in range(6)
] + [Example("view", text="The DL-40 logs every reading. " * (i + 1)) for i in range(3)]


def encoded(tok):
    return [encode(e, tok, "Be brief.", 256) for e in MIXED]


def train_cfg(tiny_model, method="lora") -> EngrainConfig:
    cfg = EngrainConfig(seed=0)
    cfg.model.base = str(tiny_model)
    cfg.model.max_new_tokens = 6
    cfg.train.method = method
    cfg.train.epochs = 3
    cfg.train.batch_size = 4
    cfg.train.learning_rate = 5e-3
    cfg.train.logging_steps = 1
    cfg.train.bf16 = "off"  # the equivalence checks hold in fp32; bf16 rounds each split differently
    return cfg


EXAMPLES = [
    Example("qa", messages=[{"role": "user", "content": "What port?"}, {"role": "assistant", "content": "port 7418"}])
] * 16


PROJECT_DOC = """# Kestrel DL-40 manual

The maximum operating temperature of the Kestrel DL-40 is 85 °C. The Kestrel DL-40 has a battery life of 47 hours.

The Osprey GX-7's default port is port 7418. The Osprey GX-7 has a battery life of 12 hours.
"""


def make_project(root: Path, tiny_model: Path) -> EngrainConfig:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "manual.md").write_text(PROJECT_DOC)
    (root / "docs" / "notes.txt").write_text(
        "Notes\n\nClean the Heron MX-2 lens monthly. The Heron MX-2 has a weight of 2.4 kg.\n"
    )
    (root / "logs.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "port of GX-7? mail me at a@b.com"}, '
        '{"role": "assistant", "content": "port 7418"}]}\n'
    )
    (root / "eval.jsonl").write_text(
        '{"id": "1", "question": "How hot can the DL-40 run?", "answers": ["85 °C"], "category": "lookup"}\n'
        '{"id": "2", "question": "Warranty of the GX-7?", "answers": [], "category": "unanswerable"}\n'
        '{"id": "3", "question": "The battery life of the Osprey GX-7 is", "answers": ["12 hours"], '
        '"category": "lookup", "kind": "completion"}\n'
    )
    cfg = EngrainConfig(workspace=str(root / "ws"), seed=0)
    cfg.root = root
    cfg.data.docs, cfg.data.logs, cfg.data.eval = ["docs"], ["logs.jsonl"], "eval.jsonl"
    cfg.model.base, cfg.model.max_new_tokens = str(tiny_model), 4
    cfg.train.max_steps, cfg.train.batch_size = 3, 4
    cfg.eval.warmup = 1
    return cfg


# prose that states the same attributes in several wordings (synth/test_wordings.py)
PROSE_DOCS = [
    Document(
        "a.md",
        "DL-40",
        "The release year of the Kestrel DL-40 is 2019. Corvid introduced the Kestrel DL-40 in 2019. "
        "The Kestrel DL-40 has a battery life of 47 hours. On a fresh pack the DL-40 runs for 47 hours.",
        "a.md",
        "h1",
    ),
    Document(
        "b.md",
        "WQ-5",
        "The weight of the Heron WQ-5 is 3 kg. Corvid introduced the Heron WQ-5 in 2017. "
        "On a fresh pack the WQ-5 runs for 1,250 hours.",
        "b.md",
        "h2",
    ),
    Document("c.md", "News", "Corvid introduced the new app in 2018. The Heron WQ-5 shipped in 2017.", "c.md", "h3"),
]


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a Helvetica text stream (xref offsets computed)."""
    ops = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {ops} ET" if lines else ""
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    return out + f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
