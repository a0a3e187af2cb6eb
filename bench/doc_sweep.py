"""Every document a folder holds, loaded: does each one load, or get refused with a reason, in bounded time?

Usage:
    .venv/bin/python bench/doc_sweep.py [--root /usr/share/doc] [--max-mb 20] [--output doc_sweep.md]
    .venv/bin/python bench/doc_sweep.py --root /usr/share/man --output man_sweep.md   # every manual page

Loads every file under ``--root`` whose type the loader reads (compressed ones too), as sync would, and counts
the documents, the refusals by reason, the documents read with a warning (a web page not in UTF-8) and any other
exception, which would be a bug: a file must load or be refused with a reason. Times are per file, wall clock.
The Markdown report goes to stdout and bench/results/doc_sweep.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, markdown_table, median, percentile, publish, say
from index.loader import LoadError, is_compressed, is_supported, load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/usr/share/doc"))
    parser.add_argument("--max-mb", type=float, default=20.0, help="what a compressed file may expand to")
    parser.add_argument("--output", default="doc_sweep.md", help="the report's name under bench/results/")
    args = parser.parse_args()
    files = sorted(path for path in args.root.rglob("*") if path.is_file() and is_supported(path))
    say(f"[sweep] {len(files)} files under {args.root}")
    refused: Counter[str] = Counter()
    refusals: list[str] = []  # each refused file with its reason, so that every refusal can be checked by hand
    warned: Counter[str] = Counter()
    bugs: list[str] = []
    kinds: Counter[str] = Counter()
    seconds: list[tuple[float, str]] = []
    characters = 0
    for n, path in enumerate(files, 1):
        kinds["compressed" if is_compressed(path) else "plain"] += 1
        start = time.perf_counter()
        try:
            document = load(path, int(args.max_mb * 1e6))
            characters += len(document.text)
            for warning in document.warnings:
                warned[re.sub(r"\bpage \d+", "page N", warning)] += 1
        except LoadError as error:
            refused[str(error).split(" (")[0].split(";")[0]] += 1
            refusals.append(f"{path}: {error}")
        except Exception as error:  # any other exception is what this sweep looks for
            bugs.append(f"{path}: {type(error).__name__}: {error}")
        seconds.append((time.perf_counter() - start, str(path)))
        if n % 1000 == 0:
            say(f"[sweep] {n}/{len(files)}")
    times = [s for s, _ in seconds]
    slowest = sorted(seconds, reverse=True)[:3]
    lines = [
        f"# Every supported file under {args.root}, loaded (`bench/doc_sweep.py`)",
        "",
        f"load average at start {load_average()}; {len(files)} files ({kinds['compressed']} compressed), "
        f"{characters / 1e6:.1f} M characters of text",
        "",
        markdown_table(
            ["loaded", "refused with a reason", "other exceptions (bugs)", "median / p95 / max per file", "slowest"],
            [
                [
                    len(files) - sum(refused.values()) - len(bugs),
                    sum(refused.values()),
                    len(bugs),
                    f"{median(times) * 1e3:.0f} ms / {percentile(times, 95) * 1e3:.0f} ms / {max(times, default=0):.1f} s",
                    ", ".join(f"{Path(p).name} {s:.1f} s" for s, p in slowest),
                ]
            ],
        ),
        "",
        markdown_table(["refused because", "files"], sorted(refused.items(), key=lambda kv: -kv[1])),
        "",
        markdown_table(["warning (page N: any page)", "times"], sorted(warned.items(), key=lambda kv: -kv[1])),
        *(["", "Refused:", "", *(f"- {refusal}" for refusal in refusals)] if refusals else []),
        *(["", "Other exceptions:", "", *(f"- {bug}" for bug in bugs)] if bugs else []),
    ]
    publish(args.output, lines)
    return 1 if bugs else 0


if __name__ == "__main__":
    raise SystemExit(main())
