"""Sentence boundaries with character offsets, so chunks and quotes map back to the source text."""

from __future__ import annotations

import ctypes
import re
from bisect import bisect_left
from functools import cache
from typing import NamedTuple

import blingfire
import numpy as np

from index.text import NAME_TITLES, replace_surrogates

# A blank line, or a line break before a list item, a table row or a quote, ends a block: a sentence never
# runs across one (the loaders write their block elements so). A line that starts with an option or a negative number
# ("-bh", "--log-file=") is a group of its own (below): it starts an item of a list of options, or goes on a sentence.
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*(?:[*•<>|#]|-(?!-?\w)))|(\n)(?=[ \t]*--?\w)")
# A line of prose that a sentence goes on after: it ends with a lower-case letter or a comma ("... To view message
# content only, specify" / "-bh (Postfix 2.7 and later)."). Not a shell prompt's line ("$ ls test.txt" / "-rw-r--r-- 1
# daniel ..." is a command and its output), nor a line that starts with a dash itself: an option list's entry
# ("--contains   find the tag that comes after the commit" / "--debug ..."), a line of a listing or a rule.
_GOES_ON = re.compile(r"[^\n]*[a-z,][ \t]*")
_NOT_PROSE = re.compile(r"[ \t]*[-$#>%]")
# The shortest line of prose read as going on when it is its block's first: shorter, it is a heading or a label of an
# option list ("Other options" / "-v  Enable verbose logging ...").
_HEADING_CHARS = 50


# A run of one punctuation mark longer than this is shown to blingfire cut to this length, when the breaker never ends
# a sentence inside a run of that mark ("!", "-", "…"; not "。", each of which ends one): its time per character
# on such runs is forty times that on prose (4 s for 1 MB of "!", 0.7 s for 1 MB of 80-dash rules against 0.1 s
# for prose). The cut moved no sentence end in 4 MB of Debian manuals, nor in 70,000 random texts of runs under
# the breaker's own limit (past about 256 tokens it ends no sentence at all); tests/test_chunking.py checks that.
_KEPT_RUN = 8
_RUN = re.compile(rf"([^\w\s])\1{{{_KEPT_RUN},}}")

# The first letter or digit after a sentence end, past spaces and opening quotes or brackets.
_NEXT_WORD = re.compile(r"""[\s"'“‘«(\[]*(\w)""")
# A shell's special parameter that is a mark, "$?" (the last exit status) or "$!" (the last background job), perhaps
# closed by a bracket or a quote: "($?) Expands to the exit status ..." names the parameter, and ends no sentence.
_PARAMETER_MARK = re.compile(r"\$[?!][)\]'\"’”]*$")


class Span(NamedTuple):
    """A half-open character range [start, end) of a text."""

    start: int
    end: int


def split_sentences(text: str) -> list[Span]:
    """Split text into sentence spans, trimmed of surrounding whitespace.

    Paragraph breaks always end a sentence, so headings and list items stand alone; within a paragraph,
    blingfire's sentence breaker finds the ends (bench/sentence_split.py compares it with others).
    """
    spans: list[Span] = []
    for block in _blocks(text):
        part = text[block.start : block.end]
        if not part.strip():
            continue
        # Only blingfire's sentence ends are used, as cuts: what it leaves between sentences (a zero-width
        # space, a stray control character) stays in the sentence before, so that the spans cover every
        # visible character of the text.
        start = block.start
        for end in _sentence_ends(part):
            cut = block.start + end
            if cut > start and not _false_end(text, cut, block.end):
                spans.extend(_trimmed(text, start, cut))
                start = cut
        spans.extend(_trimmed(text, start, block.end))
    return spans


def _sentence_ends(text: str) -> list[int]:
    """Where blingfire's sentence breaker ends each sentence of ``text`` but the last, as character offsets.

    Long runs of one punctuation mark are cut short for the breaker (``_KEPT_RUN``) and its ends mapped back.
    """
    removed_at: list[int] = []  # where, in the shortened text, characters were taken out
    removed: list[int] = []  # how many had been taken out by then, in all
    pieces, last, total = [], 0, 0
    for run in _RUN.finditer(text):
        if not _never_cut(run.group(1)):
            continue
        # Keep the run's first characters and its last one; take out those between.
        cut_from, cut_to = run.start() + _KEPT_RUN - 1, run.end() - 1
        pieces.append(text[last:cut_from])
        removed_at.append(cut_from - total)
        total += cut_to - cut_from
        removed.append(total)
        last = cut_to
    if not pieces:
        return _breaker_ends(text)
    pieces.append(text[last:])
    ends = _breaker_ends("".join(pieces))
    return [end + (removed[i - 1] if (i := bisect_left(removed_at, end)) else 0) for end in ends]


@cache
def _never_cut(mark: str) -> bool:
    """Whether blingfire ends no sentence inside a run of ``mark``, alone or between words."""
    run = mark * (_KEPT_RUN + 2)
    return not _breaker_ends(run) and _breaker_ends(f"a {run} b") == _breaker_ends(f"a {mark * _KEPT_RUN} b")


def _breaker_ends(text: str) -> list[int]:
    """Where blingfire's sentence breaker ends each sentence of ``text`` but the last, as character offsets.

    The same ends as ``blingfire.text_to_sentences_and_offsets``, whose Python side maps the library's UTF-8 byte
    offsets back to characters one byte at a time (a third of the splitting time on real manuals); here one
    cumulative count does it, and none is needed for ASCII.
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the breaker reads U+FFFD in its place, one character for one
        data = replace_surrogates(text).encode("utf-8")
    size = 2 * len(data)  # as blingfire's own wrapper allocates
    out = ctypes.create_string_buffer(size)
    starts, ends = (ctypes.c_int32 * size)(), (ctypes.c_int32 * size)()
    written = blingfire.blingfire.TextToSentencesWithOffsets(
        ctypes.c_char_p(data),
        ctypes.c_int(len(data)),
        ctypes.byref(out),
        ctypes.byref(starts),
        ctypes.byref(ends),
        ctypes.c_int(size),
    )
    if written == -1 or written > size:
        return []
    count = out.value.count(b"\n") + 1  # the sentences, one per line of the library's output
    last_bytes = ends[: count - 1]  # each sentence's last byte, the last sentence's left out
    if len(data) == len(text):
        return [end + 1 for end in last_bytes]  # one byte per character
    # The characters begun up to and including each byte: a character begins at every byte that is not 10xxxxxx.
    begun = np.cumsum((np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80)
    return begun[last_bytes].tolist()


def _false_end(text: str, cut: int, end: int) -> bool:
    """Whether blingfire's sentence end at ``cut`` is one a reader would not make: the next word starts in lower
    case ('use "sudo -H aptitude …" instead of ...'), the end is a title before a name ("Dr. Richard Stallman"), or
    the mark that ends it is a shell's parameter ("($?) Expands to ...").
    """
    following = _NEXT_WORD.match(text, cut, end)
    if following is None:
        return False
    if _PARAMETER_MARK.search(text, max(0, cut - 8), cut):
        return True
    letter = following.group(1)
    if letter.islower():
        return True
    before = text[max(0, cut - 6) : cut].split()  # the longest title, "prof.", and one character more
    return bool(before) and before[-1].lower().rstrip(".") in NAME_TITLES and letter.isupper()


def _blocks(text: str) -> list[Span]:
    blocks, start = [], 0
    for match in _PARAGRAPH.finditer(text):
        if match.group(1) and _goes_on(text, start, match.start()):
            continue
        blocks.append(Span(start, match.start()))
        start = match.end()
    blocks.append(Span(start, len(text)))
    return blocks


def _goes_on(text: str, start: int, end: int) -> bool:
    """Whether the line that ends at ``end`` (in the block that starts at ``start``) is prose that the next line goes
    on: hard-wrapped text (a manual page, a plain-text file) puts an option at a line's start wherever it falls ("To view
    message content only, specify" / "-bh (Postfix 2.7 and later)."), and the option is part of that sentence. Not a
    short first line of a block, which is a heading, nor a prompt's line or a listing's. Reads that one line only."""
    line_start = text.rfind("\n", start, end) + 1 or start
    if not _GOES_ON.fullmatch(text, line_start, end) or _NOT_PROSE.match(text, line_start, end):
        return False
    return line_start > start or end - line_start >= _HEADING_CHARS


def _trimmed(text: str, start: int, end: int) -> list[Span]:
    segment = text[start:end]
    stripped = segment.strip()
    if not stripped:
        return []
    lead = len(segment) - len(segment.lstrip())
    return [Span(start + lead, start + lead + len(stripped))]
