"""Uploads and deletes through the documents library: safe names, atomic writes, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.library import Library, UploadError, safe_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.ini.md", "win.ini.md"),
        ("we ird;name$.TXT", "we ird_name_.txt"),
        (".hidden.md", "hidden.md"),
        ("  report (final).pdf", "report _final_.pdf"),
    ],
)
def test_safe_name(given: str, expected: str) -> None:
    assert safe_name(given) == expected


def test_safe_name_refuses_names_with_nothing_left() -> None:
    with pytest.raises(UploadError):
        safe_name("../..")


def test_upload_saves_inside_the_folder_and_syncs(citewise, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    library: Library = citewise.library
    upload = tmp_path / "incoming.md"
    upload.write_text("The Quillmark observatory recorded 318 meteors in August.", encoding="utf-8")
    name = library.save_upload("../../etc/quillmark.md", upload)
    assert name == "quillmark.md"
    assert (library.docs_dir / name).read_text(encoding="utf-8").startswith("The Quillmark")
    assert not any(p.name.startswith(".upload-") for p in library.docs_dir.iterdir())
    report = library.sync()
    assert report.added == ["quillmark.md"]
    rows = {row.source: row for row in library.rows()}
    assert rows["quillmark.md"].chunks == 1 and rows["quillmark.md"].status == "indexed"
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
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (library.max_upload_bytes + 1))
    with pytest.raises(UploadError, match="upload limit"):
        library.save_upload("big.txt", big)
    with pytest.raises(UploadError, match="not inside"):
        library.delete("../outside.txt")
    assert sorted(p.name for p in library.docs_dir.iterdir()) == sorted(
        p.name for p in (Path(__file__).parent.parent / "seeds").iterdir()
    )


def test_failed_files_show_in_the_list(citewise) -> None:  # type: ignore[no-untyped-def]
    library: Library = citewise.library
    (library.docs_dir / "empty.txt").write_text("")
    library.sync()
    rows = {row.source: row.status for row in library.rows()}
    assert rows["empty.txt"] == "failed: file is empty"
    assert sum(status == "indexed" for status in rows.values()) == 5
