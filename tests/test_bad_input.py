"""Hostile and broken input in the documents folder: every bad file is reported, every good one indexed once.

The main test throws the whole zoo at ONE sync, including files deleted and changed while that
sync runs, then checks the report and that the vector store and the keyword index agree chunk
for chunk. The last tests pin inputs that once aborted the whole sync instead of being reported.
What is asked of the sync here does not hang on the embedding model, so the fake one embeds.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from packages import with_parts
from pdfs import pdf_with_pages
from polling import returns_within

from index import Indexer, IndexSettings, build_indexer
from index.sync import CHANGED_WHILE_READ

# A hang guard for the syncs below, far above what they take: a FIFO read or a link loop walked would never end.
HANG_S = 300

GOOD_TEXT = "The {name} note says the harbour at Quillmark has {n} cranes. Its tugs sail at dawn."

# Names a sync must index like any other (spaces, unicode, quotes, URL and shell specials, a leading dash).
ODD_NAMES = [
    "with space.txt",
    "ünïcödé 名前.md",
    'quote\'s "double".txt',
    "hash#tag.txt",
    "per%20cent%.txt",
    "-leading-dash.txt",
    "semi;colon & $(echo x).md",
]


def write_good(path: Path, n: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GOOD_TEXT.format(name=path.name, n=n), encoding="utf-8")


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_with_pages(["Secret budget figures."]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="hunter2", algorithm="RC4-128")  # AES would need the cryptography package
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def keyword_ids(settings: IndexSettings) -> list[str]:
    path = settings.data_dir / f"{settings.collection}.keywords.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("SELECT chunk_id FROM chunks")]


def assert_consistent(indexer: Indexer, settings: IndexSettings, docs: Path, expected: set[str]) -> None:
    """Exactly ``expected`` is indexed, each at its current content, once, in both stores."""
    metas = list(indexer.store.iter_metadatas())
    ids = [chunk_id for chunk_id, _ in metas]
    assert len(ids) == len(set(ids)), "duplicated chunk ids in Chroma"
    words = keyword_ids(settings)
    assert len(words) == len(set(words)), "duplicated chunk ids in the keyword index"
    assert sorted(words) == sorted(ids), "the keyword index and Chroma hold different chunks"
    per_version = Counter((meta["source"], meta["doc_hash"]) for _, meta in metas)
    assert dict(per_version) == indexer.keywords.counts()
    stored = indexer.store.documents()
    assert set(stored) == expected
    for source, doc in stored.items():
        current = hashlib.sha256((docs / source).read_bytes()).hexdigest()
        assert doc.hashes == {current}, f"{source}: stale or mixed versions {doc.hashes}"
        assert doc.stored_chunks == doc.chunk_count > 0, f"{source}: {doc.stored_chunks} of {doc.chunk_count} chunks"
        indexes = sorted(m["chunk_index"] for _, m in metas if m["source"] == source)
        assert indexes == list(range(doc.chunk_count)), f"{source}: chunk indexes {indexes}"


def test_one_sync_over_every_kind_of_bad_input(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    good = ["good.md", "sub/nested.txt", *ODD_NAMES]
    for n, name in enumerate(good):
        write_good(docs / name, n + 2)
    # Touched while the sync runs: sorted last, so they are still waiting when the first file is done.
    write_good(docs / "zz_deleted.txt", 90)
    write_good(docs / "zz_changed.txt", 91)

    (docs / "empty.txt").write_bytes(b"")
    (docs / "blank.md").write_text(" \n\t\n", encoding="utf-8")
    (docs / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20)
    (docs / "latin1.txt").write_bytes("Le caf\xe9 est cr\xe8me, d\xe9j\xe0 vu.".encode("latin-1"))
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage, no xref, no trailer")
    whole = pdf_with_pages(["A page about harbours that will be cut in half."])
    (docs / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    (docs / "encrypted.pdf").write_bytes(encrypted_pdf())
    (docs / "big.txt").write_text("A long line about harbours and cranes. " * 2000, encoding="utf-8")  # ~78 kB
    # A folder link to its parent (and one to itself): followed, the walk would never end.
    (docs / "sub" / "up").symlink_to("..", target_is_directory=True)
    (docs / "loop").symlink_to(".", target_is_directory=True)
    (docs / "dangling.txt").symlink_to(docs / "nowhere.txt")
    os.mkfifo(docs / "pipe.txt")  # read, it would block the sync forever

    settings = IndexSettings(data_dir=tmp_path / "data", max_file_mb=0.05)
    indexer = build_indexer(settings, embedder=fake_embedder)
    seen: list[tuple[int, int]] = []

    def meddle(done: int, total: int, chunks: int) -> None:
        if not seen:  # after the first file: one waiting file vanishes, another is rewritten
            (docs / "zz_deleted.txt").unlink()
            (docs / "zz_changed.txt").write_text("Rewritten mid-sync: the ferry to Quillmark runs 4 times a day.")
        seen.append((done, total))

    report = returns_within(lambda: indexer.sync(docs, progress=meddle), HANG_S, "the sync")

    failed = {f.path: f.error for f in report.failed}
    assert set(failed) == {
        "empty.txt",
        "blank.md",
        "binary.txt",
        "latin1.txt",
        "corrupt.pdf",
        "truncated.pdf",
        "encrypted.pdf",
        "big.txt",
        "dangling.txt",
        "pipe.txt",
    }, failed
    assert failed["empty.txt"] == failed["blank.md"] == "file is empty"
    assert failed["binary.txt"] == "binary content, not text"
    assert failed["latin1.txt"].startswith("not valid UTF-8 text")
    assert failed["corrupt.pdf"].startswith("unreadable PDF") and failed["truncated.pdf"].startswith("unreadable PDF")
    assert failed["encrypted.pdf"] == "encrypted PDF; decrypt it first"
    assert failed["big.txt"].startswith("file is 78 kB, over the 50 kB limit")
    assert failed["dangling.txt"] == "a link to nothing (its target is gone)"
    assert failed["pipe.txt"] == "a named pipe, not a regular file"
    # The files changed and deleted after the sync planned them are neither failures nor additions: what the sync read
    # of them is not what it planned, so nothing of them is stored (``CHANGED_WHILE_READ``). Nothing came in through
    # the links.
    warned = {warning.path: warning.error for warning in report.warnings}
    assert warned == {"zz_changed.txt": CHANGED_WHILE_READ, "zz_deleted.txt": CHANGED_WHILE_READ}
    assert sorted(report.added) == sorted(good)
    assert (report.updated, report.deleted, report.unchanged) == ([], [], [])
    # Progress ends at (files to index, files to index): the good ones plus those that failed to load.
    assert seen[-1] == (len(good) + 9, len(good) + 9)
    assert report.chunks == report.embedded == indexer.store.count()
    assert not any(source.startswith(("loop/", "sub/up/")) for source in indexer.store.documents())

    assert "zz_changed.txt" not in indexer.store.documents()
    # The next sync reads the changed file as it now is, and converges to the folder.
    again = indexer.sync(docs)
    assert again.added == ["zz_changed.txt"] and again.updated == [] and again.deleted == [] and again.warnings == []
    assert sorted(again.unchanged) == sorted(good)
    assert {f.path for f in again.failed} == set(failed)
    assert_consistent(indexer, settings, docs, {*good, "zz_changed.txt"})
    found = indexer.store.collection.get(where={"source": "zz_changed.txt"}, include=["documents"])
    assert found["documents"] == ["Rewritten mid-sync: the ferry to Quillmark runs 4 times a day."]
    # And a third sync has nothing left to do.
    third = indexer.sync(docs)
    assert third.embedded == 0 and sorted(third.unchanged) == sorted([*good, "zz_changed.txt"])


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    write_good(docs / "small.txt", 3)
    big = docs / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: instant to write, 50 MB to anyone who reads it
    read: list[Path] = []
    read_bytes = Path.read_bytes

    def recording(self: Path) -> bytes:
        read.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", recording)
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)  # the default 20 MB limit
    report = returns_within(lambda: indexer.sync(docs), HANG_S, "the sync")
    assert [(f.path, f.error) for f in report.failed] == [
        ("huge.txt", "file is 50.0 MB, over the 20.0 MB limit (CITEWISE_MAX_FILE_MB)")
    ]
    assert report.added == ["small.txt"]
    assert big not in read, "the oversized file was read (hashed or loaded) before being refused"


def corrupt_docx() -> bytes:
    """A real DOCX whose main XML part is cut in half: a valid zip, broken XML inside."""
    import docx

    document = docx.Document()
    document.add_paragraph("Quarterly summary: revenue grew by 12 percent.")
    original = io.BytesIO()
    document.save(original)
    return with_parts(original.getvalue(), lambda name, data: data[: len(data) // 2] if name == "word/document.xml" else data)


def certificate_encrypted_pdf() -> bytes:
    """A PDF encrypted with a public-key (certificate) handler, which pypdf does not implement."""
    trailer = b"/Root 1 0 R"
    return pdf_with_pages(["Board minutes."]).replace(
        trailer, trailer + b" /Encrypt << /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 >>"
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [("corrupt.docx", corrupt_docx), ("certificate.pdf", certificate_encrypted_pdf)],
    ids=["docx-with-broken-xml", "pdf-with-certificate-encryption"],
)
def test_a_file_the_parser_chokes_on_is_reported_not_fatal(tmp_path: Path, fake_embedder, name: str, data) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    write_good(docs / "good.txt", 3)
    (docs / name).write_bytes(data())
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)
    report = indexer.sync(docs)
    assert [f.path for f in report.failed] == [name]
    assert report.added == ["good.txt"] and "good.txt" in indexer.store.documents()


def test_a_file_name_that_is_not_utf8_is_reported_not_fatal(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    write_good(docs / "good.txt", 3)
    (docs / "bad").mkdir()
    with open(os.fsencode(docs / "bad") + b"/caf\xe9.txt", "wb") as handle:  # a Latin-1 name, as old zips have
        handle.write(GOOD_TEXT.format(name="cafe", n=4).encode())
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)
    report = indexer.sync(docs)
    assert report.added == ["good.txt"] and len(report.failed) == 1
    assert "good.txt" in indexer.store.documents()
