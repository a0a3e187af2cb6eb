"""Reading each supported format, and clear errors for files that cannot be indexed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfs import pdf_with_pages

from index.loader import LoadError, load


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_text_and_markdown_titles(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "a.md", "\n# Field notes\n\nThe river rose by 3 metres."))
    assert doc.title == "Field notes"
    assert "3 metres" in doc.text and doc.pages == []


def test_html_keeps_only_visible_text(tmp_path: Path) -> None:
    markup = (
        "<html><head><title>Report</title><style>p{color:red}</style></head>"
        "<body><script>alert('x')</script><h1>Aid</h1><p>Ten doctors were sent.</p></body></html>"
    )
    doc = load(write(tmp_path / "r.html", markup))
    assert doc.title == "Report"
    assert "Ten doctors were sent." in doc.text
    assert "alert" not in doc.text and "color" not in doc.text


def test_pdf_pages_are_kept_and_empty_pages_reported(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "p.pdf", pdf_with_pages(["First page text.", "", "Third page text."])))
    assert [p.number for p in doc.pages] == [1, 3]
    assert doc.page_at(doc.text.index("Third")) == 3
    assert doc.page_at(0) == 1
    assert doc.warnings == ["page 2 has no extractable text (scanned image?)"]


def test_docx(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Quarterly summary")
    document.add_paragraph("Revenue grew by 12 percent.")
    document.save(str(tmp_path / "d.docx"))
    doc = load(tmp_path / "d.docx")
    assert doc.title == "Quarterly summary"
    assert "12 percent" in doc.text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", "", "file is empty"),
        ("blank.md", "  \n\t\n", "file is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary content"),
        ("latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1"), "not valid UTF-8"),
        ("image.png", b"\x89PNG", "unsupported file type .png"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "unreadable PDF"),
        ("broken.docx", b"PK not a zip", "unreadable DOCX"),
        ("pages.pdf", pdf_with_pages(["", ""]), "no text could be extracted"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path: Path, name: str, data: str | bytes, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        load(write(tmp_path / name, data))


def test_encrypted_pdf_is_refused_with_a_reason(tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_with_pages(["Secret budget figures."]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="hunter2", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(LoadError, match="encrypted PDF"):
        load(path)
