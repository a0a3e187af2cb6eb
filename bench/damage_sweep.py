"""Damaged copies of real documents, read as the sync reads them: does each load or get refused, never crash or hang?

Usage:
    .venv/bin/python bench/damage_sweep.py [--root /usr/share/doc] [--per-type 2] [--copies 40] [--seed 1]
    .venv/bin/python bench/damage_sweep.py --files a.pdf b.epub --copies 100 --output damage_sweep_pdf.md

Takes ``--per-type`` files of each type the loader reads under ``--root`` (under 5 MB, picked by the seed), or the
``--files`` given, and writes ``--copies`` damaged copies of each: bytes flipped, a range cut out, zeroed, repeated,
or random bytes inserted, once each at a place the seed picks (a compressed file is damaged after it is inflated).
Each copy is read by the sync's own reader process (``index.reading.Reader``), under its time limit: a copy loads,
is refused with a reason, or is a bug, which this sweep looks for: a reader that crashed, ran past ``--timeout`` or
out of memory, or raised an error of its own (``Reader`` logs its traceback, shown in the report). The Markdown
report goes to stdout and ``bench/results/<output>``.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, markdown_table, median, publish, say
from index.loader import LoadError, document_suffix, is_supported, read_bytes
from index.reading import Reader

DAMAGES = ("flip", "cut", "zero", "repeat", "insert")
# A refusal's words that say the reader itself failed: it crashed, ran out of time or memory, or raised its own error.
_BUG_WORDS = ("crashed", "took over", "of memory", "cannot be read:")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/usr/share/doc"))
    parser.add_argument("--files", type=Path, nargs="*", help="these files instead of a sample of --root")
    parser.add_argument("--per-type", type=int, default=2, help="files of each type taken from --root")
    parser.add_argument("--copies", type=int, default=40, help="damaged copies of each file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a reader may take on one copy")
    parser.add_argument("--output", default="damage_sweep.md", help="the report's name under bench/results/")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    originals = args.files or sample(args.root, args.per_type, rng)
    say(f"[damage] {args.copies} copies of each of {len(originals)} files")
    tally: Counter[tuple[str, str]] = Counter()
    bugs: list[str] = []
    traces = _logged_errors()
    seconds: list[float] = []
    reader = Reader(timeout=args.timeout)
    with tempfile.TemporaryDirectory() as folder:
        for original in originals:
            data = read_bytes(original, 200_000_000)
            suffix = document_suffix(original.name)
            for n in range(args.copies):
                copy = Path(folder) / f"{original.stem.split('.')[0]}-{n}{suffix}"
                copy.write_bytes(damaged(data, rng))
                start = time.perf_counter()
                try:
                    reader.read(copy)
                    outcome = "loaded"
                except LoadError as error:
                    outcome = "bug" if any(word in str(error) for word in _BUG_WORDS) else "refused"
                    if outcome == "bug":
                        bugs.append(f"{original} (copy {n}): {error}")
                seconds.append(time.perf_counter() - start)
                tally[(suffix, outcome)] += 1
    reader.close()
    kinds = sorted({suffix for suffix, _ in tally})
    lines = [
        "# Damaged copies of real documents, read by the sync's reader (`bench/damage_sweep.py`)",
        "",
        f"load average at start {load_average()}; {args.copies} copies of each of {len(originals)} files "
        f"(seed {args.seed}), {len(seconds)} reads; median {median(seconds) * 1e3:.1f} ms, max {max(seconds, default=0):.1f} s",
        "",
        markdown_table(
            ["type", "loaded", "refused with a reason", "bugs (crash, hang, memory, own error)"],
            [[kind, *(tally[(kind, outcome)] for outcome in ("loaded", "refused", "bug"))] for kind in kinds],
        ),
        "",
        "Files damaged:",
        "",
        *(f"- {path}" for path in originals),
        *(["", "Bugs:", "", *(f"- {bug}" for bug in bugs)] if bugs else []),
        *(["", "Tracebacks logged by the reader:", "", *(f"```\n{trace}\n```" for trace in traces)] if traces else []),
    ]
    publish(args.output, lines)
    return 1 if bugs else 0


def sample(root: Path, per_type: int, rng: random.Random) -> list[Path]:
    """``per_type`` files under ``root`` of each type the loader reads, each under 5 MB, picked by ``rng``."""
    found: dict[str, list[Path]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and is_supported(path) and path.stat().st_size < 5_000_000:
            found.setdefault(document_suffix(path.name), []).append(path)
    return [path for kind in sorted(found) for path in rng.sample(found[kind], min(per_type, len(found[kind])))]


def damaged(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one damage of ``DAMAGES`` at a place ``rng`` picks."""
    if not data:
        return rng.randbytes(64)
    at, size = rng.randrange(len(data)), rng.randint(1, 4096)
    match rng.choice(DAMAGES):
        case "flip":
            return data[:at] + bytes(b ^ rng.randrange(1, 256) for b in data[at : at + 16]) + data[at + 16 :]
        case "cut":
            return data[:at] + data[at + size :]
        case "zero":
            return data[:at] + bytes(len(data[at : at + size])) + data[at + size :]
        case "repeat":
            return data[:at] + data[at : at + size] * rng.randint(2, 5) + data[at:]
        case _:
            return data[:at] + rng.randbytes(rng.randint(1, 200)) + data[at:]


def _logged_errors() -> list[str]:
    """The tracebacks ``index.reading`` logs for a reader's own error, collected as they are logged."""
    traces: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            traces.append(record.getMessage()[-2000:])

    logging.getLogger("index.reading").addHandler(Collect())
    return traces


if __name__ == "__main__":
    raise SystemExit(main())
