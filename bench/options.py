"""What looking up a question's command-line options as written costs, beside the BM25 search it joins.

Usage:
    .venv/bin/python bench/options.py [--rows 100000] [--reps 7]

A query that names an option ("set -e", "--tool") is also searched for the chunks holding the option as written
(``KeywordIndex.holding``), in parallel with the dense search. This builds a keyword index of ``--rows`` rows, the
paragraphs of the Python documentation's sources (python3.11-doc) repeated, and times both lookups for questions
naming a short option, a long one, and one whose word ("python") nearly every row holds. A cell is the median of
``--reps`` runs, in the same process.

The Markdown table goes to stdout and bench/results/options.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, median, publish, pydocs_files, say, wall_times
from index import KeywordIndex
from index.text import written_options

QUESTIONS = [
    "What does the set -e option do?",
    "What does -x do?",
    "Which Valgrind tool runs when I don't pick one with --tool?",
    "In which pip release did the --python option appear?",
    "What does tar -xzf do?",
]


def filled(path: Path, rows: int) -> KeywordIndex:
    """A keyword index of ``rows`` rows: the Python docs' paragraphs, repeated until there are enough."""
    paragraphs = [p for f in pydocs_files() for p in f.read_text(encoding="utf-8").split("\n\n") if len(p) > 40]
    keywords = KeywordIndex(path)
    for start in range(0, rows, 10_000):
        batch = range(start, min(rows, start + 10_000))
        keywords.add((f"doc{i}#0", f"doc{i // 50}.txt", "h", paragraphs[i % len(paragraphs)]) for i in batch)
    return keywords


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the keyword index")
    parser.add_argument("--reps", type=int, default=7, help="timed runs of each cell; the cell is their median")
    args = parser.parse_args(argv)
    header = machine_line()
    say(header)
    table = []
    with tempfile.TemporaryDirectory(prefix="citewise-options-") as folder:
        keywords = filled(Path(folder) / "k.sqlite", args.rows)
        for question in QUESTIONS:
            options = written_options(question)
            search = median(wall_times(lambda q=question: keywords.search(q, 10), args.reps))
            holding = median(wall_times(lambda q=question, o=options: keywords.holding(o, q, 10), args.reps))
            found = len(keywords.holding(options, question, 10))
            table.append(
                [question, " ".join(options), f"{search * 1000:.1f}", f"{holding * 1000:.1f}", f"{holding / search:.2f}", found]
            )
        keywords.close()
    publish(
        "options.md",
        [
            f"Milliseconds per lookup over {args.rows:,} rows (median of {args.reps}, same process).",
            "",
            markdown_table(
                ["question", "options", "BM25 search", "holding the options", "ratio", "chunks found"], table, text=[0, 1]
            ),
            "",
            header,
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
