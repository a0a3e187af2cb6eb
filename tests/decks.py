"""PowerPoint decks built in memory with python-pptx, for the loader's and the answerer's tests."""

from __future__ import annotations

import io


def deck(title: str = "Field Notes", filler: str = "") -> bytes:
    """A deck python-pptx writes: a titled slide of bullets with speaker notes, a slide whose text box lies below its
    table but was drawn first, and an empty slide."""
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "Swifts"
    bullets = first.placeholders[1].text_frame
    bullets.text = "A swift can stay aloft for ten months."
    bullets.add_paragraph().text = "They sleep on the wing." + filler
    first.notes_slide.notes_text_frame.text = "Mention the 2016 tracking study."
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Tally"
    second.shapes.add_textbox(Inches(1), Inches(5), Inches(4), Inches(1)).text_frame.text = "Counted at dawn."
    table = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for (row, column), value in zip(((0, 0), (0, 1), (1, 0), (1, 1)), ("bird", "months aloft", "swift", "10"), strict=True):
        table.cell(row, column).text = value
    presentation.slides.add_slide(presentation.slide_layouts[6])
    presentation.core_properties.title = title
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()
