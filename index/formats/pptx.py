"""PowerPoint (.pptx) to text with python-pptx: each slide a page, its title a heading, then its text boxes, tables
and speaker notes.

A slide is a page as a PDF's page is (``Page``): a citation says which slide its sentence is on. Shapes are read
top to bottom, then left to right, as a reader takes a slide in (the file stores them in drawing order); a group's
shapes in place. A text box's paragraphs (bullets) are blocks, a table's rows are lines with cells joined by " | ", and
the notes, where a deck often keeps its prose, follow the slide's own text.
"""

from __future__ import annotations

from collections.abc import Iterable

import pptx
from lxml.etree import XMLSyntaxError
from pptx.exc import PackageNotFoundError
from pptx.oxml import parse_xml
from pptx.shapes.base import BaseShape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.shapes.group import GroupShape
from pptx.slide import Slide
from pptx.util import Length

from index.formats.archive import BROKEN_ZIP, DAMAGED, check_inflated_size, opened, package_title
from index.formats.blocks import TextBuilder, collapse
from index.loader import LoadedDocument, LoadError, Page

_DIAGRAM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"


def read_pptx(data: bytes, max_bytes: int) -> LoadedDocument:
    """A deck (the file's bytes) as blocks, one page per slide, each slide's title a heading.

    ``max_bytes``: python-pptx inflates every part of the archive into memory, so the sizes the archive declares are
    checked first: its XML parts together, and any one part, at most this much (a "zip bomb" is refused unread).
    """
    try:
        check_inflated_size(data, max_bytes)
        deck = opened(pptx.Presentation, data, "PPTX")
        builder = TextBuilder()
        pages = [page for number, slide in enumerate(deck.slides, start=1) if (page := _read_slide(slide, number, builder))]
        title = collapse(package_title(deck))
    except (*BROKEN_ZIP, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError, *DAMAGED) as error:
        raise LoadError(f"unreadable PPTX: {error}") from None
    return LoadedDocument(
        text=builder.text(), title=title or builder.first_heading, pages=pages, sections=builder.sections(title)
    )


def _read_slide(slide: Slide, number: int, builder: TextBuilder) -> Page | None:
    """Add one slide's blocks; its page, or None when it holds no text."""
    title_shape = slide.shapes.title
    title = collapse(title_shape.text_frame.text) if title_shape is not None and title_shape.has_text_frame else ""
    starts = [builder.add(title, heading=1) if title else None]
    for shape in _in_reading_order(slide.shapes):
        if title_shape is None or shape.shape_id != title_shape.shape_id:  # each access makes a new proxy: compare ids
            starts += _read_shape(shape, builder)
    if slide.has_notes_slide and (notes := slide.notes_slide.notes_text_frame) is not None:
        starts += [builder.add(collapse(paragraph.text)) for paragraph in notes.paragraphs]
    first = next((start for start in starts if start is not None), None)
    return None if first is None else Page(number, first, builder.length)


def _in_reading_order(shapes: Iterable[BaseShape]) -> list[BaseShape]:
    """Top to bottom, then left to right (a shape without a position, such as an inherited placeholder's, first)."""
    return sorted(shapes, key=lambda shape: (_at(shape.top), _at(shape.left)))


def _at(length: Length | None) -> int:
    return int(length) if length is not None else -1


def _read_shape(shape: BaseShape, builder: TextBuilder) -> list[int | None]:
    if isinstance(shape, GroupShape):
        return [start for inner in _in_reading_order(shape.shapes) for start in _read_shape(inner, builder)]
    if getattr(shape, "has_table", False):
        rows = ([collapse(cell.text) for cell in row.cells] for row in shape.table.rows)  # type: ignore[attr-defined]
        return [builder.add(" | ".join(cell for cell in cells if cell)) for cells in rows]
    if getattr(shape, "has_text_frame", False):
        return [builder.add(collapse(paragraph.text)) for paragraph in shape.text_frame.paragraphs]  # type: ignore[attr-defined]
    if isinstance(shape, GraphicFrame) and (data := _diagram_data(shape)) is not None:
        return [builder.add(text) for text in _diagram_texts(data)]
    return []


def _diagram_data(frame: GraphicFrame) -> bytes | None:
    """The data part of a SmartArt diagram (its nodes' text), or None when ``frame`` holds no diagram.

    python-pptx reads no text of a SmartArt graphic: its nodes are kept in a part of their own, which the frame names.
    """
    ids = frame._element.xpath("./a:graphic/a:graphicData/*[local-name()='relIds']/@*[local-name()='dm']")
    if not ids:
        return None
    try:
        return bytes(frame.part.related_part(str(ids[0])).blob)
    except KeyError:  # a frame naming a part the deck does not hold
        return None


def _diagram_texts(data: bytes) -> list[str]:
    """The text of each node of a diagram's data, in the order it is stored (PowerPoint stores them as drawn)."""
    root = parse_xml(data)  # a part python-pptx leaves unparsed, read as it reads its own (no entities resolved)
    texts = []
    for point in root.iterfind(f"{{{_DIAGRAM}}}ptLst/{{{_DIAGRAM}}}pt"):
        if point.get("type", "node") != "node":  # the document, connections and presentation points hold no text
            continue
        for paragraph in point.iterfind(f"{{{_DIAGRAM}}}t/{{{_DRAWING}}}p"):
            if text := collapse("".join(run.text or "" for run in paragraph.iter(f"{{{_DRAWING}}}t"))):
                texts.append(text)
    return texts
