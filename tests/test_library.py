"""Uploads and deletes through the documents library: safe names, atomic writes, limits."""

from __future__ import annotations

import atexit
import errno
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import SEEDS
from fakes import FakeEmbedder
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from index import IndexSettings, build_indexer
from index.library import DocumentState, DocumentStatus, Library, SavedUpload, UploadError, safe_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.ini.md", "win.ini.md"),
        ("we ird;name$.TXT", "we ird_name_.txt"),
        (".hidden.md", "hidden.md"),
        ("  report (final).pdf", "report (final).pdf"),
        # Letters, digits and marks of every script are kept, so different names stay different.
        ("报告.pdf", "报告.pdf"),
        ("合同.PDF", "合同.pdf"),
        ("Übersicht.pdf", "Übersicht.pdf"),
        ("U\u0308bersicht.pdf", "Übersicht.pdf"),  # decomposed (as macOS writes it) becomes NFC
        ("संस्कृत पाठ.txt", "संस्कृत पाठ.txt"),  # vowel signs and viramas are marks
        ("Привет мир ١٢٣.md", "Привет мир ١٢٣.md"),
        # Invisible format characters go: a right-to-left override would show "invoicetxt.exe" as something else.
        ("invoice\u202etxt.exe.txt", "invoicetxt.exe.txt"),
        ("zero\u200bwidth.md", "zerowidth.md"),
        ("no\u00a0break\u3000space.md", "no break space.md"),
        # Separators, control characters and what Windows or a shell reserve become "_".
        ("a\nb\x00c.txt", "a_b_c.txt"),
        ('a<b>c:d"e|f?g*h.md', "a_b_c_d_e_f_g_h.md"),
        ("a\uff0fb.txt", "a_b.txt"),  # a fullwidth slash only looks like a separator
        ("notes 🙂.md", "notes _.md"),
        ("CON.txt", "CON_.txt"),
        ("-rf.txt", "rf.txt"),
        ("-.-.hidden.md", "hidden.md"),
        ("report.txt.", "report.txt"),
    ],
)
def test_safe_name(given: str, expected: str) -> None:
    assert safe_name(given) == expected
    assert safe_name(expected) == expected  # a saved name survives a second upload unchanged


@pytest.mark.parametrize("given", ["../..", "\u202e", "...", "-.-", " \u200b "])
def test_safe_name_refuses_names_with_nothing_left(given: str) -> None:
    with pytest.raises(UploadError, match="no usable file name"):
        safe_name(given)


def test_long_names_are_cut_in_utf8_bytes_at_a_character_boundary() -> None:
    chinese = safe_name("报" * 300 + ".PDF")
    assert chinese == "报" * 65 + ".pdf"  # 195 + 4 bytes: the 66th character would pass 200 bytes
    assert len(chinese.encode()) <= 200
    # A consonant is never kept without the virama that follows it ("क्" is one letter to a reader).
    devanagari = safe_name("क्" * 50 + ".txt")
    assert devanagari == "क्" * 32 + ".txt"
    assert len(safe_name("a" * 400 + ".md").encode()) == 200


def test_upload_saves_inside_the_folder_and_syncs(citewise, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    library: Library = citewise.library
    upload = tmp_path / "incoming.md"
    upload.write_text("The Quillmark observatory recorded 318 meteors in August.", encoding="utf-8")
    saved = library.save_upload("../../etc/quillmark.md", upload)
    name = saved.name
    assert saved == SavedUpload("quillmark.md", "../../etc/quillmark.md") and not saved.renamed
    assert (library.docs_dir / name).read_text(encoding="utf-8").startswith("The Quillmark")
    assert not any(p.name.startswith(".upload-") for p in library.docs_dir.iterdir())
    report = library.sync()
    assert report.added == ["quillmark.md"]
    listed = {d.source: d for d in library.documents()}
    assert listed["quillmark.md"].chunks == 1 and listed["quillmark.md"].status == DocumentStatus(DocumentState.INDEXED)
    answer = citewise.assistant.ask("How many meteors did the Quillmark observatory record?").complete()
    assert "318" in answer.text and answer.citations[0].source == "quillmark.md"
    library.delete("quillmark.md")
    assert not (library.docs_dir / "quillmark.md").exists()
    assert "quillmark.md" not in citewise.indexer.store.documents()
    assert citewise.assistant.ask("How many meteors did the Quillmark observatory record?").complete().refused


def test_upload_limits(citewise, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    library: Library = citewise.library
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG")
    with pytest.raises(UploadError, match="unsupported file type"):
        library.save_upload("photo.png", image)
    # The upload limit (50 MB) is above what sync indexes (20 MB): the lower one applies, named.
    assert library.upload_limit() == (20_000_000, "CITEWISE_MAX_FILE_MB")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 20_000_001)
    with pytest.raises(UploadError, match=r"20\.0 MB is over the 20 MB upload limit \(set by CITEWISE_MAX_FILE_MB\)"):
        library.save_upload("big.txt", big)
    with pytest.raises(UploadError, match="not inside"):
        library.delete("../outside.txt")
    assert sorted(p.name for p in library.docs_dir.iterdir()) == sorted(p.name for p in SEEDS.iterdir())


def test_failed_files_show_in_the_list(citewise) -> None:  # type: ignore[no-untyped-def]
    library: Library = citewise.library
    (library.docs_dir / "empty.txt").write_text("")
    library.sync()
    statuses = {d.source: d.status for d in library.documents()}
    assert statuses["empty.txt"] == DocumentStatus(DocumentState.FAILED, "file is empty")
    assert sum(status.kind is DocumentState.INDEXED for status in statuses.values()) == 5
    # Deleted, it is listed no more: until 2026-12-07 it stayed "failed" in the Documents tab and the API's list until
    # the next sync, though neither the folder nor the index held it.
    assert library.delete("empty.txt") is True and not (library.docs_dir / "empty.txt").exists()
    assert "empty.txt" not in {d.source for d in library.documents()} and len(library.documents()) == 5
    assert library.delete("empty.txt") is False  # nothing held it: the API answers 404
    # A file no sync has read yet (uploaded with sync=false, or copied in) is a document to delete too: the API answered
    # it 404 until 2026-12-07, as it is not listed.
    (library.docs_dir / "new.txt").write_text("A note not yet indexed.")
    assert library.delete("new.txt") is True and not (library.docs_dir / "new.txt").exists()


@pytest.fixture
def library(tmp_path: Path, fake_embedder: FakeEmbedder) -> Library:
    """A library over an empty folder and a real (empty) index; the fake embedder, as nothing here is ranked."""
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)
    return Library(tmp_path / "docs", indexer, max_upload_bytes=10_000_000)


def test_the_documents_version_moves_with_every_change_to_the_list(library: Library, tmp_path: Path) -> None:
    # An open Documents tab polls it and lists the documents again only when it moved: a change it missed would stay
    # unseen, a move on every poll would read the whole list every few seconds.
    library.docs_dir.mkdir()
    first = library.version()
    assert library.version() == first and library.documents() == [] and library.version() == first  # reading: no move
    (library.docs_dir / "tide.md").write_text("The Velmont tide rose 4 metres.", encoding="utf-8")
    library.sync()
    added = library.version()
    assert added != first
    library.documents()
    assert library.version() == added
    (library.docs_dir / "empty.txt").write_text("")  # a failed file changes the list, though the index is not written
    library.sync()
    failed = library.version()
    assert failed != added and "empty.txt" in {d.source for d in library.documents()}
    # Another writer of the same index (the command line, another instance): its write moves this library's version.
    other = Library(library.docs_dir, library.indexer, max_upload_bytes=10_000_000)
    (library.docs_dir / "reef.md").write_text("The reef is 12 km long.", encoding="utf-8")
    other.sync()
    assert library.version() != failed and "reef.md" in {d.source for d in library.documents()}
    moved = library.version()
    library.save_upload("kelp.md", incoming(tmp_path, "kelp.md", "Kelp grows fast."))  # saved, not indexed yet
    assert library.version() == moved
    assert library.delete("reef.md") is True
    assert library.version() != moved and "reef.md" not in {d.source for d in library.documents()}


def incoming(tmp_path: Path, name: str, text: str) -> Path:
    """A file as the browser hands it over, in a folder of its own."""
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / name
    path.write_text(text, encoding="utf-8")
    return path


def listing(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


def test_names_in_other_scripts_stay_distinct_documents(library: Library, tmp_path: Path) -> None:
    first = library.save_upload("报告.txt", incoming(tmp_path, "报告.txt", "The annual report counts 12 lighthouses."))
    second = library.save_upload("合同.txt", incoming(tmp_path, "合同.txt", "The contract names 7 ferries."))
    third = library.save_upload("Übersicht.txt", incoming(tmp_path, "Übersicht.txt", "The overview lists 3 harbours."))
    assert (first.name, second.name, third.name) == ("报告.txt", "合同.txt", "Übersicht.txt")
    assert not (first.renamed or second.renamed or third.renamed)
    assert len(listing(library.docs_dir)) == 3
    report = library.sync()
    assert sorted(report.added) == sorted(["报告.txt", "合同.txt", "Übersicht.txt"]) and report.failed == []
    assert library.indexer.keywords.search("ferries", 3)[0].source == "合同.txt"


def test_a_second_upload_with_a_taken_name_is_renamed_never_replacing(library: Library, tmp_path: Path) -> None:
    assert library.save_upload("report.txt", incoming(tmp_path, "report.txt", "first")).name == "report.txt"
    second = library.save_upload("report.txt", incoming(tmp_path, "report.txt", "second"))
    assert second == SavedUpload("report (2).txt", "report.txt", existing="report.txt") and second.renamed
    # Names differing only in case are one file on case-insensitive mounts: also renamed.
    third = library.save_upload("Report.TXT", incoming(tmp_path, "Report.TXT", "third"))
    assert (third.name, third.existing) == ("Report (3).txt", "report.txt")
    # A numbered name uploaded again continues the numbering instead of growing "(2) (2)".
    fourth = library.save_upload("report (2).txt", incoming(tmp_path, "report (2).txt", "fourth"))
    assert (fourth.name, fourth.existing) == ("report (4).txt", "report (2).txt")
    assert listing(library.docs_dir) == {
        "Report (3).txt": "third",
        "report (2).txt": "second",
        "report (4).txt": "fourth",
        "report.txt": "first",
    }


def test_a_compressed_upload_keeps_both_suffixes_and_a_bare_one_is_refused(library: Library, tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "packed"
    packed.write_bytes(gzip.compress(b"# Ferries\n\nThe harbour counted 14 ferries in May.\n"))
    assert library.save_upload("Notes.MD.GZ", packed).name == "Notes.md.gz"
    # A numbered copy keeps the two suffixes together: "notes (2).md.gz" is still Markdown, compressed.
    assert library.save_upload("notes.md.gz", packed).name == "notes (2).md.gz"
    with pytest.raises(UploadError, match=r"NEWS.gz: unsupported file type \.gz; supported: .*each also compressed"):
        library.save_upload("NEWS.gz", packed)
    report = library.sync()
    assert sorted(report.added) == ["Notes.md.gz", "notes (2).md.gz"] and report.failed == []
    assert library.indexer.keywords.search("ferries", 3)[0].source in report.added


def test_replace_overwrites_the_existing_document_under_its_own_name(library: Library, tmp_path: Path) -> None:
    library.save_upload("report.txt", incoming(tmp_path, "report.txt", "The old report counts 5 cranes."))
    library.sync()
    replaced = library.save_upload(
        "REPORT.txt", incoming(tmp_path, "REPORT.txt", "The new report counts 9 cranes."), replace=True
    )
    assert replaced == SavedUpload("report.txt", "REPORT.txt", existing="report.txt", replaced=True) and not replaced.renamed
    assert listing(library.docs_dir) == {"report.txt": "The new report counts 9 cranes."}
    report = library.sync()
    assert report.updated == ["report.txt"] and report.added == []
    # With nothing to replace, replace=True simply saves.
    fresh = library.save_upload("notes.txt", incoming(tmp_path, "notes.txt", "notes"), replace=True)
    assert fresh == SavedUpload("notes.txt", "notes.txt")


def test_concurrent_uploads_of_one_name_all_keep_their_content(library: Library, tmp_path: Path) -> None:
    uploads = [incoming(tmp_path, "same.txt", f"version {i}") for i in range(8)]
    saved: list[str] = []
    threads = [threading.Thread(target=lambda p=p: saved.append(library.save_upload("same.txt", p).name)) for p in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(saved) == sorted(["same.txt", *(f"same ({n}).txt" for n in range(2, 9))])
    assert sorted(listing(library.docs_dir).values()) == sorted(f"version {i}" for i in range(8))


def test_without_hard_links_a_taken_name_is_still_renamed(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*_: object) -> None:  # what exFAT and some network mounts answer
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    assert library.save_upload("a.txt", incoming(tmp_path, "a.txt", "one")).name == "a.txt"
    assert library.save_upload("a.txt", incoming(tmp_path, "a.txt", "two")).name == "a (2).txt"
    assert listing(library.docs_dir) == {"a (2).txt": "two", "a.txt": "one"}


def test_upload_limit_is_the_lower_of_the_upload_and_indexing_limits(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data", max_file_mb=0.01), embedder=fake_embedder)
    document = incoming(tmp_path, "long.txt", "A line about harbours. " * 600)  # about 14 kB
    generous = Library(tmp_path / "docs", indexer, max_upload_bytes=50_000_000)
    with pytest.raises(UploadError, match=r"0\.0 MB is over the 0\.01 MB upload limit \(set by CITEWISE_MAX_FILE_MB\)"):
        generous.save_upload("long.txt", document)
    strict = Library(tmp_path / "docs", indexer, max_upload_bytes=5_000)
    assert strict.upload_limit() == (5_000, "CITEWISE_MAX_UPLOAD_MB")
    with pytest.raises(UploadError, match="CITEWISE_MAX_UPLOAD_MB"):
        strict.save_upload("long.txt", document)
    assert not (tmp_path / "docs").exists() or list((tmp_path / "docs").iterdir()) == []
    small = incoming(tmp_path, "short.txt", "A short note about 4 harbours.")
    assert generous.save_upload("short.txt", small).name == "short.txt"
    assert generous.sync().added == ["short.txt"]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 kB tmpfs: a real ENOSPC (and EROFS once remounted read-only), which root cannot ignore."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def test_a_full_disk_fails_one_file_cleanly_and_the_rest_are_saved_and_indexed(
    tiny_disk: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    from ui.documents import save_uploads, sync_markdown

    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)
    library = Library(tiny_disk, indexer, max_upload_bytes=10_000_000)
    big = incoming(tmp_path, "report.txt", "The harbour report. " * 10_000)  # 200 kB on a 64 kB disk
    with pytest.raises(UploadError, match=r"^report\.txt could not be saved: No space left on device$"):
        library.save_upload("report.txt", big)
    assert list(tiny_disk.iterdir()) == []  # no temporary file left behind

    small = incoming(tmp_path, "note.txt", "The ferry note counts 31 gulls.")
    lines = save_uploads(library, [big, small], replace=False)
    assert lines == ["Saved note.txt.", "Refused: report.txt could not be saved: No space left on device"]
    status = sync_markdown(library, None, "\n\n".join(lines))
    assert "1 added, 0 updated, 0 unchanged, 0 deleted, 0 failed" in status
    assert [name.name for name in tiny_disk.iterdir()] == ["note.txt"]

    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    with pytest.raises(UploadError, match=r"^other\.txt could not be saved: Read-only file system$"):
        library.save_upload("other.txt", incoming(tmp_path, "other.txt", "more"))
    assert [name.name for name in tiny_disk.iterdir()] == ["note.txt"]
    # A document whose file cannot be removed stays, in the folder and in the index (the index is not on that disk).
    with pytest.raises(UploadError, match=r"^note\.txt could not be removed from the documents folder: Read-only file system$"):
        library.delete("note.txt")
    assert [name.name for name in tiny_disk.iterdir()] == ["note.txt"] and list(indexer.store.documents()) == ["note.txt"]


def test_the_api_answers_503_when_the_documents_folder_refuses_a_write(
    tiny_disk: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    from fastapi.testclient import TestClient

    from api import Access, create_api
    from assistant import Settings, build_citewise

    (tiny_disk / "note.txt").write_text("The ferry note counts 31 gulls.")
    with build_citewise(Settings(data_dir=tmp_path / "data", docs_dir=tiny_disk), embedder=fake_embedder) as citewise:
        citewise.indexer.sync(tiny_disk)
        with TestClient(create_api(citewise, Access())) as api:
            full = api.post("/v1/documents?sync=false", files={"file": ("report.txt", b"The harbour report. " * 10_000)})
            subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
            removed = api.delete("/v1/documents/note.txt")
            unsupported = api.post("/v1/documents?sync=false", files={"file": ("tool.exe", b"MZ")})
            listed = api.get("/v1/documents").json()["data"]

    # The server's disk, not the request: 503, saying what the disk said; the request's own faults stay 400.
    assert (full.status_code, full.json()["error"]["code"]) == (503, "documents_write_failed")
    assert full.json()["error"]["message"] == "report.txt could not be saved: No space left on device"
    assert (removed.status_code, removed.json()["error"]["code"]) == (503, "documents_write_failed")
    assert removed.json()["error"]["message"].endswith("could not be removed from the documents folder: Read-only file system")
    assert (unsupported.status_code, unsupported.json()["error"]["code"]) == (400, "upload_refused")
    assert [document["source"] for document in listed] == ["note.txt"]  # nothing lost, nothing half-saved


def test_the_documents_tab_uploads_with_the_replace_checkbox(citewise, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import gradio as gr

    from ui import create_app

    demo = create_app(citewise)
    (on_upload,) = [fn for fn in demo.fns.values() if fn.name == "on_upload"]
    assert [component.elem_id for component in on_upload.inputs] == ["cw-upload", "cw-replace"]
    first = incoming(tmp_path, "quillmark.txt", "The Quillmark observatory recorded 318 meteors in August.")
    _, status, rows, _ = on_upload.fn([str(first)], False, gr.Request())
    assert status.startswith("Saved quillmark.txt.\n\n1 added"), status
    second = incoming(tmp_path, "quillmark.txt", "The Quillmark observatory recorded 319 meteors in August.")
    _, status, rows, _ = on_upload.fn([str(second)], False, gr.Request())
    assert status.startswith("Saved quillmark (2).txt (a document named quillmark.txt already exists).\n\n1 added"), status
    third = incoming(tmp_path, "quillmark.txt", "The Quillmark observatory recorded 320 meteors in August.")
    _, status, rows, _ = on_upload.fn([str(third)], True, gr.Request())
    assert status.startswith("Replaced quillmark.txt.\n\n0 added, 1 updated"), status
    assert [row[0] for row in rows if row[0].startswith("quillmark")] == ["quillmark (2).txt", "quillmark.txt"]
    assert (citewise.library.docs_dir / "quillmark.txt").read_text(encoding="utf-8").endswith("320 meteors in August.")


class UploadsDeletesAndSyncs(RuleBasedStateMachine):
    """Any sequence of uploads (replacing or not, readable or not), deletes and syncs: the documents listed are always
    files of the folder, a sync lists each file once, and the index holds exactly the readable ones, each once, with
    the content it has now. The complaint this guards against: re-indexing that duplicates documents or goes stale."""

    NAMES = st.sampled_from(["a.txt", "A.TXT", "ü (2).md", "c.json"])  # few, so that steps meet the same file
    WORDS = ("alpha reactor", "beta turbine", "gamma boiler")
    # (words, readable): a readable file says its words; an unreadable one is empty
    CONTENT = st.tuples(st.sampled_from(WORDS), st.booleans())
    shared: Library | None = None  # one index for every example (a Chroma client costs a second to open), emptied

    @initialize()
    def empty(self) -> None:
        if UploadsDeletesAndSyncs.shared is None:
            root = Path(tempfile.mkdtemp(prefix="citewise-library-"))
            atexit.register(shutil.rmtree, root, True)
            indexer = build_indexer(IndexSettings(data_dir=root / "data"), embedder=FakeEmbedder())
            UploadsDeletesAndSyncs.shared = Library(root / "docs", indexer, max_upload_bytes=10_000)
            UploadsDeletesAndSyncs.shared.docs_dir.mkdir()
        self.library = UploadsDeletesAndSyncs.shared
        self.incoming = Path(tempfile.mkdtemp(prefix="citewise-incoming-"))
        for path in self.library.docs_dir.iterdir():
            path.unlink()
        self.library.sync(allow_mass_delete=True)
        assert not self.library.documents()

    def teardown(self) -> None:
        shutil.rmtree(getattr(self, "incoming", ""), ignore_errors=True)

    def folder(self) -> set[str]:
        return {path.name for path in self.library.docs_dir.iterdir() if not path.name.startswith(".")}

    @rule(name=NAMES, content=CONTENT, replace=st.booleans(), sync=st.booleans())
    def upload(self, name: str, content: tuple[str, bool], replace: bool, sync: bool) -> None:
        words, readable = content
        uploaded = self.incoming / name
        text = {".json": json.dumps({"text": f"The {words} runs."}), ".md": f"# Notes\n\nThe {words} runs."}
        uploaded.write_text(text.get(uploaded.suffix, f"The {words} runs.") if readable else "")
        saved = self.library.save_upload(name, uploaded, replace=replace)
        assert (self.library.docs_dir / saved.name).read_text() == uploaded.read_text()
        if sync:
            self.sync()

    @rule(name=NAMES)
    def delete(self, name: str) -> None:
        held = name in self.folder() or self.library.indexer.store.holds(name)
        assert self.library.delete(name) is held
        assert name not in self.folder() and not self.library.indexer.store.holds(name)

    @rule()
    def sync(self) -> None:
        report = self.library.sync(allow_mass_delete=True)
        listed = [document.source for document in self.library.documents()]
        assert len(listed) == len(set(listed)) and set(listed) == self.folder()
        stored = self.library.indexer.store.documents()
        assert set(stored) <= self.folder()
        for name in self.folder():
            text = (self.library.docs_dir / name).read_text()
            assert (name in stored) is bool(text) and (name in {f.path for f in report.failed}) is not bool(text)
            if text:  # its chunks say what it says now, once: not a version before it, nor twice
                said = [words for words in self.WORDS if words in text]
                chunks = [chunk.text for chunk in self.library.indexer.store.document_chunks(name)]
                assert len(stored[name].hashes) == 1 and len(chunks) == stored[name].chunk_count
                assert all(words in " ".join(chunks) for words in said)
                assert not any(words in chunk for chunk in chunks for words in set(self.WORDS) - set(said))

    @invariant()
    def listed_are_files_of_the_folder(self) -> None:
        assert {document.source for document in self.library.documents()} <= self.folder()


UploadsDeletesAndSyncs.TestCase.settings = settings(max_examples=30, stateful_step_count=8, deadline=None, database=None)
test_uploads_deletes_and_syncs_never_duplicate_or_go_stale = UploadsDeletesAndSyncs.TestCase
