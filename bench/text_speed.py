"""Text functions on 1 MB of text of each shape: does each stay under the 1 s target, whatever the text?

Usage:
    .venv/bin/python bench/text_speed.py [--reps 3] [--size 1000000] [--rows split_sentences]

Each function reads ``--size`` characters of each shape: ordinary prose (the seeds, repeated), a run of
terminators, digit groups with commas and stops, a run of hyphens, lines of 79 dashes (a plain-text rule),
one word with no spaces, and mixed scripts (CJK, Arabic, emoji, zero-width characters). A cell is the median
wall time of ``--reps`` runs.
``chunk_text`` counts tokens with the real embedding model's tokenizer (all-MiniLM-L6-v2 from its
package; the row reads n/a when it cannot be loaded); the keyword rows query a temporary BM25 index of
the seeds' sentences. Question shapes are asked with the 1 MB text as the question and as the sentence.
Before the fixes of issue 15, a run of 20,000 "!" alone took 8.6 s to split into sentences.

The Markdown table goes to stdout and bench/results/text_speed.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.citations import renumber_markers
from assistant.shapes import shape_of
from assistant.verify import Verifier, _facts_present, _with_markers
from bench.common import SEEDS, load_average, machine_line, markdown_table, median, say, wall_times, write_result
from index import Embedder, KeywordIndex, sentences
from index.chunker import chunk_text
from index.sentences import split_sentences
from index.text import query_terms

TARGET_S = 1.0


def inputs(size: int) -> dict[str, str]:
    """``size`` characters of each shape of text."""
    rng = random.Random(15)
    prose = "\n\n".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt")))
    shapes = {
        "prose (seeds)": prose,
        "terminators": "!",
        "digit groups": "12,345.67,",
        "hyphens": "-",
        "rules of dashes": "-" * 79 + "\n",
        "no spaces": "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=size)),
        "mixed scripts": "中文字符没有空格。عربي نص 😀👍🏽\u200b Ελληνικά, English words! ",
    }
    return {name: (unit * (size // len(unit) + 1))[:size] for name, unit in shapes.items()}


def subjects(embedder: Embedder | None, keywords: KeywordIndex) -> dict[str, Callable[[str], object] | None]:
    """The functions to time, each applied to one text."""
    # highlights() reads only the text; the scorers are never called.
    verifier = Verifier(embedder, reranker=None)  # type: ignore[arg-type]
    rows: dict[str, Callable[[str], object] | None] = {
        "split_sentences": split_sentences,
        # The same, with runs of one mark reaching the breaker whole, as before they were cut short.
        "reference: split_sentences, runs not cut short": runs_whole,
        # A reference: one pass of the model's tokenizer, as counting a whole text costs.
        "reference: one count_tokens over all of it": embedder.count_tokens if embedder else None,
        # The counting path (any tokenizer) and the batched one sync uses with the model's fast tokenizer.
        "chunk_text, counting each piece (254)": (lambda t: chunk_text(t, embedder.count_tokens, embedder.max_tokens - 2))
        if embedder
        else None,
        "chunk_text, batched (254), as sync runs it": (
            lambda t: chunk_text(t, embedder.count_tokens, embedder.max_tokens - 2, batch=embedder.batch_tokenizer())
        )
        if embedder
        else None,
    }
    for lead in ("How many items ", "How much money ", "When did ", "How long ", "Which items "):
        rows[f"shape_of + states: {lead.strip()!r}"] = partial(shape_states, lead)
    rows |= {
        "verify: _facts_present": lambda t: _facts_present(t, t),
        "verify: _with_markers + renumber_markers": lambda t: renumber_markers(_with_markers(t, [1, 2]), {1: 2}),
        "Verifier.highlights (3 claims)": lambda t: verifier.highlights([t[:300], t[-300:], t[1000:1300]], t),
        "query_terms (all)": query_terms,
        "KeywordIndex.plan + search": lambda t: (keywords.plan(t, 10), keywords.search(t, 10)),
    }
    return rows


def runs_whole(text: str) -> object:
    """``split_sentences`` with every run of one mark given to blingfire whole, as before ``_KEPT_RUN``."""
    with patch.object(sentences, "_sentence_ends", sentences._breaker_ends):
        return split_sentences(text)


def shape_states(lead: str, text: str) -> bool:
    """``text`` as the question after ``lead`` and as the sentence: the shape of the question, and whether the text states it."""
    return shape_of(lead + text).states(text)


def load_embedder() -> Embedder | None:
    """The packaged embedding model, or None (with a note) where it cannot be loaded."""
    try:
        return Embedder("sentence-transformers/all-MiniLM-L6-v2")
    except (RuntimeError, ImportError, OSError) as error:
        say(f"no embedding model, chunk_text row skipped: {error}")
        return None


def keyword_index(folder: Path) -> KeywordIndex:
    """A BM25 index of the seeds' sentences, one row each."""
    keywords = KeywordIndex(folder / "keywords.sqlite")
    rows = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        rows += [(f"{path.name}#{i}", path.name, "h", text[s:e]) for i, (s, e) in enumerate(split_sentences(text))]
    keywords.add(rows)
    return keywords


def measure(rows: dict[str, Callable[[str], object] | None], texts: dict[str, str], reps: int) -> list[list[str]]:
    """One table row per function: its median seconds on each text, starred over the target."""
    table = []
    for name, function in rows.items():
        cells = [name]
        for shape, text in texts.items():
            if function is None:
                cells.append("n/a")
                continue
            seconds = median(wall_times(partial(function, text), reps))
            cells.append(f"{seconds:.2f}" + (" **over**" if seconds > TARGET_S else ""))
            say(f"{name} on {shape}: {seconds:.3f} s")
        table.append(cells)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="timed runs of each cell; the cell is their median")
    parser.add_argument("--size", type=int, default=1_000_000, help="characters of each text")
    parser.add_argument("--rows", default="", help="only the functions whose row name contains this text")
    args = parser.parse_args(argv)
    header = machine_line()
    say(header)
    texts = inputs(args.size)
    with tempfile.TemporaryDirectory(prefix="citewise-text-speed-") as folder:
        keywords = keyword_index(Path(folder))
        rows = {name: function for name, function in subjects(load_embedder(), keywords).items() if args.rows in name}
        table = measure(rows, texts, args.reps)
        keywords.close()
    over = sum("over" in cell for row in table for cell in row[1:])
    report = "\n\n".join(
        [
            f"Seconds per call on {args.size:,} characters of each shape (median of {args.reps}); target {TARGET_S:g} s.",
            markdown_table(["function", *texts], table),
            f"{over} of {sum(len(row) - 1 for row in table)} cells over the target; load average at end {load_average()}.",
            header,
        ]
    )
    print(report)
    say(f"wrote {write_result('text_speed.md', report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
