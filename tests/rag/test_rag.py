import pytest

from engrain.errors import EngrainError
from engrain.model.loading import load_embedder
from engrain.rag.chunk import chunk_document
from engrain.rag.index import Retriever, build_index
from engrain.rag.prompt import rag_prompt
from engrain.records import Document, Passage


def _doc(n: int) -> Document:
    text = " ".join(f"Sentence number {i} talks about widget {i}." for i in range(n))
    return Document("d.md", "Widgets", text, "d.md", "h")


def test_chunks_respect_size_and_overlap():
    chunks = chunk_document(_doc(60), size=30, overlap=10)
    assert len(chunks) > 5
    for c in chunks:
        assert c.text.startswith("Widgets: ")
        assert len(c.text.split()) <= 30 + 8  # whole sentences, plus the title
    # consecutive chunks share their boundary sentence
    first_tail = chunks[0].text.split(". ")[-1]
    assert first_tail.rstrip(".") in chunks[1].text


def test_index_round_trip_returns_the_right_chunk(tmp_path):
    docs = [
        Document("a.md", "Pumps", "The Heron MX-2 pump moves 40 litres per minute.", "a.md", "1"),
        Document("b.md", "Loggers", "The Kestrel DL-40 logger records temperature every minute.", "b.md", "2"),
        Document("c.md", "Bread", "Sourdough needs a starter and a long, slow rise.", "c.md", "3"),
    ]
    chunks = [c for d in docs for c in chunk_document(d)]
    emb = load_embedder("all-minilm-l6-v2")
    assert build_index(chunks, emb, tmp_path / "idx", progress=False) == 3
    passages, timings = Retriever(tmp_path / "idx", emb).search("how fast does the pump move water", 2)
    assert passages[0].doc_id == "a.md"
    assert passages[0].score > passages[1].score
    assert set(timings) == {"embed", "search"}


class _OneDirection:
    """An embedder that sees every text as the same point: dense search alone cannot rank."""

    def encode(self, texts, **kw):
        import numpy as np

        return np.ones((len(texts), 4), dtype=np.float32) / 2


class _Misled(_OneDirection):
    """Dense search ranks a filler chunk above the one that answers (its vector is nearer the query)."""

    def encode(self, texts, **kw):
        import numpy as np

        def point(t: str) -> list[float]:
            if "number 0" in t or "?" in t:
                return [1.0, 0.0, 0.0, 0.0]
            return [0.9, 0.436, 0.0, 0.0] if "ships" in t else [0.0, 1.0, 0.0, 0.0]

        return np.array([point(t) for t in texts], dtype=np.float32)


def test_hybrid_retrieval_fuses_keyword_matches_with_the_vectors(tmp_path):
    from engrain.rag.chunk import Chunk

    chunks = [Chunk(f"d{i}#0", f"d{i}", f"Filler sentence number {i} about nothing.") for i in range(8)]
    chunks.append(Chunk("k#0", "k", "The Kestrel DL-40 logger ships firmware 5.4.9."))
    build_index(chunks, _Misled(), tmp_path / "idx", progress=False)
    question = "Which firmware does the Kestrel DL-40 run?"
    dense, _ = Retriever(tmp_path / "idx", _Misled()).search(question, 3)
    assert [p.chunk_id for p in dense[:2]] == ["d0#0", "k#0"]
    hybrid, _ = Retriever(tmp_path / "idx", _Misled(), "hybrid").search(question, 3)
    assert hybrid[0].chunk_id == "k#0" and hybrid[0].score > hybrid[1].score and len(hybrid) == 3


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_searching_many_questions_at_once_finds_what_searching_each_finds(tmp_path, mode):
    from engrain.rag.chunk import Chunk

    chunks = [Chunk(f"d{i}#0", f"d{i}", f"Filler sentence number {i} about nothing.") for i in range(8)]
    chunks.append(Chunk("k#0", "k", "The Kestrel DL-40 logger ships firmware 5.4.9."))
    build_index(chunks, _Hashed(), tmp_path / "idx", progress=False)
    retriever = Retriever(tmp_path / "idx", _Hashed(), mode)
    questions = ["Which firmware does the Kestrel DL-40 run?", "sentence number 3", "nothing at all", "number 7"]
    one_by_one = [retriever.search(q, 3)[0] for q in questions]
    assert retriever.search_many(questions, 3) == one_by_one
    assert retriever.search_many(questions[1:2], 3) == one_by_one[1:2] and retriever.search_many([], 3) == []


def test_an_index_built_without_its_full_text_index_gets_one_for_hybrid_search(tmp_path):
    import lancedb

    from engrain.rag.index import TABLE

    rows = [{"chunk_id": "a#0", "doc_id": "a", "text": "Osprey port 4711", "vector": [0.5] * 4}]
    rows.append({"chunk_id": "b#0", "doc_id": "b", "text": "unrelated words", "vector": [0.5] * 4})
    lancedb.connect(str(tmp_path / "old")).create_table(TABLE, data=rows)  # as indexes were written before
    passages, _ = Retriever(tmp_path / "old", _OneDirection(), "hybrid").search("Osprey port", 1)
    assert [p.chunk_id for p in passages] == ["a#0"]


def test_retriever_without_index_is_a_clear_error(tmp_path):
    with pytest.raises(EngrainError, match="engrain index"):
        Retriever(tmp_path / "nothing", None)


def test_prompt_numbers_passages_and_names_the_refusal():
    p = rag_prompt("Q?", [Passage("a", "a#0", "alpha", 1.0), Passage("b", "b#0", "beta", 0.5)], "No idea.")
    assert "[1] alpha" in p and "[2] beta" in p and "No idea." in p and p.endswith("Question: Q?")


def test_building_an_index_prints_no_lancedb_chatter(tmp_path):
    # lancedb reads LANCEDB_LOG once, when it loads: a fresh interpreter shows what users see
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from engrain.rag.chunk import Chunk\n"
        "from engrain.rag.index import build_index\n"
        "class E:\n"
        "    def encode(self, texts, **kw): return np.ones((len(texts), 4), dtype='float32')\n"
        f"build_index([Chunk('a#0', 'a', 'x')], E(), {str(tmp_path / 'idx')!r}, progress=False)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "WARN" not in run.stderr


@pytest.mark.parametrize("tty", [True, False])
def test_embedding_bar_only_on_a_terminal(tmp_path, monkeypatch, tty):
    # tqdm redraws by carriage return: in a log file every redraw would pile up on one line
    import numpy as np

    from engrain.rag.chunk import Chunk

    seen = {}

    class E:
        def encode(self, texts, **kw):
            seen.update(kw)
            return np.ones((len(texts), 4), dtype="float32")

    monkeypatch.setattr("sys.stderr.isatty", lambda: tty)
    build_index([Chunk("a#0", "a", "x")], E(), tmp_path / "idx", progress=True)
    assert seen["show_progress_bar"] is tty


class _Hashed:
    """A deterministic embedder for many chunks: a seeded random unit vector per text."""

    def encode(self, texts, **kw):
        import zlib

        import numpy as np

        def point(t: str):
            v = np.random.default_rng(zlib.crc32(t.encode())).normal(size=16)
            return v / np.linalg.norm(v)

        return np.array([point(t) for t in texts], dtype=np.float32)


def test_a_large_index_is_written_in_batches_and_searched_through_an_approximate_index(tmp_path, monkeypatch):
    from engrain.rag import index
    from engrain.rag.chunk import Chunk

    monkeypatch.setattr(index, "WRITE_BATCH", 128)  # 600 chunks: five appends
    monkeypatch.setattr(index, "ANN_FROM_ROWS", 500)
    chunks = [Chunk(f"d{i}#0", f"d{i}", f"chunk number {i} about topic {i * 7919 % 600}") for i in range(600)]
    assert build_index(chunks, _Hashed(), tmp_path / "idx", progress=False) == 600
    retriever = Retriever(tmp_path / "idx", _Hashed())
    assert retriever.table.count_rows() == 600
    assert {ix.index_type for ix in retriever.table.list_indices()} >= {"FTS", "IvfHnswSq"}
    found = sum(retriever.search(c.text, 1)[0][0].chunk_id == c.chunk_id for c in chunks[::20])
    assert found >= 27  # of 30: each chunk's own vector finds it through the approximate index
    texts = [c.text for c in chunks[::20]]
    assert retriever.search_many(texts, 3) == [retriever.search(t, 3)[0] for t in texts]  # batched: the same


def test_a_small_index_is_searched_exactly(tmp_path):
    from engrain.rag.chunk import Chunk

    chunks = [Chunk(f"d{i}#0", f"d{i}", f"text {i}") for i in range(10)]
    build_index(chunks, _Hashed(), tmp_path / "idx", progress=False)
    assert {ix.index_type for ix in Retriever(tmp_path / "idx", _Hashed()).table.list_indices()} == {"FTS"}
