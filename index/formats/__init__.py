"""One reader per file format, each turning a file into blocks of text joined by blank lines.

``index.loader`` picks the reader by suffix and imports it lazily, so a sync that meets no PDF
never imports PDFium. Every reader builds its text with ``blocks.TextBuilder``, which keeps the
offsets of headings and pages consistent with the text it returns.
"""
