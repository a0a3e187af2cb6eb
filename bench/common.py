"""Helpers shared by the benchmark scripts: environment, timing, statistics and Markdown output."""

from __future__ import annotations

import os

# The same environment `make` exports, so the scripts measure what `make run` runs.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import math
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
PYTHON = REPO / ".venv" / "bin" / "python"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def say(message: str) -> None:
    """Progress to stderr, so stdout carries only the tables."""
    print(message, file=sys.stderr, flush=True)


def median(values: Sequence[float]) -> float:
    """The median, or NaN when there is nothing to take it of."""
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated linearly between order statistics (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: Sequence[float], unit: str = "s", digits: int = 2) -> str:
    """``median (min-max, n=N)`` for a table cell."""
    if not values:
        return "n/a"
    return f"{median(values):.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f}, n={len(values)})"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_line() -> str:
    """CPU, load and library versions, so a reader can judge how noisy the numbers are."""
    import torch

    load = os.getloadavg()
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs, torch {torch.__version__} with {torch.get_num_threads()} threads, "
        f"Python {platform.python_version()}; load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; "
        f"{datetime.now().isoformat(timespec='seconds')}"
    )


def write_result(name: str, text: str) -> Path:
    """Write ``text`` to bench/results/``name`` (git-ignored) and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t:`` leaves the elapsed wall seconds in ``t[0]`` and this process's CPU seconds in ``t[1]``.

    CPU time (all threads) is steadier than wall time on a machine shared with other work.
    """
    box = [0.0, 0.0]
    began, cpu = time.perf_counter(), time.process_time()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - began
        box[1] = time.process_time() - cpu


class Profile:
    """Seconds spent in chosen methods, summed, by wrapping them on their classes while active.

    Example:
        >>> with Profile({"encode": (Embedder, "encode")}) as profile:
        ...     indexer.sync(docs)
        >>> profile.seconds["encode"]
    """

    def __init__(self, targets: dict[str, tuple[type, str]]) -> None:
        self.targets = targets
        self.seconds: dict[str, float] = dict.fromkeys(targets, 0.0)
        self.calls: dict[str, int] = dict.fromkeys(targets, 0)
        self._saved: list[tuple[type, str, Any]] = []

    def __enter__(self) -> Profile:
        for label, (owner, name) in self.targets.items():
            original = owner.__dict__[name]
            self._saved.append((owner, name, original))
            setattr(owner, name, self._wrap(label, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()

    def _wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - began
                self.calls[label] += 1

        return timed
