"""Sentence splitters on real manuals: Citewise's (blingfire in paragraph blocks, index/sentences.py), the regular
expression it used before (loader version 11, kept here as the baseline), pysbd and syntok.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentence_split.py

pysbd and syntok are not dependencies; install the versions measured to compare them (a missing one is skipped):
``.venv/bin/pip install pysbd==0.3.4 syntok==1.4.4``.

Three measures, each splitter run inside the same paragraph blocks (a paragraph break, a list item or a table
row always ends a sentence: that comes from the loaders' block markup, not from punctuation):

- the text of the development corpora (bench/corpus.py ``DEV_CORPORA``: three Debian manuals as HTML, read by
  index/loader.py exactly as the index reads them): sentences, speed (median of 5 runs, the splitters taking
  turns), and how many sentence ends each one shares with the regular expression's, with examples of where
  they part;
- probes: short texts of the cases technical prose is full of, each with the sentences a reader sees;
- 1 MB of text of the shapes that make splitters slow (runs of "!", ". ", initials, no punctuation), each
  run in a child process that is stopped after a minute.
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, median, publish, say
from bench.corpus import DEV_CORPORA

Spans = list[tuple[int, int]]
BASELINE = "regular expression (loader version 11)"

# Each probe: the text and the sentences a reader sees in it.
PROBES: list[tuple[str, list[str]]] = [
    ("Run apt update. Then run apt upgrade.", ["Run apt update.", "Then run apt upgrade."]),
    (
        "Use e.g. ls -l to list them. It prints one line per file.",
        ["Use e.g. ls -l to list them.", "It prints one line per file."],
    ),
    (
        "The tool was written by J. R. Smith in 1998. It is still used.",
        ["The tool was written by J. R. Smith in 1998.", "It is still used."],
    ),
    ("Python 3.11 is the default. Version 3.12 is in testing.", ["Python 3.11 is the default.", "Version 3.12 is in testing."]),
    ("Call os.path.expanduser() first. Then call glob.glob().", ["Call os.path.expanduser() first.", "Then call glob.glob()."]),
    ("Edit /etc/apt/sources.list. Save it.", ["Edit /etc/apt/sources.list.", "Save it."]),
    (
        "The file is named README.Debian. It describes the changes.",
        ["The file is named README.Debian.", "It describes the changes."],
    ),
    ("Is it free? Yes. It is free software!", ["Is it free?", "Yes.", "It is free software!"]),
    ('He said "it works." Then he left.', ['He said "it works."', "Then he left."]),
    ("It supports i386, amd64, arm64, etc. The list grows.", ["It supports i386, amd64, arm64, etc.", "The list grows."]),
    ("See Mr. Jones. He knows.", ["See Mr. Jones.", "He knows."]),
    ("The asyncio.TimeoutError class is raised. Catch it.", ["The asyncio.TimeoutError class is raised.", "Catch it."]),
    ("It costs 3.5 GB. That is a lot.", ["It costs 3.5 GB.", "That is a lot."]),
    ("Set the option to no. Restart the daemon.", ["Set the option to no.", "Restart the daemon."]),
    ("Debian was founded in 1993 (see ch. 1). It grew fast.", ["Debian was founded in 1993 (see ch. 1).", "It grew fast."]),
    ("The U.S. government uses it. So do others.", ["The U.S. government uses it.", "So do others."]),
]

LIMIT_S = 60
HARD_SHAPES = {
    "no punctuation": "word " * 200_000,
    "runs of !": "!" * 1_000_000,
    '". " repeated': ". " * 500_000,
    "initials": "Mr. J. " * 140_000,
    "one-line code": "x = f(a.b, c.d)\n" * 62_500,
}


def citewise(text: str) -> Spans:
    from index.sentences import split_sentences

    return [(s.start, s.end) for s in split_sentences(text)]


def citewise_through_wrapper(text: str) -> Spans:
    """Citewise's splitter as it was before it called blingfire's library directly: the sentence ends taken from
    blingfire's own Python wrapper, which maps byte offsets to characters one byte at a time (the same spans)."""
    import blingfire

    from index import sentences

    direct = sentences._sentence_ends
    sentences._sentence_ends = lambda part: [end for _, end in blingfire.text_to_sentences_and_offsets(part)[1][:-1]]
    try:
        return citewise(text)
    finally:
        sentences._sentence_ends = direct


# The splitter of loader versions up to 11: a terminator, closing marks, whitespace and a capital or digit, unless the
# word before the stop is a known abbreviation or a single letter.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st no vs etc e.g i.e fig gen gov sen rep lt col capt sgt
    jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp dept approx est
    u.s u.k u.n a.m p.m""".split()
)
_BOUNDARY = re.compile(r"""(?<![.!?…])[.!?…]++["'”’»)\]]*+\s++(?=["'“‘«(\[]?[A-Z0-9])""")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")


def regular_expression(text: str) -> Spans:
    """One paragraph block cut by the regular expression of loader version 11 (spans before trimming)."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        cut = match.start() + len(match.group().rstrip())
        first = cut - 1
        while first > start and text[first - 1] in _WORD_CHARS:
            first -= 1
        word = text[first : cut - 1].lstrip(".").lower()
        if text[cut - 1] == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
            continue
        spans.append((start, cut))
        start = match.end()
    return [*spans, (start, len(text))]


def in_blocks(split: Callable[[str], Spans]) -> Callable[[str], Spans]:
    """``split`` run on each paragraph block as Citewise's is, its spans trimmed and moved to the whole text."""
    from index.sentences import _blocks

    def run(text: str) -> Spans:
        spans = []
        for block in _blocks(text):
            part = text[block.start : block.end]
            if not part.strip():
                continue
            for start, end in split(part):
                piece = part[start:end]
                lead = len(piece) - len(piece.lstrip())
                if piece.strip():
                    spans.append((block.start + start + lead, block.start + start + lead + len(piece.strip())))
        return spans

    return run


def others() -> dict[str, Callable[[str], Spans]]:
    """The PyPI splitters that are installed, each as text -> sentence spans."""
    found: dict[str, Callable[[str], Spans]] = {}
    try:
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        found["pysbd 0.3.4"] = in_blocks(lambda text: [(s.start, s.end) for s in segmenter.segment(text)])
    except ImportError:
        say("pysbd not installed: skipped")
    try:
        from syntok import segmenter as syntok

        def syntok_split(text: str) -> Spans:
            spans = []
            for paragraph in syntok.analyze(text):
                for sentence in paragraph:
                    tokens = list(sentence)
                    if tokens:
                        spans.append((tokens[0].offset, tokens[-1].offset + len(tokens[-1].value)))
            return spans

        found["syntok 1.4.4"] = in_blocks(syntok_split)
    except ImportError:
        say("syntok not installed: skipped")
    return found


def timed(split: Callable[[str], Spans], text: str) -> str:
    """Seconds ``split`` takes on ``text``, in a child process stopped after ``LIMIT_S`` (a splitter can hang)."""
    import multiprocessing

    def run() -> None:
        split(text)

    child = multiprocessing.get_context("fork").Process(target=run)
    began = time.perf_counter()
    child.start()
    child.join(LIMIT_S)
    if child.is_alive():
        child.kill()
        child.join()
        return f"> {LIMIT_S}"
    return f"{time.perf_counter() - began:.2f}"


def manual_texts() -> list[str]:
    from index.loader import load

    return [load(path).text for corpus in DEV_CORPORA for path in corpus.paths()]


def main() -> int:
    machine = machine_line()
    splitters = {
        BASELINE: in_blocks(regular_expression),
        "Citewise: blingfire 0.1.8 (index/sentences.py)": citewise,
        "the same through blingfire's Python wrapper (before)": citewise_through_wrapper,
        **others(),
    }
    texts = manual_texts()
    size = sum(len(t.encode()) for t in texts)
    say(f"{len(texts)} pages, {size / 1e6:.2f} MB")
    found, runs = split_in_turns(splitters, texts)
    rows, probe_rows, hard_rows = compared(splitters, found, runs, size)
    publish(
        "sentence_split.md", [*report(machine, len(texts), size, rows, probe_rows, hard_rows), *where_they_part(texts, found)]
    )
    return 0


def split_in_turns(
    splitters: dict[str, Callable[[str], Spans]], texts: list[str]
) -> tuple[dict[str, list[Spans]], dict[str, list[float]]]:
    """Each splitter's sentences of ``texts`` and its times over five runs, the splitters taking turns so that a busy
    moment of the machine falls on each alike."""
    found: dict[str, list[Spans]] = {}
    runs: dict[str, list[float]] = {name: [] for name in splitters}
    for _ in range(5):
        for name, split in splitters.items():
            began = time.perf_counter()
            found[name] = [split(t) for t in texts]
            runs[name].append(time.perf_counter() - began)
    return found, runs


def compared(
    splitters: dict[str, Callable[[str], Spans]], found: dict[str, list[Spans]], runs: dict[str, list[float]], size: int
) -> tuple[list[list[object]], list[list[object]], list[list[object]]]:
    """The three tables' rows, a row per splitter: sentences, speed and ends shared with the baseline's; the probes
    split as a reader does; the seconds on each hard shape."""
    rows, probe_rows, hard_rows = [], [], []
    ours = [{end for _, end in spans} for spans in found[BASELINE]]
    for name, split in splitters.items():
        ends = [{end for _, end in spans} for spans in found[name]]
        shared = sum(len(a & b) for a, b in zip(ends, ours, strict=True))
        speed = f"{size / median(runs[name]) / 1e6:.2f}"
        rows.append([name, sum(map(len, found[name])), speed, shared, sum(map(len, ends)) - shared])
        right = [[text[a:b] for a, b in split(text)] == expected for text, expected in PROBES]
        probe_rows.append([name, f"{sum(right)}/{len(PROBES)}", ", ".join(str(i + 1) for i, ok in enumerate(right) if not ok)])
        hard_rows.append([name, *(timed(split, text) for text in HARD_SHAPES.values())])
        say(f"{name}: done")
    return rows, probe_rows, hard_rows


def report(
    machine: str, pages: int, size: int, rows: list[list[object]], probe_rows: list[list[object]], hard_rows: list[list[object]]
) -> list[str]:
    """The report's tables: the manuals, the probes and the hard shapes."""
    headers = [
        "splitter",
        "sentences",
        "MB/s (median of 5, in turns)",
        "ends shared with the regular expression's",
        "ends of its own",
    ]
    return [
        "# Sentence splitters on real manuals",
        "",
        machine,
        "",
        f"{pages} pages of the development corpora, {size / 1e6:.2f} MB of loaded text.",
        "",
        markdown_table(headers, rows),
        "",
        "## Probes",
        "",
        "\n".join(f"{i}. `{text}`" for i, (text, _) in enumerate(PROBES, 1)),
        "",
        markdown_table(["splitter", "probes split as a reader does", "probes missed"], probe_rows),
        "",
        f"## 1 MB of hard shapes (seconds, stopped after {LIMIT_S})",
        "",
        markdown_table(["splitter", *HARD_SHAPES], hard_rows),
        "",
        "## Where they part (a random sample, `||` marks the cut)",
        "",
    ]


def where_they_part(texts: list[str], found: dict[str, list[Spans]]) -> list[str]:
    """Per splitter, ten sentence ends it alone makes or alone misses against the baseline, sampled with a fixed seed."""
    lines = []
    rng = random.Random(0)
    ours = found[BASELINE]
    for name in list(found)[1:]:
        cuts = []
        for text, a, b in zip(texts, ours, found[name], strict=True):
            for label, mine, theirs in (("only " + name, b, a), ("only the regular expression", a, b)):
                kept = {end for _, end in theirs}
                cuts += [(label, text[max(0, e - 50) : e], text[e : e + 30]) for _, e in mine if e not in kept]
        lines += [f"### {name}", ""]
        lines += [
            f"- {label}: `{' '.join(before.split())} || {' '.join(after.split())}`"
            for label, before, after in rng.sample(cuts, min(10, len(cuts)))
        ]
        lines.append("")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
