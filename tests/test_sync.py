"""Incremental, idempotent sync against a real Chroma and the real embedding model.

The first sync of the seeds is tested once; the other tests start from a copy of an index of the
seeds built by such a sync (``seeds_copy``), and sync again from there.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index import IndexMismatchError, IndexSettings, SyncStopped, build_indexer
from index.plan import FOLDER_LINK


@pytest.fixture
def empty(tmp_path: Path, embedder):  # type: ignore[no-untyped-def]
    """An empty index."""
    return build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)


@pytest.fixture
def indexer(seeds_copy: Path, embedder):  # type: ignore[no-untyped-def]
    """An index of the seeds in ``docs``, as a first sync left it."""
    return build_indexer(IndexSettings(data_dir=seeds_copy), embedder=embedder)


def chunk_sources(indexer) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(meta["source"] for _, meta in indexer.store.iter_metadatas())


def test_first_sync_indexes_everything_and_second_embeds_nothing(empty, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer = empty
    first = indexer.sync(docs)
    assert sorted(first.added) == sorted(p.name for p in docs.iterdir())
    assert first.failed == [] and first.embedded == first.chunks > 5
    # Every chunk is complete and carries the metadata citations need.
    for chunk_id, meta in indexer.store.iter_metadatas():
        assert chunk_id.startswith(meta["source"] + "@")
        assert {"title", "doc_hash", "chunk_index", "chunk_count", "start_char", "end_char"} <= meta.keys()
    second = indexer.sync(docs)
    assert second.summary() | {"seconds": 0} == {
        "added": 0,
        "updated": 0,
        "unchanged": 5,
        "deleted": 0,
        "failed": [],
        "warnings": [],
        "skipped": [],
        "chunks": first.chunks,
        "embedded": 0,
        "reused": 0,
        "seconds": 0,
        "dry_run": False,
    }


def test_a_sync_its_progress_stops_keeps_every_file_whole_and_the_next_one_completes_it(  # type: ignore[no-untyped-def]
    tmp_path: Path, seeds_copy: Path, embedder, docs: Path
) -> None:
    for path in sorted(docs.iterdir()):  # every seed edited, two documents added: seven files to index
        path.write_text(path.read_text(encoding="utf-8") + "\n\nSea otters hold hands while they sleep.", encoding="utf-8")
    for n in (1, 2):
        (docs / f"otters{n}.txt").write_text(f"Otter note {n}. " + "Otters eat sea urchins. " * 40, encoding="utf-8")
    settings = IndexSettings(data_dir=seeds_copy, write_batch=40)  # written a few files at a time

    heard = []

    def stop_after_four(done: int, total: int, chunks: int) -> None:
        heard.append(done)
        if len(heard) == 4:  # told of each file read (no file here is longer than a write batch)
            raise SyncStopped(done, total)  # the user's Stop, seen after the fourth file was read

    with pytest.raises(SyncStopped):
        build_indexer(settings, embedder=embedder).sync(docs, progress=stop_after_four)
    indexer = build_indexer(settings, embedder=embedder)
    versions: dict[str, dict[str, list[int]]] = {}
    for _, meta in indexer.store.iter_metadatas():
        versions.setdefault(meta["source"], {}).setdefault(meta["doc_hash"], []).append(int(meta["chunk_count"]))
    # Each document in one version, whole: the edit written, or the old text kept; nothing half-written.
    assert all(len(hashes) == 1 and len(counts) == counts[0] for hashes in versions.values() for counts in hashes.values())
    edited = [  # in their new version
        p.name for p in docs.iterdir() if p.name in versions and hashlib.sha256(p.read_bytes()).hexdigest() in versions[p.name]
    ]
    # The four files read before the stop are indexed, though they were not a whole write batch yet; the rest not.
    assert len(edited) == 4
    report = indexer.sync(docs)
    assert report.failed == [] and report.embedded > 0
    clean = build_indexer(IndexSettings(data_dir=tmp_path / "clean"), embedder=embedder)
    clean.sync(docs)
    assert sorted(i for i, _ in indexer.store.iter_metadatas()) == sorted(i for i, _ in clean.store.iter_metadatas())


def test_a_stop_while_a_long_file_is_embedded_ends_within_a_batch_and_writes_nothing_of_it(  # type: ignore[no-untyped-def]
    seeds_copy: Path, embedder, docs: Path
) -> None:
    edited = docs / "003_8cf9f7c4be1979b2.txt"
    old_text = edited.read_text(encoding="utf-8")
    edited.write_text(old_text + "\n\nSea otters hold hands while they sleep.", encoding="utf-8")
    rng = random.Random(3)
    syllables = ["ka", "lo", "mir", "tes", "un", "vor", "pa", "zi", "rel", "dom", "quo", "sen"]
    notes = (" ".join(rng.choice(syllables) + rng.choice(syllables) for _ in range(14)) for _ in range(250))
    (docs / "zz_long.txt").write_text("\n\n".join(f"Note {n}: {text}." for n, text in enumerate(notes)), encoding="utf-8")
    indexer = build_indexer(IndexSettings(data_dir=seeds_copy, write_batch=4), embedder=embedder)
    heard: list[tuple[int, int, int]] = []

    def stop_once_the_long_file_is_being_embedded(done: int, total: int, chunks: int) -> None:
        heard.append((done, total, chunks))
        if chunks >= 8:  # the user's Stop, seen while the long file's chunks are embedded
            raise SyncStopped(done, total)

    with pytest.raises(SyncStopped) as stopped:
        indexer.sync(docs, progress=stop_once_the_long_file_is_being_embedded)

    assert (stopped.value.done, stopped.value.total) == (1, 2)  # the edited seed settled, the long file not
    assert "zz_long.txt" not in chunk_sources(indexer)  # nothing of it written
    hashes = {meta["doc_hash"] for _, meta in indexer.store.iter_metadatas() if meta["source"] == edited.name}
    assert hashes == {hashlib.sha256(edited.read_bytes()).hexdigest()}  # the file read before it is written, whole
    report = indexer.sync(docs)  # the next sync completes the work
    assert report.added == ["zz_long.txt"] and report.embedded > 20
    assert heard[-1][2] < 16, "the stop waited for the long file's end"  # it came within a batch (4 chunks) of Stop
    # Embedded a batch at a time in another order than the file's, each chunk still has its own vector.
    stored = indexer.store.vectors("zz_long.txt")
    texts = [text for _, text in stored]
    similarity = np.asarray(list(stored.values())) @ embedder.encode(texts).T
    assert list(similarity.argmax(axis=1)) == list(range(len(texts)))


def test_chunk_offsets_point_into_the_source_file(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer.sync(docs)
    found = indexer.store.collection.get(include=["documents", "metadatas"])
    for text, meta in zip(found["documents"], found["metadatas"], strict=True):
        source_text = (docs / meta["source"]).read_text(encoding="utf-8")
        assert source_text[meta["start_char"] : meta["end_char"]] == text


def test_edit_replaces_every_old_chunk(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer.sync(docs)
    target = docs / "003_8cf9f7c4be1979b2.txt"
    target.write_text("The lighthouse keeper counted 41 gulls on Tuesday.\n", encoding="utf-8")
    report = indexer.sync(docs)
    assert report.updated == [target.name] and report.added == [] and report.embedded == 1
    found = indexer.store.collection.get(where={"source": target.name}, include=["documents"])
    assert found["documents"] == ["The lighthouse keeper counted 41 gulls on Tuesday."]
    assert not indexer.keywords.search("donated WHO million", 10, [target.name])
    assert [h.source for h in indexer.keywords.search("lighthouse gulls", 10)] == [target.name]


def test_an_edit_embeds_only_the_chunks_it_changed(indexer, embedder, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer.sync(docs)
    target = docs / "001_8ca9ff445ec2607f.txt"  # three chunks
    before = _vectors(indexer, target.name)
    text = target.read_text(encoding="utf-8")
    target.write_text(text + "\n\nThe lighthouse keeper counted 41 gulls on Tuesday.\n", encoding="utf-8")
    report = indexer.sync(docs)
    after = _vectors(indexer, target.name)
    # The chunks before the new paragraph come out as they were and keep their stored vectors; the chunk that holds
    # it (a new text) is embedded, and its vector is the model's for it, not an old one.
    changed = [key for key in after if key not in before]
    assert report.updated == [target.name] and report.embedded == len(changed) >= 1
    assert report.reused == len(after) - len(changed) >= 1 and report.chunks == indexer.store.count()
    assert all(after[key] == pytest.approx(before[key]) for key in after if key in before)
    fresh = embedder.encode([f"{section}\n{text}" if section else text for section, text in changed])  # embedded_text
    assert all(after[key] == pytest.approx(list(vector), abs=1e-5) for key, vector in zip(changed, fresh, strict=True))


def _vectors(indexer, source: str) -> dict[tuple[str, str], list[float]]:  # type: ignore[no-untyped-def]
    found = indexer.store.collection.get(where={"source": source}, include=["documents", "metadatas", "embeddings"])
    return {
        (meta.get("section", ""), text): list(map(float, vector))
        for text, meta, vector in zip(found["documents"], found["metadatas"], found["embeddings"], strict=True)
    }


def test_delete_and_rename(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer.sync(docs)
    (docs / "000_1431dd1dd5b40ef7.txt").unlink()
    before = _vectors(indexer, "002_f01b8babd5e16a0d.txt")
    (docs / "002_f01b8babd5e16a0d.txt").rename(docs / "renamed.txt")
    report = indexer.sync(docs)
    assert sorted(report.deleted) == ["000_1431dd1dd5b40ef7.txt", "002_f01b8babd5e16a0d.txt"]
    assert report.added == ["renamed.txt"]
    sources = set(chunk_sources(indexer))
    assert "000_1431dd1dd5b40ef7.txt" not in sources and "002_f01b8babd5e16a0d.txt" not in sources
    assert "renamed.txt" in sources
    assert {s for (s, _) in indexer.keywords.counts()} == sources
    # A rename is a delete plus an add of the same content: the old name's vectors, read before it went, are reused.
    after = _vectors(indexer, "renamed.txt")
    assert (report.embedded, report.reused) == (0, len(before)) and after.keys() == before.keys()
    assert all(after[key] == pytest.approx(before[key], abs=1e-6) for key in after)


def test_moved_vectors_held_in_memory_are_capped(indexer, docs: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    indexer.sync(docs)
    monkeypatch.setattr("index.sync._MOVED_CHUNKS", 1)
    (docs / "moved").mkdir()
    names = ["002_f01b8babd5e16a0d.txt", "003_8cf9f7c4be1979b2.txt"]
    chunks = [len(_vectors(indexer, name)) for name in names]
    for name in names:
        (docs / name).rename(docs / "moved" / name)
    report = indexer.sync(docs)
    # The first moved document's vectors reach the cap: the second one is embedded again, not held.
    assert sorted(report.deleted) == names and (report.reused, report.embedded) == (chunks[0], chunks[1])


def test_a_copy_reuses_the_vectors_of_the_indexed_original(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer.sync(docs)
    original = docs / "003_8cf9f7c4be1979b2.txt"
    (docs / "sub").mkdir()
    (docs / "sub" / "copy.txt").write_bytes(original.read_bytes())
    (docs / "other.txt").write_text("The lighthouse keeper counted 41 gulls on Tuesday.\n", encoding="utf-8")
    report = indexer.sync(docs)
    copied, kept = _vectors(indexer, "sub/copy.txt"), _vectors(indexer, original.name)
    assert sorted(report.added) == ["other.txt", "sub/copy.txt"] and report.deleted == []
    # Only the new text is embedded; the copy's chunks take the original's vectors, and the original keeps its own.
    assert (report.embedded, report.reused) == (1, len(kept)) and copied.keys() == kept.keys()
    assert all(copied[key] == pytest.approx(kept[key], abs=1e-6) for key in copied)
    assert indexer.sync(docs).embedded == 0


def test_bad_files_are_reported_and_the_rest_indexed(empty, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer = empty
    (docs / "empty.txt").write_text("")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    (docs / "latin1.md").write_bytes("d\xe9j\xe0 vu".encode("latin-1"))
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (docs / "sub").mkdir()
    (docs / "sub" / "good.md").write_text("# Nested\n\nThe nested file mentions zebras.", encoding="utf-8")
    report = indexer.sync(docs)
    failed = {f.path: f.error for f in report.failed}
    assert failed == {
        "empty.txt": "file is empty",
        "binary.txt": "binary content, not text",
        "latin1.md": "not valid UTF-8 text (invalid byte at offset 1)",
    }
    # A file of a type the index does not read is no document, so no failure: it is listed apart.
    assert [(f.path, f.error) for f in report.skipped] == [("photo.jpg", "unsupported file type .jpg")]
    assert report.summary()["skipped"] == [{"path": "photo.jpg", "error": "unsupported file type .jpg"}]
    assert sorted(report.added) == sorted([*(p.name for p in docs.glob("0*.txt")), "sub/good.md"])
    assert "sub/good.md" in chunk_sources(indexer)


def test_a_link_to_a_folder_is_reported_not_followed(empty, docs: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Debian links whole manuals into /usr/share/doc ("libglib2.0-doc/glib -> ../../gtk-doc/html/glib"): a link to a
    # folder is not followed (a loop cannot trap the walk, nothing outside the folder is read), and not in silence.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "manual.md").write_text("# Manual\n\nThe manual outside mentions okapis.", encoding="utf-8")
    (docs / "linked").symlink_to(outside, target_is_directory=True)
    (docs / "loop").symlink_to(docs, target_is_directory=True)
    (docs / "shot.png").write_bytes(b"\x89PNG")
    report = empty.sync(docs)
    assert report.failed == []
    assert [(f.path, f.error) for f in report.skipped] == [
        ("linked/", FOLDER_LINK),
        ("loop/", FOLDER_LINK),
        ("shot.png", "unsupported file type .png"),
    ]
    assert report.skipped_files == (
        "1 file of a type the index does not read (.png 1); 2 links to a folder, not followed (linked/, loop/)"
    )
    assert not any(source.startswith(("linked/", "loop/")) for source in chunk_sources(empty))


def deep_folders(top: Path, room: int) -> str:
    """Nest folders under ``top`` until the path is within ``room`` bytes of the system's 4,096, and write a note at the
    bottom; returns the note's source. Made through folder descriptors: no path this long can be named whole."""
    names: list[str] = []
    fd = os.open(top, os.O_RDONLY)
    try:
        while len(str(top)) + sum(len(name) + 1 for name in names) < 4096 - room:
            names.append(f"level-{len(names):03d}-{'x' * 20}")
            os.mkdir(names[-1], dir_fd=fd)
            fd, parent = os.open(names[-1], os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
        note = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(note, b"The deepest note says the lagoon holds 42 herons.")
        os.close(note)
    finally:
        os.close(fd)
    return "/".join([*names, "deep.txt"])


def test_a_tree_a_thousand_folders_deep_is_walked(tmp_path: Path, deep_chain) -> None:  # type: ignore[no-untyped-def]
    # "a/a/a/.../note.txt", 1,500 levels in 3,000 bytes of path: Python 3.11's os.walk recursed once per level and
    # raised RecursionError, which stopped every sync of the folder (and the app's start) with a stack trace.
    from index.plan import SyncReport, walk

    top = tmp_path / "docs"
    top.mkdir()
    deep_chain(top, 1500)
    record = SyncReport()
    assert [source for source, _ in walk(top, record)] == ["a/" * 1500 + "note.txt"]
    assert record.failed == [] and record.skipped == []


def test_the_walk_lists_what_os_walk_lists_in_its_order(tmp_path: Path, docs: Path) -> None:
    from index.plan import _folders

    for folder in ("b/y", "b/x/deeper", "a", "c"):
        (docs / folder).mkdir(parents=True)
        (docs / folder / "note.md").write_text("A note.", encoding="utf-8")
    (docs / "linked").symlink_to(docs / "b", target_is_directory=True)  # listed, not entered, as os.walk does
    (docs / "dangling").symlink_to(tmp_path / "nowhere")
    (docs / "b" / "x" / "unreadable").mkdir(mode=0)

    def listed(walker: Iterator[tuple[str, list[str], list[str]]]) -> list[tuple[str, list[str], list[str]]]:
        seen = []
        for root, dirs, files in walker:
            dirs.sort()  # pruned and ordered in place, as the sync's walk does: the walk goes down in that order
            seen.append((root, list(dirs), sorted(files)))
        return seen

    ours, theirs = listed(_folders(docs, lambda error: None)), listed(os.walk(docs, onerror=lambda error: None))
    assert ours == theirs and len(ours) == 8 - (os.geteuid() != 0)


def test_a_folder_too_deep_to_name_is_reported_and_its_indexed_documents_are_kept(empty, docs: Path) -> None:  # type: ignore[no-untyped-def]
    # Named from a short path the deepest folder can be listed; named as "docs/../docs/..." it cannot (ENAMETOOLONG).
    # Such a folder crashed the whole sync; one that cannot be listed was passed over, and its documents deleted.
    deep = deep_folders(docs, room=60)
    first = empty.sync(docs)
    assert first.failed == [] and deep in first.added
    longer = Path(str(docs) + "/../docs" * 12)
    report = empty.sync(longer)
    [(folder, error)] = [(f.path, f.error) for f in report.failed]
    assert deep.startswith(folder) and folder.endswith("/") and error == "folder cannot be read: File name too long"
    assert report.deleted == [] and len(report.unchanged) == 5 and deep in empty.store.documents()


def test_compressed_documents_are_indexed_and_a_bare_or_oversized_one_reported(empty, docs: Path) -> None:  # type: ignore[no-untyped-def]
    import gzip
    import lzma

    indexer = empty
    indexer.max_file_bytes = 1_000_000
    (docs / "ferries.md.gz").write_bytes(gzip.compress(b"# Ferries\n\nThe harbour counted 14 ferries in May.\n"))
    (docs / "cranes.html.xz").write_bytes(lzma.compress(b"<h1>Cranes</h1><p>The dock has <code>7</code> cranes.</p>"))
    (docs / "NEWS.gz").write_bytes(gzip.compress(b"Version 2 fixes the parser."))
    # 5 MB of text in a few kB: the limit applies to what the file holds, not to its compressed size.
    (docs / "huge.txt.gz").write_bytes(gzip.compress(b"word " * 1_000_000))
    report = indexer.sync(docs)
    assert {f.path: f.error for f in report.failed} == {
        "huge.txt.gz": "decompresses to more than 1 MB, over the limit (CITEWISE_MAX_FILE_MB)",
    }
    assert [(f.path, f.error) for f in report.skipped] == [("NEWS.gz", "unsupported file type .gz")]
    assert {"ferries.md.gz", "cranes.html.xz"} <= set(report.added)
    assert indexer.keywords.search("ferries", 3)[0].source == "ferries.md.gz"
    assert indexer.keywords.search("cranes", 3)[0].source == "cranes.html.xz"
    assert indexer.sync(docs).embedded == 0  # unchanged files are not read again


def test_a_file_that_breaks_loses_its_stale_chunks(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer.sync(docs)
    (docs / "001_8ca9ff445ec2607f.txt").write_bytes(b"\x00binary now")
    report = indexer.sync(docs)
    assert [f.path for f in report.failed] == ["001_8ca9ff445ec2607f.txt"]
    assert "001_8ca9ff445ec2607f.txt" not in chunk_sources(indexer)


def test_dry_run_changes_nothing(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer.sync(docs)
    before = indexer.store.count()
    (docs / "new.md").write_text("A brand new note about otters.", encoding="utf-8")
    (docs / "000_1431dd1dd5b40ef7.txt").unlink()
    plan = indexer.sync(docs, dry_run=True)
    assert (plan.added, plan.deleted, plan.embedded) == (["new.md"], ["000_1431dd1dd5b40ef7.txt"], 0)
    assert indexer.store.count() == before
    assert indexer.sync(docs).added == ["new.md"]


def test_half_written_document_is_repaired(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    clean = indexer.sync(docs).chunks
    # Simulate a crash mid-write: drop some chunks of one document from both stores.
    ids = [i for i, m in indexer.store.iter_metadatas() if m["source"] == "001_8ca9ff445ec2607f.txt"]
    assert len(ids) > 1
    indexer.store.collection.delete(ids=ids[:1])
    report = indexer.sync(docs)
    assert report.updated == ["001_8ca9ff445ec2607f.txt"]
    assert report.chunks == clean == len(set(chunk_id for chunk_id, _ in indexer.store.iter_metadatas()))


@pytest.mark.parametrize("file_kept", [False, True])
def test_keyword_rows_left_by_a_kill_between_the_two_deletes_are_cleaned(indexer, docs: Path, file_kept: bool) -> None:  # type: ignore[no-untyped-def]
    clean = indexer.sync(docs).chunks
    source = "001_8ca9ff445ec2607f.txt"
    # A kill after the vectors were deleted but before the keyword rows were: rows in FTS only.
    indexer.store.delete(source)
    assert any(s == source for s, _ in indexer.keywords.counts())
    if not file_kept:
        (docs / source).unlink()

    report = indexer.sync(docs)

    counts = indexer.keywords.counts()
    if file_kept:
        assert report.added == [source] and report.chunks == clean
        assert sum(n for (s, _), n in counts.items() if s == source) == indexer.store.documents()[source].stored_chunks
    else:
        assert report.deleted == [source]
        assert not any(s == source for s, _ in counts)
    assert sum(counts.values()) == indexer.store.count()


def test_opening_with_another_model_or_chunk_size_refuses(tmp_path: Path, embedder, docs: Path, seeds_copy: Path) -> None:  # type: ignore[no-untyped-def]
    assert build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder).sync(docs).embedded == 0
    with pytest.raises(IndexMismatchError, match="rebuild"):
        build_indexer(IndexSettings(data_dir=tmp_path / "data", chunk_tokens=100), embedder=embedder)
    rebuilt = build_indexer(IndexSettings(data_dir=tmp_path / "data", chunk_tokens=100), embedder=embedder, rebuild=True)
    assert rebuilt.rebuild(docs).chunks > 0


def test_oversized_file_is_reported_and_its_old_chunks_dropped(tmp_path: Path, embedder, docs: Path, seeds_copy: Path) -> None:  # type: ignore[no-untyped-def]
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data", max_file_mb=0.01), embedder=embedder)
    indexer.sync(docs)
    big = docs / "001_8ca9ff445ec2607f.txt"
    big.write_text("A long line about harbours. " * 500, encoding="utf-8")  # about 14 kB
    report = indexer.sync(docs)
    assert [(f.path, f.error) for f in report.failed] == [
        (big.name, "file is 14 kB, over the 10 kB limit (CITEWISE_MAX_FILE_MB)")
    ]
    assert big.name not in chunk_sources(indexer) and len(set(chunk_sources(indexer))) == 4


def test_skipped_files_are_one_line_of_their_types_and_no_failure(capsys: pytest.CaptureFixture[str]) -> None:
    # A manual's folder holds its stylesheets, scripts and images: each is no document, and listing each as a failure
    # buried the files that did fail (and made `index sync` exit 1).
    from index.__main__ import _print_report
    from index.plan import FileError, SyncReport
    from ui.documents import report_markdown

    skipped = [FileError(name, f"unsupported file type {name[-4:]}") for name in ("css/page.css", "img/a.png", "img/b.png")]
    report = SyncReport(added=["manual.html"], skipped=skipped)
    _print_report(report, as_json=False)
    printed = capsys.readouterr().out
    assert "skipped 3 files of types the index does not read (.png 2, .css 1)" in printed
    assert "failed: " not in printed and "0 failed" in printed
    assert report_markdown(report).endswith("Skipped 3 files of types the index does not read (.png 2, .css 1).")
