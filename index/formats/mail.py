"""Email: a message (``.eml``) or a mailbox of them (``.mbox``), read as a mail program shows each one: its subject as a
heading, who sent it to whom and when, and its text; parsed by Python's ``email`` package (MIME parts, transfer
encodings, charsets, encoded headers).

- A message's text is its plain-text body, else its HTML body read by the HTML reader; its paragraphs are blocks, a
  wrapped paragraph's lines kept as written (they join into sentences as plain text's do).
- The signature (below the "-- " line RFC 3676 defines) is left out: the same lines end every message of a sender.
- In a mailbox, a reply's quoted lines ("> ...") and the line that introduces them ("On Monday, Ann wrote:") are left
  out too: the message they quote is in the mailbox, and quoted twice it would be found and cited twice. A single
  message keeps them, the only copy it has.
- Attachments are named ("Attachments: report.pdf"), not read.

A mailbox's messages part at each line that starts "From " after a blank line (the mbox format's separator; a ">From "
line in a body is text); each message is a section, its subject the heading, under the mailbox's name.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import re
from email.header import decode_header, make_header
from email.message import EmailMessage, Message

from index.formats.blocks import TextBuilder, collapse
from index.loader import LoadedDocument, Section

# The mbox separator: "From " at a line's start, at the file's start or after a blank line ("From MAILER-DAEMON Fri
# Jul  8 12:08:34 2011"). A body's own "From " lines are written ">From " by the program that stored them.
_SEPARATOR = re.compile(rb"(?:\A|(?<=\n\n)|(?<=\r\n\r\n))From [^\n]*\n")
_HEADERS = ("From", "To", "Cc", "Date")
# What the email package raises on a header or a part it cannot parse, found by fuzzing: its structured header parser
# fails with IndexError on an address whose "<" never closes, with AttributeError on a group where an address stands;
# an unknown charset is a LookupError. Such a header is read as written; such a part is not read.
_BROKEN = (email.errors.MessageError, ValueError, IndexError, TypeError, AttributeError, LookupError, AssertionError)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)
_QUOTED = re.compile(r"^[ \t]*>")
# The line a reply's quote opens with: "On Mon, 4 Mar 2024, Ann Lee wrote:", "Ann Lee <ann@example.org> writes:".
_ATTRIBUTION = re.compile(r"\b(?:wrote|writes)\s*:\s*$")


def read_eml(data: bytes, title: str) -> LoadedDocument:
    """One message (the file's bytes), its subject the title (else ``title``, the file's name)."""
    builder = TextBuilder()
    message = _parse(data)
    subject = _header(message, "Subject")
    _read(message, builder, quotes=True, heading=1 if subject else 0)
    return LoadedDocument(text=builder.text(), title=subject or title, sections=builder.sections(subject or title))


def read_mbox(data: bytes, title: str) -> LoadedDocument:
    """A mailbox (the file's bytes): each message a section under ``title`` (the file's name), its subject the heading."""
    builder = TextBuilder()
    sections: list[Section] = []
    for raw in filter(bytes.strip, _SEPARATOR.split(data)):
        message = _parse(raw)
        start = builder.length + 2 if builder.length else 0
        _read(message, builder, quotes=False, heading=0)
        if builder.length > start:
            subject = _header(message, "Subject") or "(no subject)"
            sections.append(Section(start, builder.length, (title, subject)))
    return LoadedDocument(text=builder.text(), title=title, sections=sections)


def _parse(raw: bytes) -> Message:
    """A message as the email package reads it; by its legacy parser, which reads headers as written, when the modern
    one fails on a header it cannot parse (the modern parser reads some while it parses the message)."""
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except _BROKEN:
        return email.message_from_bytes(raw, policy=email.policy.compat32)


def _read(message: Message, builder: TextBuilder, *, quotes: bool, heading: int) -> None:
    """Add a message's subject (as a heading of level ``heading``, 0 for none), its senders and date, and its text."""
    if heading:
        builder.add(_header(message, "Subject"), heading=heading)
    fields = [f"{name}: {value}" for name in _HEADERS if (value := _header(message, name))]
    builder.add("\n".join(fields))
    for block in _body(message, quotes):
        builder.add(block)
    attached = _attachments(message)
    if attached:
        builder.add("Attachments: " + ", ".join(attached))


def _header(message: Message, name: str) -> str:
    """A header's value as text, its encoded words decoded; as written when it cannot be parsed; "" when absent."""
    try:
        return collapse(str(message.get(name) or ""))
    except _BROKEN:
        raw = next((value for key, value in message.raw_items() if key.lower() == name.lower()), "")
    try:
        return collapse(str(make_header(decode_header(str(raw)))))
    except _BROKEN:
        return collapse(str(raw))


def _body(message: Message, quotes: bool) -> list[str]:
    """The message's text as paragraphs: its plain body, else its HTML body as the HTML reader reads it."""
    part: Message | None
    try:
        part = message.get_body(preferencelist=("plain", "html")) if isinstance(message, EmailMessage) else None
    except _BROKEN:
        part = None
    # A body the package does not find where the MIME rules put it (a text part after an attachment, parts nested
    # oddly) is the first text part a mail program would show.
    part = part or _first_text(message)
    if part is None:
        return []
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else _decoded(part)
    except _BROKEN:  # an unknown charset, a body its encoding cannot decode
        content = _decoded(part)
    if not isinstance(content, str):
        return []
    if part.get_content_subtype() == "html":
        from index.formats.html import read_html

        return [block for block in read_html(content).text.split("\n\n") if block.strip()]
    return _paragraphs(content.replace("\r\n", "\n"), quotes)


def _first_text(message: Message) -> Message | None:
    """The first plain-text part, else the first HTML part, found by walking the parts as written."""
    try:
        parts = [part for part in message.walk() if part.get_content_maintype() == "text"]
    except _BROKEN:
        return None
    return next((part for subtype in ("plain", "html") for part in parts if part.get_content_subtype() == subtype), None)


def _decoded(part: Message) -> str:
    """A part's payload, its transfer encoding undone, in its charset (else UTF-8), what cannot be decoded replaced."""
    try:
        payload = part.get_payload(decode=True)
    except _BROKEN:
        return ""
    if not isinstance(payload, bytes):
        return ""
    try:
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    except _BROKEN:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


def _paragraphs(text: str, quotes: bool) -> list[str]:
    """Plain text as paragraphs, the signature left out, and the quoted lines too unless ``quotes``."""
    if signature := _SIGNATURE.search(text):
        text = text[: signature.start()]
    paragraphs = []
    for paragraph in re.split(r"\n[ \t]*\n", text):
        lines = [line.rstrip() for line in paragraph.split("\n") if line.strip()]
        if not quotes:
            kept = [line for line in lines if not _QUOTED.match(line)]
            if kept and len(kept) < len(lines) and _ATTRIBUTION.search(kept[-1]):
                kept.pop()  # "On Monday, Ann wrote:" over the lines it quoted
            lines = kept
        if lines:
            paragraphs.append("\n".join(lines))
    return paragraphs


def _attachments(message: Message) -> list[str]:
    """The names of the parts a mail program lists as attachments (those with a file name)."""
    if not isinstance(message, EmailMessage):
        return []
    try:
        return [collapse(str(name)) for part in message.iter_attachments() if (name := part.get_filename())]
    except (*_BROKEN, KeyError):
        return []
