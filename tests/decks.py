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


_DIAGRAM_DATA = (
    '<dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst>'
    '<dgm:pt modelId="0" type="doc"><dgm:prSet/><dgm:spPr/></dgm:pt>'
    "{nodes}"
    '<dgm:pt modelId="9" type="sibTrans"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/><a:p><a:endParaRPr/></a:p></dgm:t>'
    "</dgm:pt></dgm:ptLst><dgm:cxnLst/></dgm:dataModel>"
)
_DIAGRAM_NODE = (
    '<dgm:pt modelId="{n}"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>{first}</a:t></a:r>'
    "<a:r><a:t>{rest}</a:t></a:r></a:p></dgm:t></dgm:pt>"
)
_DIAGRAM_FRAME = (
    '<p:graphicFrame xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<p:nvGraphicFramePr><p:cNvPr id="9" name="Diagram 1"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>'
    '<p:xfrm><a:off x="457200" y="1600200"/><a:ext cx="8229600" cy="4525963"/></p:xfrm><a:graphic>'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram">'
    '<dgm:relIds xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" r:dm="{data}" r:lo="" r:qs="" r:cs=""/>'
    "</a:graphicData></a:graphic></p:graphicFrame>"
)


def smartart_deck(steps: list[str]) -> bytes:
    """A titled slide holding a SmartArt diagram of ``steps`` (each node's text in two runs), as PowerPoint stores one:
    the frame on the slide names a data part of its own that holds the nodes."""
    from lxml import etree
    from pptx import Presentation
    from pptx.opc.constants import RELATIONSHIP_TYPE
    from pptx.opc.package import Part
    from pptx.opc.packuri import PackURI

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Release process"
    nodes = "".join(
        _DIAGRAM_NODE.format(n=n, first=step.split(" ", 1)[0] + " ", rest=step.split(" ", 1)[1])
        for n, step in enumerate(steps, start=1)
    )
    data = Part(
        PackURI("/ppt/diagrams/data1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
        presentation.part.package,
        _DIAGRAM_DATA.format(nodes=nodes).encode(),
    )
    relation = slide.part.relate_to(data, RELATIONSHIP_TYPE.DIAGRAM_DATA)
    slide.shapes._spTree.append(etree.fromstring(_DIAGRAM_FRAME.format(data=relation)))
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()
