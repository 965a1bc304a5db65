"""Document ingest: each format, folder walking, dedup, and one-line errors."""

import json
import logging
from pathlib import Path

import pytest
from samples import pdf_bytes

from engrain.errors import EngrainError
from engrain.ingest import load_documents


def test_markdown(tmp_path: Path) -> None:
    md = "---\ntitle: ignored\n---\nIntro  \r\n\r\n\r\n\r\n# DL-40 Manual\nMail a@b.io.\n"
    (tmp_path / "m.md").write_text(md, encoding="utf-8", newline="")
    (doc,) = load_documents([tmp_path / "m.md"])
    assert (doc.id, doc.title) == ("m.md", "DL-40 Manual")
    assert doc.text == "Intro\n\n# DL-40 Manual\nMail [EMAIL]."
    assert doc.meta["format"] == "markdown" and {k: v for k, v in doc.meta["pii"].items() if v} == {"email": 1}
    assert doc.source == str(tmp_path / "m.md") and len(doc.sha256) == 64


def test_markdown_without_heading_uses_stem(tmp_path: Path) -> None:
    (tmp_path / "notes.markdown").write_text("```\n# not a title\n```\nplain text\n", encoding="utf-8")
    assert load_documents([tmp_path])[0].title == "notes"


def test_text_title_and_nfc(tmp_path: Path) -> None:
    (tmp_path / "short.txt").write_text("Cafe\u0301 guide\n\nBody.\n", encoding="utf-8")
    (tmp_path / "long.txt").write_text("word " * 40 + "\n", encoding="utf-8")
    docs = {d.id: d for d in load_documents([tmp_path])}
    assert docs["short.txt"].title == "Café guide" and docs["short.txt"].text.startswith("Caf\u00e9")
    assert docs["long.txt"].title == "long"


def test_html(tmp_path: Path) -> None:
    html = """<html><head><title>DL-40 Help</title><style>p{color:red}</style></head><body>
      <nav>Home | Products</nav><script>var x = 1;</script>
      <h1>Setup</h1><p>The logger listens
      on <b>port 7418</b>.</p>
      <table><tr><th>Rating</th><th>Value</th></tr><tr><td>Ingress</td><td>IP67</td></tr>
      <tr><td>Weight</td><td>3 | 4 g</td></tr></table></body></html>"""
    (tmp_path / "p.html").write_text(html, encoding="utf-8")
    (doc,) = load_documents([tmp_path])
    assert doc.title == "DL-40 Help" and doc.meta["format"] == "html"
    # tables become Markdown rows, header and values kept on one line each
    assert doc.text == (
        "# Setup\n\nThe logger listens on port 7418.\n\n"
        "| Rating | Value |\n| --- | --- |\n| Ingress | IP67 |\n| Weight | 3 / 4 g |"
    )
    assert "Home" not in doc.text and "var x" not in doc.text and "color" not in doc.text


def test_html_title_from_h1(tmp_path: Path) -> None:
    (tmp_path / "p.htm").write_text("<h1>Alarms</h1><p>Beep.</p>", encoding="utf-8")
    assert load_documents([tmp_path])[0].title == "Alarms"


def testpdf_bytes(tmp_path: Path) -> None:
    (tmp_path / "spec.pdf").write_bytes(pdf_bytes(["DL-40 spec sheet", "Port 7418, call +1 206 718 4432"]))
    (doc,) = load_documents([tmp_path])
    assert doc.meta["format"] == "pdf" and doc.title == "spec"
    assert "DL-40 spec sheet" in doc.text and "[PHONE]" in doc.text and "7418" in doc.text


def test_pdf_without_text_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(pdf_bytes([]))
    with pytest.raises(EngrainError, match=r"scan\.pdf.*no extractable text"):
        load_documents([tmp_path])


def test_jsonl(tmp_path: Path) -> None:
    rows = [{"id": "faq-1", "title": "Ports", "text": "Port 7418."}, {"text": "Rated IP67."}]
    (tmp_path / "kb.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    docs = load_documents([tmp_path])
    assert [(d.id, d.title, d.text) for d in docs] == [
        ("kb.jsonl#faq-1", "Ports", "Port 7418."),
        ("kb.jsonl#2", "Rated IP67.", "Rated IP67."),
    ]


def test_jsonl_missing_text_names_line(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"text": "ok"}\n\n{"id": 3, "body": "no text"}\n', encoding="utf-8")
    with pytest.raises(EngrainError, match=rf"^{path}:3: missing \"text\""):
        load_documents([path])


def test_duplicate_ids_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n{"id": "a", "text": "two"}\n', encoding="utf-8")
    with pytest.raises(EngrainError, match="'kb.jsonl#a' also used by"):
        load_documents([path])


def test_folder_walk_sorted_skips_hidden_and_unknown(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "z.txt").write_text("zed", encoding="utf-8")
    (tmp_path / "a.md").write_text("# A", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text("secret", encoding="utf-8")
    (tmp_path / ".git" / "x.md").write_text("git", encoding="utf-8")
    (tmp_path / "img.png").write_bytes(b"\x89PNG")
    with caplog.at_level(logging.INFO, logger="engrain.ingest.documents"):
        docs = load_documents([tmp_path])
    assert [d.id for d in docs] == ["a.md", "b/z.txt"]
    assert "skipped 2 hidden or unsupported" in caplog.text


def test_duplicates_kept_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("one.txt", "two.txt"):
        (tmp_path / name).write_text("same bytes", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="engrain.ingest.documents"):
        docs = load_documents([tmp_path])
    assert [d.id for d in docs] == ["one.txt"]
    assert "two.txt: skipped, same content as one.txt" in caplog.text


def test_scrub_off_keeps_text(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x a@b.io", encoding="utf-8")
    (doc,) = load_documents([tmp_path], scrub_pii=False)
    assert doc.text == "x a@b.io" and doc.meta["pii"] == {}


def test_an_email_in_a_file_name_leaves_no_trace(tmp_path: Path) -> None:
    (tmp_path / "ticket-jane.doe@example.com.md").write_text("# Ticket\nThe unit reboots.\n", encoding="utf-8")
    (doc,) = load_documents([tmp_path])
    assert "jane.doe" not in doc.id and "jane.doe" not in doc.source and "[EMAIL]" in doc.id


def test_control_characters_never_reach_the_text(tmp_path: Path) -> None:
    (tmp_path / "nul.txt").write_bytes(b"\x00" * 64)
    (tmp_path / "mixed.txt").write_bytes(b"Port\x00 7418\x07 is open.\n")
    (doc,) = load_documents([tmp_path])  # the all-NUL file is empty once cleaned: skipped
    assert doc.id == "mixed.txt" and doc.text == "Port 7418 is open."


def test_errors_are_one_line_and_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("café".encode("latin-1"))
    with pytest.raises(EngrainError, match=rf"^{bad}: not UTF-8 text"):
        load_documents([bad])
    bad.unlink()

    big = tmp_path / "big.txt"
    big.write_text("x" * 2000, encoding="utf-8")
    with pytest.raises(EngrainError, match=r"big\.txt is 2000 bytes, over the 0\.001 MB limit \(data\.max_file_mb\)"):
        load_documents([big], max_file_mb=0.001)
    big.unlink()

    with pytest.raises(EngrainError, match="no such file or folder") as e:
        load_documents([tmp_path / "nope"])
    assert "\n" not in str(e.value)
    with pytest.raises(EngrainError, match="no documents found in"):
        load_documents([tmp_path])
    (tmp_path / "blank.md").write_text("  \n\n", encoding="utf-8")
    with pytest.raises(EngrainError, match="no documents found in"):
        load_documents([tmp_path])
    with pytest.raises(EngrainError, match="unsupported file type"):
        (tmp_path / "x.docx").write_bytes(b"PK")
        load_documents([tmp_path / "x.docx"])


def test_only_regular_files_are_read(tmp_path):
    import os

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nThe Kestrel DL-40 has a weight of 2 kg.\n")
    os.mkfifo(docs / "pipe.md")  # opening it would block ingest forever
    (docs / "dangling.md").symlink_to(docs / "missing.md")
    (docs / "loop.md").symlink_to(docs / "loop.md")
    assert [d.id for d in load_documents([docs])] == ["a.md"]
